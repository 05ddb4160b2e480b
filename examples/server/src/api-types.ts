/**
 * Response shapes of the HTTP API and the /ws messages, shared by the routes and the dashboard (type-only
 * imports there, so nothing server-side is bundled into the browser).
 */

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
  id: string
  address: string
  uri: string
  amountSats: string
  amountBch: string
  memo: string
  /** `pending`, `underpaid`, `paid`, `confirmed`, `expired` (or the event name when pushed: `overpaid`). */
  status: string
  receivedSats: string
  confirmations: number
  txHashes: string[]
  createdAt: string
  expiresAt: string | null
}
