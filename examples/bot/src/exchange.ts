/**
 * The part of Upbit the bot uses, in Upbit's own wire shapes (decimal strings stay strings). `upbit-exchange.ts`
 * binds it to `@tradekit/upbit-client`; the seam exists so the loop reads as the algorithm, not as HTTP.
 */

export type OrderState = 'wait' | 'watch' | 'done' | 'cancel'

/** One execution of an order (Upbit `trades[]` on GET /order). */
export interface ExchangeTrade {
  /** The execution's own id, when the exchange gives one. */
  uuid?: string | undefined
  price: string
  volume: string
  funds: string
  created_at?: string | undefined
}

/** An order as Upbit reports it. */
export interface ExchangeOrder {
  uuid: string
  identifier?: string | null | undefined
  market: string
  side: 'bid' | 'ask'
  ord_type: string
  state: OrderState
  executed_volume: string
  paid_fee: string
  executed_funds?: string | null | undefined
  trades?: ExchangeTrade[] | undefined
  created_at?: string | undefined
}

/** What the bot asks Upbit for: a market buy by KRW total (`price`), a market sell by volume (`market`), or a limit order. */
export type OrderRequest =
  | { market: string; side: 'bid'; ord_type: 'price'; price: string; identifier: string }
  | { market: string; side: 'ask'; ord_type: 'market'; volume: string; identifier: string }
  | { market: string; side: 'bid' | 'ask'; ord_type: 'limit'; price: string; volume: string; identifier: string }

export interface ExchangeAccount {
  currency: string
  balance: string
  locked: string
  avg_buy_price: string
}

/** A candle with numbers, oldest first; `time` is the candle's open time in UTC milliseconds. */
export interface ExchangeCandle {
  time: number
  open: number
  high: number
  low: number
  close: number
  volume: number
}

export interface Exchange {
  candles(market: string, minutes: number, count: number): Promise<ExchangeCandle[]>
  ticker(market: string): Promise<{ price: number; change24h?: number; volume24h?: number }>
  orderbook(market: string): Promise<{ bestBid: number; bestAsk: number; bidSize: number; askSize: number }>
  accounts(): Promise<ExchangeAccount[]>
  createOrder(request: OrderRequest): Promise<ExchangeOrder>
  getOrder(uuid: string): Promise<ExchangeOrder>
  cancelOrder(uuid: string): Promise<ExchangeOrder>
  /** The order placed under `identifier` (with its trades), or `null` when the exchange says there is none. */
  findOrder(identifier: string): Promise<ExchangeOrder | null>
  /** Every open order (`wait`/`watch`), all markets; list shapes, without trades. */
  openOrders(): Promise<ExchangeOrder[]>
  /** Orders closed (`done`/`cancel`) that were created in [since, until] (UTC ms), all markets; without trades. */
  closedOrders(since: number, until: number): Promise<ExchangeOrder[]>
  /**
   * Optional, with a live order stream (myOrder): waits up to `waitMs` for the order's end and returns the order as
   * the stream reported it, fills included; `rest` when the stream cannot say (it is down, the order was sent before
   * it was first confirmed, or its events do not add up): GET /order polling is then the fallback. `waiting` when
   * `waitMs` passed or `signal` aborted first. Whichever source ends the order, it goes through the order desk.
   */
  settledFromStream?(uuid: string, waitMs: number, signal?: AbortSignal): Promise<ExchangeOrder | 'rest' | 'waiting'>
}
