/**
 * Response shapes of the HTTP API and the /ws messages, shared by the routes and the dashboard (type-only
 * imports there, so nothing server-side is bundled into the browser).
 */

export type { DecisionQuality as DecisionQualityResponse } from '@tradekit/trade-log'

/** One page of log entries, newest first unless `order=asc`. */
export interface Page<T> {
  items: T[]
  /** Pass as `cursor` to get the next page; `null` on the last page. */
  nextCursor: string | null
  /** Invalid lines skipped while reading this page (see the server log and /health for where). */
  skippedLines: number
}

export interface EquityPoint {
  tsMs: number
  /** Cash + positions, decimal string in the quote currency. */
  total: string
}

export interface EquityResponse {
  points: EquityPoint[]
  /** Where the points come from: the bot's equity snapshots, or rebuilt from fills when there are none. */
  source: 'equity-log' | 'trades'
}

export interface DailyRow {
  /** `YYYY-MM-DD` in the log's time zone. */
  date: string
  /** Realized PnL of the round trips closed that day (freqtrade's `/daily` definition), decimal string. */
  pnl: string
  /** Fills that day. */
  trades: number
  /** End-of-day equity from the bot's snapshots, or null when it logs none. */
  equity: string | null
}

export interface DailyResponse {
  days: DailyRow[]
}

export interface PricePoint {
  tsMs: number
  price: string
}

export interface FillMarker {
  tsMs: number
  side: 'buy' | 'sell'
  price: string
  volume: string
}

export interface PricesResponse {
  market: string
  points: PricePoint[]
  fills: FillMarker[]
}

export interface CandleBar {
  /** Bucket start, epoch ms. */
  time: number
  open: string
  high: string
  low: string
  close: string
  /** Prices the bot logged in the bucket. */
  ticks: number
}

export interface CandlesResponse {
  market: string
  /** `1m`, `5m`, `15m`, `1h`, `4h` or `1d`. */
  interval: string
  intervalMs: number
  /** `equity-log`: the prices the bot logged each cycle; `none`: the bot logs no equity snapshots, so no price line. */
  source: 'equity-log' | 'none'
  candles: CandleBar[]
  /** Fills in the candles' time range, as markers. */
  fills: FillMarker[]
}

export type CheckStatus = 'ok' | 'warn' | 'down' | 'disabled'

export interface HealthCheck {
  status: CheckStatus
  /** One line a person can act on. */
  summary: string
  [detail: string]: unknown
}

export interface HealthResponse {
  status: 'ready' | 'unavailable'
  reasons?: string[]
  checks?: { logDir: HealthCheck; electronCash: HealthCheck; bot: HealthCheck }
}

export interface WalletResponse {
  /** Confirmed balance in BCH, decimal string. */
  confirmed: string
  unconfirmed: string
  /** The same in satoshis, as decimal strings of integers. */
  confirmedSats: string
  unconfirmedSats: string
}

export interface PaymentView {
  /** Random and unguessable: also the checkout page's path. */
  id: string
  /** The merchant's order id: creating again with it returns this payment. */
  orderId: string | null
  address: string
  /** BIP21 `bitcoincash:` URI with the amount. */
  uri: string
  amountSats: string
  amountBch: string
  memo: string
  /** `New`, `Processing`, `Settled`, `Expired`, `Invalid` (BTCPay's states). */
  status: string
  /** `None`, `PaidPartial`, `PaidOver`, `PaidLate`, `Marked`. */
  additionalStatus: string
  receivedSats: string
  confirmations: number
  /** Confirmations before `Settled` (0 = at first sight). */
  requiredConfirmations: number
  txHashes: string[]
  createdAt: string
  expiresAt: string | null
  /** The fiat price and the rate locked at creation, or null for a price in BCH. */
  price: { currency: string; amount: string; rate: string; source: string; quotedAt: string } | null
  /** The hosted payment page (relative to the server). */
  checkoutUrl: string
  /** The last failure to read this payment from the daemon, until the next good read. */
  watchFailure: { at: string; message: string } | null
}

/** What the public checkout page shows: nothing about the order beyond what the payer needs. */
export interface CheckoutView {
  id: string
  status: string
  additionalStatus: string
  address: string
  uri: string
  amountSats: string
  amountBch: string
  receivedSats: string
  memo: string
  confirmations: number
  requiredConfirmations: number
  createdAt: string
  expiresAt: string | null
  /** The fiat price at the locked rate, and what was received in that currency. */
  fiat: { currency: string; amount: string; rate: string; received: string } | null
}

/** One webhook delivery and its attempts. */
export interface DeliveryView {
  id: string
  eventId: string
  state: 'pending' | 'delivered' | 'failed'
  attempts: number
  nextAttemptAt: string | null
  originalDeliveryId: string | null
  log: {
    at: string
    outcome: 'HttpSuccess' | 'HttpError' | 'Failed'
    httpStatus: number | null
    error: string | null
    durationMs: number
  }[]
}
