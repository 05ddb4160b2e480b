/**
 * The conventions of `performance()` and the definition of every figure it reports, in one table. The README's
 * conventions table is rendered from it (readme.test.ts checks they match), and `reasons` in a result is keyed by
 * these fields, so a figure's name, definition and "why it is null" live in one place.
 */

/** Periods per year for annualising: crypto trades every calendar day. */
export const PERIODS_PER_YEAR = 365
/** Round trips below which SQN is not reported (Van Tharp: meaningful from about 30). Default of `minTradesForSqn`. */
export const MIN_TRADES_FOR_SQN = 30
/** Daily returns below which annualised figures are not reported. Default of `minDaysForRatios`. */
export const MIN_DAYS_FOR_RATIOS = 30

/** A rule every figure follows. */
export interface PerformanceConvention {
  topic: string
  rule: string
}

/** The rules, in the order the README lists them. */
export const PERFORMANCE_CONVENTIONS: readonly PerformanceConvention[] = [
  { topic: 'Periods per year', rule: `${PERIODS_PER_YEAR} (crypto trades every day; quantstats defaults to 252).` },
  {
    topic: 'Standard deviation',
    rule: 'Sample (n − 1) everywhere: volatility, Sharpe, Sortino, beta, SQN. Risk-free rate 0.',
  },
  {
    topic: 'Daily returns',
    rule: 'End-of-day equity for every calendar day, days cut at midnight in `timeZone` (default UTC; the example bot and server use Asia/Seoul or UTC as configured). A day without a new point carries the previous equity (a 0 return); `r_d = E_d / E_{d−1} − 1`.',
  },
  {
    topic: 'Equity curve',
    rule: 'Equity snapshots (`equity` entries: cash + positions at the logged prices) when the log has them; otherwise `startingBalance` + cumulative realized PnL after every fill that realizes some (closed round trips and partial exits). Without either there is no curve, and the figures that need one are null.',
  },
  {
    topic: 'Round trips',
    rule: 'A trade opens when a market’s position goes from 0 to above 0 and closes when it returns to 0; its profit is the realized PnL of its sells (average cost, fees included), its return `profit / Σ (funds + fee) of its buys`.',
  },
  {
    topic: 'Breakeven trades',
    rule: 'A round trip with profit exactly 0 is a draw: neither a win nor a loss. It counts in `tradeCount` (so in the win rate’s denominator) and in averages, in no sum of wins or losses, and drops out of Kelly. freqtrade’s `/profit` counts it as a win.',
  },
  {
    topic: 'Too little data',
    rule: `Annualised figures (return, volatility, Sharpe, Sortino, alpha, beta, CAGR, Calmar) need \`minDaysForRatios\` daily returns (default ${MIN_DAYS_FOR_RATIOS}); SQN needs \`minTradesForSqn\` round trips (default ${MIN_TRADES_FOR_SQN}).`,
  },
  {
    topic: 'Undefined figures',
    rule: 'A figure whose denominator is 0, or that lacks data, is `null` (never 0, never Infinity, which JSON cannot carry), and `reasons[field]` says why. No losses: profit factor, payoff, Kelly and expectancy ratio are null.',
  },
  {
    topic: 'Buy and hold',
    rule: 'The markets the log priced (fill prices and snapshot position prices), equally weighted, each bought at its first logged price and held to its last; a market enters at its first price (its share is cash until then). Daily values use each market’s last price of the day.',
  },
  {
    topic: 'Money and ratios',
    rule: 'Money is exact (BigInt fixed point) and returned as decimal strings; ratios are numbers rounded to 8 decimals; times are ISO-8601 UTC; durations are milliseconds.',
  },
]

/** The kind of value a figure holds. */
export type FigureUnit = 'time' | 'duration' | 'money' | 'ratio' | 'count'

/** One figure: where it is in the result, what backtesting.py calls it, and its definition. */
export interface MetricConvention {
  /** Its field in `Performance` (a dot path for `maxDrawdown.*`). */
  field: string
  /** backtesting.py's name for it, the report users compare against (or ours where it has none). */
  label: string
  unit: FigureUnit
  definition: string
  /** When it is null; `reasons[field]` then says which. `never` for figures that always have a value. */
  nullWhen: string
}

/** Every figure of the report, in the order the README and the dashboard show them. */
export const PERFORMANCE_METRICS = [
  { field: 'start', label: 'Start', unit: 'time', definition: 'First entry (fill or snapshot).', nullWhen: 'no entries' },
  { field: 'end', label: 'End', unit: 'time', definition: '`now` if given, else the last entry.', nullWhen: 'no entries' },
  { field: 'durationMs', label: 'Duration', unit: 'duration', definition: 'end − start.', nullWhen: 'no entries' },
  {
    field: 'exposure',
    label: 'Exposure Time',
    unit: 'ratio',
    definition: 'Share of the time from the first fill to `end` with any position open.',
    nullWhen: 'no fills, or an empty span',
  },
  {
    field: 'equityStart',
    label: 'Equity Start',
    unit: 'money',
    definition: 'First point of the equity curve: the first snapshot’s total, else `startingBalance`.',
    nullWhen: 'no equity curve',
  },
  {
    field: 'equityFinal',
    label: 'Equity Final',
    unit: 'money',
    definition: 'Last point of the equity curve.',
    nullWhen: 'no equity curve',
  },
  {
    field: 'equityPeak',
    label: 'Equity Peak',
    unit: 'money',
    definition: 'Highest point of the equity curve.',
    nullWhen: 'no equity curve',
  },
  { field: 'fees', label: 'Commissions', unit: 'money', definition: 'Σ fee of every fill.', nullWhen: 'never' },
  {
    field: 'totalReturn',
    label: 'Return',
    unit: 'ratio',
    definition: 'equityFinal / equityStart − 1.',
    nullWhen: 'no equity curve, or equityStart ≤ 0',
  },
  {
    field: 'buyAndHoldReturn',
    label: 'Buy & Hold Return',
    unit: 'ratio',
    definition:
      'Mean over the priced markets of last price / first price − 1 (see Buy and hold; `buyAndHold` lists the prices used).',
    nullWhen: 'no prices in the log',
  },
  {
    field: 'annualReturn',
    label: 'Return (Ann.)',
    unit: 'ratio',
    definition: '(Π (1 + r_d))^(365 / n) − 1 over the n daily returns (geometric, as backtesting.py).',
    nullWhen: 'fewer than minDaysForRatios daily returns, or equity fell to 0 or below',
  },
  {
    field: 'annualVolatility',
    label: 'Volatility (Ann.)',
    unit: 'ratio',
    definition: 'std(r_d) × √365 (simple daily returns; backtesting.py compounds a log-return variance).',
    nullWhen: 'fewer than minDaysForRatios daily returns',
  },
  {
    field: 'cagr',
    label: 'CAGR',
    unit: 'ratio',
    definition:
      '(equityFinal / equityStart)^(365 days / calendar days from the curve’s first point to end) − 1: calendar time, not a count of rows (quantstats counts rows / 252).',
    nullWhen: 'no equity curve, a span shorter than minDaysForRatios days, or equityStart or equityFinal ≤ 0',
  },
  {
    field: 'sharpe',
    label: 'Sharpe Ratio',
    unit: 'ratio',
    definition: 'mean(r_d) / std(r_d) × √365.',
    nullWhen: 'fewer than minDaysForRatios daily returns, or they do not vary',
  },
  {
    field: 'sortino',
    label: 'Sortino Ratio',
    unit: 'ratio',
    definition:
      'mean(r_d) / √(Σ min(r_d, 0)² / (n − 1)) × √365 (quantstats divides by n, freqtrade takes the std of the losing trades).',
    nullWhen: 'fewer than minDaysForRatios daily returns, or no down day',
  },
  {
    field: 'calmar',
    label: 'Calmar Ratio',
    unit: 'ratio',
    definition: 'cagr / maxDrawdown.relative.',
    nullWhen: 'cagr is null, or no drawdown',
  },
  {
    field: 'alpha',
    label: 'Alpha',
    unit: 'ratio',
    definition:
      'totalReturn − beta × buyAndHoldReturn (Jensen’s alpha on the whole span, risk-free 0, as backtesting.py; quantstats annualises a daily alpha instead).',
    nullWhen: 'beta, totalReturn or buyAndHoldReturn is null',
  },
  {
    field: 'beta',
    label: 'Beta',
    unit: 'ratio',
    definition:
      'cov(r_d, b_d) / var(b_d), b_d the buy-and-hold daily returns on the same days (simple returns; backtesting.py uses log returns).',
    nullWhen: 'fewer than minDaysForRatios daily returns, no prices, or buy and hold did not vary',
  },
  {
    field: 'maxDrawdown.relative',
    label: 'Max. Drawdown',
    unit: 'ratio',
    definition: 'max over the curve of (peak_k − E_k) / peak_k, with `peak_k` the running maximum.',
    nullWhen: 'the curve never had a positive peak',
  },
  {
    field: 'maxDrawdown.absolute',
    label: 'Max. Drawdown (money)',
    unit: 'money',
    definition: 'max (peak_k − E_k); its peak and trough may differ from the relative one’s.',
    nullWhen: 'never',
  },
  {
    field: 'averageDrawdown',
    label: 'Avg. Drawdown',
    unit: 'ratio',
    definition:
      'Mean depth (peak − lowest) / peak of the drawdown periods; a period runs from the last time at the peak until the curve is back at or above it (the one under way at `end` counts).',
    nullWhen: 'no drawdown, or one started from a peak at or below 0',
  },
  {
    field: 'maxDrawdownDurationMs',
    label: 'Max. Drawdown Duration',
    unit: 'duration',
    definition: 'Longest drawdown period (0 without any).',
    nullWhen: 'never',
  },
  {
    field: 'averageDrawdownDurationMs',
    label: 'Avg. Drawdown Duration',
    unit: 'duration',
    definition: 'Mean length of the drawdown periods.',
    nullWhen: 'no drawdown',
  },
  {
    field: 'timeUnderWater',
    label: 'Time under water',
    unit: 'ratio',
    definition: 'Share of the time from the curve’s first point to `end` spent in a drawdown period.',
    nullWhen: 'no curve, or an empty span',
  },
  { field: 'fills', label: '# Fills', unit: 'count', definition: 'Fills folded.', nullWhen: 'never' },
  { field: 'tradeCount', label: '# Trades', unit: 'count', definition: 'Closed round trips.', nullWhen: 'never' },
  {
    field: 'openTrades',
    label: '# Open Trades',
    unit: 'count',
    definition: 'Round trips still open at the end.',
    nullWhen: 'never',
  },
  { field: 'wins', label: '# Wins', unit: 'count', definition: 'Closed round trips with profit > 0.', nullWhen: 'never' },
  { field: 'losses', label: '# Losses', unit: 'count', definition: 'Closed round trips with profit < 0.', nullWhen: 'never' },
  {
    field: 'draws',
    label: '# Breakeven',
    unit: 'count',
    definition: 'Closed round trips with profit exactly 0.',
    nullWhen: 'never',
  },
  {
    field: 'winRate',
    label: 'Win Rate',
    unit: 'ratio',
    definition: 'wins / tradeCount (draws count in the denominator only).',
    nullWhen: 'no closed round trips',
  },
  {
    field: 'bestTrade',
    label: 'Best Trade',
    unit: 'ratio',
    definition: 'Highest round-trip return.',
    nullWhen: 'no closed round trips',
  },
  {
    field: 'worstTrade',
    label: 'Worst Trade',
    unit: 'ratio',
    definition: 'Lowest round-trip return.',
    nullWhen: 'no closed round trips',
  },
  {
    field: 'averageTrade',
    label: 'Avg. Trade',
    unit: 'ratio',
    definition: 'Arithmetic mean of the round-trip returns (backtesting.py takes the geometric mean).',
    nullWhen: 'no closed round trips',
  },
  {
    field: 'maxTradeDurationMs',
    label: 'Max. Trade Duration',
    unit: 'duration',
    definition: 'Longest round trip, open to close.',
    nullWhen: 'no closed round trips',
  },
  {
    field: 'averageTradeDurationMs',
    label: 'Avg. Trade Duration',
    unit: 'duration',
    definition: 'Mean round trip, open to close.',
    nullWhen: 'no closed round trips',
  },
  {
    field: 'realizedPnl',
    label: 'Realized PnL',
    unit: 'money',
    definition: 'Σ realized PnL of every sell, partial exits of open round trips included.',
    nullWhen: 'never',
  },
  {
    field: 'profitFactor',
    label: 'Profit Factor',
    unit: 'ratio',
    definition: 'Σ profits of wins / |Σ profits of losses|.',
    nullWhen: 'no losing round trips',
  },
  {
    field: 'expectancy',
    label: 'Expectancy',
    unit: 'money',
    definition: 'Mean profit per closed round trip (= winRate × avgWin − lossRate × avgLoss).',
    nullWhen: 'no closed round trips',
  },
  {
    field: 'expectancyRatio',
    label: 'Expectancy Ratio',
    unit: 'ratio',
    definition: '(1 + avgWin / avgLoss) × winRate − 1 (freqtrade).',
    nullWhen: 'no losing round trips',
  },
  {
    field: 'payoffRatio',
    label: 'Payoff Ratio',
    unit: 'ratio',
    definition: 'avgWin / avgLoss, the mean profit of wins over the mean |loss| of losses.',
    nullWhen: 'no winning or no losing round trips',
  },
  {
    field: 'sqn',
    label: 'SQN',
    unit: 'ratio',
    definition:
      '√n × mean(profit) / std(profit) over the n round trips’ money profits (backtesting.py’s variant: P/L, not R-multiples; not capped).',
    nullWhen: 'fewer than minTradesForSqn round trips, or their profits do not vary',
  },
  {
    field: 'kelly',
    label: 'Kelly Criterion',
    unit: 'ratio',
    definition: 'p − q / payoffRatio with p = wins / (wins + losses), q = 1 − p (draws drop out).',
    nullWhen: 'no winning or no losing round trips',
  },
] as const satisfies readonly MetricConvention[]

/** The field of a reported figure. */
export type PerformanceFigure = (typeof PERFORMANCE_METRICS)[number]['field']

const cell = (text: string) => text.replaceAll('|', '\\|')

/** The conventions and the figures as the README's Markdown tables. */
export function conventionsMarkdown(): string {
  const rules = [
    '| Convention | Rule |',
    '| --- | --- |',
    ...PERFORMANCE_CONVENTIONS.map((c) => `| ${c.topic} | ${cell(c.rule)} |`),
  ]
  const figures = [
    '| Figure | Field | Unit | Definition | Null when |',
    '| --- | --- | --- | --- | --- |',
    ...PERFORMANCE_METRICS.map(
      (m) =>
        `| ${m.label} | \`${m.field}\` | ${m.unit} | ${cell(m.definition)} | ${m.nullWhen === 'never' ? '–' : cell(m.nullWhen)} |`,
    ),
  ]
  return `${rules.join('\n')}\n\n${figures.join('\n')}\n`
}
