import { closeSync, fsyncSync, openSync } from 'node:fs'

/** fsyncs a directory, so the names of files just created or renamed in it are durable too, not only their bytes. */
export function syncDir(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    // Some platforms cannot fsync a directory; the files themselves were synced.
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
