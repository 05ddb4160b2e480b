/**
 * A fill line as the writer writes it, read without `JSON.parse`: one regular expression matches the whole line
 * (the schema's keys in the schema's order, no whitespace, strings without escapes) and checks each field's form on
 * the way, so the entry is built from its captures. That costs about a third of `JSON.parse` plus zod's compiled
 * check (BENCHMARKS.md). Any other line (keys in another order, an unknown key, an escape, a field out of form, a
 * polluted `Object.prototype`) gets `undefined` and takes the general path, which also says what is wrong with it.
 *
 * The answer is zod's: `kinds.test.ts` checks the entry against zod's runtime parser on generated, mutated and
 * damaged lines (key order included), and `fill-line.test.ts` pins the schema this layout was written for, so a
 * changed `TradeEntrySchema` fails there until the layout below is changed with it.
 */
import { createEpochMsOfIsoDateTime } from './iso-datetime.js'
import { MARKET_PATTERN, NON_NEGATIVE_DECIMAL_PATTERN, TradeEntrySchema } from './schemas.js'

/** A fill as the reader returns it. */
export type FillLineEntry = Record<string, unknown> & { ts: string; tsMs: number }

/** A pattern's body for embedding (anchors off, groups non-capturing), or undefined if it cannot be embedded as is. */
function embeddable(pattern: unknown): string | undefined {
  if (!(pattern instanceof RegExp) || pattern.flags !== '') return undefined
  const { source } = pattern
  if (!source.startsWith('^') || !source.endsWith('$') || source.endsWith('\\$')) return undefined
  // Only plain groups are rewritten: an escaped parenthesis, a class holding one, a named group or a
  // back-reference would change meaning, so such a pattern is not embedded at all.
  if (/\\[()1-9k]|\[[^\]]*[()]|\(\?</.test(source)) return undefined
  return `(?:${source.slice(1, -1).replace(/\((?!\?)/g, '(?:')})`
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/** A JSON string's characters that need no escape: the text between the quotes is then the value. */
const PLAIN = String.raw`[^"\\\x00-\x1f]`
/** A JSON number, as `JSON.parse` reads one. */
const JSON_NUMBER = String.raw`-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?`
/** A non-negative integer of at most 15 digits: a safe integer, as zod's `.int()` requires. */
const SAFE_DIGITS = String.raw`0|[1-9]\d{0,14}`

function oneOf(options: readonly string[]): string {
  return `(?:${options.map(escapeRegExp).join('|')})`
}

/** The line's pattern, one capture per field in the schema's order; undefined when zod's forms cannot be embedded. */
function fillLinePattern(): RegExp | undefined {
  const shape = TradeEntrySchema.shape
  const iso = embeddable((shape.ts as unknown as { _zod?: { pattern?: unknown } })._zod?.pattern)
  const market = embeddable(MARKET_PATTERN)
  const decimal = embeddable(NON_NEGATIVE_DECIMAL_PATTERN)
  if (!iso || !market || !decimal) return undefined
  const text = (body: string) => `"(${body})"`
  // [key, value pattern with one capture, optional]; the schema's order.
  const fields: [string, string, boolean][] = [
    ['ts', text(iso), false],
    ['tsMs', `(${SAFE_DIGITS})`, false],
    ['market', text(market), false],
    ['side', text(oneOf(shape.side.options)), false],
    ['volume', text(decimal), false],
    ['price', text(decimal), false],
    ['funds', text(decimal), false],
    ['fee', text(decimal), false],
    ['orderId', text(`${PLAIN}+`), false],
    ['identifier', text(`${PLAIN}+`), true],
    ['decisionId', text(`${PLAIN}+`), true],
    ['mode', text(oneOf(shape.mode.options)), false],
    ['reason', text(`${PLAIN}*`), true],
    ['confidence', `(${JSON_NUMBER})`, true],
  ]
  const parts = fields.map(([key, value, optional], index) => {
    const part = `${index === 0 ? '\\{' : ','}${escapeRegExp(JSON.stringify(key))}:${value}`
    return optional ? `(?:${part})?` : part
  })
  return new RegExp(`^${parts.join('')}\\}$`)
}

let pattern: RegExp | null | undefined

const POWERS_OF_TEN = Array.from({ length: 15 }, (_, i) => 10 ** i)

/**
 * `Number(text)` for a JSON number the pattern matched. Up to 15 digits and no exponent it is the digits as an
 * integer divided by a power of ten: both exact, and the division is correctly rounded, so it is the same number
 * (the fast path of every correct decimal parser); `Number()` of a new string cost twice as much.
 */
export function jsonNumber(text: string): number {
  const length = text.length
  const negative = text.charCodeAt(0) === 45
  // At most 15 digits (below 2^53, so every step of the loop is exact).
  if (length > (negative ? 16 : 15)) return Number(text)
  let digits = 0
  let places = -1
  for (let i = negative ? 1 : 0; i < length; i++) {
    const code = text.charCodeAt(i)
    if (code === 46) places = length - i - 1
    else if (code < 48 || code > 57) return Number(text)
    else digits = digits * 10 + code - 48
  }
  const value = places > 0 ? digits / POWERS_OF_TEN[places]! : digits
  return negative ? -value : value
}

/** For probing `Object.prototype` (what zod would read of a key the line does not have). */
const PROBE: object = {}

/**
 * Returns a parser of fill lines for one file (it remembers the last date's day number, as the stored-entry checker
 * does), or undefined when this zod's forms cannot be embedded (every line then takes the general path).
 */
export function createFillLineParser(): ((line: string) => FillLineEntry | undefined) | undefined {
  if (pattern === undefined) pattern = fillLinePattern() ?? null
  const line = pattern
  if (line === null) return undefined
  const epochMsOf = createEpochMsOfIsoDateTime()
  return (text) => {
    const m = line.exec(text)
    if (m === null) return undefined
    // zod copies an inherited enumerable key into its output and reads a missing optional key through the
    // prototype, and assigning a key the prototype holds would call its setter or throw: any of these, and the
    // line goes to zod.
    for (const _ in PROBE) return undefined
    // The keys set on the entry after its literal (a literal never calls an inherited setter), each named: a loop
    // over them cost a tenth of the read (one lookup by a changing key per key and line).
    if ('identifier' in PROBE || 'decisionId' in PROBE || 'mode' in PROBE || 'reason' in PROBE || 'confidence' in PROBE)
      return undefined
    const [, ts, tsDigits, market, side, volume, price, funds, fee, orderId, identifier, decisionId, mode, reason, unit] =
      m as unknown as (string | undefined)[]
    const tsMs = jsonNumber(tsDigits!)
    if (epochMsOf(ts!) !== tsMs) return undefined
    const entry: FillLineEntry = { ts: ts!, tsMs, market, side, volume, price, funds, fee, orderId }
    if (identifier !== undefined) entry.identifier = identifier
    if (decisionId !== undefined) entry.decisionId = decisionId
    entry.mode = mode
    if (reason !== undefined) entry.reason = reason
    if (unit !== undefined) {
      const confidence = jsonNumber(unit)
      if (!(confidence >= 0 && confidence <= 1)) return undefined
      entry.confidence = confidence
    }
    return entry
  }
}
