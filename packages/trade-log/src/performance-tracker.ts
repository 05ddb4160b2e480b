/**
 * `performance()` as a fold: add fills and equity snapshots as they are logged, ask for the figures at any time,
 * and save the fold as JSON so another process can resume it instead of reading the whole log again.
 * Amounts are BigInt units at one scale (the most decimals seen, at least 8); big.js is used only for the few
 * divisions in `result()`, which are per day or per call, never per fill.
 */
import Big from 'big.js'
import { z } from 'zod'
import { buyAndHoldMarkets, buyAndHoldValues, createPriceNotes, emptyPrices } from './buy-and-hold.js'
import { MIN_DAYS_FOR_RATIOS, MIN_TRADES_FOR_SQN, PERIODS_PER_YEAR, type PerformanceFigure } from './conventions.js'
import { decimalPlaces, divRound, formatDecimal, formatUnits, pow10, toUnits, unitsToBig } from './decimal.js'
import { addDrawdownPoint, drawdownFigures, emptyDrawdown, underwaterFigures } from './drawdown.js'
import { fillIdentity } from './duplicates.js'
import { TradeLogUsageError } from './errors.js'
import { createDayKeys, createIsoTimes } from './fast-time.js'
import { applyFill, emptyBook, fillPlaces, fillUnits, scaleFor } from './ledger.js'
import type { BuyAndHoldLeg, ClosedTrade, DailyReturn, Performance, PerformanceOptions } from './performance.js'
import { annualisedReturn, betaOf, roundRatio } from './return-figures.js'
import type { EquityEntry, TradeEntry } from './schemas.js'
import { dayKeyToIsoDate, shiftDayKey, toEpochMs } from './time.js'

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
  minTradesForSqn: number
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
   * nothing: sort first, or use `performance()`, which sorts. A fill equal to one added at the same time (same
   * `fillIdentity`) is the same fill and is counted once.
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
/** Version of the state layout (2: the full report's folds; a version-1 state is refused, and recomputed by an index). */
export const STATE_VERSION = 2

const RATIO_DP = 8
/** A ratio held as units of 10^-8 as the number `Number("x.xxxxxxxx")` gives (division is correctly rounded too). */
const ratioNumber = (units: bigint) =>
  units >= -9_007_199_254_740_991n && units <= 9_007_199_254_740_991n ? Number(units) / 1e8 : Number(formatUnits(units, RATIO_DP))
const toRatio = (value: Big) => Number(value.round(RATIO_DP, Big.roundHalfEven).toFixed())
const SQRT_YEAR = new Big(PERIODS_PER_YEAR).sqrt()
const DAY_MS = 86_400_000
const ONE_20 = 10n ** 20n

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
  firstAt: ms.nullable(),
  atPeakSince: ms.nullable(),
  low: units.nullable(),
  periods: count,
  depthSum: z.number().finite().nonnegative(),
  depthUnknown: z.boolean(),
  durationSum: ms,
  durationMax: ms,
})
const mark = z.object({ at: ms, price: z.string().regex(/^\d+(\.\d+)?$/), snapshot: z.boolean() })
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
  trips: mapOf(z.object({ openedAt: ms, profit: units, entryValue: units, decisionId: z.string().nullable() })),
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
  /** Σ profit² of the round trips, in units of 10^-(2 × scale) (see `ensureScale`). */
  sumSquaredProfits: units,
  /** Round-trip returns in units of 10^-8 (numbers: ratios do not change with the scale). */
  tripReturnSum: z.number().finite(),
  bestTripReturn: z.number().finite().nullable(),
  worstTripReturn: z.number().finite().nullable(),
  tripDurationSum: ms,
  tripDurationMax: ms,
  realizedDrawdown: drawdownSchema,
  equityDrawdown: drawdownSchema,
  equityByDay: mapOf(units),
  firstSnapshotEquity: units.nullable(),
  lastSnapshotEquity: units.nullable(),
  prices: z.object({ first: mapOf(mark), last: mapOf(mark), byDay: mapOf(mapOf(mark)) }),
  // Round trips as numbers and units; they are formatted only when `result()` returns them.
  closedTrades: z.array(
    z.object({
      market: z.string(),
      openedAt: ms,
      closedAt: ms,
      profit: units,
      entryValue: units,
      decisionId: z.string().nullable(),
    }),
  ),
})
type TrackerData = z.output<typeof dataSchema>

/**
 * A fold of later fills made apart (a worker thread's days) for `mergeTrackerPart` to join to the fold of the
 * earlier ones: its state, plus what cannot be summed. Plain data and typed arrays, so it crosses a thread cheaply.
 */
export interface TrackerPart {
  /** The part's fold, as `state().data`. */
  data: unknown
  /** Time and realized total (units of 10^-scale of `data`) after each fill that realized something, in order. */
  pointTimes: Float64Array
  /** BigInt64Array when every total fits, else decimal strings. */
  pointValues: BigInt64Array | string[]
  /** Σ |round-trip return| in units of 10^-8: the merge sums exactly only below 2^53. */
  tripReturnAbsSum: number
  /** The first fill added at the part's last fill time, and every identity at that time when there are several. */
  lastTime: { first: TradeEntry; identities: string[] | null } | null
  /** Entries added, repeats included. */
  added: number
}

/** What a part's tracker records beyond its state. */
interface PartRecorder {
  times: number[]
  values: bigint[]
  tripReturnAbsSum: number
}

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
    sumSquaredProfits: 0n,
    tripReturnSum: 0,
    bestTripReturn: null,
    worstTripReturn: null,
    tripDurationSum: 0,
    tripDurationMax: 0,
    realizedDrawdown: emptyDrawdown(),
    equityDrawdown: emptyDrawdown(),
    equityByDay: new Map(),
    firstSnapshotEquity: null,
    lastSnapshotEquity: null,
    prices: emptyPrices(),
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

/** A whole-number option ≥ 0, or its default. */
function wholeOption(name: keyof PerformanceOptions, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= 0)) {
    throw new TradeLogUsageError(`${name} must be a whole number ≥ 0, got ${JSON.stringify(value)}.`)
  }
  return value
}

function optionsRecord(options: PerformanceOptions): PerformanceStateOptions {
  const keep = options.keepClosedTrades
  if (keep !== undefined) wholeOption('keepClosedTrades', keep, 0)
  if (options.startingBalance !== undefined) decimalPlaces(options.startingBalance)
  return {
    startingBalance: options.startingBalance ?? null,
    timeZone: options.timeZone ?? 'UTC',
    now: options.now === undefined ? null : toEpochMs(options.now, 'now'),
    minDaysForRatios: wholeOption('minDaysForRatios', options.minDaysForRatios, MIN_DAYS_FOR_RATIOS),
    minTradesForSqn: wholeOption('minTradesForSqn', options.minTradesForSqn, MIN_TRADES_FOR_SQN),
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

/** Why a figure is null (a class, so `instanceof` tells it from a value). */
class Why {
  constructor(readonly reason: string) {}
}

/** A round trip's return `profit / entryValue` in units of 10^-8 (0 without an entry value). */
const returnUnits = (profit: bigint, entryValue: bigint) =>
  entryValue > 0n ? Number(divRound(profit * pow10(RATIO_DP), entryValue)) : 0

/** Joins a later part to a tracker (see `mergeTrackerPart`), per tracker. */
const mergers = new WeakMap<PerformanceTracker, (part: TrackerPart) => boolean>()

/** Creates an incremental `performance()`; see `PerformanceTracker`. */
export function createPerformanceTracker(options: PerformanceTrackerOptions = {}): PerformanceTracker {
  return createTracker(options, undefined).tracker
}

/**
 * A tracker of fills that come after those of another tracker, folded apart (in a worker thread) and joined to it
 * with `mergeTrackerPart`. Same options as the other tracker; only fills.
 */
export function createTrackerPart(options: PerformanceOptions): {
  add(fill: TradeEntry): void
  part(): TrackerPart
  /** No round trip is open (what the join asks of the tracker before it). */
  flat(): boolean
  /** Some sell was beyond the volume this part saw bought: a position was probably open where it started. */
  sawUnmatched(): boolean
} {
  const recorder: PartRecorder = { times: [], values: [], tripReturnAbsSum: 0 }
  const keep = options.keepClosedTrades
  // Keeps at least as many round trips as the merged tracker can keep after the join (see `mergeTrackerPart`).
  const own = createTracker(
    { ...options, ...(keep === undefined || keep === 0 ? {} : { keepClosedTrades: 2 * keep + 64 }) },
    recorder,
  )
  let added = 0
  return {
    add(fill) {
      added++
      own.tracker.add(fill)
    },
    flat: () => own.data().trips.size === 0,
    sawUnmatched() {
      for (const book of own.data().books.values()) if (book.unmatchedVolume > 0n) return true
      return false
    },
    part() {
      const { values } = recorder
      const fits = values.every((value) => value >= -(2n ** 63n) && value < 2n ** 63n)
      return {
        data: toJson(own.data()),
        pointTimes: Float64Array.from(recorder.times),
        pointValues: fits ? BigInt64Array.from(values) : values.map(String),
        tripReturnAbsSum: recorder.tripReturnAbsSum,
        lastTime: own.lastTime(),
        added,
      }
    },
  }
}

/**
 * Joins `part` (a `createTrackerPart` fold of the fills after those `tracker` holds) to `tracker`, so it holds what
 * adding those fills one by one would give, state and result alike. Only when that is certain: no position or round
 * trip is open in `tracker`, the part's first fill is later than its last, neither holds equity snapshots, the
 * index keeps a bounded number of round trips, and the sums stay exact. Returns false, changing nothing, otherwise;
 * the caller then adds the part's fills one by one.
 */
export function mergeTrackerPart(tracker: PerformanceTracker, part: TrackerPart): boolean {
  const merge = mergers.get(tracker)
  return merge ? merge(part) : false
}

function createTracker(options: PerformanceTrackerOptions, recorder: PartRecorder | undefined) {
  const record = optionsRecord(options)
  const { startingBalance, timeZone, keepClosedTrades } = record
  const d =
    options.state === undefined
      ? emptyData(scaleFor(startingBalance === null ? 0 : decimalPlaces(startingBalance)))
      : restore(options.state, record)
  const dayKeys = createDayKeys(timeZone)
  const iso = createIsoTimes()
  let startCache: { scale: number; units: bigint } | undefined
  const startUnits = () => {
    if (startingBalance === null) return undefined
    if (startCache?.scale !== d.scale) startCache = { scale: d.scale, units: toUnits(startingBalance, d.scale) }
    return startCache.units
  }

  function ensureScale(places: number) {
    if (places <= d.scale) return
    const factor = pow10(places - d.scale)
    rescale(d, factor)
    if (recorder) for (let i = 0; i < recorder.values.length; i++) recorder.values[i] = recorder.values[i]! * factor
    // A sum of squares is at twice the scale: rescale multiplied it once, it needs the factor twice.
    d.sumSquaredProfits *= factor
    d.scale = places
  }

  const notePrice = createPriceNotes(d.prices)

  // The fills added at the latest time, to count a repeated one once (by `fillIdentity`): a line repeated further
  // back than the reader's duplicate filter reaches (a big day file appended to itself) is adjacent once sorted.
  // Identities are built only when a second fill shares a time. Not kept in the state: a resumed tracker does not
  // know the fills at its last time (an index's checkpoint ends with a day, so its next fill has a later time).
  let firstAtTime: TradeEntry | undefined
  let identitiesAtTime: Set<string> | undefined
  function repeatsOneAtItsTime(fill: TradeEntry): boolean {
    if (fill.tsMs !== d.lastFillMs || firstAtTime === undefined) {
      firstAtTime = fill
      identitiesAtTime = undefined
      return false
    }
    identitiesAtTime ??= new Set([fillIdentity(firstAtTime)])
    const identity = fillIdentity(fill)
    if (identitiesAtTime.has(identity)) return true
    identitiesAtTime.add(identity)
    return false
  }

  function addFill(fill: TradeEntry) {
    if (d.lastFillMs !== null && fill.tsMs < d.lastFillMs) {
      throw new TradeLogUsageError(
        `Fill ${JSON.stringify(fill.orderId)} at ${fill.ts} is older than the last fill added (${iso(d.lastFillMs)}); add fills in time order, or use performance(), which sorts.`,
      )
    }
    // Every amount and the price are checked before anything changes.
    const places = fillPlaces(fill)
    decimalPlaces(fill.price)
    ensureScale(places)
    const { scale } = d
    const amounts = fillUnits(fill, scale)
    if (repeatsOneAtItsTime(fill)) return
    const at = fill.tsMs
    if (d.firstFillMs === null) {
      d.firstFillMs = at
      addDrawdownPoint(d.realizedDrawdown, at, startUnits() ?? 0n)
    }
    const day = dayKeys(at)
    notePrice(fill.market, at, fill.price, false, day)
    let book = d.books.get(fill.market)
    if (!book) {
      book = emptyBook(fill.market)
      d.books.set(fill.market, book)
    }
    const wasOpen = book.volume > 0n
    let trip = d.trips.get(fill.market)
    if (!wasOpen && fill.side === 'buy') {
      trip = { openedAt: at, profit: 0n, entryValue: 0n, decisionId: fill.decisionId ?? null }
      d.trips.set(fill.market, trip)
    }
    const delta = applyFill(book, fill.side, amounts, scale)
    if (delta !== 0n) {
      d.realized += delta
      d.realizedByDay.set(day, d.realized)
      d.lastRealizedAt = at
      addDrawdownPoint(d.realizedDrawdown, at, (startUnits() ?? 0n) + d.realized)
      if (recorder) {
        recorder.times.push(at)
        recorder.values.push(d.realized)
      }
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

  function closeTrip(market: string, trip: TrackerData['trips'] extends Map<string, infer T> ? T : never, at: number) {
    d.tradeCount++
    if (trip.profit > 0n) {
      d.wins++
      d.grossWin += trip.profit
    } else if (trip.profit < 0n) {
      d.losses++
      d.grossLoss += trip.profit
    }
    d.sumProfits += trip.profit
    d.sumSquaredProfits += trip.profit * trip.profit
    const tripReturn = returnUnits(trip.profit, trip.entryValue)
    d.tripReturnSum += tripReturn
    if (recorder) recorder.tripReturnAbsSum += Math.abs(tripReturn)
    if (d.bestTripReturn === null || tripReturn > d.bestTripReturn) d.bestTripReturn = tripReturn
    if (d.worstTripReturn === null || tripReturn < d.worstTripReturn) d.worstTripReturn = tripReturn
    const duration = at - trip.openedAt
    d.tripDurationSum += duration
    if (duration > d.tripDurationMax) d.tripDurationMax = duration
    if (keepClosedTrades !== 0) {
      d.closedTrades.push({
        market,
        openedAt: trip.openedAt,
        closedAt: at,
        profit: trip.profit,
        entryValue: trip.entryValue,
        decisionId: trip.decisionId,
      })
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
    const places = decimalPlaces(snapshot.total)
    for (const position of snapshot.positions) decimalPlaces(position.price)
    ensureScale(places)
    const equity = toUnits(snapshot.total, d.scale)
    addDrawdownPoint(d.equityDrawdown, snapshot.tsMs, equity)
    const day = dayKeys(snapshot.tsMs)
    d.equityByDay.set(day, equity)
    for (const position of snapshot.positions) notePrice(position.market, snapshot.tsMs, position.price, true, day)
    d.firstSnapshotMs ??= snapshot.tsMs
    d.firstSnapshotEquity ??= equity
    d.lastSnapshotMs = snapshot.tsMs
    d.lastSnapshotEquity = equity
    d.snapshots++
  }

  function result(): Performance {
    const { scale } = d
    const big = (value: bigint) => unitsToBig(value, scale)
    const money = (value: bigint) => formatUnits(value, scale, RATIO_DP)
    const start = startUnits()
    const reasons: Partial<Record<PerformanceFigure, string>> = {}
    // The one place a figure becomes null: with the reason recorded under its field.
    const figure = <T extends number | string>(field: PerformanceFigure, value: T | Why): T | null => {
      if (value instanceof Why) {
        reasons[field] = value.reason
        return null
      }
      if (typeof value === 'number' && !Number.isFinite(value)) {
        reasons[field] = 'too large for a number: the growth compounds beyond 1e308'
        return null
      }
      return value
    }
    const minDays = Math.max(2, record.minDaysForRatios)

    // ---- span and exposure ----
    const hasEntries = d.fills > 0 || d.snapshots > 0
    const lastEntryMs = Math.max(d.lastFillMs ?? 0, d.lastSnapshotMs ?? 0)
    const endMs = record.now ?? lastEntryMs
    const firstEntryMs = Math.min(d.firstFillMs ?? Number.POSITIVE_INFINITY, d.firstSnapshotMs ?? Number.POSITIVE_INFINITY)
    const noEntries = new Why('no entries')
    let exposedMs = d.exposedMs
    if (d.openMarkets > 0 && d.exposedSince !== null) exposedMs += Math.max(0, endMs - d.exposedSince)
    const startMs = d.firstFillMs
    const exposure =
      startMs === null
        ? new Why('no fills')
        : endMs > startMs
          ? toRatio(new Big(exposedMs).div(endMs - startMs))
          : new Why('the span from the first fill to end is empty')

    // ---- round trips ----
    const { tradeCount, wins, losses } = d
    const grossWin = big(d.grossWin)
    const grossLoss = big(d.grossLoss).abs()
    const winRate = tradeCount > 0 ? new Big(wins).div(tradeCount) : null
    const avgWin = wins > 0 ? grossWin.div(wins) : new Big(0)
    const avgLoss = losses > 0 ? grossLoss.div(losses) : null
    const noTrips = new Why('no closed round trips')
    const noLosses = tradeCount === 0 ? noTrips : new Why('no losing round trips')
    const noWinOrLoss = tradeCount === 0 ? noTrips : wins === 0 ? new Why('no winning round trips') : noLosses
    const payoff = wins > 0 && avgLoss ? avgWin.div(avgLoss) : null
    let kelly: number | Why = noWinOrLoss
    if (payoff) {
      const p = new Big(wins).div(wins + losses)
      kelly = toRatio(p.minus(new Big(1).minus(p).div(payoff)))
    }
    let sqn: number | Why
    if (tradeCount === 0) sqn = noTrips
    else if (tradeCount < Math.max(2, record.minTradesForSqn)) {
      sqn = new Why(`fewer than ${Math.max(2, record.minTradesForSqn)} closed round trips (${tradeCount})`)
    } else {
      // Sample variance n·Σp² − (Σp)² over n(n − 1), exact in units of 10^-(2 × scale).
      const spread = BigInt(tradeCount) * d.sumSquaredProfits - d.sumProfits * d.sumProfits
      sqn =
        spread > 0n
          ? toRatio(
              new Big(tradeCount)
                .sqrt()
                .times(big(d.sumProfits).div(tradeCount))
                .div(
                  unitsToBig(spread, 2 * scale)
                    .div(tradeCount * (tradeCount - 1))
                    .sqrt(),
                ),
            )
          : new Why('the round trips’ profits do not vary')
    }

    // ---- the equity curve: snapshots when available, else the starting balance plus realized PnL ----
    let equitySource: Performance['equitySource'] = 'none'
    const curve = d.snapshots > 0 ? d.equityDrawdown : d.realizedDrawdown
    let curveStart: bigint | undefined
    let curveFinal: bigint | undefined
    const lastByDay = new Map<string, bigint>()
    let firstAt: number | undefined
    let lastAt: number | undefined
    if (d.snapshots > 0) {
      equitySource = 'equity-entries'
      for (const [day, equity] of d.equityByDay) lastByDay.set(day, equity)
      firstAt = d.firstSnapshotMs!
      lastAt = d.lastSnapshotMs!
      curveStart = d.firstSnapshotEquity!
      curveFinal = d.lastSnapshotEquity!
    } else if (start !== undefined && startMs !== null) {
      equitySource = 'realized-pnl'
      lastByDay.set(dayKeys(startMs), start)
      for (const [day, value] of d.realizedByDay) lastByDay.set(day, start + value)
      firstAt = startMs
      lastAt = d.lastRealizedAt ?? startMs
      curveStart = start
      curveFinal = start + d.realized
    }
    const noCurve = new Why('no equity curve: log equity snapshots or pass startingBalance')
    const curvePeak = curve.peak?.equity
    let totalReturn: number | Why = noCurve
    let cagr: number | Why = noCurve
    if (curveStart !== undefined && curveFinal !== undefined) {
      const growth = curveStart > 0n ? big(curveFinal).div(big(curveStart)) : undefined
      totalReturn = growth ? Number(growth.minus(1)) : new Why('equity at the start is 0 or less')
      const spanMs = endMs - curve.firstAt!
      const spanDays = spanMs / DAY_MS
      cagr = !growth
        ? new Why('equity at the start is 0 or less')
        : spanMs <= 0 || spanDays < record.minDaysForRatios
          ? new Why(`the equity curve spans fewer than ${record.minDaysForRatios} days (${roundRatio(spanDays)})`)
          : curveFinal <= 0n
            ? new Why('equity at the end is 0 or less: there is no growth rate')
            : Number(growth) ** ((PERIODS_PER_YEAR * DAY_MS) / spanMs) - 1
    }

    // ---- daily returns and the buy-and-hold benchmark on the same days ----
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
    // Daily returns in units of 10^-20, as big.js would divide (20 decimals, half-up) but without its long division.
    const returns: bigint[] = []
    for (let i = 1; i < series.length; i++) {
      const previous = series[i - 1]!.equity
      const current = series[i]!
      const value = previous === 0n ? 0n : divRound(current.equity * ONE_20, previous, 'half-up') - ONE_20
      returns.push(value)
      dailyReturns.push({
        date: dayKeyToIsoDate(current.day),
        equity: formatUnits(current.equity, scale, RATIO_DP),
        return: ratioNumber(divRound(value, pow10(20 - RATIO_DP))),
      })
    }
    const stats = returns.length >= Math.max(2, record.minDaysForRatios) ? sampleStats(returns) : null
    const noDays = equitySource === 'none' ? noCurve : new Why(`fewer than ${minDays} daily returns (${returns.length})`)
    const legs = buyAndHoldMarkets(d.prices)
    const noPrices = new Why('no prices in the log (fills or equity snapshots)')
    const buyAndHoldReturn = legs.length > 0 ? legs.reduce((sum, leg) => sum + leg.return, 0) / legs.length : noPrices
    let annualReturn: number | Why = noDays
    let beta: number | Why = noDays
    if (stats) {
      const daily = returns.map((value) => Number(formatUnits(value, 20)))
      annualReturn = annualisedReturn(daily) ?? new Why('equity fell to 0 or below on some day')
      if (legs.length === 0) beta = noPrices
      else {
        const days = series.filter((point) => point.day !== '').map((point) => point.day)
        const values = buyAndHoldValues(d.prices, days)
        if (series[0]?.day === '') values.unshift(1)
        const benchmark = values.slice(1).map((value, i) => value / values[i]! - 1)
        beta = betaOf(daily, benchmark) ?? new Why('buy and hold did not vary over these days')
      }
    }
    const alpha =
      beta instanceof Why
        ? new Why(`beta: ${beta.reason}`)
        : totalReturn instanceof Why
          ? new Why(`totalReturn: ${totalReturn.reason}`)
          : buyAndHoldReturn instanceof Why
            ? new Why(`buyAndHoldReturn: ${buyAndHoldReturn.reason}`)
            : totalReturn - beta * buyAndHoldReturn

    // ---- drawdowns ----
    const drawdown = drawdownFigures(curve, scale, RATIO_DP)
    const relative = drawdown.relativeUnits === null ? null : ratioNumber(drawdown.relativeUnits)
    const noPoints = curve.firstAt === null ? new Why('no equity curve points') : undefined
    const underwater = underwaterFigures(curve, endMs)
    const noDrawdown = underwater.periods === 0 ? (noPoints ?? new Why('no drawdown')) : undefined
    const calmar =
      cagr instanceof Why
        ? new Why(`cagr: ${cagr.reason}`)
        : drawdown.relativeNumber === null || drawdown.relativeNumber === 0
          ? new Why(drawdown.relativeNumber === 0 ? 'no drawdown' : 'maxDrawdown.relative is null')
          : cagr / drawdown.relativeNumber

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
        decisionId: trip.decisionId,
      }),
    )
    const round = (value: number | Why) => (value instanceof Why ? value : roundRatio(value))
    const buyAndHold = legs.map(
      (leg): BuyAndHoldLeg => ({
        market: leg.market,
        firstPrice: leg.firstPrice,
        firstAt: iso(leg.firstAt),
        lastPrice: leg.lastPrice,
        lastAt: iso(leg.lastAt),
        return: roundRatio(leg.return),
      }),
    )
    return {
      start: figure('start', hasEntries ? iso(firstEntryMs) : noEntries),
      end: figure('end', hasEntries ? iso(endMs) : noEntries),
      durationMs: figure('durationMs', hasEntries ? endMs - firstEntryMs : noEntries),
      exposure: figure('exposure', exposure),
      equitySource,
      equityStart: figure('equityStart', curveStart === undefined ? noCurve : money(curveStart)),
      equityFinal: figure('equityFinal', curveFinal === undefined ? noCurve : money(curveFinal)),
      equityPeak: figure('equityPeak', curveStart === undefined || curvePeak === undefined ? noCurve : money(curvePeak)),
      fees: formatUnits(fees, scale),
      totalReturn: figure('totalReturn', round(totalReturn)),
      buyAndHoldReturn: figure('buyAndHoldReturn', round(buyAndHoldReturn)),
      buyAndHold,
      annualReturn: figure('annualReturn', round(annualReturn)),
      annualVolatility: figure('annualVolatility', stats ? toRatio(stats.std.times(SQRT_YEAR)) : noDays),
      cagr: figure('cagr', round(cagr)),
      sharpe: figure(
        'sharpe',
        !stats
          ? noDays
          : stats.std.gt(0)
            ? toRatio(stats.mean.div(stats.std).times(SQRT_YEAR))
            : new Why('daily returns do not vary'),
      ),
      sortino: figure(
        'sortino',
        !stats
          ? noDays
          : stats.downside.gt(0)
            ? toRatio(stats.mean.div(stats.downside).times(SQRT_YEAR))
            : new Why('no day with a negative return'),
      ),
      calmar: figure('calmar', round(calmar)),
      alpha: figure('alpha', round(alpha)),
      beta: figure('beta', round(beta)),
      maxDrawdown: {
        absolute: drawdown.absolute,
        peakAt: isoOrNull(drawdown.peakAt),
        troughAt: isoOrNull(drawdown.troughAt),
        relative: figure(
          'maxDrawdown.relative',
          relative ?? noPoints ?? new Why('the equity curve never had a positive peak (pass startingBalance?)'),
        ),
        relativePeakAt: isoOrNull(drawdown.relativePeakAt),
        relativeTroughAt: isoOrNull(drawdown.relativeTroughAt),
      },
      averageDrawdown: figure(
        'averageDrawdown',
        noDrawdown ??
          (underwater.averageDepth === null
            ? new Why('a drawdown started from a peak at or below 0, which has no relative depth (pass startingBalance?)')
            : roundRatio(underwater.averageDepth)),
      ),
      maxDrawdownDurationMs: underwater.maxDurationMs,
      averageDrawdownDurationMs: figure('averageDrawdownDurationMs', noDrawdown ?? Math.round(underwater.averageDurationMs!)),
      timeUnderWater: figure(
        'timeUnderWater',
        underwater.underwaterShare === null
          ? (noPoints ?? new Why('the equity curve spans no time'))
          : roundRatio(underwater.underwaterShare),
      ),
      tradeCount,
      openTrades: d.trips.size,
      fills: d.fills,
      wins,
      losses,
      draws: tradeCount - wins - losses,
      winRate: figure('winRate', winRate ? toRatio(winRate) : noTrips),
      bestTrade: figure('bestTrade', d.bestTripReturn === null ? noTrips : d.bestTripReturn / 1e8),
      worstTrade: figure('worstTrade', d.worstTripReturn === null ? noTrips : d.worstTripReturn / 1e8),
      averageTrade: figure('averageTrade', tradeCount > 0 ? roundRatio(d.tripReturnSum / tradeCount / 1e8) : noTrips),
      maxTradeDurationMs: figure('maxTradeDurationMs', tradeCount > 0 ? d.tripDurationMax : noTrips),
      averageTradeDurationMs: figure(
        'averageTradeDurationMs',
        tradeCount > 0 ? Math.round(d.tripDurationSum / tradeCount) : noTrips,
      ),
      realizedPnl: formatUnits(d.realized, scale, RATIO_DP),
      profitFactor: figure('profitFactor', grossLoss.gt(0) ? toRatio(grossWin.div(grossLoss)) : noLosses),
      expectancy: figure('expectancy', tradeCount > 0 ? formatDecimal(big(d.sumProfits).div(tradeCount), RATIO_DP) : noTrips),
      expectancyRatio: figure(
        'expectancyRatio',
        avgLoss && winRate ? toRatio(avgWin.div(avgLoss).plus(1).times(winRate).minus(1)) : noLosses,
      ),
      payoffRatio: figure('payoffRatio', payoff ? toRatio(payoff) : noWinOrLoss),
      sqn: figure('sqn', sqn),
      kelly: figure('kelly', kelly),
      dailyReturns,
      closedTrades,
      reasons,
      conventions: {
        timeZone,
        periodsPerYear: PERIODS_PER_YEAR,
        riskFreeRate: 0,
        minDaysForRatios: record.minDaysForRatios,
        minTradesForSqn: record.minTradesForSqn,
      },
    }
  }

  /** `mergeTrackerPart`: checks everything first, then changes `d`; see there. */
  function mergePart(part: TrackerPart): boolean {
    const parsed = dataSchema.safeParse(part.data)
    if (!parsed.success) return false
    const w = parsed.data
    if (w.fills === 0) return w.snapshots === 0
    if (d.snapshots > 0 || w.snapshots > 0 || keepClosedTrades === null) return false
    if (d.lastFillMs !== null && !(w.firstFillMs! > d.lastFillMs)) return false
    // Flat in every market the part trades: no round trip open there. A buy into an empty book opens one (even of
    // volume 0) and the sell that empties the book closes it and clears its cost, so such a book holds no volume or
    // cost either (the property test checks). A position in a market the part never trades just carries over.
    for (const market of d.trips.keys()) if (w.books.has(market)) return false
    const exact = (a: number, b: number) => Math.abs(a) + Math.abs(b) <= Number.MAX_SAFE_INTEGER
    if (!exact(d.tripReturnSum, part.tripReturnAbsSum) || !exact(d.tripDurationSum, w.tripDurationSum)) return false
    if (!exact(d.exposedMs, w.exposedMs)) return false
    const trips = keptClosedTrades(d.closedTrades, w.closedTrades, w.tradeCount, keepClosedTrades)
    if (!trips) return false

    const scale = Math.max(d.scale, w.scale)
    ensureScale(scale)
    const factor = pow10(scale - w.scale)
    if (factor !== 1n) {
      rescale(w, factor)
      w.sumSquaredProfits *= factor
    }
    const start = startUnits() ?? 0n
    const before = d.realized
    for (const [market, theirs] of w.books) {
      const ours = d.books.get(market)
      if (!ours) {
        d.books.set(market, theirs)
        continue
      }
      // Ours is empty of volume and cost (no trip open in it, checked above), so theirs started as ours would
      // have: only the running totals add up.
      ours.volume = theirs.volume
      ours.cost = theirs.cost
      ours.priceCost = theirs.priceCost
      ours.realized += theirs.realized
      ours.fees += theirs.fees
      ours.buys += theirs.buys
      ours.sells += theirs.sells
      ours.unmatchedVolume += theirs.unmatchedVolume
    }
    for (const [market, trip] of w.trips) d.trips.set(market, trip)
    for (const [day, value] of w.realizedByDay) d.realizedByDay.set(day, before + value)
    d.realized += w.realized
    d.lastRealizedAt = w.lastRealizedAt ?? d.lastRealizedAt
    // The realized curve is not shifted as a whole (relative drawdowns change with the level): its points are added again.
    if (d.firstFillMs === null) addDrawdownPoint(d.realizedDrawdown, w.firstFillMs!, start)
    const { pointTimes, pointValues } = part
    for (let i = 0; i < pointTimes.length; i++) {
      const value = typeof pointValues[i] === 'string' ? BigInt(pointValues[i] as string) : (pointValues[i] as bigint)
      addDrawdownPoint(d.realizedDrawdown, pointTimes[i]!, start + before + value * factor)
    }
    if (d.openMarkets > 0) {
      // Exposed all along (a market the part never trades stays open): the clock that started here keeps running.
      d.openMarkets += w.openMarkets
    } else {
      d.openMarkets = w.openMarkets
      d.exposedSince = w.exposedSince ?? d.exposedSince
      d.exposedMs += w.exposedMs
    }
    d.tradeCount += w.tradeCount
    d.wins += w.wins
    d.losses += w.losses
    d.grossWin += w.grossWin
    d.grossLoss += w.grossLoss
    d.sumProfits += w.sumProfits
    d.sumSquaredProfits += w.sumSquaredProfits
    d.tripReturnSum += w.tripReturnSum
    d.bestTripReturn = extreme(d.bestTripReturn, w.bestTripReturn, Math.max)
    d.worstTripReturn = extreme(d.worstTripReturn, w.worstTripReturn, Math.min)
    d.tripDurationSum += w.tripDurationSum
    d.tripDurationMax = Math.max(d.tripDurationMax, w.tripDurationMax)
    d.closedTrades = trips
    mergeLaterPrices(d.prices, w.prices)
    d.fills += w.fills
    d.firstFillMs ??= w.firstFillMs
    d.lastFillMs = w.lastFillMs
    firstAtTime = part.lastTime?.first
    identitiesAtTime = part.lastTime?.identities ? new Set(part.lastTime.identities) : undefined
    return true
  }

  const tracker: PerformanceTracker = {
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
  mergers.set(tracker, mergePart)
  return {
    tracker,
    data: () => d,
    lastTime: (): TrackerPart['lastTime'] =>
      firstAtTime === undefined ? null : { first: firstAtTime, identities: identitiesAtTime ? [...identitiesAtTime] : null },
  }
}

const extreme = (a: number | null, b: number | null, pick: (a: number, b: number) => number) =>
  a === null ? b : b === null ? a : pick(a, b)

/**
 * The round trips a tracker keeping the newest `keep` holds after `count` more were closed: it trims to `keep`
 * whenever it holds 2 × keep + 64, so the length is known, and the trips are the newest of ours then theirs
 * (`theirs` holds their newest). Undefined when either side no longer holds enough of them.
 */
function keptClosedTrades<T>(ours: T[], theirs: T[], count: number, keep: number): T[] | undefined {
  if (keep === 0) return ours
  let length = ours.length
  for (let i = 0; i < count; i++) if (++length >= 2 * keep + 64) length = keep
  const fromTheirs = Math.min(length, count)
  const fromOurs = length - fromTheirs
  if (theirs.length < fromTheirs || ours.length < fromOurs) return undefined
  return [...ours.slice(ours.length - fromOurs), ...theirs.slice(theirs.length - fromTheirs)]
}

/** Price marks of later fills joined to earlier ones (every later mark is strictly later: each replaces a last). */
function mergeLaterPrices(ours: TrackerData['prices'], theirs: TrackerData['prices']): void {
  for (const [market, mark] of theirs.first) if (!ours.first.has(market)) ours.first.set(market, mark)
  for (const [market, mark] of theirs.last) ours.last.set(market, mark)
  for (const [day, marks] of theirs.byDay) {
    const mine = ours.byDay.get(day)
    if (!mine) ours.byDay.set(day, marks)
    else for (const [market, mark] of marks) mine.set(market, mark)
  }
}

/**
 * Mean, sample standard deviation and downside deviation √(Σ min(r, 0)² / (n − 1)) of returns in units of 10^-20,
 * exactly as big.js computes them from those values (sums and squares exact, each division and root to 20
 * decimals, half-up), with the sums done on BigInts.
 */
function sampleStats(values: readonly bigint[]): { mean: Big; std: Big; downside: Big } | null {
  if (values.length < 2) return null
  const n = values.length
  let sum = 0n
  for (const value of values) sum += value
  const mean = new Big(formatUnits(sum, 20)).div(n)
  const meanUnits = toUnits(mean.toFixed(), 20)
  let squares = 0n
  let downSquares = 0n
  for (const value of values) {
    const deviation = value - meanUnits
    squares += deviation * deviation
    if (value < 0n) downSquares += value * value
  }
  const variance = new Big(formatUnits(squares, 40)).div(n - 1)
  const downsideVariance = new Big(formatUnits(downSquares, 40)).div(n - 1)
  return { mean, std: variance.sqrt(), downside: downsideVariance.sqrt() }
}
