// Frozen copy of src/performance-tracker.ts as of commit 02ed8e9 (before issue 21's full report): the bench's baseline for
// "the full report costs at most 1.2x the old performance()", and the version-1 tracker a checkpoint test needs.
// Never edit it to follow src/.
/**
 * `performance()` as a fold: add fills and equity snapshots as they are logged, ask for the figures at any time,
 * and save the fold as JSON so another process can resume it instead of reading the whole log again.
 * Amounts are BigInt units at one scale (the most decimals seen, at least 8); big.js is used only for the few
 * divisions in `result()`, which are per day or per call, never per fill.
 */
import Big from 'big.js'
import { z } from 'zod'
import { decimalPlaces, divRound, formatDecimal, formatUnits, pow10, toUnits, unitsToBig } from '../../src/decimal.js'
import { TradeLogUsageError } from '../../src/errors.js'
import { createDayKeys, createIsoTimes } from '../../src/fast-time.js'
import { applyFill, emptyBook, fillPlaces, fillUnits, scaleFor } from '../../src/ledger.js'
import type { EquityEntry, TradeEntry } from '../../src/schemas.js'
import { dayKeyToIsoDate, shiftDayKey, toEpochMs } from '../../src/time.js'
import { addDrawdownPoint, drawdownFigures, emptyDrawdown } from './drawdown.js'
import type { ClosedTrade, DailyReturn, Performance, PerformanceOptions } from './performance.js'

/** Options of `createPerformanceTracker`: those of `performance()`, plus a saved state to resume from. */
export interface PerformanceTrackerOptions extends PerformanceOptions {
  /** A `state()` saved earlier with the same options; the tracker continues from it. Default: start empty. */
  state?: PerformanceTrackerState | undefined
}

/** The options a state was made with, as stored in it. */
export interface PerformanceStateOptions {
  startingBalance: string | null
  timeZone: string
  now: number | null
  minDaysForRatios: number
  keepClosedTrades: number | null
}

/** A tracker's saved state: plain JSON (amounts are integer strings in units of 10^-scale). */
export interface PerformanceTrackerState {
  format: typeof STATE_FORMAT
  /** Changes whenever the layout changes; a tracker only resumes from its own version. */
  version: number
  options: PerformanceStateOptions
  data: unknown
}

/** An incremental `performance()`. */
export interface PerformanceTracker {
  /**
   * Adds a fill or an equity snapshot. Fills must come in time order, and so must snapshots (the two may
   * interleave freely; equal times keep their order). An earlier entry throws `TradeLogUsageError` and changes
   * nothing: sort first, or use `performance()`, which sorts.
   */
  add(entry: TradeEntry | EquityEntry): void
  /** Exactly what `performance(entries, options)` returns for the entries added so far. */
  result(): Performance
  /** The fold as JSON, to pass back as `options.state` (in this or another process). */
  state(): PerformanceTrackerState
  /** Newest fill and snapshot times added, or null. */
  readonly lastFillMs: number | null
  readonly lastSnapshotMs: number | null
}

export const STATE_FORMAT = 'tradekit.performance-tracker'
/** Version of the state layout. */
export const STATE_VERSION = 1

const RATIO_DP = 8
/** A ratio held as units of 10^-8 as the number `Number("x.xxxxxxxx")` gives (division is correctly rounded too). */
const ratioNumber = (units: bigint) =>
  units >= -9_007_199_254_740_991n && units <= 9_007_199_254_740_991n ? Number(units) / 1e8 : Number(formatUnits(units, RATIO_DP))
const toRatio = (value: Big) => Number(value.round(RATIO_DP, Big.roundHalfEven).toFixed())
const SQRT_365 = new Big(365).sqrt()

// The state's shape, as zod schemas: they check a saved state before a tracker trusts it.
const units = z
  .string()
  .regex(/^-?\d+$/)
  .transform((value) => BigInt(value))
const ms = z.number().finite()
const count = z.number().int().nonnegative()
const mapOf = <T extends z.ZodType>(value: T) =>
  z.array(z.tuple([z.string(), value])).transform((entries) => new Map(entries as [string, z.output<T>][]))
const point = z.object({ at: ms, equity: units })
const pair = z.object({ peak: point, trough: point }).nullable()
const drawdownSchema = z.object({
  peak: point.nullable(),
  trough: point.nullable(),
  threshold: units,
  best: pair,
  bestRel: pair,
  anyPositivePeak: z.boolean(),
})
const dataSchema = z.object({
  scale: count,
  fills: count,
  firstFillMs: ms.nullable(),
  lastFillMs: ms.nullable(),
  snapshots: count,
  firstSnapshotMs: ms.nullable(),
  lastSnapshotMs: ms.nullable(),
  books: mapOf(
    z.object({
      market: z.string(),
      volume: units,
      cost: units,
      priceCost: units,
      realized: units,
      fees: units,
      buys: count,
      sells: count,
      unmatchedVolume: units,
    }),
  ),
  trips: mapOf(z.object({ openedAt: ms, profit: units, entryValue: units })),
  realized: units,
  realizedByDay: mapOf(units),
  lastRealizedAt: ms.nullable(),
  openMarkets: count,
  exposedSince: ms.nullable(),
  exposedMs: ms,
  tradeCount: count,
  wins: count,
  losses: count,
  grossWin: units,
  grossLoss: units,
  sumProfits: units,
  closedDrawdown: drawdownSchema,
  equityDrawdown: drawdownSchema,
  equityByDay: mapOf(units),
  // Round trips as numbers and units; they are formatted only when `result()` returns them.
  closedTrades: z.array(z.object({ market: z.string(), openedAt: ms, closedAt: ms, profit: units, entryValue: units })),
})
type TrackerData = z.output<typeof dataSchema>

function emptyData(scale: number): TrackerData {
  return {
    scale,
    fills: 0,
    firstFillMs: null,
    lastFillMs: null,
    snapshots: 0,
    firstSnapshotMs: null,
    lastSnapshotMs: null,
    books: new Map(),
    trips: new Map(),
    realized: 0n,
    realizedByDay: new Map(),
    lastRealizedAt: null,
    openMarkets: 0,
    exposedSince: null,
    exposedMs: 0,
    tradeCount: 0,
    wins: 0,
    losses: 0,
    grossWin: 0n,
    grossLoss: 0n,
    sumProfits: 0n,
    closedDrawdown: emptyDrawdown(),
    equityDrawdown: emptyDrawdown(),
    equityByDay: new Map(),
    closedTrades: [],
  }
}

/** Multiplies every amount in the fold by `factor` (each object once: drawdown points are shared). */
function rescale(value: unknown, factor: bigint, seen = new Set<object>()): unknown {
  if (typeof value === 'bigint') return value * factor
  if (typeof value !== 'object' || value === null || seen.has(value)) return value
  seen.add(value)
  if (value instanceof Map) {
    for (const [key, item] of value) value.set(key, rescale(item, factor, seen))
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = rescale(value[i], factor, seen)
  } else {
    const record = value as Record<string, unknown>
    for (const key of Object.keys(record)) record[key] = rescale(record[key], factor, seen)
  }
  return value
}

/** The fold as JSON: BigInts as integer strings, Maps as entry arrays. */
function toJson(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Map) return [...value].map(([key, item]) => [key, toJson(item)])
  if (Array.isArray(value)) return value.map(toJson)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toJson(item)]))
  }
  return value
}

function optionsRecord(options: PerformanceOptions): PerformanceStateOptions {
  const keep = options.keepClosedTrades
  if (keep !== undefined && !(Number.isInteger(keep) && keep >= 0)) {
    throw new TradeLogUsageError(`keepClosedTrades must be a whole number ≥ 0, got ${JSON.stringify(keep)}.`)
  }
  if (options.startingBalance !== undefined) decimalPlaces(options.startingBalance)
  return {
    startingBalance: options.startingBalance ?? null,
    timeZone: options.timeZone ?? 'UTC',
    now: options.now === undefined ? null : toEpochMs(options.now, 'now'),
    minDaysForRatios: options.minDaysForRatios ?? 30,
    keepClosedTrades: keep ?? null,
  }
}

/** The saved fold, after checking it was made by this version with these options. */
function restore(state: unknown, options: PerformanceStateOptions): TrackerData {
  const saved = state as Partial<PerformanceTrackerState> | null
  if (typeof saved !== 'object' || saved === null || saved.format !== STATE_FORMAT) {
    throw new TradeLogUsageError(
      `options.state is not a performance tracker state (no format "${STATE_FORMAT}"); pass what tracker.state() returned, or leave it out to start empty.`,
    )
  }
  if (saved.version !== STATE_VERSION) {
    throw new TradeLogUsageError(
      `options.state has layout version ${JSON.stringify(saved.version)} but this trade-log reads version ${STATE_VERSION}; start a new tracker and add the log again.`,
    )
  }
  const differing = (Object.keys(options) as (keyof PerformanceStateOptions)[]).filter(
    (key) => saved.options?.[key] !== options[key],
  )
  if (differing.length > 0) {
    throw new TradeLogUsageError(
      `options.state was made with other options (${differing.map((key) => `${key}: ${JSON.stringify(saved.options?.[key])} there, ${JSON.stringify(options[key])} here`).join('; ')}); a state only resumes a tracker with the same options.`,
    )
  }
  const parsed = dataSchema.safeParse(saved.data)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new TradeLogUsageError(
      `options.state is damaged at ${issue.path.join('.') || '(data)'}: ${issue.message}; start a new tracker and add the log again.`,
      { cause: parsed.error },
    )
  }
  if (parsed.data.scale < scaleFor(options.startingBalance === null ? 0 : decimalPlaces(options.startingBalance))) {
    throw new TradeLogUsageError('options.state is damaged: its scale is below the starting balance’s decimals.')
  }
  return parsed.data
}

const isTrade = (entry: TradeEntry | EquityEntry): entry is TradeEntry => 'side' in entry

/** Creates an incremental `performance()`; see `PerformanceTracker`. */
export function createPerformanceTracker(options: PerformanceTrackerOptions = {}): PerformanceTracker {
  const record = optionsRecord(options)
  const { startingBalance, timeZone, keepClosedTrades } = record
  const d =
    options.state === undefined
      ? emptyData(scaleFor(startingBalance === null ? 0 : decimalPlaces(startingBalance)))
      : restore(options.state, record)
  const dayKeys = createDayKeys(timeZone)
  const iso = createIsoTimes()
  const startUnits = () => (startingBalance === null ? undefined : toUnits(startingBalance, d.scale))

  function ensureScale(places: number) {
    if (places <= d.scale) return
    rescale(d, pow10(places - d.scale))
    d.scale = places
  }

  function addFill(fill: TradeEntry) {
    if (d.lastFillMs !== null && fill.tsMs < d.lastFillMs) {
      throw new TradeLogUsageError(
        `Fill ${JSON.stringify(fill.orderId)} at ${fill.ts} is older than the last fill added (${iso(d.lastFillMs)}); add fills in time order, or use performance(), which sorts.`,
      )
    }
    ensureScale(fillPlaces(fill))
    const { scale } = d
    const amounts = fillUnits(fill, scale)
    const at = fill.tsMs
    if (d.firstFillMs === null) {
      d.firstFillMs = at
      addDrawdownPoint(d.closedDrawdown, { at, equity: startUnits() ?? 0n })
    }
    let book = d.books.get(fill.market)
    if (!book) {
      book = emptyBook(fill.market)
      d.books.set(fill.market, book)
    }
    const wasOpen = book.volume > 0n
    let trip = d.trips.get(fill.market)
    if (!wasOpen && fill.side === 'buy') {
      trip = { openedAt: at, profit: 0n, entryValue: 0n }
      d.trips.set(fill.market, trip)
    }
    const delta = applyFill(book, fill.side, amounts, scale)
    if (delta !== 0n) {
      d.realized += delta
      d.realizedByDay.set(dayKeys(at), d.realized)
      d.lastRealizedAt = at
    }
    if (trip) {
      if (fill.side === 'buy') trip.entryValue += amounts.funds + amounts.fee
      else trip.profit += delta
    }
    const isOpen = book.volume > 0n
    if (!wasOpen && isOpen && d.openMarkets++ === 0) d.exposedSince = at
    if (wasOpen && !isOpen) {
      if (--d.openMarkets === 0 && d.exposedSince !== null) d.exposedMs += at - d.exposedSince
      if (trip) closeTrip(fill.market, trip, at)
    }
    d.fills++
    d.lastFillMs = at
  }

  function closeTrip(market: string, trip: { openedAt: number; profit: bigint; entryValue: bigint }, at: number) {
    d.tradeCount++
    if (trip.profit > 0n) {
      d.wins++
      d.grossWin += trip.profit
    } else if (trip.profit < 0n) {
      d.losses++
      d.grossLoss += trip.profit
    }
    d.sumProfits += trip.profit
    addDrawdownPoint(d.closedDrawdown, { at, equity: (startUnits() ?? 0n) + d.sumProfits })
    if (keepClosedTrades !== 0) {
      d.closedTrades.push({ market, openedAt: trip.openedAt, closedAt: at, profit: trip.profit, entryValue: trip.entryValue })
      // Trim in batches so keeping the newest N costs O(1) per trade on average.
      if (keepClosedTrades !== null && d.closedTrades.length >= 2 * keepClosedTrades + 64) {
        d.closedTrades.splice(0, d.closedTrades.length - keepClosedTrades)
      }
    }
    d.trips.delete(market)
  }

  function addSnapshot(snapshot: EquityEntry) {
    if (d.lastSnapshotMs !== null && snapshot.tsMs < d.lastSnapshotMs) {
      throw new TradeLogUsageError(
        `Equity snapshot at ${snapshot.ts} is older than the last one added (${iso(d.lastSnapshotMs)}); add snapshots in time order, or use performance(), which sorts.`,
      )
    }
    ensureScale(decimalPlaces(snapshot.total))
    const equity = toUnits(snapshot.total, d.scale)
    addDrawdownPoint(d.equityDrawdown, { at: snapshot.tsMs, equity })
    d.equityByDay.set(dayKeys(snapshot.tsMs), equity)
    d.firstSnapshotMs ??= snapshot.tsMs
    d.lastSnapshotMs = snapshot.tsMs
    d.snapshots++
  }

  function result(): Performance {
    const { scale } = d
    const big = (value: bigint) => unitsToBig(value, scale)
    const start = startUnits()
    const lastEntryMs = Math.max(d.lastFillMs ?? 0, d.lastSnapshotMs ?? 0)
    const endMs = record.now ?? lastEntryMs
    let exposedMs = d.exposedMs
    if (d.openMarkets > 0 && d.exposedSince !== null) exposedMs += Math.max(0, endMs - d.exposedSince)
    const startMs = d.firstFillMs
    const exposure = startMs !== null && endMs > startMs ? toRatio(new Big(exposedMs).div(endMs - startMs)) : null

    const { tradeCount, wins, losses } = d
    const grossWin = big(d.grossWin)
    const grossLoss = big(d.grossLoss).abs()
    const winRate = tradeCount > 0 ? new Big(wins).div(tradeCount) : null
    const avgWin = wins > 0 ? grossWin.div(wins) : new Big(0)
    const avgLoss = losses > 0 ? grossLoss.div(losses) : null

    // The equity curve: snapshots when available, else starting balance plus realized PnL.
    let equitySource: Performance['equitySource'] = 'none'
    const lastByDay = new Map<string, bigint>()
    let firstAt: number | undefined
    let lastAt: number | undefined
    if (d.snapshots > 0) {
      equitySource = 'equity-entries'
      for (const [day, equity] of d.equityByDay) lastByDay.set(day, equity)
      firstAt = d.firstSnapshotMs!
      lastAt = d.lastSnapshotMs!
    } else if (start !== undefined && startMs !== null) {
      equitySource = 'realized-pnl'
      lastByDay.set(dayKeys(startMs), start)
      for (const [day, value] of d.realizedByDay) lastByDay.set(day, start + value)
      firstAt = startMs
      lastAt = d.lastRealizedAt ?? startMs
    }
    const series: { day: string; equity: bigint }[] = []
    // With a starting balance and no snapshots the first day is measured against the balance before any fill.
    if (equitySource === 'realized-pnl' && start !== undefined) series.push({ day: '', equity: start })
    if (firstAt !== undefined && lastAt !== undefined) {
      const firstDay = dayKeys(firstAt)
      const lastDay = dayKeys(Math.max(endMs, lastAt))
      let equity = lastByDay.get(firstDay)!
      for (let day = firstDay; day <= lastDay; day = shiftDayKey(day, 1)) {
        equity = lastByDay.get(day) ?? equity
        series.push({ day, equity })
      }
    }
    const dailyReturns: DailyReturn[] = []
    const returns: Big[] = []
    for (let i = 1; i < series.length; i++) {
      const previous = series[i - 1]!.equity
      const current = series[i]!
      const value = previous === 0n ? new Big(0) : big(current.equity).div(big(previous)).minus(1)
      returns.push(value)
      dailyReturns.push({
        date: dayKeyToIsoDate(current.day),
        equity: formatUnits(current.equity, scale, RATIO_DP),
        return: toRatio(value),
      })
    }
    const stats = returns.length >= Math.max(2, record.minDaysForRatios) ? sampleStats(returns) : null

    const drawdown = drawdownFigures(d.snapshots > 0 ? d.equityDrawdown : d.closedDrawdown, scale, RATIO_DP)
    const isoOrNull = (at: number | null) => (at === null ? null : iso(at))
    let fees = 0n
    for (const book of d.books.values()) fees += book.fees
    const kept =
      keepClosedTrades === null ? d.closedTrades : keepClosedTrades === 0 ? [] : d.closedTrades.slice(-keepClosedTrades)
    const closedTrades = kept.map(
      (trip): ClosedTrade => ({
        market: trip.market,
        openedAt: iso(trip.openedAt),
        closedAt: iso(trip.closedAt),
        profit: formatUnits(trip.profit, scale, RATIO_DP),
        entryValue: formatUnits(trip.entryValue, scale, RATIO_DP),
        profitRatio: trip.entryValue > 0n ? ratioNumber(divRound(trip.profit * pow10(RATIO_DP), trip.entryValue)) : 0,
      }),
    )
    return {
      tradeCount,
      openTrades: d.trips.size,
      fills: d.fills,
      wins,
      losses,
      draws: tradeCount - wins - losses,
      winRate: winRate ? toRatio(winRate) : null,
      realizedPnl: formatUnits(d.realized, scale, RATIO_DP),
      fees: formatUnits(fees, scale),
      profitFactor: grossLoss.gt(0) ? toRatio(grossWin.div(grossLoss)) : null,
      expectancy: tradeCount > 0 ? formatDecimal(big(d.sumProfits).div(tradeCount), RATIO_DP) : null,
      expectancyRatio: avgLoss && winRate ? toRatio(avgWin.div(avgLoss).plus(1).times(winRate).minus(1)) : null,
      maxDrawdown: {
        absolute: drawdown.absolute,
        peakAt: isoOrNull(drawdown.peakAt),
        troughAt: isoOrNull(drawdown.troughAt),
        relative: drawdown.relativeUnits === null ? null : ratioNumber(drawdown.relativeUnits),
        relativePeakAt: isoOrNull(drawdown.relativePeakAt),
        relativeTroughAt: isoOrNull(drawdown.relativeTroughAt),
      },
      equitySource,
      dailyReturns,
      sharpe: stats?.std.gt(0) ? toRatio(stats.mean.div(stats.std).times(SQRT_365)) : null,
      sortino: stats?.downside.gt(0) ? toRatio(stats.mean.div(stats.downside).times(SQRT_365)) : null,
      exposure,
      closedTrades,
    }
  }

  return {
    add(entry) {
      if (isTrade(entry)) addFill(entry)
      else addSnapshot(entry)
    },
    result,
    state: () => ({ format: STATE_FORMAT, version: STATE_VERSION, options: { ...record }, data: toJson(d) }),
    get lastFillMs() {
      return d.lastFillMs
    },
    get lastSnapshotMs() {
      return d.lastSnapshotMs
    },
  }
}

function sampleStats(values: Big[]): { mean: Big; std: Big; downside: Big } | null {
  if (values.length < 2) return null
  const n = values.length
  const mean = values.reduce((sum, value) => sum.plus(value), new Big(0)).div(n)
  const variance = values.reduce((sum, value) => sum.plus(value.minus(mean).pow(2)), new Big(0)).div(n - 1)
  const downsideVariance = values.reduce((sum, value) => (value.lt(0) ? sum.plus(value.pow(2)) : sum), new Big(0)).div(n - 1)
  return { mean, std: variance.sqrt(), downside: downsideVariance.sqrt() }
}
