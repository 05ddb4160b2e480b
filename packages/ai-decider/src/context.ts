/**
 * What a decider sees: one market, its recent prices and the portfolio. Market data are numbers (they feed
 * indicators and the prompt); balances and quantities are decimal strings because they are money.
 */
import { z } from 'zod'

const decimalString = z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal string such as "0.0025"')

/**
 * One OHLCV bar; `time` is the bar's open time in UTC milliseconds. A bar counts as known at its close (open time +
 * the timeframe's length), so a bar still forming at the decision time must carry `updatedAt`.
 */
export const Candle = z.object({
  time: z.number().int(),
  open: z.number().positive(),
  high: z.number().positive(),
  low: z.number().positive(),
  close: z.number().positive(),
  volume: z.number().nonnegative(),
  /** For a bar still forming at the decision time: when its data were last updated (its last trade), UTC ms. */
  updatedAt: z.number().int().optional(),
})
export type Candle = z.infer<typeof Candle>

/** A third-party text (headline, post). Always treated as untrusted data, never as instructions. */
export const NewsItem = z.object({
  source: z.string(),
  title: z.string(),
  body: z.string().optional(),
  publishedAt: z.number().int().optional(),
})
export type NewsItem = z.infer<typeof NewsItem>

export const MarketContext = z.object({
  /** Market code, e.g. `KRW-BTC` (quote-base, Upbit style). */
  market: z.string().min(1),
  /**
   * The decision time, UTC milliseconds: when this snapshot was taken. Nothing in the context may be stamped later
   * (candle closes, `updatedAt`, news `publishedAt`, past decisions and fills); deciders refuse such a context.
   */
  asOf: z.number().int(),
  /**
   * Candles per timeframe, oldest first, e.g. `{ '1h': [...], '1d': [...] }`. Name timeframes `<n>m`, `<n>h`,
   * `<n>d` or `<n>w` so each bar's close is known, or give every bar `updatedAt`.
   */
  candles: z.record(z.string(), z.array(Candle)),
  /** Precomputed indicators by name, e.g. `{ rsi14: 48.2 }`. Optional: the rule decider computes its own. */
  indicators: z.record(z.string(), z.number().nullable()).optional(),
  /** Best bid/ask and the summed size of the top levels on each side. */
  orderbook: z
    .object({
      bestBid: z.number().positive(),
      bestAsk: z.number().positive(),
      bidSize: z.number().nonnegative().optional(),
      askSize: z.number().nonnegative().optional(),
    })
    .optional(),
  /** Last trade price and 24 h figures. `price` is the mark used for risk checks. */
  ticker: z.object({
    price: z.number().positive(),
    change24h: z.number().optional(),
    volume24h: z.number().nonnegative().optional(),
  }),
  /** Free balances available to trade: quote currency (e.g. KRW) and base asset (e.g. BTC). */
  balances: z.object({ quote: decimalString, base: decimalString }),
  /** The open position in the base asset, when there is one. */
  position: z
    .object({
      quantity: decimalString,
      avgEntryPrice: z.number().positive().nullable(),
    })
    .optional(),
  /** The last decisions taken (newest last), so the model does not repeat itself blindly. */
  recentDecisions: z
    .array(
      z.object({
        at: z.number().int(),
        action: z.enum(['buy', 'sell', 'hold']),
        size: z.number(),
        confidence: z.number(),
      }),
    )
    .optional(),
  /** The last fills (newest last). */
  recentFills: z
    .array(
      z.object({
        at: z.number().int(),
        side: z.enum(['buy', 'sell']),
        price: z.number().positive(),
        quantity: decimalString,
      }),
    )
    .optional(),
  /** Headlines and other third-party text: untrusted, fenced in the prompt, never obeyed. */
  news: z.array(NewsItem).optional(),
})

/** A snapshot of one market and the portfolio, as given to `Decider.decide`. */
export type MarketContext = z.infer<typeof MarketContext>
