/**
 * An entry's key in the database: a hash of its kind, its time and its identity, the same identity the file reader
 * uses to return a repeated entry once (`duplicates.ts`: for a fill the order and what was filled, for other kinds
 * every field but legacy provenance). The same entry appended twice (a retry after a lost reply, two writers, an
 * import run again, a legacy file and its converted copy) has one key, and the table stores a key once.
 */
import { createHash } from 'node:crypto'
import { entryIdentity } from '../duplicates.js'

/** 32 hex digits (128 bits) of SHA-256 over kind, tsMs and identity. */
export function entryKey(kind: string, entry: Record<string, unknown> & { tsMs: number }): string {
  return createHash('sha256')
    .update(`${kind}\u0000${entry.tsMs}\u0000${entryIdentity(kind, entry)}`)
    .digest('hex')
    .slice(0, 32)
}
