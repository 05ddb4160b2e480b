/** Reproduces what a crash in the middle of an append leaves behind, for tests of stores built on JSON Lines. */
import { appendFile } from 'node:fs/promises'

/**
 * Appends the first `fraction` (default half) of `record`'s JSON line to `path`, without its newline: the torn last
 * line a process killed mid-write leaves. The invoice store repairs it before its next write.
 */
export async function simulateTornWrite(path: string, record: unknown = { torn: true }, fraction = 0.5): Promise<void> {
  const line = `${JSON.stringify(record)}\n`
  const cut = Math.min(line.length - 1, Math.max(1, Math.floor(line.length * fraction)))
  await appendFile(path, line.slice(0, cut))
}
