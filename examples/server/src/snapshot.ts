import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { TradeLogReader } from '@tradekit/trade-log'

/**
 * Every entry of one kind, held in memory and re-read only when the files changed. "Changed" is checked
 * cheaply: the directory listing of that kind plus size and mtime of its newest day's files (older days are
 * closed), or an explicit `invalidate()` from the live follower.
 */
export interface Snapshot<T> {
  /** The entries, oldest first, and a version number that changes whenever they do. */
  get(): Promise<{ entries: T[]; version: number }>
  invalidate(): void
}

/**
 * `keep` trims each entry to what the statistics read: a year of trades is 365,000 objects, and their free-text
 * reasons and ids would otherwise dominate the server's memory.
 */
export function createSnapshot<T>(
  reader: TradeLogReader,
  kind: 'trades' | 'equity' | 'decisions',
  keep: (entry: T) => T = (entry) => entry,
): Snapshot<T> {
  let current: { fingerprint: string; entries: T[]; version: number } | undefined
  let loading: Promise<{ entries: T[]; version: number }> | undefined
  let version = 0
  let dirty = true
  let checkedAt = 0
  // The follower invalidates at once; the file check is a safety net, so once a second is enough.
  const CHECK_EVERY_MS = 1_000

  async function fingerprint(): Promise<string> {
    // A log in PostgreSQL says itself when a kind changed.
    const changeToken = (reader as { changeToken?: (kind: string) => Promise<string> }).changeToken
    if (changeToken) return changeToken.call(reader, kind)
    const names = (await readdir(reader.dir)).filter((name) => name.startsWith(`${kind}_`)).sort()
    const newestDay = names.at(-1)?.slice(kind.length + 1, kind.length + 9)
    const newest = names.filter((name) => newestDay !== undefined && name.startsWith(`${kind}_${newestDay}`))
    const stats = await Promise.all(newest.map((name) => stat(join(reader.dir, name))))
    return `${names.length}|${names[0] ?? ''}|${newest.join(',')}|${stats.map((s) => `${s.size}:${s.mtimeMs}`).join(',')}`
  }

  async function load(): Promise<{ entries: T[]; version: number }> {
    if (current && !dirty && Date.now() - checkedAt < CHECK_EVERY_MS) return current
    checkedAt = Date.now()
    const print = await fingerprint()
    if (current && !dirty && current.fingerprint === print) return current
    dirty = false
    const entries: T[] = []
    for await (const record of reader.stream({ kind })) entries.push(keep(record.entry as T))
    version += 1
    current = { fingerprint: print, entries, version }
    return current
  }

  return {
    get() {
      // Concurrent requests share one load.
      loading ??= load().finally(() => {
        loading = undefined
      })
      return loading
    },
    invalidate() {
      dirty = true
    },
  }
}
