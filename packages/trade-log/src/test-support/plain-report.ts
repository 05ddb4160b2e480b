/**
 * A second, deliberately plain implementation of the full report, for the golden tests: no folds, no fixed
 * point, no caches, nothing imported from the package. Money in big.js (its own constructor, 60 decimals), every
 * figure recomputed from the whole list of points with straight loops, days from `Intl.DateTimeFormat`. It follows
 * the conventions in the README (conventions.ts) and shares no code with `performance()`, so agreeing with it on a
 * large generated log means the fold, the checkpointable state and the shortcuts compute what the table says.
 */
import BigJs from 'big.js'

const Big = BigJs()
Big.DP = 60
type Big = BigJs.Big

export interface PlainFill {
  tsMs: number
  market: string
  side: 'buy' | 'sell'
  volume: string
  price: string
  funds: string
  fee: string
}
export interface PlainSnapshot {
  tsMs: number
  total: string
  positions: { market: string; price: string }[]
}
export interface PlainOptions {
  startingBalance?: string
  timeZone: string
  now?: number
  minDaysForRatios: number
  minTradesForSqn: number
}

/** Every figure of the report (null where the package reports null). Money as Big, ratios as numbers. */
export interface PlainReport {
  start: number | null
  end: number | null
  exposure: number | null
  equityStart: Big | null
  equityFinal: Big | null
  equityPeak: Big | null
  fees: Big
  realizedPnl: Big
  totalReturn: number | null
  buyAndHoldReturn: number | null
  annualReturn: number | null
  annualVolatility: number | null
  cagr: number | null
  sharpe: number | null
  sortino: number | null
  calmar: number | null
  alpha: number | null
  beta: number | null
  maxDrawdownAbsolute: Big
  maxDrawdownRelative: number | null
  averageDrawdown: number | null
  maxDrawdownDurationMs: number
  averageDrawdownDurationMs: number | null
  timeUnderWater: number | null
  tradeCount: number
  wins: number
  losses: number
  draws: number
  winRate: number | null
  bestTrade: number | null
  worstTrade: number | null
  averageTrade: number | null
  maxTradeDurationMs: number | null
  averageTradeDurationMs: number | null
  profitFactor: number | null
  expectancy: Big | null
  expectancyRatio: number | null
  payoffRatio: number | null
  sqn: number | null
  kelly: number | null
  dailyReturns: number[]
}

const DAY = 86_400_000
const round8 = (value: Big) => value.round(8, Big.roundHalfEven)

const formats = new Map<string, Intl.DateTimeFormat>()
function dayOf(tsMs: number, timeZone: string): string {
  let format = formats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    formats.set(timeZone, format)
  }
  const parts = format.formatToParts(tsMs)
  const get = (type: string) => parts.find((part) => part.type === type)!.value
  return `${get('year')}-${get('month')}-${get('day')}`
}

function nextDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(Date.UTC(y!, m! - 1, d! + 1)).toISOString().slice(0, 10)
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length
function sampleStd(values: number[]): number {
  const m = mean(values)
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1))
}

/** Running maximum drawdown, relative drawdown and the drawdown periods of a list of points. */
function drawdowns(points: { at: number; equity: Big }[], end: number) {
  let maxAbs = new Big(0)
  let maxRel: number | null = null
  let anyPositivePeak = false
  const periods: { start: number; end: number; depth: number | null }[] = []
  let peak: Big | null = null
  let atPeak = 0
  let low: Big | null = null
  for (const point of points) {
    if (peak === null || point.equity.gte(peak)) {
      if (low !== null && peak !== null) {
        periods.push({ start: atPeak, end: point.at, depth: peak.gt(0) ? peak.minus(low).div(peak).toNumber() : null })
      }
      low = null
      peak = point.equity
      atPeak = point.at
      if (peak.gt(0)) anyPositivePeak = true
      continue
    }
    if (low === null || point.equity.lt(low)) low = point.equity
    const fall = peak.minus(point.equity)
    if (fall.gt(maxAbs)) maxAbs = fall
    if (peak.gt(0)) {
      const rel = fall.div(peak).toNumber()
      if (maxRel === null || rel > maxRel) maxRel = rel
    }
  }
  if (low !== null && peak !== null)
    periods.push({ start: atPeak, end, depth: peak.gt(0) ? peak.minus(low).div(peak).toNumber() : null })
  if (maxRel === null && anyPositivePeak) maxRel = 0
  return { maxAbs, maxRel, periods }
}

export function plainReport(fillsIn: PlainFill[], snapshotsIn: PlainSnapshot[], options: PlainOptions): PlainReport {
  const fills = [...fillsIn].sort((a, b) => a.tsMs - b.tsMs)
  const snapshots = [...snapshotsIn].sort((a, b) => a.tsMs - b.tsMs)
  const startBalance = options.startingBalance === undefined ? null : new Big(options.startingBalance)
  const lastEntry = Math.max(fills.at(-1)?.tsMs ?? 0, snapshots.at(-1)?.tsMs ?? 0)
  const end = options.now ?? lastEntry
  const firstEntry = Math.min(fills[0]?.tsMs ?? Number.POSITIVE_INFINITY, snapshots[0]?.tsMs ?? Number.POSITIVE_INFINITY)
  const hasEntries = fills.length + snapshots.length > 0

  // ---- average-cost ledger and round trips ----
  const books = new Map<string, { volume: Big; cost: Big }>()
  const open = new Map<string, { openedAt: number; profit: Big; entry: Big }>()
  const trips: { openedAt: number; closedAt: number; profit: Big; entry: Big }[] = []
  const realizedPoints: { at: number; equity: Big }[] = []
  let realized = new Big(0)
  let fees = new Big(0)
  let exposedMs = 0
  let exposedSince: number | null = null
  for (const fill of fills) {
    const book = books.get(fill.market) ?? { volume: new Big(0), cost: new Big(0) }
    books.set(fill.market, book)
    const volume = new Big(fill.volume)
    const funds = new Big(fill.funds)
    const fee = new Big(fill.fee)
    fees = fees.plus(fee)
    const anyOpenBefore = [...books.values()].some((b) => b.volume.gt(0))
    const wasOpen = book.volume.gt(0)
    if (!wasOpen && fill.side === 'buy') open.set(fill.market, { openedAt: fill.tsMs, profit: new Big(0), entry: new Big(0) })
    const trip = open.get(fill.market)
    let delta = new Big(0)
    if (fill.side === 'buy') {
      book.volume = book.volume.plus(volume)
      book.cost = book.cost.plus(funds).plus(fee)
      if (trip) trip.entry = trip.entry.plus(funds).plus(fee)
    } else {
      // Average cost: the sold share of the cost leaves the book, rounded half-even to 8 decimals (all of it when
      // the whole position is sold); volume never seen bought is valued at its sale price.
      const matched = volume.gt(book.volume) ? book.volume : volume
      const unmatched = volume.minus(matched)
      const matchedCost = matched.eq(0)
        ? new Big(0)
        : matched.eq(book.volume)
          ? book.cost
          : round8(book.cost.times(matched).div(book.volume))
      const unmatchedCost = unmatched.eq(0)
        ? new Big(0)
        : unmatched.eq(volume)
          ? funds
          : round8(funds.times(unmatched).div(volume))
      delta = funds.minus(fee).minus(matchedCost).minus(unmatchedCost)
      book.volume = book.volume.minus(matched)
      book.cost = book.volume.eq(0) ? new Big(0) : book.cost.minus(matchedCost)
      if (trip) trip.profit = trip.profit.plus(delta)
    }
    if (!delta.eq(0)) {
      realized = realized.plus(delta)
      realizedPoints.push({ at: fill.tsMs, equity: (startBalance ?? new Big(0)).plus(realized) })
    }
    const anyOpenAfter = [...books.values()].some((b) => b.volume.gt(0))
    if (!anyOpenBefore && anyOpenAfter) exposedSince = fill.tsMs
    if (anyOpenBefore && !anyOpenAfter && exposedSince !== null) {
      exposedMs += fill.tsMs - exposedSince
      exposedSince = null
    }
    if (wasOpen && book.volume.eq(0) && trip) {
      trips.push({ openedAt: trip.openedAt, closedAt: fill.tsMs, profit: trip.profit, entry: trip.entry })
      open.delete(fill.market)
    }
  }
  if (exposedSince !== null) exposedMs += Math.max(0, end - exposedSince)
  const firstFill = fills[0]?.tsMs
  const exposure = firstFill !== undefined && end > firstFill ? exposedMs / (end - firstFill) : null

  // ---- the equity curve ----
  let curve: { at: number; equity: Big }[] = []
  let source: 'snapshots' | 'realized' | 'none' = 'none'
  if (snapshots.length > 0) {
    source = 'snapshots'
    curve = snapshots.map((s) => ({ at: s.tsMs, equity: new Big(s.total) }))
  } else if (firstFill !== undefined) {
    curve = [{ at: firstFill, equity: startBalance ?? new Big(0) }, ...realizedPoints]
    if (startBalance !== null) source = 'realized'
  }
  const dd = drawdowns(curve, end)
  const equityStart = source === 'none' ? null : curve[0]!.equity
  const equityFinal = source === 'none' ? null : curve.at(-1)!.equity
  const equityPeak = source === 'none' ? null : curve.reduce((max, p) => (p.equity.gt(max) ? p.equity : max), curve[0]!.equity)
  const totalReturn = equityStart?.gt(0) ? equityFinal!.div(equityStart).minus(1).toNumber() : null

  // ---- daily returns ----
  const endOfDay = new Map<string, Big>()
  if (source !== 'none') for (const point of curve) endOfDay.set(dayOf(point.at, options.timeZone), point.equity)
  const days: string[] = []
  const daily: Big[] = []
  if (source !== 'none') {
    const lastAt = source === 'snapshots' ? curve.at(-1)!.at : (realizedPoints.at(-1)?.at ?? firstFill!)
    const lastDay = dayOf(Math.max(end, lastAt), options.timeZone)
    let carried = endOfDay.get(dayOf(curve[0]!.at, options.timeZone))!
    for (let day = dayOf(curve[0]!.at, options.timeZone); day <= lastDay; day = nextDay(day)) {
      carried = endOfDay.get(day) ?? carried
      days.push(day)
      daily.push(carried)
    }
  }
  const base = source === 'realized' ? [startBalance!, ...daily] : daily
  const returns: number[] = []
  for (let i = 1; i < base.length; i++)
    returns.push(
      base[i - 1]!.eq(0)
        ? 0
        : base[i]!.div(base[i - 1]!)
            .minus(1)
            .toNumber(),
    )
  const enough = returns.length >= Math.max(2, options.minDaysForRatios)
  const std = enough ? sampleStd(returns) : 0
  const downside = enough ? Math.sqrt(returns.reduce((a, r) => a + Math.min(r, 0) ** 2, 0) / (returns.length - 1)) : 0
  const sharpe = enough && std > 0 ? (mean(returns) / std) * Math.sqrt(365) : null
  const sortino = enough && downside > 0 ? (mean(returns) / downside) * Math.sqrt(365) : null
  const annualVolatility = enough ? std * Math.sqrt(365) : null
  const annualReturn = enough ? returns.reduce((p, r) => p * (1 + r), 1) ** (365 / returns.length) - 1 : null

  const span = curve.length > 0 ? end - curve[0]!.at : 0
  const cagr =
    equityStart?.gt(0) && equityFinal!.gt(0) && span > 0 && span / DAY >= options.minDaysForRatios
      ? equityFinal!.div(equityStart).toNumber() ** ((365 * DAY) / span) - 1
      : null
  const calmar = cagr !== null && dd.maxRel ? cagr / dd.maxRel : null

  // ---- buy and hold ----
  const prices: { at: number; day: string; market: string; price: Big; rank: number }[] = []
  const tz = options.timeZone
  for (const f of fills) {
    if (new Big(f.price).eq(0)) continue
    prices.push({ at: f.tsMs, day: dayOf(f.tsMs, tz), market: f.market, price: new Big(f.price), rank: 0 })
  }
  for (const s of snapshots) {
    for (const p of s.positions) {
      if (new Big(p.price).eq(0)) continue
      prices.push({ at: s.tsMs, day: dayOf(s.tsMs, tz), market: p.market, price: new Big(p.price), rank: 1 })
    }
  }
  prices.sort((a, b) => a.at - b.at || a.rank - b.rank)
  const markets = [...new Set(prices.map((p) => p.market))]
  const firstPrice = (m: string) => prices.find((p) => p.market === m)!.price
  const priceAtEndOf = (m: string, day: string) => {
    let found: Big | undefined
    for (const p of prices) if (p.market === m && p.day <= day) found = p.price
    return found
  }
  const buyAndHoldReturn =
    markets.length > 0
      ? mean(
          markets.map(
            (m) =>
              prices
                .filter((p) => p.market === m)
                .at(-1)!
                .price.div(firstPrice(m))
                .toNumber() - 1,
          ),
        )
      : null
  let beta: number | null = null
  if (enough && markets.length > 0) {
    const value = (day: string) => mean(markets.map((m) => priceAtEndOf(m, day)?.div(firstPrice(m)).toNumber() ?? 1))
    const values = [...(source === 'realized' ? [1] : []), ...days.map(value)]
    const bench = values.slice(1).map((v, i) => v / values[i]! - 1)
    const mb = mean(bench)
    const mr = mean(returns)
    const varB = bench.reduce((a, b) => a + (b - mb) ** 2, 0)
    const cov = bench.reduce((a, b, i) => a + (b - mb) * (returns[i]! - mr), 0)
    beta = bench.every((b) => b === bench[0]) ? null : cov / varB
  }
  const alpha = beta !== null && totalReturn !== null && buyAndHoldReturn !== null ? totalReturn - beta * buyAndHoldReturn : null

  // ---- drawdown periods ----
  const durations = dd.periods.map((p) => p.end - p.start)
  const underwater = durations.reduce((a, b) => a + b, 0)
  const curveSpan = curve.length > 0 ? end - curve[0]!.at : 0

  // ---- round trips ----
  const profits = trips.map((t) => t.profit)
  const ratios = trips.map((t) => (t.entry.gt(0) ? t.profit.div(t.entry).toNumber() : 0))
  const winsList = profits.filter((p) => p.gt(0))
  const lossList = profits.filter((p) => p.lt(0))
  const sum = (values: Big[]) => values.reduce((a, b) => a.plus(b), new Big(0))
  const avgWin = winsList.length > 0 ? sum(winsList).div(winsList.length) : new Big(0)
  const avgLoss = lossList.length > 0 ? sum(lossList).abs().div(lossList.length) : null
  const n = trips.length
  const winRate = n > 0 ? winsList.length / n : null
  const payoff = winsList.length > 0 && avgLoss ? avgWin.div(avgLoss).toNumber() : null
  const p = winsList.length / (winsList.length + lossList.length)
  const profitNumbers = profits.map((x) => x.toNumber())
  const sqnStd = n >= 2 ? sampleStd(profitNumbers) : 0
  const tripDurations = trips.map((t) => t.closedAt - t.openedAt)

  return {
    start: hasEntries ? firstEntry : null,
    end: hasEntries ? end : null,
    exposure,
    equityStart,
    equityFinal,
    equityPeak,
    fees,
    realizedPnl: realized,
    totalReturn,
    buyAndHoldReturn,
    annualReturn,
    annualVolatility,
    cagr,
    sharpe,
    sortino,
    calmar,
    alpha,
    beta,
    maxDrawdownAbsolute: dd.maxAbs,
    maxDrawdownRelative: dd.maxRel,
    averageDrawdown:
      dd.periods.length > 0 && dd.periods.every((x) => x.depth !== null) ? mean(dd.periods.map((x) => x.depth!)) : null,
    maxDrawdownDurationMs: durations.length > 0 ? Math.max(...durations) : 0,
    averageDrawdownDurationMs: durations.length > 0 ? mean(durations) : null,
    timeUnderWater: curveSpan > 0 ? underwater / curveSpan : null,
    tradeCount: n,
    wins: winsList.length,
    losses: lossList.length,
    draws: n - winsList.length - lossList.length,
    winRate,
    bestTrade: n > 0 ? Math.max(...ratios) : null,
    worstTrade: n > 0 ? Math.min(...ratios) : null,
    averageTrade: n > 0 ? mean(ratios) : null,
    maxTradeDurationMs: n > 0 ? Math.max(...tripDurations) : null,
    averageTradeDurationMs: n > 0 ? mean(tripDurations) : null,
    profitFactor: lossList.length > 0 ? sum(winsList).div(sum(lossList).abs()).toNumber() : null,
    expectancy: n > 0 ? sum(profits).div(n) : null,
    expectancyRatio: avgLoss && winRate !== null ? (1 + avgWin.div(avgLoss).toNumber()) * winRate - 1 : null,
    payoffRatio: payoff,
    sqn: n >= Math.max(2, options.minTradesForSqn) && sqnStd > 0 ? (Math.sqrt(n) * mean(profitNumbers)) / sqnStd : null,
    kelly: payoff !== null ? p - (1 - p) / payoff : null,
    dailyReturns: returns,
  }
}
