/** Quotation endpoints (no keys): markets, candles, trades, tickers, order books. */
import { z } from 'zod'
import { exactAmount, PRICE_DECIMALS } from '../amounts.js'
import type { DecimalInput } from '../decimal.js'
import type { CallOptions } from '../orders.js'
import {
  type Candle,
  candleSchema,
  type Market,
  marketSchema,
  type Orderbook,
  type OrderbookInstrument,
  orderbookInstrumentSchema,
  orderbookSchema,
  type Ticker,
  type TradeTick,
  tickerSchema,
  tradeTickSchema,
} from '../schemas.js'
import { type ApiContext, iso, list, type TimeInput } from './context.js'

export type CandleUnit = 'seconds' | 1 | 3 | 5 | 10 | 15 | 30 | 60 | 240 | 'days' | 'weeks' | 'months' | 'years'

export interface CandlesParams {
  market: string
  unit: CandleUnit
  /** Exclusive end time of the last candle. Default: now. */
  to?: TimeInput
  /** Up to 200. Default 1 (Upbit's). */
  count?: number
  /** Days only: convert prices, e.g. `'KRW'`. */
  convertingPriceUnit?: string
}
export interface TradesParams {
  market: string
  /** `HHmmss` or `HH:mm:ss` (UTC). */
  to?: string
  count?: number
  /** `sequential_id` to continue from. */
  cursor?: string | number
  daysAgo?: 1 | 2 | 3 | 4 | 5 | 6 | 7
}

// Built once: constructing zod schemas per call costs more than validating.
const candleList = z.array(candleSchema)
const marketList = z.array(marketSchema)
const orderbookInstrumentList = z.array(orderbookInstrumentSchema)
const orderbookList = z.array(orderbookSchema)
const tickerList = z.array(tickerSchema)
const tradeTickList = z.array(tradeTickSchema)

export function quotationApi({ quote }: ApiContext) {
  return {
    /** GET /market/all */
    getMarkets: (p: { isDetails?: boolean } = {}, o?: CallOptions): Promise<Market[]> =>
      quote('/v1/market/all', 'market', { is_details: p.isDetails }, marketList, o),
    /** GET /candles/{seconds|minutes/N|days|weeks|months|years}: newest first, at most 200. */
    getCandles: (p: CandlesParams, o?: CallOptions): Promise<Candle[]> =>
      quote(
        typeof p.unit === 'number' ? `/v1/candles/minutes/${p.unit}` : `/v1/candles/${p.unit}`,
        'candle',
        { market: p.market, to: iso(p.to), count: p.count, converting_price_unit: p.convertingPriceUnit },
        candleList,
        o,
      ),
    /** GET /trades/ticks */
    getTrades: (p: TradesParams, o?: CallOptions): Promise<TradeTick[]> =>
      quote(
        '/v1/trades/ticks',
        'trade',
        { market: p.market, to: p.to, count: p.count, cursor: p.cursor, days_ago: p.daysAgo },
        tradeTickList,
        o,
      ),
    /** GET /ticker */
    getTicker: (p: { markets: string[] }, o?: CallOptions): Promise<Ticker[]> =>
      quote('/v1/ticker', 'ticker', { markets: list(p.markets) }, tickerList, o),
    /** GET /ticker/all: every pair quoted in the given currencies. */
    getTickersByQuote: (p: { quoteCurrencies: string[] }, o?: CallOptions): Promise<Ticker[]> =>
      quote('/v1/ticker/all', 'ticker', { quote_currencies: list(p.quoteCurrencies) }, tickerList, o),
    /** GET /orderbook (`level`: a KRW price unit to group by, passed through the amount gate). */
    getOrderbook: async (
      p: { markets: string[]; level?: DecimalInput; count?: number },
      o?: CallOptions,
    ): Promise<Orderbook[]> => {
      const level =
        p.level === undefined
          ? undefined
          : exactAmount('getOrderbook', 'level', p.level, { decimals: PRICE_DECIMALS, allowZero: true })
      return quote('/v1/orderbook', 'orderbook', { markets: list(p.markets), level, count: p.count }, orderbookList, o)
    },
    /** GET /orderbook/instruments: `tick_size` per market, the source of truth for ticks. */
    getOrderbookInstruments: (p: { markets: string[] }, o?: CallOptions): Promise<OrderbookInstrument[]> =>
      quote('/v1/orderbook/instruments', 'orderbook', { markets: list(p.markets) }, orderbookInstrumentList, o),
  }
}

export type QuotationApi = ReturnType<typeof quotationApi>
