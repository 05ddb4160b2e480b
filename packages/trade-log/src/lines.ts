/**
 * Turning bytes into entries, tolerating what real files contain (CRLF, blank lines, a BOM) and reporting what they
 * should not (bytes that are not UTF-8, NUL runs left by a crash, torn or oversized lines). Byte offsets only ever
 * move past a `\n`, so a half-written line is read again once it is complete instead of being lost or duplicated.
 */
import { isUtf8 } from 'node:buffer'
import { type CheckResult, checkStoredEntry, type EntryKind } from './kinds.js'
import { isLegacyRecord, normalizeLegacyRecord } from './legacy.js'

/** What kind of problem a diagnostic reports. */
export type DiagnosticCode =
  /** Not valid JSON. */
  | 'json'
  /** JSON that is not an entry of the kind (or a legacy record that cannot be read). */
  | 'schema'
  /** Longer than the line-size limit. */
  | 'too-long'
  /** The last line of a file nothing appends to any more ends without its newline (a crash), or a JSON array was cut off. */
  | 'torn'
  /** NUL bytes (a crash or power cut before the data reached the disk). */
  | 'nul'
  /** Bytes that are not UTF-8: the entry would not be the bytes on disk. */
  | 'utf8'
  /** The same entry (for fills: the same fill) as an earlier line; returned once. */
  | 'duplicate'
  /** A well-formed legacy record that no kind here holds (the reason says why). */
  | 'unsupported'

/** Codes that mean damaged data (what doctor counts as bad lines). */
export const DAMAGE_CODES: ReadonlySet<DiagnosticCode> = new Set<DiagnosticCode>([
  'json',
  'schema',
  'too-long',
  'torn',
  'nul',
  'utf8',
])

/** A line that was skipped, or that holds something besides its entry, and where. */
export interface Diagnostic {
  /** Absolute path of the file. */
  file: string
  /** 1-based line number (for a legacy JSON array: the line its element starts on). */
  line: number
  /** What was wrong; never contains the line's content. */
  reason: string
  /** The kind of problem. */
  code: DiagnosticCode
  /** For a duplicate: the line that was returned instead. */
  duplicateOf?: { file: string; line: number }
}

/**
 * The longest line a log holds, in bytes without its newline. The writer refuses a longer entry before it
 * acknowledges it, and readers skip longer lines with a diagnostic, so memory stays bounded.
 */
export const MAX_LINE_BYTES = 1024 * 1024
/** The reader's default line limit: `MAX_LINE_BYTES`. */
export const DEFAULT_MAX_LINE_BYTES = MAX_LINE_BYTES

/** True when `text` is longer than `max` bytes as UTF-8 (cheap for short and for very long text). */
export function longerThan(text: string, max: number): boolean {
  if (text.length > max) return true
  if (text.length * 3 <= max) return false
  return Buffer.byteLength(text) > max
}

/** Complete lines found in a block of bytes, and where the unconsumed rest begins. */
export interface SplitResult {
  lines: string[]
  /** Bytes consumed, up to and including the last `\n`. */
  consumed: number
  /** True if the block contained a NUL byte (lines need cleaning). */
  hasNul: boolean
  /** 1-based indexes (into `lines`) of lines whose bytes are not UTF-8. */
  notUtf8?: ReadonlySet<number>
}

/** Indexes (1-based) of the lines of `bytes[start, end)` that are not UTF-8; call only when the whole block is not. */
export function invalidUtf8Lines(bytes: Buffer, start: number, end: number): Set<number> {
  const bad = new Set<number>()
  let index = 0
  for (let from = start; from <= end; ) {
    let to = bytes.indexOf(10, from)
    if (to < 0 || to > end) to = end
    index++
    if (!isUtf8(bytes.subarray(from, to))) bad.add(index)
    from = to + 1
  }
  return bad
}

/** Splits the complete lines off a buffer; the bytes after the last `\n` are not consumed. */
export function splitCompleteLines(buffer: Buffer): SplitResult {
  const last = buffer.lastIndexOf(10)
  if (last < 0) return { lines: [], consumed: 0, hasNul: false }
  const text = buffer.toString('utf8', 0, last)
  const valid = isUtf8(buffer.subarray(0, last))
  return {
    lines: text.split('\n'),
    consumed: last + 1,
    hasNul: text.includes('\0'),
    ...(valid ? {} : { notUtf8: invalidUtf8Lines(buffer, 0, last) }),
  }
}

/** Normalizes a raw line: strips a BOM, NUL runs (counted), a trailing CR and surrounding whitespace. */
export function cleanLine(raw: string, hasNul: boolean): { line: string; nul: number } {
  let line = raw
  let nul = 0
  if (hasNul && raw.includes('\0')) {
    line = raw.replace(/\0+/g, (run) => {
      nul += run.length
      return ''
    })
  }
  if (line.charCodeAt(0) === 0xfeff) line = line.slice(1)
  const first = line.charCodeAt(0)
  const lastCode = line.charCodeAt(line.length - 1)
  // Fast path: a JSON object line needs no trimming.
  if (first === 123 && lastCode === 125) return { line, nul }
  return { line: line.trim(), nul }
}

/** Outcome of interpreting one line or one legacy record. */
export type LineOutcome = (
  | {
      type: 'entry'
      entry: Record<string, unknown> & { tsMs: number; ts: string }
      assumed?: string[]
      unchecked?: true
    }
  | { type: 'blank' }
  /** A legacy record that stands for entries of other kinds only (a hold, read as trades): nothing wrong with it. */
  | { type: 'other' }
  | { type: 'bad'; reason: string; code: DiagnosticCode }
  | { type: 'unsupported'; reason: string }
) & {
  /** NUL bytes removed from the line (reported even when an entry followed them). */
  nul?: number
}

function describeIssues(result: Extract<CheckResult, { ok: false }>): string {
  return `schema: ${result.issues
    .slice(0, 5)
    .map((issue) => `${issue.path || '(entry)'} ${issue.message}`)
    .join('; ')}`
}

/** How to read records: the zone of legacy timestamps without an offset, and the legacy file's name prefix. */
export interface ReadContext {
  /** Zone of the old bot's timestamps without an offset. Default `UTC`. */
  timeZone?: string
  /** Name prefix of the file (for a legacy `analysis_` file, `analysis`). Default: the kind. */
  source?: string
}

/** The kinds the old bot's records can stand for. */
export const LEGACY_KINDS: ReadonlySet<string> = new Set(['trades', 'decisions', 'errors'])

/** Validates a parsed JSON value as an entry of `kind`, reading the old bot's records as the kinds they stand for. */
export function interpretValue(
  value: unknown,
  kind: EntryKind,
  where: { file: string; line: number },
  context: ReadContext = {},
): LineOutcome {
  if (LEGACY_KINDS.has(kind.name) && isLegacyRecord(value)) {
    const base = where.file.slice(Math.max(where.file.lastIndexOf('/'), where.file.lastIndexOf('\\')) + 1)
    const outcome = normalizeLegacyRecord(
      value,
      { file: base, record: where.line },
      { file: base, source: context.source ?? kind.name, timeZone: context.timeZone ?? 'UTC' },
    )
    if (outcome.type === 'bad') return { type: 'bad', reason: outcome.reason, code: 'schema' }
    if (outcome.type === 'unsupported') return outcome
    const mine = outcome.entries.find((item) => item.kind === kind.name)
    if (!mine) return { type: 'other' }
    const checked = checkStoredEntry(kind, mine.entry)
    if (!checked.ok) return { type: 'bad', reason: `legacy record: ${describeIssues(checked)}`, code: 'schema' }
    return { type: 'entry', entry: checked.entry, assumed: outcome.assumed }
  }
  const checked = checkStoredEntry(kind, value)
  return checked.ok ? { type: 'entry', entry: checked.entry } : { type: 'bad', reason: describeIssues(checked), code: 'schema' }
}

/** Parses JSON text (one line or one legacy record) and interprets it. */
export function interpretText(
  text: string,
  kind: EntryKind,
  where: { file: string; line: number },
  validate: boolean,
  context: ReadContext = {},
): LineOutcome {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    // The parser's message quotes the line, which may hold anything; say only what kind of problem it is.
    return { type: 'bad', reason: `not valid JSON (${Buffer.byteLength(text)} bytes)`, code: 'json' }
  }
  if (!validate && typeof value === 'object' && value !== null && typeof (value as { tsMs?: unknown }).tsMs === 'number') {
    return { type: 'entry', entry: value as Record<string, unknown> & { tsMs: number; ts: string }, unchecked: true }
  }
  return interpretValue(value, kind, where, context)
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
  context: ReadContext = {},
): LineOutcome {
  const { line, nul } = cleanLine(raw, hasNul)
  if (line === '') return nul > 0 ? { type: 'bad', reason: nulReason(nul, false), code: 'nul' } : { type: 'blank' }
  const outcome = interpretText(line, kind, where, validate, context)
  return nul > 0 ? { ...outcome, nul } : outcome
}

/** Why NUL bytes are reported. */
export function nulReason(count: number, beforeEntry: boolean): string {
  return beforeEntry
    ? `${count} NUL bytes before the entry (left by a crash or power cut); the entry after them was read`
    : `${count} NUL bytes and nothing else (left by a crash or power cut before the data reached the disk)`
}
