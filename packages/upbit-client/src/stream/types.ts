/**
 * The typed shape every stream message is decoded to, whatever format Upbit sent it in (DEFAULT, SIMPLE,
 * JSON_LIST, SIMPLE_LIST). Field names are Upbit's DEFAULT names; amounts and prices are decimal strings.
 */
import type { DecimalString } from '../decimal.js'

/** Wire formats Upbit offers; all four decode to the same events. */
export type StreamFormat = 'DEFAULT' | 'SIMPLE' | 'JSON_LIST' | 'SIMPLE_LIST'

/** Candle intervals of the `candle.*` types. */
export type CandleInterval = '1s' | '1m' | '3m' | '5m' | '10m' | '15m' | '30m' | '60m' | '240m'
export type CandleType = `candle.${CandleInterval}`
export type PublicStreamType = 'ticker' | 'trade' | 'orderbook' | CandleType
export type PrivateStreamType = 'myOrder' | 'myAsset'
export type StreamType = PublicStreamType | PrivateStreamType

/** `SNAPSHOT` (state at subscription) or `REALTIME`. */
export type StreamKind = 'SNAPSHOT' | 'REALTIME'

export interface TickerEvent {
  type: 'ticker'
  code: string
  opening_price: DecimalString
  high_price: DecimalString
  low_price: DecimalString
  trade_price: DecimalString
  prev_closing_price: DecimalString
  change: 'RISE' | 'EVEN' | 'FALL'
  change_price: DecimalString
  signed_change_price: DecimalString
  /** A ratio, not an amount: kept as a number. */
  change_rate: number
  signed_change_rate: number
  trade_volume: DecimalString
  acc_trade_volume: DecimalString
  acc_trade_volume_24h: DecimalString
  acc_trade_price: DecimalString
  acc_trade_price_24h: DecimalString
  trade_date: string
  trade_time: string
  trade_timestamp: number
  ask_bid: 'ASK' | 'BID'
  acc_ask_volume: DecimalString
  acc_bid_volume: DecimalString
  highest_52_week_price: DecimalString
  highest_52_week_date: string
  lowest_52_week_price: DecimalString
  lowest_52_week_date: string
  market_state: string
  market_warning: string
  delisting_date: string | null
  timestamp: number
  stream_type: StreamKind
}

export interface TradeEvent {
  type: 'trade'
  code: string
  trade_price: DecimalString
  trade_volume: DecimalString
  ask_bid: 'ASK' | 'BID'
  prev_closing_price: DecimalString
  change: 'RISE' | 'EVEN' | 'FALL'
  change_price: DecimalString
  trade_date: string
  trade_time: string
  trade_timestamp: number
  sequential_id: number
  best_ask_price: DecimalString | null
  best_ask_size: DecimalString | null
  best_bid_price: DecimalString | null
  best_bid_size: DecimalString | null
  timestamp: number
  stream_type: StreamKind
}

export interface OrderbookUnit {
  ask_price: DecimalString
  bid_price: DecimalString
  ask_size: DecimalString
  bid_size: DecimalString
}

export interface OrderbookEvent {
  type: 'orderbook'
  code: string
  total_ask_size: DecimalString
  total_bid_size: DecimalString
  orderbook_units: OrderbookUnit[]
  /** Price grouping unit (KRW markets); `"0"` when not grouped. */
  level: DecimalString | null
  timestamp: number
  stream_type: StreamKind
}

export interface CandleEvent {
  type: CandleType
  code: string
  /** Candle start (UTC, `yyyy-MM-ddTHH:mm:ss`): the key candles are upserted by. */
  candle_date_time_utc: string
  candle_date_time_kst: string
  opening_price: DecimalString
  high_price: DecimalString
  low_price: DecimalString
  trade_price: DecimalString
  candle_acc_trade_volume: DecimalString
  candle_acc_trade_price: DecimalString
  timestamp: number
  stream_type: StreamKind
}

/** Order states on the `myOrder` stream (`trade` is one fill; `done` and `cancel` end the order). */
export type MyOrderState = 'wait' | 'watch' | 'trade' | 'done' | 'cancel' | 'prevented'

export interface MyOrderEvent {
  type: 'myOrder'
  code: string
  uuid: string
  ask_bid: 'ASK' | 'BID'
  order_type: 'limit' | 'price' | 'market' | 'best' | (string & {})
  state: MyOrderState
  /** Set on `trade` events: the fill's own id. */
  trade_uuid: string | null
  /** The order price, or the fill price on a `trade` event. */
  price: DecimalString | null
  avg_price: DecimalString | null
  /** The order volume, or the fill volume on a `trade` event. */
  volume: DecimalString | null
  remaining_volume: DecimalString | null
  executed_volume: DecimalString | null
  trades_count: number | null
  reserved_fee: DecimalString | null
  remaining_fee: DecimalString | null
  paid_fee: DecimalString | null
  locked: DecimalString | null
  executed_funds: DecimalString | null
  time_in_force: string | null
  trade_fee: DecimalString | null
  is_maker: boolean | null
  identifier: string | null
  smp_type: string | null
  prevented_volume: DecimalString | null
  prevented_locked: DecimalString | null
  trade_timestamp: number | null
  order_timestamp: number | null
  timestamp: number
  stream_type: StreamKind
  /** True when the event was rebuilt from REST after a disconnect rather than received live. */
  reconciled: boolean
}

export interface AssetBalance {
  currency: string
  balance: DecimalString
  locked: DecimalString
}

export interface MyAssetEvent {
  type: 'myAsset'
  asset_uuid: string
  assets: AssetBalance[]
  asset_timestamp: number
  timestamp: number
  stream_type: StreamKind
  /**
   * True for the one event a reconnect emits when REST (`GET /v1/accounts`) shows balances that changed while the
   * stream was down; it lists only those currencies (one that is gone reads 0).
   */
  reconciled: boolean
}

/** Event type per stream type. */
export interface StreamEventMap {
  ticker: TickerEvent
  trade: TradeEvent
  orderbook: OrderbookEvent
  'candle.1s': CandleEvent
  'candle.1m': CandleEvent
  'candle.3m': CandleEvent
  'candle.5m': CandleEvent
  'candle.10m': CandleEvent
  'candle.15m': CandleEvent
  'candle.30m': CandleEvent
  'candle.60m': CandleEvent
  'candle.240m': CandleEvent
  myOrder: MyOrderEvent
  myAsset: MyAssetEvent
}

export type StreamEvent = StreamEventMap[StreamType]

export const CANDLE_INTERVALS: readonly CandleInterval[] = ['1s', '1m', '3m', '5m', '10m', '15m', '30m', '60m', '240m']
export const PUBLIC_TYPES: readonly PublicStreamType[] = [
  'ticker',
  'trade',
  'orderbook',
  ...CANDLE_INTERVALS.map((i) => `candle.${i}` as const),
]
export const PRIVATE_TYPES: readonly PrivateStreamType[] = ['myOrder', 'myAsset']

export function isPrivateType(type: string): type is PrivateStreamType {
  return type === 'myOrder' || type === 'myAsset'
}
