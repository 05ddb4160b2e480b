/**
 * Average-cost bookkeeping for one market, shared by `portfolio` and `performance`. Cost basis includes buy fees
 * (freqtrade's open value); `avgBuyPrice` follows Upbit's `avg_buy_price`: fill prices only, unchanged by sells.
 */
import Big from 'big.js'
import { mulDiv, parseDecimal } from './decimal.js'
import type { TradeEntry } from './schemas.js'

/** Running state of one market. */
export interface MarketBook {
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

export function emptyBook(market: string): MarketBook {
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
export function bookFor(books: Map<string, MarketBook>, market: string): MarketBook {
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
export const COST_DP = 8

const ZERO = new Big(0)

/** A fill's amounts, parsed once. */
export interface FillAmounts {
  volume: Big
  funds: Big
  fee: Big
}

export function fillAmounts(fill: TradeEntry): FillAmounts {
  return { volume: parseDecimal(fill.volume), funds: parseDecimal(fill.funds), fee: parseDecimal(fill.fee) }
}

/** `value × part / whole` at `COST_DP` decimals (half-even); the whole value when `part` is all of `whole`. */
function share(value: Big, part: Big, whole: Big): Big {
  return part.eq(whole) ? value : mulDiv(value, part, whole, COST_DP)
}

/** Applies one fill and returns the realized PnL it produced (pass `amounts` if you parsed them already). */
export function applyFill(book: MarketBook, fill: TradeEntry, amounts: FillAmounts = fillAmounts(fill)): Big {
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

/** Fills sorted by time (stable for equal times); logs are usually in order already, so that case only copies. */
export function sortFills(entries: readonly TradeEntry[]): TradeEntry[] {
  let sorted = true
  for (let i = 1; i < entries.length && sorted; i++) sorted = entries[i - 1]!.tsMs <= entries[i]!.tsMs
  return sorted ? entries.slice() : [...entries].sort((a, b) => a.tsMs - b.tsMs)
}
