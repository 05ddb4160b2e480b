/**
 * The entry kinds a trade log stores, as zod schemas with their TypeScript types. Every stored entry carries
 * `ts` (ISO-8601 with offset) and `tsMs` (epoch ms) for the same instant, so a reader never has to guess a zone.
 * Objects are loose: fields a newer version adds are kept, not stripped.
 */
import { z } from 'zod'
import { DECIMAL_PATTERN } from './decimal.js'

/** A decimal string such as `"0.0005"`: money and quantities are never floats. */
export const DecimalSchema = z
  .string()
  .regex(DECIMAL_PATTERN, 'must be a decimal string such as "0.0005" (no float, no exponent)')
/** The form of a non-negative decimal string (the reader's fill-line parser matches the same). */
export const NON_NEGATIVE_DECIMAL_PATTERN = /^\d+(\.\d+)?$/
/** The form of a market code (the reader's fill-line parser matches the same). */
export const MARKET_PATTERN = /^[A-Z0-9]+-[A-Z0-9]+$/

/** A non-negative decimal string. */
export const NonNegativeDecimalSchema = z
  .string()
  .regex(NON_NEGATIVE_DECIMAL_PATTERN, 'must be a non-negative decimal string such as "0.0005"')
/** An Upbit-style market code, quote first: `KRW-BTC`. */
export const MarketSchema = z.string().regex(MARKET_PATTERN, 'must be a market code such as "KRW-BTC"')

/** The two timestamp fields every entry has. */
export const timestampShape = {
  /** ISO-8601 with an offset, e.g. `2025-08-01T21:00:00.000+09:00`. */
  ts: z.iso.datetime({ offset: true, message: 'must be ISO-8601 with an offset, e.g. 2025-08-01T12:00:00Z' }),
  /** The same instant in epoch milliseconds. */
  tsMs: z.number().int().nonnegative(),
}

/** The timestamp fields every entry has. */
export interface EntryTimestamps {
  /** ISO-8601 with an offset. */
  ts: string
  /** Epoch milliseconds. */
  tsMs: number
}

/** A fill: what was actually executed, not what was intended. */
export const TradeEntrySchema = z.looseObject({
  ...timestampShape,
  market: MarketSchema,
  side: z.enum(['buy', 'sell']),
  /** Executed base quantity. */
  volume: NonNegativeDecimalSchema,
  /** Average fill price in the quote currency. */
  price: NonNegativeDecimalSchema,
  /** Quote amount exchanged, volume × price, before fees. */
  funds: NonNegativeDecimalSchema,
  /** Fee paid in the quote currency. */
  fee: NonNegativeDecimalSchema,
  /** Exchange order id (Upbit `uuid`), or the paper simulator's id. */
  orderId: z.string().min(1),
  /** Client order identifier used for idempotency. */
  identifier: z.string().min(1).optional(),
  /** The decision that caused this fill. */
  decisionId: z.string().min(1).optional(),
  mode: z.enum(['paper', 'live']),
  reason: z.string().optional(),
  confidence: z.number().min(0).max(1).optional(),
})
export type TradeEntry = z.output<typeof TradeEntrySchema>

/** What the decider said and why. */
export const DecisionEntrySchema = z.looseObject({
  ...timestampShape,
  decisionId: z.string().min(1).optional(),
  market: MarketSchema,
  provider: z.string().min(1),
  model: z.string().min(1),
  action: z.enum(['buy', 'sell', 'hold']),
  confidence: z.number().min(0).max(1),
  /** Proposed size (quote amount for buys, base volume for sells), if any. */
  size: NonNegativeDecimalSchema.nullable().optional(),
  reason: z.string(),
  /** Why a fallback decider answered instead of the first choice. */
  fallbackReason: z.string().nullable().optional(),
  usage: z.looseObject({ inputTokens: z.number().int().nonnegative(), outputTokens: z.number().int().nonnegative() }).optional(),
  latencyMs: z.number().nonnegative().optional(),
  /** Indicator values the decision saw. */
  indicators: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])).optional(),
  mode: z.enum(['paper', 'live']).optional(),
})
export type DecisionEntry = z.output<typeof DecisionEntrySchema>

/** Something that went wrong in the bot. Never put secrets in `message` or `context`. */
export const ErrorEntrySchema = z.looseObject({
  ...timestampShape,
  level: z.enum(['warn', 'error', 'fatal']).default('error'),
  message: z.string().min(1),
  name: z.string().optional(),
  code: z.string().optional(),
  /** Which part of the bot, e.g. `exchange` or `decider`. */
  source: z.string().optional(),
  market: MarketSchema.optional(),
  context: z.record(z.string(), z.unknown()).optional(),
})
export type ErrorEntry = z.output<typeof ErrorEntrySchema>

/** Cash plus positions valued at one time: the points of the equity curve. */
export const EquityEntrySchema = z.looseObject({
  ...timestampShape,
  cash: DecimalSchema,
  positions: z.array(
    z.looseObject({
      market: MarketSchema,
      volume: NonNegativeDecimalSchema,
      price: NonNegativeDecimalSchema,
      value: DecimalSchema,
    }),
  ),
  /** cash + Σ position value. */
  total: DecimalSchema,
  mode: z.enum(['paper', 'live']).optional(),
})
export type EquityEntry = z.output<typeof EquityEntrySchema>
