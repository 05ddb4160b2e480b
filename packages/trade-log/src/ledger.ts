/**
 * Average-cost bookkeeping for one market, shared by `portfolio` and `performance`. Cost basis includes buy fees
 * (freqtrade's open value); `avgBuyPrice` follows Upbit's `avg_buy_price`: fill prices only, unchanged by sells.
 */
import Big from 'big.js'
import { parseDecimal } from './decimal.js'
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

/** Applies one fill and returns the realized PnL it produced. */
export function applyFill(book: MarketBook, fill: TradeEntry): Big {
  const volume = parseDecimal(fill.volume)
  const funds = parseDecimal(fill.funds)
  const fee = parseDecimal(fill.fee)
  book.fees = book.fees.plus(fee)
  if (fill.side === 'buy') {
    book.buys++
    book.volume = book.volume.plus(volume)
    book.cost = book.cost.plus(funds).plus(fee)
    book.priceCost = book.priceCost.plus(funds)
    return new Big(0)
  }
  book.sells++
  const matched = volume.gt(book.volume) ? book.volume : volume
  const unmatched = volume.minus(matched)
  let costOut = new Big(0)
  let priceCostOut = new Big(0)
  if (book.volume.gt(0) && matched.gt(0)) {
    costOut = book.cost.times(matched).div(book.volume)
    priceCostOut = book.priceCost.times(matched).div(book.volume)
  }
  // Volume the log never saw bought has no known cost: value it at the sale price, so it adds no profit.
  if (unmatched.gt(0)) {
    book.unmatchedVolume = book.unmatchedVolume.plus(unmatched)
    costOut = volume.gt(0) ? costOut.plus(funds.times(unmatched).div(volume)) : costOut
  }
  const realized = funds.minus(fee).minus(costOut)
  book.realized = book.realized.plus(realized)
  book.volume = book.volume.minus(matched)
  if (book.volume.eq(0)) {
    book.cost = new Big(0)
    book.priceCost = new Big(0)
  } else {
    book.cost = book.cost.minus(costOut)
    book.priceCost = book.priceCost.minus(priceCostOut)
  }
  return realized
}

/** Fills sorted by time (stable for equal times). */
export function sortFills(entries: readonly TradeEntry[]): TradeEntry[] {
  return [...entries].sort((a, b) => a.tsMs - b.tsMs)
}
