// Frozen copy of src/performance.ts as of commit 02ed8e9 (before issue 21's full report): the bench's baseline for
// "the full report costs at most 1.2x the old performance()", and the version-1 tracker a checkpoint test needs.
// Never edit it to follow src/.
/**
 * Trading performance from fills (and, when given, equity snapshots). Money is exact (BigInt fixed point, big.js
 * for the divisions) and returned as decimal strings; ratios are returned as numbers. Definitions are in the README.
 */
import type { DecimalString } from '../../src/decimal.js'
import { sortFills } from '../../src/ledger.js'
import type { EquityEntry, TradeEntry } from '../../src/schemas.js'
import type { TimeBound } from '../../src/time.js'
import { createPerformanceTracker } from './performance-tracker.js'

/** Options for `performance`. */
export interface PerformanceOptions {
  /** Quote-currency balance before the first fill; needed for daily returns when no equity entries are given. Default none. */
  startingBalance?: DecimalString
  /** IANA zone whose midnight cuts days for daily returns. Default `'UTC'`. */
  timeZone?: string
  /** End of the period (for exposure and the last daily return). Default: the last entry's time. */
  now?: TimeBound
  /** Sharpe and Sortino are null with fewer daily returns than this. Default 30. */
  minDaysForRatios?: number
  /** Keep only the newest this many round trips in `closedTrades` (all counts and ratios still cover every trip). Default: all. */
  keepClosedTrades?: number
}

/** A closed round trip: position from flat to flat in one market. */
export interface ClosedTrade {
  market: string
  openedAt: string
  closedAt: string
  /** Σ realized PnL of the trip's sells. */
  profit: DecimalString
  /** Σ (funds + fee) of the trip's buys. */
  entryValue: DecimalString
  /** profit / entryValue. */
  profitRatio: number
}

/** One day of the equity curve. */
export interface DailyReturn {
  /** `YYYY-MM-DD` in `timeZone`. */
  date: string
  /** Equity at the end of the day. */
  equity: DecimalString
  /** equity / previous equity − 1. */
  return: number
}

/** The largest fall of the equity curve. */
export interface MaxDrawdown {
  /** Largest peak − trough in money. */
  absolute: DecimalString
  /** When the peak and trough of the largest absolute drawdown were. */
  peakAt: string | null
  troughAt: string | null
  /** Largest (peak − trough) / peak; null when the curve never had a positive peak. */
  relative: number | null
  relativePeakAt: string | null
  relativeTroughAt: string | null
}

/** The result of `performance`. */
export interface Performance {
  /** Closed round trips. */
  tradeCount: number
  /** Round trips still open at the end. */
  openTrades: number
  fills: number
  wins: number
  losses: number
  draws: number
  /** wins / tradeCount; null without closed trades. */
  winRate: number | null
  realizedPnl: DecimalString
  fees: DecimalString
  /** Σ wins / |Σ losses|; null when there are no losses. */
  profitFactor: number | null
  /** Mean profit per closed trade; null without closed trades. */
  expectancy: DecimalString | null
  /** (1 + avgWin / avgLoss) × winRate − 1; null without losses. */
  expectancyRatio: number | null
  maxDrawdown: MaxDrawdown
  /** Where the drawdown and daily returns come from. */
  equitySource: 'equity-entries' | 'realized-pnl' | 'none'
  dailyReturns: DailyReturn[]
  /** mean(daily) / sample std(daily) × √365; null with too few days or zero dispersion. */
  sharpe: number | null
  /** mean(daily) / downside deviation × √365; null with too few days or no down day. */
  sortino: number | null
  /** Share of the period with any position open, 0–1; null for an empty period. */
  exposure: number | null
  closedTrades: ClosedTrade[]
}

const isTrade = (entry: TradeEntry | EquityEntry): entry is TradeEntry => 'side' in entry

/** Computes performance from fills, plus equity snapshots when you have them (they include unrealized PnL). */
export function performance(entries: readonly (TradeEntry | EquityEntry)[], options: PerformanceOptions = {}): Performance {
  const tracker = createPerformanceTracker(options)
  for (const fill of sortFills(entries.filter(isTrade))) tracker.add(fill)
  const snapshots = entries.filter((entry): entry is EquityEntry => !isTrade(entry)).sort((a, b) => a.tsMs - b.tsMs)
  for (const snapshot of snapshots) tracker.add(snapshot)
  return tracker.result()
}
