import {
  createPerformanceIndex,
  type DecisionEntry,
  type DecisionQuality,
  dayKey,
  decisionQuality,
  type EquityEntry,
  formatDecimal,
  INDEX_CLOSED_TRADES,
  type Performance,
  type PerformanceIndexOptions,
  type PerformanceIndexRefresh,
  parseDecimal,
  performance,
  portfolio,
  type TradeEntry,
  type TradeLogReader,
} from '@tradekit/trade-log'
import type { CandlesResponse, DailyResponse, EquityResponse, PricesResponse } from './api-types.js'
import { CANDLE_INTERVALS, type CandleInterval, pickInterval } from './candle-buckets.js'
import { toCandles } from './candles.js'
import { downsample, inRange, type StatsRange } from './series.js'
import { createSnapshot } from './snapshot.js'

export interface StatsCache {
  performance(range: StatsRange): Promise<unknown>
  /** Decisions in `range` judged `horizonMs` later, against every fill and price of the log. */
  decisionQuality(range: StatsRange, horizonMs: number): Promise<DecisionQuality>
  portfolio(): Promise<unknown>
  daily(range: StatsRange): Promise<DailyResponse>
  equity(range: StatsRange, points: number): Promise<EquityResponse>
  prices(market: string | undefined, points: number): Promise<PricesResponse>
  candles(market: string | undefined, interval: CandleInterval | 'auto', limit: number): Promise<CandlesResponse>
  /** Called by the follower when an entry of `kind` was appended. */
  invalidate(kind: string): void
  /** What the all-time performance index did last: resumed from its checkpoint, folded everything, … */
  readonly allTimeRefresh: PerformanceIndexRefresh | undefined
}

/** Where the portfolio's starting balance came from. */
export interface StartingBalance {
  /** Quote-currency cash before the first fill, or null when neither the configuration nor the log tells. */
  amount: string | null
  source: 'configuration' | 'equity-log' | 'unknown'
  /** Time of the equity snapshot it was derived from (source `equity-log`). */
  at: string | null
}

/**
 * The configured starting balance, else the bot's first equity snapshot less the fills it already contains. The
 * bot logs a snapshot after each cycle's fills settle and starts the next cycle later, so every fill before the
 * second snapshot is in the first one's cash.
 */
export function startingBalanceOf(
  configured: string | undefined,
  trades: readonly TradeEntry[],
  equity: readonly EquityEntry[],
): StartingBalance {
  if (configured !== undefined) return { amount: formatDecimal(parseDecimal(configured)), source: 'configuration', at: null }
  const first = equity[0]
  if (first === undefined) return { amount: null, source: 'unknown', at: null }
  const next = equity.find((entry) => entry.tsMs > first.tsMs)?.tsMs ?? Number.POSITIVE_INFINITY
  let cash = parseDecimal(first.cash)
  for (const trade of trades) {
    if (trade.tsMs >= next) break
    const flow = parseDecimal(trade.funds)
    cash = trade.side === 'buy' ? cash.plus(flow).plus(trade.fee) : cash.minus(flow).plus(trade.fee)
  }
  return { amount: formatDecimal(cash), source: 'equity-log', at: first.ts }
}

const MEMO_LIMIT = 64
const ALL_TIME: StatsRange = { period: 'all', from: undefined, to: undefined, market: undefined }
/** Without a follower event, the all-time figures re-check the files at most this often. */
const CHECK_EVERY_MS = 1_000
/**
 * The round trips a performance answer lists (the full list can be rebuilt from /api/trades): the index's default,
 * so this server shares its checkpoint with a bot that keeps one current (see examples/bot).
 */
const RECENT_TRADES = INDEX_CLOSED_TRADES

export interface StatsCacheDeps {
  reader: TradeLogReader
  timeZone: string
  /** Checkpoint of the all-time performance. Default: `<log dir>/.trade-log-cache/` (trade-log's default); `false`: memory only. */
  performanceCacheFile?: string | false
  /** Told when the checkpoint is not used or cannot be written. Default: ignored. */
  onWarning?: (message: string) => void
  /** Quote-currency cash before the first fill (configuration). Default: derived from the bot's equity log. */
  startingBalance?: string | undefined
  /**
   * A log no checkpoint covers is read by a worker thread while this one folds: the options `reader` was created
   * with (trade-log's `workerRead`). Default: off, read in this thread.
   */
  workerRead?: PerformanceIndexOptions['workerRead']
}

/**
 * Statistics over the whole log, computed by trade-log's `performance` and `portfolio` and memoized until a
 * trade or equity entry is appended: a repeated request with nothing changed costs a directory listing.
 * All-time performance (no period start, `to` or market) comes from trade-log's performance index instead: it
 * resumes from a checkpoint on disk and folds only the entries after it, so a restart does not re-read a year.
 */
export function createStatsCache(deps: StatsCacheDeps): StatsCache {
  // Statistics read only these fields of a fill; the reason, ids and confidence stay on disk.
  const trades = createSnapshot<TradeEntry>(
    deps.reader,
    'trades',
    ({ ts, tsMs, market, side, volume, price, funds, fee, orderId, mode, decisionId }) => ({
      ts,
      tsMs,
      market,
      side,
      volume,
      price,
      funds,
      fee,
      orderId,
      mode,
      // Decision quality links a fill to its decision (and the round trip it opened) by this id.
      ...(decisionId === undefined ? {} : { decisionId }),
    }),
  )
  const equity = createSnapshot<EquityEntry>(deps.reader, 'equity')
  // Decision quality reads these fields; the reasons and indicators stay on disk.
  const decisions = createSnapshot<DecisionEntry>(deps.reader, 'decisions', (entry) => {
    const kept: DecisionEntry = {
      ts: entry.ts,
      tsMs: entry.tsMs,
      market: entry.market,
      provider: entry.provider,
      model: entry.model,
      action: entry.action,
      confidence: entry.confidence,
      reason: '',
    }
    for (const key of ['decisionId', 'fallbackReason', 'usage', 'price', 'proposed', 'costUsd'] as const) {
      if (entry[key] !== undefined) (kept as Record<string, unknown>)[key] = entry[key]
    }
    return kept
  })
  const memo = new Map<string, { version: string; value: Promise<unknown> }>()

  const index = createPerformanceIndex({
    reader: deps.reader,
    timeZone: deps.timeZone,
    ...(deps.performanceCacheFile === undefined ? {} : { cacheFile: deps.performanceCacheFile }),
    ...(deps.onWarning ? { onWarning: deps.onWarning } : {}),
    ...(deps.workerRead ? { workerRead: deps.workerRead } : {}),
  })
  // The index's answer. After the follower saw an append it is recomputed before answering; otherwise the files
  // are re-checked at most once a second, in the background, while the current answer is served.
  type AllTime = { at: number; dirty: boolean; stats?: Performance; value: Promise<ReturnType<typeof shape>> }
  let allTime: AllTime | undefined
  let revalidating = false
  // Reading the whole log for the other statistics waits for the index's first answer, so a freshly started
  // server answers the all-time figures first instead of sharing the event loop with a year of parsing.
  let indexFirst: Promise<unknown> = Promise.resolve()

  function askIndex(previous: AllTime | undefined): AllTime {
    const next: AllTime = {
      at: Date.now(),
      dirty: false,
      value: index.result().then((stats) => {
        next.stats = stats
        // The index returns the same object while no file changed: keep the same response too.
        return previous?.stats === stats ? previous.value : shape(stats, ALL_TIME)
      }),
    }
    return next
  }

  function allTimePerformance(): Promise<ReturnType<typeof shape>> {
    if (!allTime || allTime.dirty) {
      const next = askIndex(allTime)
      if (!allTime) indexFirst = next.value.catch(() => undefined)
      allTime = next
      next.value.catch(() => {
        if (allTime === next) allTime = undefined
      })
      return next.value
    }
    if (Date.now() - allTime.at >= CHECK_EVERY_MS && !revalidating) {
      const served = allTime
      served.at = Date.now()
      revalidating = true
      const next = askIndex(served)
      next.value
        .then(
          () => {
            if (allTime === served) allTime = next
          },
          () => undefined,
        )
        .finally(() => {
          revalidating = false
        })
    }
    return allTime.value
  }

  async function cached<T>(key: string, compute: (trades: TradeEntry[], equity: EquityEntry[]) => T): Promise<T> {
    await indexFirst
    const [t, e] = await Promise.all([trades.get(), equity.get()])
    const version = `${t.version}:${e.version}`
    const hit = memo.get(key)
    if (hit && hit.version === version) return hit.value as Promise<T>
    const value = Promise.resolve().then(() => compute(t.entries, e.entries))
    memo.set(key, { version, value })
    if (memo.size > MEMO_LIMIT) memo.delete(memo.keys().next().value!)
    value.catch(() => memo.delete(key))
    return value
  }

  /** `cached`, with the decisions too (only decision quality reads them). */
  async function cachedWithDecisions<T>(
    key: string,
    compute: (trades: TradeEntry[], equity: EquityEntry[], decisions: DecisionEntry[]) => T,
  ): Promise<T> {
    await indexFirst
    const [t, e, d] = await Promise.all([trades.get(), equity.get(), decisions.get()])
    const version = `${t.version}:${e.version}:${d.version}`
    const hit = memo.get(key)
    if (hit && hit.version === version) return hit.value as Promise<T>
    const value = Promise.resolve().then(() => compute(t.entries, e.entries, d.entries))
    memo.set(key, { version, value })
    if (memo.size > MEMO_LIMIT) memo.delete(memo.keys().next().value!)
    value.catch(() => memo.delete(key))
    return value
  }

  // Named periods move with the clock: round their start to the minute so repeats share a cache entry.
  const keyOf = (name: string, range: StatsRange, extra = '') =>
    `${name}|${range.period}|${range.from === undefined ? '' : Math.floor(range.from / 60_000)}|${range.to ?? ''}|${range.market ?? ''}|${extra}`

  function shape({ closedTrades, ...stats }: Performance, range: StatsRange) {
    return {
      period: range.period,
      from: range.from === undefined ? null : new Date(range.from).toISOString(),
      to: range.to === undefined ? null : new Date(range.to).toISOString(),
      ...stats,
      /** The most recent round trips; the full list can be rebuilt from /api/trades. */
      recentClosedTrades: closedTrades.slice(-RECENT_TRADES),
    }
  }

  function computePerformance(allTrades: TradeEntry[], allEquity: EquityEntry[], range: StatsRange) {
    const fills = inRange(allTrades, range)
    // Equity snapshots cover the whole account, so they only apply when no market filter is set.
    const snapshots = range.market === undefined ? inRange(allEquity, { ...range, market: undefined }) : []
    return shape(performance([...fills, ...snapshots], { timeZone: deps.timeZone, keepClosedTrades: RECENT_TRADES }), range)
  }

  const isAllTime = (range: StatsRange) => range.from === undefined && range.to === undefined && range.market === undefined

  return {
    performance: (range) =>
      // Only `period=all` has no start; other windows and markets are computed from the snapshot.
      isAllTime(range) ? allTimePerformance() : cached(keyOf('performance', range), (t, e) => computePerformance(t, e, range)),

    decisionQuality: (range, horizonMs) =>
      cachedWithDecisions(keyOf('decisionQuality', range, String(horizonMs)), (allTrades, allEquity, allDecisions) =>
        // Every fill and price of the log: an outcome after the range's end still belongs to a decision in it.
        decisionQuality(inRange(allDecisions, range), allTrades, allEquity, { horizonMs }),
      ),

    portfolio: () =>
      cached('portfolio', (allTrades, allEquity) => {
        // Mark at the latest prices the bot logged: its newest equity snapshot, else each market's last fill.
        const prices = new Map<string, string>()
        for (const trade of allTrades) prices.set(trade.market, trade.price)
        const latest = allEquity.at(-1)
        for (const position of latest?.positions ?? []) prices.set(position.market, position.price)
        const pricesAt = latest?.ts ?? allTrades.at(-1)?.ts ?? null
        const start = startingBalanceOf(deps.startingBalance, allTrades, allEquity)
        const flows = portfolio(allTrades, prices)
        if (start.amount === null) {
          // Without a starting balance, "cash" would be the net flow of the fills and "equity" cumulative PnL.
          return { ...flows, cash: null, equity: null, netCashFlow: flows.cash, startingBalance: start, pricesAt }
        }
        const account = portfolio(allTrades, prices, { startingCash: start.amount })
        return { ...account, netCashFlow: flows.cash, startingBalance: start, pricesAt }
      }),

    daily: (range) =>
      cached(keyOf('daily', range), (allTrades, allEquity): DailyResponse => {
        const fills = inRange(allTrades, range)
        const { closedTrades } = performance(fills, { timeZone: deps.timeZone })
        // freqtrade's /daily definition: PnL of a day = realized profit of the round trips closed that day.
        const rows = new Map<string, { pnl: ReturnType<typeof parseDecimal>; trades: number }>()
        const row = (key: string) => {
          const value = rows.get(key) ?? { pnl: parseDecimal('0'), trades: 0 }
          rows.set(key, value)
          return value
        }
        for (const fill of fills) row(dayKey(fill.tsMs, deps.timeZone)).trades += 1
        for (const trip of closedTrades) {
          const value = row(dayKey(Date.parse(trip.closedAt), deps.timeZone))
          value.pnl = value.pnl.plus(parseDecimal(trip.profit))
        }
        // End-of-day equity from the bot's snapshots, when it logs them.
        const closes = new Map<string, string>()
        if (range.market === undefined)
          for (const snapshot of inRange(allEquity, range)) closes.set(dayKey(snapshot.tsMs, deps.timeZone), snapshot.total)
        const days = [...rows.keys()].sort().map((key) => ({
          date: `${key.slice(0, 4)}-${key.slice(4, 6)}-${key.slice(6, 8)}`,
          pnl: formatDecimal(rows.get(key)!.pnl),
          trades: rows.get(key)!.trades,
          equity: closes.get(key) ?? null,
        }))
        return { days }
      }),

    equity: (range, points) =>
      cached(keyOf('equity', range, String(points)), (allTrades, allEquity): EquityResponse => {
        const snapshots = inRange(allEquity, { ...range, market: undefined })
        if (snapshots.length > 0) {
          return {
            source: 'equity-log',
            points: downsample(snapshots, points).map((entry) => ({ tsMs: entry.tsMs, total: entry.total })),
          }
        }
        const stats = computePerformance(allTrades, allEquity, range)
        return {
          source: 'trades',
          points: downsample(stats.dailyReturns, points).map((day) => ({
            tsMs: Date.parse(`${day.date}T00:00:00Z`),
            total: day.equity,
          })),
        }
      }),

    prices: (requested, points) =>
      cached(`prices|${requested ?? ''}|${points}`, (allTrades, allEquity): PricesResponse => {
        const market = requested ?? allTrades.at(-1)?.market ?? allEquity.at(-1)?.positions[0]?.market ?? 'KRW-BTC'
        // The most recent `points` prices the bot saw, and the fills in that window.
        const series: { tsMs: number; price: string }[] = []
        for (let i = allEquity.length - 1; i >= 0 && series.length < points; i--) {
          const position = allEquity[i]!.positions.find((p) => p.market === market)
          if (position) series.push({ tsMs: allEquity[i]!.tsMs, price: position.price })
        }
        series.reverse()
        const fills: PricesResponse['fills'] = []
        const since = series[0]?.tsMs ?? Number.NEGATIVE_INFINITY
        for (let i = allTrades.length - 1; i >= 0 && fills.length < points; i--) {
          const trade = allTrades[i]!
          if (trade.tsMs < since) break
          if (trade.market === market)
            fills.push({ tsMs: trade.tsMs, side: trade.side, price: trade.price, volume: trade.volume })
        }
        fills.reverse()
        // Without equity snapshots the fills themselves draw the price line.
        return { market, points: series.length > 0 ? series : fills.map(({ tsMs, price }) => ({ tsMs, price })), fills }
      }),

    candles: (requested, interval, limit) =>
      cached(`candles|${requested ?? ''}|${interval}|${limit}`, (allTrades, allEquity): CandlesResponse => {
        const market = requested ?? allTrades.at(-1)?.market ?? allEquity.at(-1)?.positions[0]?.market ?? 'KRW-BTC'
        // Prices come from the bot's equity snapshots (the ticker it saw each cycle), never from fills: a line drawn
        // from fill to fill looks like data and is not.
        const points: { tsMs: number; price: string }[] = []
        for (const entry of allEquity) {
          const position = entry.positions.find((p) => p.market === market)
          if (position) points.push({ tsMs: entry.tsMs, price: position.price })
        }
        const name = interval === 'auto' ? pickInterval(points[0]?.tsMs ?? 0, points.at(-1)?.tsMs ?? 0, limit) : interval
        const intervalMs = CANDLE_INTERVALS[name]
        const candles = toCandles(points, intervalMs).slice(-limit)
        const since = candles[0]?.time ?? Number.POSITIVE_INFINITY
        const fills: CandlesResponse['fills'] = []
        for (let i = allTrades.length - 1; i >= 0; i--) {
          const trade = allTrades[i]!
          if (trade.tsMs < since) break
          if (trade.market === market)
            fills.push({ tsMs: trade.tsMs, side: trade.side, price: trade.price, volume: trade.volume })
        }
        fills.reverse()
        return { market, interval: name, intervalMs, source: points.length > 0 ? 'equity-log' : 'none', candles, fills }
      }),

    invalidate(kind) {
      if (kind === 'trades') trades.invalidate()
      if (kind === 'equity') equity.invalidate()
      if (kind === 'decisions') decisions.invalidate()
      if ((kind === 'trades' || kind === 'equity') && allTime) allTime.dirty = true
    },

    get allTimeRefresh() {
      return index.lastRefresh
    },
  }
}
