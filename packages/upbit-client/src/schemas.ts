/**
 * zod schemas of Upbit responses. Objects are loose (new fields pass through) so an Upbit addition never breaks a
 * bot; the fields a bot relies on are checked. Exchange amounts stay decimal strings; quotation prices are numbers.
 */
import { z } from 'zod'

const decimal = z.string()
const optionalDecimal = decimal.nullable().optional()

export const marketSchema = z.looseObject({
  market: z.string(),
  korean_name: z.string().optional(),
  english_name: z.string().optional(),
})
export type Market = z.infer<typeof marketSchema>

export const candleSchema = z.looseObject({
  market: z.string(),
  candle_date_time_utc: z.string(),
  candle_date_time_kst: z.string(),
  opening_price: z.number(),
  high_price: z.number(),
  low_price: z.number(),
  trade_price: z.number(),
  timestamp: z.number(),
  candle_acc_trade_price: z.number(),
  candle_acc_trade_volume: z.number(),
  unit: z.number().optional(),
})
export type Candle = z.infer<typeof candleSchema>

export const tradeTickSchema = z.looseObject({
  market: z.string(),
  trade_date_utc: z.string(),
  trade_time_utc: z.string(),
  timestamp: z.number(),
  trade_price: z.number(),
  trade_volume: z.number(),
  ask_bid: z.enum(['ASK', 'BID']),
  sequential_id: z.number(),
})
export type TradeTick = z.infer<typeof tradeTickSchema>

export const tickerSchema = z.looseObject({
  market: z.string(),
  trade_price: z.number(),
  opening_price: z.number(),
  high_price: z.number(),
  low_price: z.number(),
  prev_closing_price: z.number(),
  change: z.enum(['RISE', 'EVEN', 'FALL']),
  timestamp: z.number(),
})
export type Ticker = z.infer<typeof tickerSchema>

export const orderbookSchema = z.looseObject({
  market: z.string(),
  timestamp: z.number(),
  total_ask_size: z.number(),
  total_bid_size: z.number(),
  orderbook_units: z.array(
    z.looseObject({ ask_price: z.number(), bid_price: z.number(), ask_size: z.number(), bid_size: z.number() }),
  ),
})
export type Orderbook = z.infer<typeof orderbookSchema>

export const orderbookInstrumentSchema = z.looseObject({
  market: z.string(),
  quote_currency: z.string(),
  tick_size: decimal,
  supported_levels: z.array(z.union([z.string(), z.number()])).optional(),
})
export type OrderbookInstrument = z.infer<typeof orderbookInstrumentSchema>

export const accountSchema = z.looseObject({
  currency: z.string(),
  balance: decimal,
  locked: decimal,
  avg_buy_price: decimal,
  avg_buy_price_modified: z.boolean(),
  unit_currency: z.string(),
})
export type Account = z.infer<typeof accountSchema>

export const orderTradeSchema = z.looseObject({
  market: z.string(),
  uuid: z.string(),
  price: decimal,
  volume: decimal,
  funds: decimal,
  side: z.enum(['bid', 'ask']),
  created_at: z.string(),
})

export const orderSchema = z.looseObject({
  uuid: z.string(),
  side: z.enum(['bid', 'ask']),
  ord_type: z.string(),
  price: optionalDecimal,
  state: z.enum(['wait', 'watch', 'done', 'cancel']),
  market: z.string(),
  created_at: z.string(),
  volume: optionalDecimal,
  remaining_volume: optionalDecimal,
  reserved_fee: decimal,
  remaining_fee: decimal,
  paid_fee: decimal,
  locked: decimal,
  executed_volume: decimal,
  executed_funds: optionalDecimal,
  trades_count: z.union([z.number(), z.string()]).optional(),
  identifier: z.string().nullable().optional(),
  time_in_force: z.string().nullable().optional(),
  smp_type: z.string().nullable().optional(),
  trades: z.array(orderTradeSchema).optional(),
})
export type Order = z.infer<typeof orderSchema>

const chanceAccountSchema = z.looseObject({ currency: z.string(), balance: decimal, locked: decimal })

export const orderChanceSchema = z.looseObject({
  bid_fee: decimal,
  ask_fee: decimal,
  maker_bid_fee: decimal.optional(),
  maker_ask_fee: decimal.optional(),
  market: z.looseObject({
    id: z.string(),
    name: z.string().optional(),
    order_types: z.array(z.string()).optional(),
    order_sides: z.array(z.string()).optional(),
    bid: z.looseObject({ currency: z.string(), min_total: decimal }),
    ask: z.looseObject({ currency: z.string(), min_total: decimal }),
    max_total: decimal.optional(),
    state: z.string().optional(),
  }),
  bid_account: chanceAccountSchema,
  ask_account: chanceAccountSchema,
})
export type OrderChance = z.infer<typeof orderChanceSchema>

export const cancelAndNewSchema = orderSchema.extend({
  new_order_uuid: z.string(),
  new_order_identifier: z.string().nullable().optional(),
})
export type CancelAndNewResult = z.infer<typeof cancelAndNewSchema>

const batchListSchema = z.looseObject({
  count: z.number(),
  orders: z.array(
    z.looseObject({ uuid: z.string(), market: z.string().optional(), identifier: z.string().nullable().optional() }),
  ),
})

/** DELETE /orders/uuids and DELETE /orders/open (shape partly unverified upstream, so kept loose). */
export const batchCancelSchema = z.looseObject({ success: batchListSchema, failed: batchListSchema })
export type BatchCancelResult = z.infer<typeof batchCancelSchema>

export const transferSchema = z.looseObject({
  type: z.string().optional(),
  uuid: z.string(),
  currency: z.string(),
  net_type: z.string().nullable().optional(),
  txid: z.string().nullable().optional(),
  state: z.string(),
  created_at: z.string(),
  done_at: z.string().nullable().optional(),
  amount: decimal,
  fee: decimal,
  transaction_type: z.string().optional(),
})
export type Transfer = z.infer<typeof transferSchema>

export const walletStatusSchema = z.looseObject({
  currency: z.string(),
  wallet_state: z.string(),
  block_state: z.string().nullable().optional(),
  net_type: z.string().optional(),
})
export type WalletStatus = z.infer<typeof walletStatusSchema>

export const apiKeySchema = z.looseObject({ access_key: z.string(), expire_at: z.string() })
export type ApiKeyInfo = z.infer<typeof apiKeySchema>

/** Endpoints whose documented shape is not pinned down: any JSON object, kept as-is. */
export const looseObjectSchema = z.looseObject({})
export type LooseObject = z.infer<typeof looseObjectSchema>
