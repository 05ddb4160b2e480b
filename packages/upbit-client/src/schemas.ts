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

/** A count Upbit changed from a string to a JSON number (SDK 1.2): either is accepted, a number comes out. */
const count = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number),
])

export const walletStatusSchema = z.looseObject({
  currency: z.string(),
  wallet_state: z.string(),
  block_state: z.string().nullable().optional(),
  /** A number since SDK 1.2 (was a string). */
  block_height: count.nullable().optional(),
  block_updated_at: z.string().nullable().optional(),
  block_elapsed_minutes: z.number().nullable().optional(),
  net_type: z.string().optional(),
  network_name: z.string().optional(),
})
export type WalletStatus = z.infer<typeof walletStatusSchema>

export const apiKeySchema = z.looseObject({ access_key: z.string(), expire_at: z.string() })
export type ApiKeyInfo = z.infer<typeof apiKeySchema>

/** GET /withdraws/chance. */
export const withdrawChanceSchema = z.looseObject({
  member_level: z.looseObject({
    security_level: z.number().optional(),
    fee_level: z.number().optional(),
    email_verified: z.boolean().optional(),
    identity_auth_verified: z.boolean().optional(),
    bank_account_verified: z.boolean().optional(),
    two_factor_auth_verified: z.boolean().optional(),
    locked: z.boolean().optional(),
    wallet_locked: z.boolean().optional(),
  }),
  currency: z.looseObject({
    code: z.string(),
    withdraw_fee: decimal,
    is_coin: z.boolean().optional(),
    wallet_state: z.string().optional(),
    wallet_support: z.array(z.string()).optional(),
  }),
  account: z.looseObject({ currency: z.string(), balance: decimal, locked: decimal }),
  withdraw_limit: z.looseObject({
    currency: z.string(),
    minimum: optionalDecimal,
    onetime: optionalDecimal,
    daily: optionalDecimal,
    remaining_daily: optionalDecimal,
    remaining_daily_krw: optionalDecimal,
    /** Decimal places a withdrawal amount may have; a number since SDK 1.2 (was a string). */
    fixed: count.nullable().optional(),
    can_withdraw: z.boolean().optional(),
  }),
})
export type WithdrawChance = z.infer<typeof withdrawChanceSchema>

/** GET /withdraws/coin_addresses: the allow-listed withdrawal addresses. */
export const withdrawAddressSchema = z.looseObject({
  currency: z.string(),
  net_type: z.string(),
  network_name: z.string().optional(),
  withdraw_address: z.string(),
  secondary_address: z.string().nullable().optional(),
})
export type WithdrawAddress = z.infer<typeof withdrawAddressSchema>

/** GET /deposits/chance/coin. */
export const depositChanceSchema = z.looseObject({
  currency: z.string(),
  net_type: z.string(),
  is_deposit_possible: z.boolean(),
  deposit_impossible_reason: z.string().nullable().optional(),
  minimum_deposit_amount: optionalDecimal,
  minimum_deposit_confirmations: z.number().optional(),
  decimal_precision: z.number().optional(),
})
export type DepositChance = z.infer<typeof depositChanceSchema>

/** GET /deposits/coin_address(es): an address may still be being generated (`null`). */
export const depositAddressSchema = z.looseObject({
  currency: z.string(),
  net_type: z.string(),
  deposit_address: z.string().nullable(),
  secondary_address: z.string().nullable().optional(),
})
export type DepositAddress = z.infer<typeof depositAddressSchema>

/** POST /deposits/generate_coin_address: the address, or `{ success, message }` while it is being created. */
export const generateDepositAddressSchema = z.union([
  depositAddressSchema,
  z.looseObject({ success: z.boolean(), message: z.string() }),
])
export type GenerateDepositAddressResult = z.infer<typeof generateDepositAddressSchema>

/** GET /travel_rule/vasps. */
export const travelRuleVaspSchema = z.looseObject({
  vasp_name: z.string(),
  vasp_uuid: z.string(),
  depositable: z.boolean(),
  withdrawable: z.boolean(),
})
export type TravelRuleVasp = z.infer<typeof travelRuleVaspSchema>

/** POST /travel_rule/deposit/{uuid,txid}: the verification outcome. */
export const travelRuleVerificationSchema = z.looseObject({
  deposit_uuid: z.string(),
  verification_result: z.string(),
  deposit_state: z.string(),
})
export type TravelRuleVerification = z.infer<typeof travelRuleVerificationSchema>

/**
 * Pockets (sub-accounts, since 2026-06-01). Upbit's reference notes list the endpoints but not their fields: the
 * fields below are assumed (see the README) and kept loose, so Upbit's real extra fields pass through untouched.
 */
export const pocketSchema = z.looseObject({
  uuid: z.string(),
  name: z.string().optional(),
  /** `main` or `sub` (assumed). */
  type: z.string().optional(),
  created_at: z.string().optional(),
})
export type Pocket = z.infer<typeof pocketSchema>

export const pocketApiKeySchema = z.looseObject({
  access_key: z.string(),
  expire_at: z.string().optional(),
  pocket_uuid: z.string().optional(),
  permissions: z.array(z.string()).optional(),
})
export type PocketApiKey = z.infer<typeof pocketApiKeySchema>

/** A sub-pocket balance: Upbit documents the fields currency, balance, locked, avg_buy_price, unit_currency. */
export const pocketAssetSchema = z.looseObject({
  currency: z.string(),
  balance: decimal,
  locked: decimal,
  avg_buy_price: optionalDecimal,
  unit_currency: z.string().optional(),
})
export type PocketAsset = z.infer<typeof pocketAssetSchema>

/** A transfer between pockets: states `submitted`, `processing`, `done`, `failed` (documented); fields assumed. */
export const pocketTransferSchema = z.looseObject({
  uuid: z.string(),
  identifier: z.string().nullable().optional(),
  from: z.string().nullable().optional(),
  to: z.string().nullable().optional(),
  currency: z.string(),
  amount: decimal,
  state: z.string(),
  created_at: z.string().optional(),
})
export type PocketTransfer = z.infer<typeof pocketTransferSchema>

/** Endpoints whose documented shape is not pinned down: any JSON object, kept as-is. */
export const looseObjectSchema = z.looseObject({})
export type LooseObject = z.infer<typeof looseObjectSchema>
