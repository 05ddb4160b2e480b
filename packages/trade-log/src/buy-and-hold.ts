/**
 * Buy and hold over the same span and markets, from the prices the log holds: fill prices and the prices in equity
 * snapshots' positions. A fold like the rest of the tracker: per price, one day key and one comparison.
 * Prices stay decimal strings; only their ratios become numbers.
 */
import { decimalPlaces, divRound, pow10, toUnits } from './decimal.js'

/** One logged price. Snapshots outrank fills at the same instant, so the answer does not depend on which was added first. */
export interface PriceMark {
  at: number
  price: string
  snapshot: boolean
}

export interface PriceState {
  /** First and last non-zero price of each market. */
  first: Map<string, PriceMark>
  last: Map<string, PriceMark>
  /** Last price of each market on each day (`YYYYMMDD` in the tracker's zone). */
  byDay: Map<string, Map<string, PriceMark>>
}

export const emptyPrices = (): PriceState => ({ first: new Map(), last: new Map(), byDay: new Map() })

/** A mark at `at` (from a snapshot or not) is at least as late as `than` (ties: the snapshot, else the one added later). */
const later = (at: number, snapshot: boolean, than: PriceMark) => at > than.at || (at === than.at && (snapshot || !than.snapshot))
/** Earlier than `than` (ties: the snapshot, else the one added first). */
const earlier = (at: number, snapshot: boolean, than: PriceMark) => at < than.at || (at === than.at && snapshot && !than.snapshot)

function setMark(mark: PriceMark, at: number, price: string, snapshot: boolean) {
  mark.at = at
  mark.price = price
  mark.snapshot = snapshot
}

/** Notes prices into `state`: a price of `market` (a checked decimal string) seen at `at` on `day`. */
export type PriceNotes = (market: string, at: number, price: string, snapshot: boolean, day: string) => void

/**
 * Notes prices into `state`. Zero prices are ignored: nothing can be bought at them. The newest marks are updated
 * in place and the current day's marks are remembered, so a fill in time order costs two map lookups and no
 * allocation.
 */
export function createPriceNotes(state: PriceState): PriceNotes {
  let currentDay = ''
  let currentMarks: Map<string, PriceMark> | undefined
  return (market, at, price, snapshot, day) => {
    if (price.charCodeAt(0) === 48 && /^0(\.0+)?$/.test(price)) return
    const last = state.last.get(market)
    if (!last) {
      state.first.set(market, { at, price, snapshot })
      state.last.set(market, { at, price, snapshot })
    } else if (later(at, snapshot, last)) {
      // At or after the last mark, so not before the first (the usual case of a log read in time order), unless all
      // three are at one instant, where a snapshot outranks a fill as the first price too.
      if (at === last.at) {
        const first = state.first.get(market)!
        if (earlier(at, snapshot, first)) setMark(first, at, price, snapshot)
      }
      setMark(last, at, price, snapshot)
    } else {
      const first = state.first.get(market)!
      if (earlier(at, snapshot, first)) setMark(first, at, price, snapshot)
    }
    if (day !== currentDay || !currentMarks) {
      currentDay = day
      currentMarks = state.byDay.get(day)
      if (!currentMarks) {
        currentMarks = new Map()
        state.byDay.set(day, currentMarks)
      }
    }
    const dayLast = currentMarks.get(market)
    if (!dayLast) currentMarks.set(market, { at, price, snapshot })
    else if (later(at, snapshot, dayLast)) setMark(dayLast, at, price, snapshot)
  }
}

/** `a / b` for positive decimal strings, as a number (exact to 16 decimals before the conversion). */
export function priceRatio(a: string, b: string): number {
  const scale = Math.max(decimalPlaces(a), decimalPlaces(b))
  return Number(divRound(toUnits(a, scale) * pow10(16), toUnits(b, scale))) / 1e16
}

/** One market of the buy-and-hold figure. */
export interface BuyAndHoldMarket {
  market: string
  firstPrice: string
  firstAt: number
  lastPrice: string
  lastAt: number
  /** lastPrice / firstPrice − 1. */
  return: number
}

/** Each priced market's first and last price, sorted by market. */
export function buyAndHoldMarkets(state: PriceState): BuyAndHoldMarket[] {
  return [...state.first.keys()].sort().map((market) => {
    const first = state.first.get(market)!
    const last = state.last.get(market)!
    return {
      market,
      firstPrice: first.price,
      firstAt: first.at,
      lastPrice: last.price,
      lastAt: last.at,
      return: priceRatio(last.price, first.price) - 1,
    }
  })
}

/**
 * The value of 1 put equally into every priced market at its first price, at the end of each of `days` (sorted
 * `YYYYMMDD`, consecutive): the benchmark for beta. A market not priced yet counts at 1 (its share is still cash).
 */
export function buyAndHoldValues(state: PriceState, days: readonly string[]): number[] {
  const markets = [...state.first.keys()]
  if (markets.length === 0) return days.map(() => 1)
  const priceDays = [...state.byDay.keys()].sort()
  const current = new Map<string, number>()
  const values: number[] = []
  let next = 0
  for (const day of days) {
    for (; next < priceDays.length && priceDays[next]! <= day; next++) {
      for (const [market, mark] of state.byDay.get(priceDays[next]!)!) {
        current.set(market, priceRatio(mark.price, state.first.get(market)!.price))
      }
    }
    let sum = 0
    for (const market of markets) sum += current.get(market) ?? 1
    values.push(sum / markets.length)
  }
  return values
}
