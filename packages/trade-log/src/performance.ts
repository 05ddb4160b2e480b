/**
 * Trading performance from fills (and, when given, equity snapshots): the report quantitative users expect
 * (backtesting.py's list), under the conventions in `conventions.ts`. Money is exact (BigInt fixed point, big.js
 * for the divisions) and returned as decimal strings; ratios are returned as numbers. A figure that cannot be
 * computed is null, and `reasons` says why.
 */
import type { PerformanceFigure } from './conventions.js'
import type { DecimalString } from './decimal.js'
import { sortFills } from './ledger.js'
import { createPerformanceTracker } from './performance-tracker.js'
import type { EquityEntry, TradeEntry } from './schemas.js'
import type { TimeBound } from './time.js'

/** Options for `performance`. */
export interface PerformanceOptions {
  /** Quote-currency balance before the first fill; needed for daily returns when no equity entries are given. Default none. */
  startingBalance?: DecimalString
  /** IANA zone whose midnight cuts days for daily returns. Default `'UTC'`. */
  timeZone?: string
  /** End of the period (for exposure and the last daily return). Default: the last entry's time. */
  now?: TimeBound
  /** Annualised figures (Sharpe, Sortino, volatility, alpha, beta, CAGR, Calmar, annual return) are null with fewer daily returns (CAGR: calendar days) than this. Default 30. */
  minDaysForRatios?: number
  /** SQN is null with fewer closed round trips than this. Default 30. */
  minTradesForSqn?: number
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
  /** `decisionId` of the fill that opened it, or null. */
  decisionId: string | null
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

/** A market of the buy-and-hold benchmark: the first and last prices the log holds for it. */
export interface BuyAndHoldLeg {
  market: string
  firstPrice: DecimalString
  firstAt: string
  lastPrice: DecimalString
  lastAt: string
  /** lastPrice / firstPrice − 1. */
  return: number
}

/** The conventions a result was computed under (see `PERFORMANCE_CONVENTIONS`). */
export interface PerformanceConventions {
  timeZone: string
  periodsPerYear: number
  riskFreeRate: number
  minDaysForRatios: number
  minTradesForSqn: number
}

/**
 * The result of `performance`. Each figure's definition is in `PERFORMANCE_METRICS` (and the README's table);
 * every figure that is null has an entry in `reasons`.
 */
export interface Performance {
  /** First entry (fill or snapshot), ISO-8601 UTC. */
  start: string | null
  /** `now` if given, else the last entry. */
  end: string | null
  /** end − start, ms. */
  durationMs: number | null
  /** First, last and highest point of the equity curve (see `equitySource`). */
  equityStart: DecimalString | null
  equityFinal: DecimalString | null
  equityPeak: DecimalString | null
  /** equityFinal / equityStart − 1. */
  totalReturn: number | null
  /** Equally weighted buy and hold of the priced markets over the same span. */
  buyAndHoldReturn: number | null
  /** The prices buy and hold used, per market. */
  buyAndHold: BuyAndHoldLeg[]
  annualReturn: number | null
  annualVolatility: number | null
  /** From calendar time, not a count of rows. */
  cagr: number | null
  calmar: number | null
  alpha: number | null
  beta: number | null
  /** Mean depth of the drawdown periods (relative). */
  averageDrawdown: number | null
  maxDrawdownDurationMs: number
  averageDrawdownDurationMs: number | null
  /** Share of the curve's span spent below its running peak. */
  timeUnderWater: number | null
  /** Highest, lowest and mean round-trip return. */
  bestTrade: number | null
  worstTrade: number | null
  averageTrade: number | null
  maxTradeDurationMs: number | null
  averageTradeDurationMs: number | null
  /** avgWin / avgLoss. */
  payoffRatio: number | null
  /** √n × mean / std of round-trip profits. */
  sqn: number | null
  /** p − q / payoff, draws excluded. */
  kelly: number | null
  /** Why each null figure is null, by field (`maxDrawdown.relative` for the nested one). */
  reasons: Partial<Record<PerformanceFigure, string>>
  conventions: PerformanceConventions
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
  /** Exposure time: share of the period with any position open, 0–1; null for an empty period. */
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
