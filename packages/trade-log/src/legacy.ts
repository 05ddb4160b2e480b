/**
 * The old Python bot's records, turned into entries of this package's kinds. It logged one record per decision in
 * `trades_YYYYMMDD.json` (`{"timestamp","action","symbol","amount","price","ai_confidence"}`, action buy, sell or
 * hold, floats for amounts), what it saw and what the AI said in `analysis_YYYYMMDD.json`, and Python logging
 * lines in `errors_YYYYMMDD.log`. Every record keeps where it came from (`legacy: { file, record }`), and every
 * field that had to be assumed is named in `assumed`.
 */
import { decimalFromLegacyNumber, formatDecimal, parseDecimal } from './decimal.js'
import { TradeLogDecimalError } from './errors.js'
import type { DecisionEntry, ErrorEntry, TradeEntry } from './schemas.js'
import { isoWithOffset, offsetMinutes } from './time.js'

/** What the old bot wrote for one trade decision. */
export interface LegacyTradeRecord {
  timestamp: string
  action: 'buy' | 'sell' | 'hold'
  symbol: string
  amount: number | string
  price: number | string
  ai_confidence?: number
}

/** Where a legacy entry came from: the file's base name and the record's number in it. */
export interface LegacyProvenance {
  file: string
  /** 1-based: the element of a JSON array, else the line the record starts on. */
  record: number
}

/** Every assumption the normalization can make, worded for a report. */
export const LEGACY_ASSUMPTIONS = {
  volume: 'volume = amount (the old bot logged base-currency amounts)',
  funds: 'funds = amount × price',
  fee: 'fee = 0 (the old bot logged no fees)',
  mode: 'mode = live (the old bot did not record paper or live)',
  orderId: 'orderId = decisionId = legacy:<file>:<record> (the old bot logged no ids)',
  utc: 'timestamps without an offset read as UTC',
  float: 'float amounts and prices converted by their shortest decimal form',
  provider: 'provider = legacy, model = unknown unless the record names it (the old bot did not log which AI)',
  confidence: 'confidence = 0 where the old bot logged none',
} as const

/** The assumption made for timestamps without an offset, read in `timeZone`. */
export function naiveTimeAssumption(timeZone: string): string {
  return timeZone === 'UTC' ? LEGACY_ASSUMPTIONS.utc : `timestamps without an offset read as ${timeZone} time (reader timeZone)`
}

/** True when `value` has the old bot's shape (a `timestamp`, no `tsMs`) rather than a stored entry's. */
export function isLegacyRecord(value: unknown): value is Record<string, unknown> & { timestamp: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'timestamp' in value && !('tsMs' in value)
}

/** True when `value` has the old bot's trade shape rather than a `TradeEntry`'s. */
export function isLegacyTradeRecord(value: unknown): value is LegacyTradeRecord {
  return isLegacyRecord(value) && 'action' in value && 'symbol' in value
}

const LEGACY_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i

/**
 * Parses the timestamps Python writes: `isoformat()` (naive or with an offset, microseconds), `str(datetime)` with a
 * space, and logging's `asctime` (`2025-08-01 12:00:00,123`). Naive ones are wall-clock time in `timeZone`.
 */
export function parseLegacyTime(text: string, timeZone: string): { tsMs: number; naive: boolean } | undefined {
  const match = LEGACY_TIME.exec(text.trim())
  if (!match) return undefined
  const [, y, mo, d, h, mi, s, fraction, zone] = match
  const ms = fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), ms)
  const check = new Date(wall)
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23) return undefined
  if (zone) {
    if (zone.toUpperCase() === 'Z') return { tsMs: wall, naive: false }
    const sign = zone[0] === '-' ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    const offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)))
    return { tsMs: wall - offset * 60_000, naive: false }
  }
  if (timeZone === 'UTC') return { tsMs: wall, naive: true }
  // The wall-clock time in the zone: correct the guess by the zone's offset at it, twice (as startOfDay does).
  const first = wall - offsetMinutes(wall, timeZone) * 60_000
  return { tsMs: wall - offsetMinutes(first, timeZone) * 60_000, naive: true }
}

function legacyDecimal(value: unknown, field: string, assumed: Set<string>): string {
  if (typeof value === 'number') {
    assumed.add(LEGACY_ASSUMPTIONS.float)
    return decimalFromLegacyNumber(value)
  }
  if (typeof value === 'string') return formatDecimal(parseDecimal(value.trim()))
  throw new TradeLogDecimalError(`legacy ${field} ${JSON.stringify(value)?.slice(0, 40)} is not a number`, { value })
}

/** The entries one legacy record stands for, or why it stands for none. */
export type LegacyOutcome =
  | {
      type: 'entries'
      /** At most one entry per kind. */
      entries: { kind: 'trades' | 'decisions' | 'errors'; entry: TradeEntry | DecisionEntry | ErrorEntry }[]
      assumed: string[]
    }
  /** Damaged: the record cannot be read as what it claims to be. */
  | { type: 'bad'; reason: string }
  /** Well formed, but nothing in this package holds it (said exactly why). */
  | { type: 'unsupported'; reason: string }

/** Context for normalizing records of one legacy file. */
export interface LegacyContext {
  /** Base name of the file, e.g. `trades_20250801.json`. */
  file: string
  /** The file name's prefix: `trades` files hold fills and decisions, `analysis` files decisions. */
  source: string
  /** Zone of timestamps without an offset. */
  timeZone: string
}

const ACTIONS = new Set(['buy', 'sell', 'hold'])
const DECISION_KEYS = ['action', 'decision', 'signal'] as const
const NESTED_DECISION_KEYS = ['ai_analysis', 'ai_decision', 'analysis', 'decision', 'ai_response'] as const
const NESTED_DATA_KEYS = ['market_data', 'indicators', 'data'] as const
const REASON_KEYS = ['reason', 'reasoning', 'analysis', 'explanation'] as const
const CONSUMED = new Set<string>([
  'timestamp',
  'symbol',
  'market',
  'ticker',
  'model',
  'ai_confidence',
  'confidence',
  ...DECISION_KEYS,
  ...REASON_KEYS,
  ...NESTED_DECISION_KEYS,
  ...NESTED_DATA_KEYS,
])
/** Indicator names that hold money or quantities: kept as decimal strings, never floats. */
const MONEY_KEY = /price|amount|funds|balance|krw|cost|value|volume$/i

type Fields = Record<string, unknown>
const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value)

/** The decision fields of a record: its own, or those of the nested object the AI's answer was kept in. */
function decisionFields(record: Fields): { action?: string; confidence?: unknown; reason?: string; model?: string } {
  const layers = [record, ...NESTED_DECISION_KEYS.map((key) => record[key]).filter(isObject)]
  const pick = <T>(read: (layer: Fields) => T | undefined): T | undefined => {
    for (const layer of layers) {
      const value = read(layer)
      if (value !== undefined) return value
    }
    return undefined
  }
  const action = pick((layer) => {
    for (const key of DECISION_KEYS) {
      const value = layer[key]
      if (typeof value === 'string' && ACTIONS.has(value.trim().toLowerCase())) return value.trim().toLowerCase()
    }
    return undefined
  })
  const confidence = pick((layer) => layer['ai_confidence'] ?? layer['confidence'])
  const reason = pick((layer) => {
    for (const key of REASON_KEYS) if (typeof layer[key] === 'string') return layer[key] as string
    return undefined
  })
  const model = pick((layer) =>
    typeof layer['model'] === 'string' && layer['model'] !== '' ? (layer['model'] as string) : undefined,
  )
  return {
    ...(action === undefined ? {} : { action }),
    ...(confidence === undefined ? {} : { confidence }),
    ...(reason === undefined ? {} : { reason }),
    ...(model === undefined ? {} : { model }),
  }
}

/** Scalar fields of the record and of its market-data object, as indicators (money as decimal strings). */
function indicatorsOf(record: Fields, assumed: Set<string>): Record<string, number | string | boolean | null> {
  const indicators: Record<string, number | string | boolean | null> = {}
  const add = (key: string, value: unknown) => {
    if (typeof value === 'number' && Number.isFinite(value)) {
      indicators[key] = MONEY_KEY.test(key) ? legacyDecimal(value, key, assumed) : value
    } else if (typeof value === 'string' || typeof value === 'boolean' || value === null) indicators[key] = value
  }
  for (const [key, value] of Object.entries(record)) if (!CONSUMED.has(key)) add(key, value)
  for (const nested of NESTED_DATA_KEYS) {
    const data = record[nested]
    if (isObject(data)) for (const [key, value] of Object.entries(data)) if (!(key in indicators)) add(key, value)
  }
  return indicators
}

function marketOf(record: Fields): string | undefined {
  const value = record['symbol'] ?? record['market'] ?? record['ticker']
  return typeof value === 'string' ? value : undefined
}

/**
 * Normalizes one record of a legacy `.json` file. From a `trades_` file every record is a decision, and buy and
 * sell ones are fills too (linked by `decisionId`); from an `analysis_` file a record with a buy/sell/hold decision
 * is a decision. Anything else is reported, never silently dropped.
 */
export function normalizeLegacyRecord(value: unknown, where: LegacyProvenance, context: LegacyContext): LegacyOutcome {
  if (!isLegacyRecord(value)) return { type: 'bad', reason: 'not a record of the old bot (no "timestamp")' }
  if (typeof value.timestamp !== 'string') return { type: 'bad', reason: 'legacy timestamp is not a string' }
  const time = parseLegacyTime(value.timestamp, context.timeZone)
  if (!time) return { type: 'bad', reason: 'legacy timestamp is not a date' }
  const assumed = new Set<string>()
  if (time.naive) assumed.add(naiveTimeAssumption(context.timeZone))
  const market = marketOf(value)
  const fields = decisionFields(value)
  if (fields.action === undefined) {
    if (typeof value['action'] === 'string') {
      return { type: 'bad', reason: `legacy action ${JSON.stringify(value['action']).slice(0, 40)} is not buy, sell or hold` }
    }
    return {
      type: 'unsupported',
      reason:
        'legacy record with no buy, sell or hold decision (market data only): not supported, because every kind here is a fill, a decision, an error or an equity snapshot; it stays in the file',
    }
  }
  if (market === undefined) return { type: 'bad', reason: 'legacy record has no symbol' }
  const ts = isoWithOffset(time.tsMs, context.timeZone)
  const id = `legacy:${context.file}:${where.record}`
  const legacy = { file: where.file, record: where.record }
  let confidence = 0
  if (fields.confidence === undefined) assumed.add(LEGACY_ASSUMPTIONS.confidence)
  else if (typeof fields.confidence === 'number' && fields.confidence >= 0 && fields.confidence <= 1)
    confidence = fields.confidence
  else return { type: 'bad', reason: 'legacy confidence is not a number from 0 to 1' }
  assumed.add(LEGACY_ASSUMPTIONS.provider)
  const entries: Extract<LegacyOutcome, { type: 'entries' }>['entries'] = []
  let indicators: ReturnType<typeof indicatorsOf>
  try {
    indicators = indicatorsOf(value, assumed)
  } catch (error) {
    return { type: 'bad', reason: error instanceof Error ? error.message : 'legacy indicator is not a number' }
  }
  const decision: DecisionEntry = {
    ts,
    tsMs: time.tsMs,
    decisionId: id,
    market,
    provider: 'legacy',
    model: fields.model ?? 'unknown',
    action: fields.action as DecisionEntry['action'],
    confidence,
    reason: fields.reason ?? '',
    ...(Object.keys(indicators).length > 0 ? { indicators } : {}),
    ...(context.source === 'trades' ? { mode: 'live' as const } : {}),
    legacy,
  }
  entries.push({ kind: 'decisions', entry: decision })
  if (context.source === 'trades' && fields.action !== 'hold') {
    const side = fields.action as 'buy' | 'sell'
    const fill = legacyFill(value, { ts, tsMs: time.tsMs, id, market, side, assumed })
    if (fill.type === 'bad') return fill
    entries.push({ kind: 'trades', entry: { ...fill.entry, decisionId: id, legacy } })
  }
  return { type: 'entries', entries, assumed: [...assumed] }
}

function legacyFill(
  record: Fields,
  base: { ts: string; tsMs: number; id: string; market: string; side: 'buy' | 'sell'; assumed: Set<string> },
): { type: 'fill'; entry: TradeEntry } | { type: 'bad'; reason: string } {
  const { assumed } = base
  let volume: string
  let price: string
  try {
    volume = legacyDecimal(record['amount'], 'amount', assumed)
    price = legacyDecimal(record['price'], 'price', assumed)
  } catch (error) {
    return { type: 'bad', reason: error instanceof Error ? error.message : 'legacy amount or price is not a number' }
  }
  if (volume.startsWith('-') || price.startsWith('-')) return { type: 'bad', reason: 'legacy amount or price is negative' }
  for (const item of [LEGACY_ASSUMPTIONS.volume, LEGACY_ASSUMPTIONS.funds, LEGACY_ASSUMPTIONS.fee, LEGACY_ASSUMPTIONS.mode]) {
    assumed.add(item)
  }
  assumed.add(LEGACY_ASSUMPTIONS.orderId)
  const confidence = record['ai_confidence']
  return {
    type: 'fill',
    entry: {
      ts: base.ts,
      tsMs: base.tsMs,
      market: base.market,
      side: base.side,
      volume,
      price,
      funds: formatDecimal(parseDecimal(volume).times(parseDecimal(price))),
      fee: '0',
      orderId: base.id,
      mode: 'live',
      ...(typeof confidence === 'number' && confidence >= 0 && confidence <= 1 ? { confidence } : {}),
    },
  }
}

/** Result of normalizing one legacy trade (kept for callers of the first version of this API). */
export type LegacyResult = { ok: true; entry: TradeEntry; assumed: string[] } | { ok: false; reason: string; skipped?: 'hold' }

/** Normalizes one legacy trade record to a fill; a `hold` is a decision, not a fill (see `normalizeLegacyRecord`). */
export function normalizeLegacyTrade(
  record: LegacyTradeRecord,
  where: { file: string; line: number },
  timeZone = 'UTC',
): LegacyResult {
  if (record.action === 'hold') return { ok: false, reason: 'legacy "hold" is a decision, not a fill', skipped: 'hold' }
  const outcome = normalizeLegacyRecord(
    record,
    { file: where.file, record: where.line },
    { file: where.file, source: 'trades', timeZone },
  )
  if (outcome.type !== 'entries') return { ok: false, reason: outcome.reason }
  const fill = outcome.entries.find((item) => item.kind === 'trades')
  return fill ? { ok: true, entry: fill.entry as TradeEntry, assumed: outcome.assumed } : { ok: false, reason: 'not a fill' }
}

const LEVELS: Record<string, ErrorEntry['level']> = {
  CRITICAL: 'fatal',
  FATAL: 'fatal',
  ERROR: 'error',
  EXCEPTION: 'error',
  WARNING: 'warn',
  WARN: 'warn',
  INFO: 'warn',
  DEBUG: 'warn',
}
const TEXT_LINE =
  /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:\s*(?:Z|[+-]\d{2}:?\d{2}))?)(?:\s*[-|:]\s*|\s+)(.*)$/
const BRACKET_LEVEL = /^\[?([A-Z]+)\]?:?\s+(.*)$/s

/** The start of one entry of a Python logging file: a timestamped line. */
export interface LegacyTextHead {
  tsMs: number
  naive: boolean
  level: ErrorEntry['level']
  /** The original level, when it was not an error level (INFO, DEBUG). */
  originalLevel?: string
  source?: string
  message: string
}

/** Parses a timestamped line of a Python logging file, or returns undefined for a continuation line. */
export function parseLegacyTextLine(line: string, timeZone: string): LegacyTextHead | undefined {
  const match = TEXT_LINE.exec(line)
  if (!match) return undefined
  const time = parseLegacyTime(match[1]!, timeZone)
  if (!time) return undefined
  const rest = match[2]!
  // `%(name)s - %(levelname)s - %(message)s`, `%(levelname)s - %(message)s`, `[LEVEL] message`, `LEVEL: message`.
  const parts = rest.split(' - ')
  const levelAt = parts.findIndex((part) => part.trim().toUpperCase() in LEVELS)
  let levelName: string | undefined
  let source: string | undefined
  let message = rest
  if (levelAt >= 0 && levelAt < parts.length - 1) {
    levelName = parts[levelAt]!.trim().toUpperCase()
    if (levelAt > 0) source = parts.slice(0, levelAt).join(' - ').trim()
    message = parts.slice(levelAt + 1).join(' - ')
  } else {
    const bracket = BRACKET_LEVEL.exec(rest)
    if (bracket && bracket[1]! in LEVELS) {
      levelName = bracket[1]!
      message = bracket[2]!
    }
  }
  const level = levelName ? LEVELS[levelName]! : 'error'
  return {
    tsMs: time.tsMs,
    naive: time.naive,
    level,
    ...(levelName === 'INFO' || levelName === 'DEBUG' ? { originalLevel: levelName } : {}),
    ...(source ? { source } : {}),
    message: message.trim() === '' ? '(no message)' : message,
  }
}

/** An error entry from a timestamped line and the continuation lines (a traceback) that followed it. */
export function legacyErrorEntry(
  head: LegacyTextHead,
  continuation: string[],
  where: LegacyProvenance,
  timeZone: string,
): ErrorEntry & { legacy: LegacyProvenance } {
  const message = continuation.length > 0 ? `${head.message}\n${continuation.join('\n')}` : head.message
  return {
    ts: isoWithOffset(head.tsMs, timeZone),
    tsMs: head.tsMs,
    level: head.level,
    message,
    ...(head.source ? { source: head.source } : {}),
    ...(head.originalLevel ? { context: { level: head.originalLevel } } : {}),
    legacy: where,
  }
}
