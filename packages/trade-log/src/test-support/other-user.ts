import { execFile } from 'node:child_process'
import { chmodSync } from 'node:fs'
import { dirname } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** True when this process is root: file modes do not stop it, so checks must run as another user. */
export const isRoot = process.getuid?.() === 0

/**
 * Runs a bundled script as an unprivileged user: as root (here and in CI) through `setpriv` as `nobody`, otherwise
 * as this user (whose own mode-000 files then stop it the same way). The script's folder is opened to that user.
 */
export async function runAsOtherUser(script: string, args: string[]): Promise<string> {
  chmodSync(dirname(script), 0o755)
  chmodSync(script, 0o644)
  const command = isRoot
    ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath, script, ...args]
    : [process.execPath, script, ...args]
  const { stdout } = await run(command[0]!, command.slice(1), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  return stdout
}

/** Makes `path` unreadable for the user `runAsOtherUser` runs as (mode 0600 is enough against nobody). */
export function denyOtherUser(path: string, directory = false): void {
  chmodSync(path, isRoot ? (directory ? 0o700 : 0o600) : 0o000)
}

/** Lets that user read `path` (and enter it, for a directory). */
export function allowOtherUser(path: string, directory = false): void {
  chmodSync(path, directory ? 0o755 : 0o644)
}
