/**
 * Cursors point at one entry: its time, its file's name and its line. Entries are ordered by that triple, so a
 * cursor stays valid while files grow (lines are only appended) and across instance files.
 */
import { TradeLogUsageError } from './errors.js'

/** The position of one entry. */
export interface CursorPosition {
  tsMs: number
  /** Base name of the file. */
  file: string
  line: number
}

/** Opaque cursor text for a position. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.tsMs, position.file, position.line])).toString('base64url')
}

/** Parses a cursor from `encodeCursor`; throws `TradeLogUsageError` for anything else. */
export function decodeCursor(cursor: string): CursorPosition {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown
    if (
      Array.isArray(value) &&
      value.length === 3 &&
      Number.isFinite(value[0]) &&
      typeof value[1] === 'string' &&
      Number.isInteger(value[2])
    ) {
      return { tsMs: value[0] as number, file: value[1], line: value[2] as number }
    }
  } catch {}
  throw new TradeLogUsageError('Malformed cursor; pass back a cursor exactly as a previous page or follow() returned it.')
}

/** Orders positions by time, then file name, then line. */
export function comparePositions(a: CursorPosition, b: CursorPosition): number {
  if (a.tsMs !== b.tsMs) return a.tsMs - b.tsMs
  if (a.file !== b.file) return a.file < b.file ? -1 : 1
  return a.line - b.line
}
