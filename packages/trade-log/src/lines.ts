/**
 * Turning bytes into entries, tolerating what real files contain: a torn last line, CRLF, NUL runs left by a
 * crash, blank lines, a BOM. Byte offsets only ever move past a `\n`, so a half-written line is read again
 * once it is complete instead of being lost or duplicated.
 */
import { type CheckResult, checkStoredEntry, type EntryKind } from './kinds.js'
import { isLegacyTradeRecord, normalizeLegacyTrade } from './legacy.js'

/** Why a line was skipped, and where. */
export interface Diagnostic {
  /** Absolute path of the file. */
  file: string
  /** 1-based line number (for a legacy JSON array: 1-based element number). */
  line: number
  /** What was wrong; never contains the line's content. */
  reason: string
}

/** Default longest line accepted: longer lines are skipped with a diagnostic so memory stays bounded. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024

/** Complete lines found in a block of bytes, and where the unconsumed rest begins. */
export interface SplitResult {
  lines: string[]
  /** Bytes consumed, up to and including the last `\n`. */
  consumed: number
  /** True if the block contained a NUL byte (lines need cleaning). */
  hasNul: boolean
}

/** Splits the complete lines off a buffer; the bytes after the last `\n` are not consumed. */
export function splitCompleteLines(buffer: Buffer): SplitResult {
  const last = buffer.lastIndexOf(10)
  if (last < 0) return { lines: [], consumed: 0, hasNul: false }
  const text = buffer.toString('utf8', 0, last)
  return { lines: text.split('\n'), consumed: last + 1, hasNul: text.includes('\0') }
}

/** Normalizes a raw line: strips BOM, NUL runs, a trailing CR and surrounding whitespace. */
export function cleanLine(raw: string, hasNul: boolean): string {
  let line = hasNul ? raw.replace(/\0+/g, '') : raw
  if (line.charCodeAt(0) === 0xfeff) line = line.slice(1)
  const first = line.charCodeAt(0)
  const lastCode = line.charCodeAt(line.length - 1)
  // Fast path: a JSON object line needs no trimming.
  if (first === 123 && lastCode === 125) return line
  return line.trim()
}

/** Outcome of interpreting one line. */
export type LineOutcome =
  | { type: 'entry'; entry: Record<string, unknown> & { tsMs: number; ts: string }; assumed?: string[]; unchecked?: true }
  | { type: 'blank' }
  | { type: 'bad'; reason: string }

function describeIssues(result: Extract<CheckResult, { ok: false }>): string {
  return `schema: ${result.issues
    .slice(0, 5)
    .map((issue) => `${issue.path || '(entry)'} ${issue.message}`)
    .join('; ')}`
}

/** Validates a parsed JSON value as an entry of `kind`, normalizing the old bot's trade entries. */
export function interpretValue(value: unknown, kind: EntryKind, where: { file: string; line: number }): LineOutcome {
  if (kind.name === 'trades' && isLegacyTradeRecord(value)) {
    const legacy = normalizeLegacyTrade(value, { file: where.file.split(/[\\/]/).pop()!, line: where.line })
    if (!legacy.ok) return { type: 'bad', reason: legacy.reason }
    const checked = checkStoredEntry(kind, legacy.entry)
    if (!checked.ok) return { type: 'bad', reason: `legacy entry: ${describeIssues(checked)}` }
    return { type: 'entry', entry: checked.entry, assumed: legacy.assumed }
  }
  const checked = checkStoredEntry(kind, value)
  return checked.ok ? { type: 'entry', entry: checked.entry } : { type: 'bad', reason: describeIssues(checked) }
}

/**
 * Interprets one raw line of a JSONL file. With `validate: false` a JSON object with a numeric `tsMs` is returned
 * `unchecked`, for callers that validate only the entries they end up using.
 */
export function interpretLine(
  raw: string,
  hasNul: boolean,
  kind: EntryKind,
  where: { file: string; line: number },
  validate = true,
): LineOutcome {
  const line = cleanLine(raw, hasNul)
  if (line === '') return { type: 'blank' }
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    // The parser's message quotes the line, which may hold anything; say only what kind of problem it is.
    return { type: 'bad', reason: `not valid JSON (${Buffer.byteLength(line)} bytes)` }
  }
  if (!validate && typeof value === 'object' && value !== null && typeof (value as { tsMs?: unknown }).tsMs === 'number') {
    return { type: 'entry', entry: value as Record<string, unknown> & { tsMs: number; ts: string }, unchecked: true }
  }
  return interpretValue(value, kind, where)
}
