/**
 * The package's one crash-safe append-only log (JSON Lines), used by the invoice store.
 *
 * - One record is one line written with one `write` call, then `fdatasync`ed before `append` resolves: an
 *   acknowledged record survives a crash (SIGKILL, power loss after the sync).
 * - A crash mid-write leaves the file ending without a newline. Appending after it would glue the next record onto
 *   the fragment and lose both, so `openAppendLog` repairs the tail first: a fragment that is complete JSON gets its
 *   newline, anything else (a torn line, NUL bytes from a power cut) is cut off. Those bytes were never
 *   acknowledged, since `append` resolves only after its whole line is synced.
 * - A bad line anywhere else is not a crash artefact: it is reported with file and line and nothing is changed.
 * - A new file's directory entry is synced too, so the file itself survives a power cut.
 *
 * Single writer: one process appends to a log at a time.
 */

import type { FileHandle } from 'node:fs/promises'
import { mkdir, open, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { StoreError } from './errors.js'

export interface AppendLog {
  readonly path: string
  /** Appends one record as one line and resolves once it is on disk. Appends are serialised. */
  append(record: unknown): Promise<void>
  /** Waits for pending appends and closes the file. */
  close(): Promise<void>
}

export interface LogLine {
  /** The parsed JSON value. */
  value: unknown
  /** 1-based line number, for error messages. */
  line: number
}

export interface OpenedLog {
  log: AppendLog
  /** Every complete record in the file, in order. */
  lines: LogLine[]
  /** Bytes of a torn tail that were cut off (0 when the file ended cleanly). */
  repairedBytes: number
}

const NEWLINE = 0x0a

function fail(path: string, what: string, error: unknown): never {
  throw new StoreError(`cannot ${what} ${path}: ${(error as Error).message}; check the path, free space and permissions.`, {
    file: path,
    cause: error,
  })
}

/** Parses the complete lines; `end` is the offset after the last newline. */
function parseLines(path: string, bytes: Buffer, end: number): LogLine[] {
  const lines: LogLine[] = []
  let start = 0
  let number = 0
  while (start < end) {
    const stop = bytes.indexOf(NEWLINE, start)
    number++
    const text = bytes.subarray(start, stop).toString('utf8').replace(/\0+/g, '').trim()
    start = stop + 1
    if (text === '') continue
    try {
      lines.push({ value: JSON.parse(text), line: number })
    } catch (error) {
      throw new StoreError(`${path}:${number} is not valid JSON; fix or remove that line (nothing was changed).`, {
        file: path,
        line: number,
        cause: error,
      })
    }
  }
  return lines
}

/** Whether a torn tail is a whole record that only lacks its newline. */
function isCompleteRecord(fragment: Buffer): boolean {
  const text = fragment.toString('utf8').replace(/\0+/g, '').trim()
  if (text === '') return false
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object'
  } catch {
    return false
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch {
    // Some platforms cannot fsync a directory; the data itself is still synced.
  } finally {
    await handle?.close()
  }
}

async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0
  // A short write leaves the rest for the next call rather than a gap.
  while (offset < data.length) offset += (await handle.write(data, offset, data.length - offset)).bytesWritten
}

/**
 * Opens (creating if needed) the log at `path`, reads its records and repairs a torn tail before anything is
 * appended. Throws `StoreError` (with `file`/`line`) for a corrupt line that is not the tail.
 */
export async function openAppendLog(path: string): Promise<OpenedLog> {
  let bytes: Buffer
  let existed = true
  try {
    bytes = await readFile(path)
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') fail(path, 'read', error)
    bytes = Buffer.alloc(0)
    existed = false
  }
  const end = bytes.lastIndexOf(NEWLINE) + 1
  const lines = parseLines(path, bytes, end)
  const tail = bytes.subarray(end)
  const completeTail = tail.length > 0 && isCompleteRecord(tail)
  if (completeTail) lines.push({ value: JSON.parse(tail.toString('utf8').replace(/\0+/g, '').trim()), line: lines.length + 1 })

  let handle: FileHandle
  /** Bytes known to end with a whole line: a failed append is cut back to this. */
  let size = end
  try {
    if (!existed) await mkdir(dirname(path), { recursive: true })
    handle = await open(path, 'a+')
    if (tail.length > 0) {
      if (completeTail) {
        await writeAll(handle, Buffer.from('\n'))
        size = bytes.length + 1
      } else await handle.truncate(end)
      await handle.datasync()
    }
    if (!existed) await syncDirectory(dirname(path))
  } catch (error) {
    fail(path, 'open', error)
  }

  let queue: Promise<void> = Promise.resolve()
  let closed = false
  let broken: StoreError | undefined
  const log: AppendLog = {
    path,
    append(record) {
      if (closed) return Promise.reject(new StoreError(`the log ${path} is closed; nothing was written.`, { file: path }))
      let line: Buffer
      try {
        line = Buffer.from(`${JSON.stringify(record)}\n`)
      } catch (error) {
        return Promise.reject(
          new StoreError(`a record for ${path} cannot be written as JSON: ${(error as Error).message}`, {
            file: path,
            cause: error,
          }),
        )
      }
      const written = queue.then(async () => {
        if (broken) throw broken
        try {
          await writeAll(handle, line)
          await handle.datasync()
          size += line.length
        } catch (error) {
          // Cut a partly written line so the next append starts on a line of its own.
          try {
            await handle.truncate(size)
          } catch {
            broken = new StoreError(`the log ${path} could not be repaired after a failed write; reopen it.`, {
              file: path,
              cause: error,
            })
          }
          fail(path, 'append to', error)
        }
      })
      queue = written.catch(() => undefined)
      return written
    },
    async close() {
      if (closed) return
      closed = true
      await queue
      await handle.close()
    },
  }
  return { log, lines, repairedBytes: completeTail ? 0 : tail.length }
}
