/**
 * Cursors of a PostgreSQL log: the same opaque text as the file backend's (`encodeCursor`), pointing at an entry by
 * its time and key. Entries are ordered by (tsMs, key), so a cursor stays valid while entries are added; `follow`
 * resumes after the entry a cursor names, in the order entries became durable.
 */
import { type CursorPosition, decodeCursor, encodeCursor } from '../cursor.js'
import { TradeLogUsageError } from '../errors.js'

const PREFIX = 'pg:'

export interface PostgresPosition {
  tsMs: number
  key: string
}

export function encodePostgresCursor(position: PostgresPosition): string {
  return encodeCursor({ tsMs: position.tsMs, file: `${PREFIX}${position.key}`, line: 0 })
}

/** Parses a cursor of a PostgreSQL log; a file log's cursor is refused with a clear error. */
export function decodePostgresCursor(cursor: string): PostgresPosition {
  const position: CursorPosition = decodeCursor(cursor)
  if (!position.file.startsWith(PREFIX) || !/^[0-9a-f]{32}$/.test(position.file.slice(PREFIX.length))) {
    throw new TradeLogUsageError(
      'This cursor points into a log directory, not a PostgreSQL log; pass back a cursor this reader (or its follower) returned.',
    )
  }
  return { tsMs: position.tsMs, key: position.file.slice(PREFIX.length) }
}
