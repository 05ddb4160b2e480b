import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createReplayDecider, type Decider, type PriceTable, type RiskLimits } from '@tradekit/ai-decider'
import {
  createTradeLogReader,
  createTradeLogWriter,
  type EquityEntry,
  type Performance,
  performance,
  type TradeEntry,
} from '@tradekit/trade-log'
import { toBig, toDecimalString } from '@tradekit/upbit-client'
import type { Logger } from 'pino'
import { type DecisionReport, formatDecisionReport, trackDecisions } from './backtest-report.js'
import { createBot } from './bot.js'
import { createBotLog } from './bot-log.js'
import { createBotState } from './bot-state.js'
import type { Candle } from './candles.js'
import type { CycleReport, CycleSettings } from './cycle.js'
import { createIndicators } from './indicators.js'
import { HISTORY_CANDLES } from './paper.js'
import { createReplayExchange } from './replay-exchange.js'

export interface BacktestOptions {
  market: string
  /** Hourly candles, oldest first. */
  candles: readonly Candle[]
  decider: Decider
  limits: RiskLimits
  /** Trade-log directory for this run (use a new one per run). */
  outDir: string
  /** Starting quote balance. Default `'1000000'`. */
  quoteBalance?: string
  settings: Pick<CycleSettings, 'timeframes' | 'candleCount' | 'decisionTimeoutMs' | 'orderType' | 'limitOffsetTicks'>
  logger: Logger
  /** Each cycle's status line. Default: none (a backtest runs thousands of cycles). */
  onStatus?: (line: string, report?: CycleReport) => void
  /**
   * Record the decider's answers in `dir` (`record`: one paid run), replay them (`replay`: $0, the decider is never
   * asked, a missing decision point holds), or replay and record what is missing (`record-missing`). A recording
   * made with another prompt, model, schema or data is refused, never replayed. Default: ask the decider each cycle.
   */
  recording?: { dir: string; mode: 'record' | 'replay' | 'record-missing' } | undefined
  /** Prices per model for the cost ledger (US dollars per million tokens). Default: the deciders' own, else none. */
  prices?: PriceTable | undefined
}

export interface BacktestResult {
  outDir: string
  cycles: number
  from: string
  to: string
  startEquity: string
  endEquity: string
  /** endEquity / startEquity − 1. */
  totalReturn: number
  /** Buying at the first replayed candle's next open (fee paid) and holding to the last close. */
  buyAndHold: { endEquity: string; totalReturn: number }
  /** trade-log's statistics over the run's fills and equity snapshots. */
  performance: Performance
  /** Where each decision came from, tokens, cost and what the recording saved. */
  decider: DecisionReport
}

/** An hour: the replayed candles are hourly. */
const CANDLE_MS = 3_600_000

/**
 * Replays a candle file through the bot's own cycle: the same decider, risk limits and order code, with an
 * in-memory exchange that fills each order at the next candle's open and charges Upbit's fee. The clock is the
 * current candle's close, the moment its data are complete and the next one opens: the decider sees nothing
 * later (ai-decider refuses look-ahead) and the order fills at that instant's price. The run writes an ordinary
 * trade log, and its statistics come from trade-log's `performance`; `report.json` in `outDir` holds the result.
 */
export async function runBacktest(options: BacktestOptions): Promise<BacktestResult> {
  const quoteBalance = options.quoteBalance ?? '1000000'
  const exchange = createReplayExchange({
    market: options.market,
    candles: options.candles,
    quoteBalance,
    startIndex: HISTORY_CANDLES,
  })
  const now = () => exchange.now() + CANDLE_MS
  const startAt = now()
  const recorded = options.recording
    ? createReplayDecider({
        dir: options.recording.dir,
        mode: options.recording.mode,
        inner: options.decider,
        prices: options.prices,
      })
    : options.decider
  const tracked = trackDecisions(recorded, options.prices)
  // A backtest can be re-run, so it skips the per-entry fdatasync for speed: everything is flushed at close.
  const writer = createTradeLogWriter({
    dir: options.outDir,
    now,
    durability: { trades: 'buffered', equity: 'buffered' },
  })
  let first = true
  const bot = createBot({
    markets: [options.market],
    intervalMs: 0,
    maxCycles: 0,
    settings: { mode: 'paper', orderTimeoutMs: 1000, orderPollMs: 1, onShutdown: 'cancel', ...options.settings },
    exchange,
    decider: tracked.decider,
    limits: options.limits,
    log: createBotLog(writer),
    logger: options.logger,
    state: createBotState(startAt),
    now,
    beforeCycle: () => {
      if (first) {
        first = false
        return true
      }
      return exchange.advance()
    },
    indicators: createIndicators(options.settings.timeframes),
    decisionId: backtestDecisionId,
    onStatus: options.onStatus ?? (() => {}),
  })
  const summary = await bot.run()

  const reader = createTradeLogReader({ dir: options.outDir })
  const entries: (TradeEntry | EquityEntry)[] = []
  for await (const { entry } of reader.stream({ kind: 'trades' })) entries.push(entry)
  for await (const { entry } of reader.stream({ kind: 'equity' })) entries.push(entry)
  const stats = performance(entries, { startingBalance: quoteBalance })

  const firstCandle = options.candles[HISTORY_CANDLES + 1] ?? options.candles[HISTORY_CANDLES]!
  const lastCandle = exchange.current()
  const feeRate = toBig('0.0005')
  const start = toBig(quoteBalance)
  // Buy and hold: all-in at the first fill price an order would have had, fee on the way in and out.
  const coins = start.div(toBig(firstCandle.open).times(feeRate.plus(1)))
  const holdEnd = coins.times(toBig(lastCandle.close)).times(toBig(1).minus(feeRate)).round(0, 0)
  const lastEquity = summary.reports.at(-1)?.equity ?? quoteBalance
  const result: BacktestResult = {
    outDir: options.outDir,
    cycles: summary.cycles,
    from: new Date(startAt).toISOString(),
    to: new Date(now()).toISOString(),
    startEquity: quoteBalance,
    endEquity: lastEquity,
    totalReturn: ratio(lastEquity, quoteBalance),
    buyAndHold: { endEquity: toDecimalString(holdEnd), totalReturn: ratio(toDecimalString(holdEnd), quoteBalance) },
    performance: stats,
    decider: tracked.report(options.recording?.mode ?? 'none'),
  }
  await writeFile(join(options.outDir, 'report.json'), backtestReportJson(result))
  return result
}

/**
 * A backtest decides once per market per candle, so market and decision time name the decision: a replayed run
 * gets the same ids (and writes the same bytes). Live and paper keep random UUIDs, unique on the exchange.
 */
export function backtestDecisionId(market: string, at: number): string {
  return `bt-${market}-${new Date(at).toISOString()}`
}

/**
 * The report as JSON, without the output folder (the one thing that differs between two runs of the same
 * history): a replayed run writes the same bytes every time.
 */
export function backtestReportJson(result: BacktestResult): string {
  const { outDir: _outDir, ...report } = result
  return `${JSON.stringify(report, null, 2)}\n`
}

function ratio(end: string, start: string): number {
  return Number(toBig(end).div(toBig(start)).minus(1).round(6, 1).toFixed())
}

/** The backtest summary a person reads. */
export function formatBacktest(result: BacktestResult): string {
  const p = result.performance
  const pct = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(2)}%`)
  const num = (value: number | null) => (value === null ? 'n/a' : value.toFixed(2))
  return [
    `backtest ${result.from} .. ${result.to} (${result.cycles} cycles), trade log in ${result.outDir}`,
    `  strategy      ${result.startEquity} -> ${result.endEquity} KRW (${pct(result.totalReturn)})`,
    `  buy and hold  ${result.startEquity} -> ${result.buyAndHold.endEquity} KRW (${pct(result.buyAndHold.totalReturn)})`,
    `  round trips ${p.tradeCount} (open ${p.openTrades}), fills ${p.fills}, wins ${p.wins}, losses ${p.losses}, win rate ${pct(p.winRate)}`,
    `  realized PnL ${p.realizedPnl} KRW, fees ${p.fees} KRW, profit factor ${num(p.profitFactor)}, expectancy ${p.expectancy ?? 'n/a'} KRW`,
    `  max drawdown ${p.maxDrawdown.absolute} KRW (${pct(p.maxDrawdown.relative)}), Sharpe ${num(p.sharpe)}, Sortino ${num(p.sortino)}, exposure ${pct(p.exposure)}`,
    ...formatDecisionReport(result.decider),
  ].join('\n')
}
