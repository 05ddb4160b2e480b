/**
 * The old Python bot wrote `{"timestamp","action","symbol","amount","price","ai_confidence"}` trade entries,
 * sometimes as a JSON array in `trades_YYYYMMDD.json`. This turns one such entry into a `TradeEntry` and says
 * exactly which fields it had to assume.
 */
import { decimalFromLegacyNumber, formatDecimal, parseDecimal } from './decimal.js'
import { TradeLogDecimalError } from './errors.js'
import type { TradeEntry } from './schemas.js'

/** What the old bot wrote for one trade. */
export interface LegacyTradeRecord {
  timestamp: string
  action: 'buy' | 'sell' | 'hold'
  symbol: string
  amount: number | string
  price: number | string
  ai_confidence?: number
}

/** Every assumption the normalization can make, worded for a report. */
export const LEGACY_ASSUMPTIONS = {
  volume: 'volume = amount (the old bot logged base-currency amounts)',
  funds: 'funds = amount × price',
  fee: 'fee = 0 (the old bot logged no fees)',
  mode: 'mode = live (the old bot did not record paper or live)',
  orderId: 'orderId = legacy:<file>:<line> (the old bot logged no order id)',
  utc: 'timestamps without an offset read as UTC',
  float: 'float amounts and prices converted by their shortest decimal form',
} as const

/** True when `value` has the old bot's trade shape rather than a `TradeEntry`'s. */
export function isLegacyTradeRecord(value: unknown): value is LegacyTradeRecord {
  return (
    typeof value === 'object' &&
    value !== null &&
    'timestamp' in value &&
    'action' in value &&
    'symbol' in value &&
    !('tsMs' in value)
  )
}

/** Result of normalizing one legacy entry. */
export type LegacyResult = { ok: true; entry: TradeEntry; assumed: string[] } | { ok: false; reason: string; skipped?: 'hold' }

function legacyDecimal(value: unknown, field: string, assumed: Set<string>): string {
  if (typeof value === 'number') {
    assumed.add(LEGACY_ASSUMPTIONS.float)
    return decimalFromLegacyNumber(value)
  }
  if (typeof value === 'string') return formatDecimal(parseDecimal(value.trim()))
  throw new TradeLogDecimalError(`legacy ${field} ${JSON.stringify(value)} is not a number`, { value })
}

/** Normalizes one legacy record. `where` names the source so the synthesized order id is stable and unique. */
export function normalizeLegacyTrade(record: LegacyTradeRecord, where: { file: string; line: number }): LegacyResult {
  if (record.action === 'hold') return { ok: false, reason: 'legacy "hold" is a decision, not a fill; skipped', skipped: 'hold' }
  if (record.action !== 'buy' && record.action !== 'sell') {
    return { ok: false, reason: `legacy action ${JSON.stringify(String(record.action)).slice(0, 40)} is not buy, sell or hold` }
  }
  if (typeof record.timestamp !== 'string') return { ok: false, reason: 'legacy timestamp is not a string' }
  const assumed = new Set<string>([
    LEGACY_ASSUMPTIONS.volume,
    LEGACY_ASSUMPTIONS.funds,
    LEGACY_ASSUMPTIONS.fee,
    LEGACY_ASSUMPTIONS.mode,
    LEGACY_ASSUMPTIONS.orderId,
  ])
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(record.timestamp)
  if (!hasOffset) assumed.add(LEGACY_ASSUMPTIONS.utc)
  const tsMs = Date.parse(hasOffset ? record.timestamp : `${record.timestamp}Z`)
  if (!Number.isFinite(tsMs)) return { ok: false, reason: 'legacy timestamp is not a date' }
  let volume: string
  let price: string
  try {
    volume = legacyDecimal(record.amount, 'amount', assumed)
    price = legacyDecimal(record.price, 'price', assumed)
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : 'legacy amount or price is not a number' }
  }
  if (volume.startsWith('-') || price.startsWith('-')) return { ok: false, reason: 'legacy amount or price is negative' }
  const entry: TradeEntry = {
    ts: new Date(tsMs).toISOString(),
    tsMs,
    market: String(record.symbol),
    side: record.action,
    volume,
    price,
    funds: formatDecimal(parseDecimal(volume).times(parseDecimal(price))),
    fee: '0',
    orderId: `legacy:${where.file}:${where.line}`,
    mode: 'live',
    ...(typeof record.ai_confidence === 'number' ? { confidence: record.ai_confidence } : {}),
  }
  return { ok: true, entry, assumed: [...assumed] }
}
