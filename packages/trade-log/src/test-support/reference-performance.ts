/**
 * The big.js `performance()` as it was before the BigInt fixed-point ledger (commit e717fcb), kept only as the
 * oracle of the property tests: the new arithmetic must give exactly these results for the figures it computes
 * (`LEGACY_FIGURES`). Since issue 21 its curve without snapshots takes a point after every fill that realizes
 * PnL (partial exits included), as the package's does; the other report figures are checked against
 * `plain-report.ts`.
 */
import Big from 'big.js'
import { formatDecimal, mulDiv, mulDivFixed, parseDecimal } from '../decimal.js'
import { createDayKeys, createIsoTimes } from '../fast-time.js'
import { sortFills } from '../ledger.js'
import type { ClosedTrade, DailyReturn, MaxDrawdown, Performance, PerformanceOptions } from '../performance.js'

/** The figures `performance()` reported before issue 21, which this oracle computes. */
export const LEGACY_FIGURES = [
  'tradeCount',
  'openTrades',
  'fills',
  'wins',
  'losses',
  'draws',
  'winRate',
  'realizedPnl',
  'fees',
  'profitFactor',
  'expectancy',
  'expectancyRatio',
  'maxDrawdown',
  'equitySource',
  'dailyReturns',
  'sharpe',
  'sortino',
  'exposure',
  'closedTrades',
] as const satisfies readonly (keyof Performance)[]
export type LegacyPerformance = Pick<Performance, (typeof LEGACY_FIGURES)[number]>

/** Those figures of a result. */
export const legacyFigures = (result: Performance): LegacyPerformance =>
  Object.fromEntries(LEGACY_FIGURES.map((key) => [key, result[key]])) as LegacyPerformance

import type { EquityEntry, TradeEntry } from '../schemas.js'
import { dayKeyToIsoDate, shiftDayKey, toEpochMs } from '../time.js'

/** Running state of one market. */
interface MarketBook {
  market: string
  volume: Big
  /** Σ (funds + fee) of the held volume. */
  cost: Big
  /** Σ funds of the held volume (fees excluded). */
  priceCost: Big
  realized: Big
  fees: Big
  buys: number
  sells: number
  /** Volume sold beyond what the log shows was bought (holdings from before the log began). */
  unmatchedVolume: Big
}

function emptyBook(market: string): MarketBook {
  const zero = new Big(0)
  return {
    market,
    volume: zero,
    cost: zero,
    priceCost: zero,
    realized: zero,
    fees: zero,
    buys: 0,
    sells: 0,
    unmatchedVolume: zero,
  }
}

/** The book of `market`, created empty on first use. */
function bookFor(books: Map<string, MarketBook>, market: string): MarketBook {
  let book = books.get(market)
  if (!book) {
    book = emptyBook(market)
    books.set(market, book)
  }
  return book
}

/**
 * Decimal places of the cost taken out of the book by a partial sell (`cost × sold / volume`, rounded half-even).
 * Without it the running cost basis grows to big.js's 20 decimals and every later fill pays for them; money stays
 * conserved because the rounded amount is what leaves the book, so a round trip's realized PnL sums exactly.
 */
const COST_DP = 8

const ZERO = new Big(0)

/** A fill's amounts, parsed once. */
interface FillAmounts {
  volume: Big
  funds: Big
  fee: Big
}

function fillAmounts(fill: TradeEntry): FillAmounts {
  return { volume: parseDecimal(fill.volume), funds: parseDecimal(fill.funds), fee: parseDecimal(fill.fee) }
}

/** `value × part / whole` at `COST_DP` decimals (half-even); the whole value when `part` is all of `whole`. */
function share(value: Big, part: Big, whole: Big): Big {
  return part.eq(whole) ? value : mulDiv(value, part, whole, COST_DP)
}

/** Applies one fill and returns the realized PnL it produced (pass `amounts` if you parsed them already). */
function applyFill(book: MarketBook, fill: TradeEntry, amounts: FillAmounts = fillAmounts(fill)): Big {
  const { volume, funds, fee } = amounts
  book.fees = book.fees.plus(fee)
  if (fill.side === 'buy') {
    book.buys++
    book.volume = book.volume.plus(volume)
    book.cost = book.cost.plus(funds).plus(fee)
    book.priceCost = book.priceCost.plus(funds)
    return ZERO
  }
  book.sells++
  const matched = volume.gt(book.volume) ? book.volume : volume
  let costOut = ZERO
  let priceCostOut = ZERO
  if (book.volume.gt(0) && matched.gt(0)) {
    costOut = share(book.cost, matched, book.volume)
    priceCostOut = share(book.priceCost, matched, book.volume)
  }
  // Volume the log never saw bought has no known cost: value it at the sale price, so it adds no profit.
  if (matched !== volume) {
    const unmatched = volume.minus(matched)
    if (unmatched.gt(0)) {
      book.unmatchedVolume = book.unmatchedVolume.plus(unmatched)
      costOut = costOut.plus(share(funds, unmatched, volume))
    }
  }
  const realized = funds.minus(fee).minus(costOut)
  book.realized = book.realized.plus(realized)
  book.volume = book.volume.minus(matched)
  if (book.volume.eq(0)) {
    book.cost = ZERO
    book.priceCost = ZERO
  } else {
    book.cost = book.cost.minus(costOut)
    book.priceCost = book.priceCost.minus(priceCostOut)
  }
  return realized
}

const RATIO_DP = 8
const toRatio = (value: Big) => Number(value.round(RATIO_DP, Big.roundHalfEven).toFixed())
const ONE = new Big(1)
/** dividend / divisor at `RATIO_DP` decimals (half-even) without big.js's long division: one per closed trade. */
const ratio = (dividend: Big, divisor: Big) => Number(mulDivFixed(dividend, ONE, divisor, RATIO_DP))
const SQRT_365 = new Big(365).sqrt()

const isTrade = (entry: TradeEntry | EquityEntry): entry is TradeEntry => 'side' in entry

interface Point {
  at: number
  equity: Big
}

function maxDrawdown(points: Point[], iso: (epochMs: number) => string): MaxDrawdown {
  // Per point only comparisons: a point beats the absolute drawdown when it is below `peak − best`, and for one
  // peak the relative drawdown is largest at the lowest point after it, so dividing once per peak is enough.
  let best: { peak: Point; trough: Point } | undefined
  let bestRel: { rel: Big; peak: Point; trough: Point } | undefined
  let peak: Point | undefined
  let trough: Point | undefined
  let threshold = new Big(0)
  const closePeak = () => {
    if (!peak || !trough || !peak.equity.gt(0)) return
    const rel = peak.equity.minus(trough.equity).div(peak.equity)
    if (!bestRel || rel.gt(bestRel.rel)) bestRel = { rel, peak, trough }
  }
  let anyPositivePeak = false
  for (const point of points) {
    if (!peak || point.equity.gt(peak.equity)) {
      closePeak()
      peak = point
      trough = undefined
      threshold = best ? peak.equity.minus(best.peak.equity.minus(best.trough.equity)) : peak.equity
      if (!anyPositivePeak) anyPositivePeak = peak.equity.gt(0)
      continue
    }
    if (point.equity.lt(trough?.equity ?? peak.equity)) trough = point
    if (point.equity.lt(threshold)) {
      best = { peak, trough: point }
      threshold = point.equity
    }
  }
  closePeak()
  return {
    absolute: best ? formatDecimal(best.peak.equity.minus(best.trough.equity), RATIO_DP) : '0',
    peakAt: best ? iso(best.peak.at) : null,
    troughAt: best ? iso(best.trough.at) : null,
    relative: bestRel ? toRatio(bestRel.rel) : anyPositivePeak ? 0 : null,
    relativePeakAt: bestRel ? iso(bestRel.peak.at) : null,
    relativeTroughAt: bestRel ? iso(bestRel.trough.at) : null,
  }
}

/** End-of-day equity for every calendar day from `firstDay` to `lastDay`, carrying values forward. */
function dailyEquity(lastByDay: Map<string, Big>, firstDay: string, lastDay: string): { day: string; equity: Big }[] {
  const days: { day: string; equity: Big }[] = []
  let equity = lastByDay.get(firstDay)!
  for (let day = firstDay; day <= lastDay; day = shiftDayKey(day, 1)) {
    equity = lastByDay.get(day) ?? equity
    days.push({ day, equity })
  }
  return days
}

function sampleStats(values: Big[]): { mean: Big; std: Big; downside: Big } | null {
  if (values.length < 2) return null
  const n = values.length
  const mean = values.reduce((sum, value) => sum.plus(value), new Big(0)).div(n)
  const variance = values.reduce((sum, value) => sum.plus(value.minus(mean).pow(2)), new Big(0)).div(n - 1)
  const downsideVariance = values.reduce((sum, value) => (value.lt(0) ? sum.plus(value.pow(2)) : sum), new Big(0)).div(n - 1)
  return { mean, std: variance.sqrt(), downside: downsideVariance.sqrt() }
}

/** Computes performance from fills, plus equity snapshots when you have them (they include unrealized PnL). */
export function referencePerformance(
  entries: readonly (TradeEntry | EquityEntry)[],
  options: PerformanceOptions = {},
): LegacyPerformance {
  const timeZone = options.timeZone ?? 'UTC'
  const minDays = options.minDaysForRatios ?? 30
  const fills = sortFills(entries.filter(isTrade))
  const snapshots = entries.filter((entry): entry is EquityEntry => !isTrade(entry)).sort((a, b) => a.tsMs - b.tsMs)
  const start = options.startingBalance === undefined ? undefined : parseDecimal(options.startingBalance)
  const dayKeys = createDayKeys(timeZone)
  const iso = createIsoTimes()
  const books = new Map<string, MarketBook>()
  const trips = new Map<string, { openedAt: number; profit: Big; entryValue: Big; decisionId: string | null }>()
  const closedTrades: ClosedTrade[] = []
  const closedPoints: { at: number; profit: Big }[] = []
  // Cumulative realized PnL after each fill that realized some: the drawdown curve without snapshots.
  const realizedPoints: { at: number; realized: Big }[] = []
  // Cumulative realized PnL at the end of each day with a realized change: the daily curve without snapshots.
  const realizedByDay = snapshots.length === 0 && start !== undefined ? new Map<string, Big>() : undefined
  let lastRealizedAt: number | undefined
  let realized = new Big(0)
  let openMarkets = 0
  let exposedSince: number | undefined
  let exposedMs = 0

  for (const fill of fills) {
    const book = bookFor(books, fill.market)
    const wasOpen = book.volume.gt(0)
    let trip = trips.get(fill.market)
    if (!wasOpen && fill.side === 'buy') {
      trip = { openedAt: fill.tsMs, profit: new Big(0), entryValue: new Big(0), decisionId: fill.decisionId ?? null }
      trips.set(fill.market, trip)
    }
    const amounts = fillAmounts(fill)
    const delta = applyFill(book, fill, amounts)
    if (!delta.eq(0)) {
      realized = realized.plus(delta)
      realizedByDay?.set(dayKeys(fill.tsMs), realized)
      lastRealizedAt = fill.tsMs
      realizedPoints.push({ at: fill.tsMs, realized })
    }
    if (trip) {
      if (fill.side === 'buy') trip.entryValue = trip.entryValue.plus(amounts.funds).plus(amounts.fee)
      else trip.profit = trip.profit.plus(delta)
    }
    const isOpen = book.volume.gt(0)
    if (!wasOpen && isOpen && openMarkets++ === 0) exposedSince = fill.tsMs
    if (wasOpen && !isOpen) {
      if (--openMarkets === 0 && exposedSince !== undefined) exposedMs += fill.tsMs - exposedSince
      if (trip) {
        closedTrades.push({
          market: fill.market,
          openedAt: iso(trip.openedAt),
          closedAt: iso(fill.tsMs),
          profit: formatDecimal(trip.profit, RATIO_DP),
          entryValue: formatDecimal(trip.entryValue, RATIO_DP),
          profitRatio: trip.entryValue.gt(0) ? ratio(trip.profit, trip.entryValue) : 0,
          decisionId: trip.decisionId,
        })
        closedPoints.push({ at: fill.tsMs, profit: trip.profit })
        trips.delete(fill.market)
      }
    }
  }

  const lastEntryMs = Math.max(fills.at(-1)?.tsMs ?? 0, snapshots.at(-1)?.tsMs ?? 0)
  const endMs = options.now === undefined ? lastEntryMs : toEpochMs(options.now, 'now')
  if (openMarkets > 0 && exposedSince !== undefined) exposedMs += Math.max(0, endMs - exposedSince)
  const startMs = fills[0]?.tsMs
  const exposure = startMs !== undefined && endMs > startMs ? toRatio(new Big(exposedMs).div(endMs - startMs)) : null

  const profits = closedPoints.map((point) => point.profit)
  const winsList = profits.filter((profit) => profit.gt(0))
  const lossesList = profits.filter((profit) => profit.lt(0))
  const sum = (values: Big[]) => values.reduce((total, value) => total.plus(value), new Big(0))
  const grossWin = sum(winsList)
  const grossLoss = sum(lossesList).abs()
  const tradeCount = profits.length
  const winRate = tradeCount > 0 ? new Big(winsList.length).div(tradeCount) : null
  const avgWin = winsList.length > 0 ? grossWin.div(winsList.length) : new Big(0)
  const avgLoss = lossesList.length > 0 ? grossLoss.div(lossesList.length) : null

  // The equity curve: snapshots when available, else starting balance plus realized PnL.
  let equitySource: Performance['equitySource'] = 'none'
  let drawdownPoints: Point[]
  const lastByDay = new Map<string, Big>()
  let firstAt: number | undefined
  let lastAt: number | undefined
  if (snapshots.length > 0) {
    equitySource = 'equity-entries'
    drawdownPoints = snapshots.map((snapshot) => ({ at: snapshot.tsMs, equity: parseDecimal(snapshot.total) }))
    for (const point of drawdownPoints) lastByDay.set(dayKeys(point.at), point.equity)
    firstAt = drawdownPoints[0]!.at
    lastAt = drawdownPoints.at(-1)!.at
  } else {
    const base = start ?? new Big(0)
    drawdownPoints = startMs === undefined ? [] : [{ at: startMs, equity: base }]
    for (const point of realizedPoints) drawdownPoints.push({ at: point.at, equity: base.plus(point.realized) })
    if (start !== undefined && startMs !== undefined && realizedByDay) {
      equitySource = 'realized-pnl'
      lastByDay.set(dayKeys(startMs), start)
      for (const [day, value] of realizedByDay) lastByDay.set(day, start.plus(value))
      firstAt = startMs
      lastAt = lastRealizedAt ?? startMs
    }
  }
  const days =
    firstAt === undefined || lastAt === undefined
      ? []
      : dailyEquity(lastByDay, dayKeys(firstAt), dayKeys(Math.max(endMs, lastAt)))
  // With a starting balance and no snapshots the first day is measured against the balance before any fill.
  const series = equitySource === 'realized-pnl' && start !== undefined ? [{ day: '', equity: start }, ...days] : days
  const dailyReturns: DailyReturn[] = []
  const returns: Big[] = []
  for (let i = 1; i < series.length; i++) {
    const previous = series[i - 1]!.equity
    const current = series[i]!
    const value = previous.eq(0) ? new Big(0) : current.equity.div(previous).minus(1)
    returns.push(value)
    dailyReturns.push({
      date: dayKeyToIsoDate(current.day),
      equity: formatDecimal(current.equity, RATIO_DP),
      return: toRatio(value),
    })
  }
  const stats = returns.length >= Math.max(2, minDays) ? sampleStats(returns) : null

  return {
    tradeCount,
    openTrades: trips.size,
    fills: fills.length,
    wins: winsList.length,
    losses: lossesList.length,
    draws: tradeCount - winsList.length - lossesList.length,
    winRate: winRate ? toRatio(winRate) : null,
    realizedPnl: formatDecimal(realized, RATIO_DP),
    fees: formatDecimal([...books.values()].reduce((total, book) => total.plus(book.fees), new Big(0))),
    profitFactor: grossLoss.gt(0) ? toRatio(grossWin.div(grossLoss)) : null,
    expectancy: tradeCount > 0 ? formatDecimal(sum(profits).div(tradeCount), RATIO_DP) : null,
    expectancyRatio: avgLoss && winRate ? toRatio(avgWin.div(avgLoss).plus(1).times(winRate).minus(1)) : null,
    maxDrawdown: maxDrawdown(drawdownPoints, iso),
    equitySource,
    dailyReturns,
    sharpe: stats?.std.gt(0) ? toRatio(stats.mean.div(stats.std).times(SQRT_365)) : null,
    sortino: stats?.downside.gt(0) ? toRatio(stats.mean.div(stats.downside).times(SQRT_365)) : null,
    exposure,
    closedTrades,
  }
}
