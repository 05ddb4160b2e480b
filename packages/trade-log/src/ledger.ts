/**
 * Average-cost bookkeeping for one market, shared by `portfolio` and `performance`. Cost basis includes buy fees
 * (freqtrade's open value); `avgBuyPrice` follows Upbit's `avg_buy_price`: fill prices only, unchanged by sells.
 * Amounts are BigInt units of 10^-scale (see `decimal.ts`): the caller owns the scale and rescales books with
 * `rescaleBook` when a fill brings more decimals than it has.
 */
import { decimalPlaces, divRound, pow10, toUnits } from './decimal.js'
import type { TradeEntry } from './schemas.js'

/** Running state of one market, amounts in units of 10^-scale. */
export interface MarketBook {
  market: string
  volume: bigint
  /** Σ (funds + fee) of the held volume. */
  cost: bigint
  /** Σ funds of the held volume (fees excluded). */
  priceCost: bigint
  realized: bigint
  fees: bigint
  buys: number
  sells: number
  /** Volume sold beyond what the log shows was bought (holdings from before the log began). */
  unmatchedVolume: bigint
}

export function emptyBook(market: string): MarketBook {
  return { market, volume: 0n, cost: 0n, priceCost: 0n, realized: 0n, fees: 0n, buys: 0, sells: 0, unmatchedVolume: 0n }
}

/** The book of `market`, created empty on first use. */
export function bookFor(books: Map<string, MarketBook>, market: string): MarketBook {
  let book = books.get(market)
  if (!book) {
    book = emptyBook(market)
    books.set(market, book)
  }
  return book
}

/** Multiplies a book's amounts by `factor` (10^k) when its owner moves to a finer scale. */
export function rescaleBook(book: MarketBook, factor: bigint): void {
  book.volume *= factor
  book.cost *= factor
  book.priceCost *= factor
  book.realized *= factor
  book.fees *= factor
  book.unmatchedVolume *= factor
}

/**
 * Decimal places of the cost taken out of the book by a partial sell (`cost × sold / volume`, rounded half-even).
 * Without it the running cost basis grows to ever more decimals and every later fill pays for them; money stays
 * conserved because the rounded amount is what leaves the book, so a round trip's realized PnL sums exactly.
 * Every scale is at least this.
 */
export const COST_DP = 8

/** A fill's amounts in units of 10^-scale, parsed once. */
export interface FillUnits {
  volume: bigint
  funds: bigint
  fee: bigint
}

/** The most decimal places among a fill's volume, funds and fee (checks they are decimal strings). */
export function fillPlaces(fill: TradeEntry): number {
  return Math.max(decimalPlaces(fill.volume), decimalPlaces(fill.funds), decimalPlaces(fill.fee))
}

/** A fill's amounts at `scale` (at least `fillPlaces(fill)`). */
export function fillUnits(fill: TradeEntry, scale: number): FillUnits {
  return { volume: toUnits(fill.volume, scale), funds: toUnits(fill.funds, scale), fee: toUnits(fill.fee, scale) }
}

/** `value × part / whole` rounded half-even to `COST_DP` decimals, at `scale`; the whole value when `part` is all of `whole`. */
function share(value: bigint, part: bigint, whole: bigint, scale: number): bigint {
  if (part === whole) return value
  const step = pow10(scale - COST_DP)
  return divRound(value * part, whole * step) * step
}

/** Applies one fill (amounts at `scale`) and returns the realized PnL it produced, at the same scale. */
export function applyFill(book: MarketBook, side: TradeEntry['side'], amounts: FillUnits, scale: number): bigint {
  const { volume, funds, fee } = amounts
  book.fees += fee
  if (side === 'buy') {
    book.buys++
    book.volume += volume
    book.cost += funds + fee
    book.priceCost += funds
    return 0n
  }
  book.sells++
  // Math.min does not take BigInts.
  let matched = volume
  if (matched > book.volume) matched = book.volume
  let costOut = 0n
  let priceCostOut = 0n
  if (book.volume > 0n && matched > 0n) {
    costOut = share(book.cost, matched, book.volume, scale)
    priceCostOut = share(book.priceCost, matched, book.volume, scale)
  }
  // Volume the log never saw bought has no known cost: value it at the sale price, so it adds no profit.
  const unmatched = volume - matched
  if (unmatched > 0n) {
    book.unmatchedVolume += unmatched
    costOut += share(funds, unmatched, volume, scale)
  }
  const realized = funds - fee - costOut
  book.realized += realized
  book.volume -= matched
  if (book.volume === 0n) {
    book.cost = 0n
    book.priceCost = 0n
  } else {
    book.cost -= costOut
    book.priceCost -= priceCostOut
  }
  return realized
}

/** Fills sorted by time (stable for equal times); logs are usually in order already, so that case only copies. */
export function sortFills(entries: readonly TradeEntry[]): TradeEntry[] {
  let sorted = true
  for (let i = 1; i < entries.length && sorted; i++) sorted = entries[i - 1]!.tsMs <= entries[i]!.tsMs
  return sorted ? entries.slice() : [...entries].sort((a, b) => a.tsMs - b.tsMs)
}

/** Scale for amounts with `places` decimals: never below `COST_DP`. */
export const scaleFor = (places: number) => Math.max(COST_DP, places)
