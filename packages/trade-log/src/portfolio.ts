/**
 * Positions from fills: volume, average cost, realized and unrealized PnL, fees and cash per market.
 */
import Big from 'big.js'
import { type DecimalString, decimalPlaces, formatDecimal, parseDecimal, pow10, toUnits, unitsToBig } from './decimal.js'
import { applyFill, bookFor, fillPlaces, fillUnits, type MarketBook, rescaleBook, scaleFor, sortFills } from './ledger.js'
import type { TradeEntry } from './schemas.js'

/** Decimal places kept for averages (money totals are exact). */
const AVERAGE_DP = 8

/** One market's position. */
export interface Position {
  market: string
  /** Base volume held. */
  volume: DecimalString
  /** Upbit's `avg_buy_price`: Σ funds / volume of the held volume, fees excluded; sells do not change it. */
  avgBuyPrice: DecimalString
  /** Cost basis per unit including buy fees; realized PnL is measured against it. */
  avgCost: DecimalString
  /** Cost basis of the held volume, buy fees included. */
  costBasis: DecimalString
  /** Mark price used, or null when `prices` had none. */
  markPrice: DecimalString | null
  /** volume × mark, or null without a price. */
  value: DecimalString | null
  /** Σ over sells of (funds − fee − sold volume × avgCost). */
  realizedPnl: DecimalString
  /** value − costBasis (exit fee not deducted), or null without a price. */
  unrealizedPnl: DecimalString | null
  /** Fees paid in this market. */
  fees: DecimalString
  buys: number
  sells: number
  /** Volume sold that the log never showed being bought; valued at its sale price. */
  unmatchedVolume: DecimalString
}

/** Portfolio totals and positions. */
export interface Portfolio {
  positions: Position[]
  /** startingCash − Σ buys (funds + fee) + Σ sells (funds − fee). */
  cash: DecimalString
  realizedPnl: DecimalString
  /** Σ of the positions that have a price. */
  unrealizedPnl: DecimalString
  fees: DecimalString
  /** Σ value of open positions, or null if an open position has no price. */
  positionsValue: DecimalString | null
  /** cash + positionsValue, or null if an open position has no price. */
  equity: DecimalString | null
  /** Markets with an open position but no price in `prices`. */
  missingPrices: string[]
}

/** Options for `portfolio`. */
export interface PortfolioOptions {
  /** Quote-currency cash before the first fill. Default `'0'` (cash is then the net flow). */
  startingCash?: DecimalString
}

/** Mark prices by market: a record or a Map of decimal strings. */
export type Prices = Readonly<Record<string, DecimalString>> | ReadonlyMap<string, DecimalString>

const priceOf = (prices: Prices, market: string): string | undefined =>
  prices instanceof Map ? prices.get(market) : (prices as Record<string, string>)[market]

/** A book's amounts as `Big` for the per-market figures (one conversion per market, not per fill). */
function bigBook(book: MarketBook, scale: number) {
  const big = (units: bigint) => unitsToBig(units, scale)
  return {
    market: book.market,
    volume: big(book.volume),
    cost: big(book.cost),
    priceCost: big(book.priceCost),
    realized: big(book.realized),
    fees: big(book.fees),
    buys: book.buys,
    sells: book.sells,
    unmatchedVolume: big(book.unmatchedVolume),
  }
}

/** Builds positions from fills (any order) marked at `prices`. */
export function portfolio(entries: readonly TradeEntry[], prices: Prices = {}, options: PortfolioOptions = {}): Portfolio {
  const books = new Map<string, MarketBook>()
  const startingCash = options.startingCash ?? '0'
  let scale = scaleFor(decimalPlaces(startingCash))
  let cashUnits = toUnits(startingCash, scale)
  for (const fill of sortFills(entries)) {
    const places = fillPlaces(fill)
    if (places > scale) {
      const factor = pow10(places - scale)
      for (const book of books.values()) rescaleBook(book, factor)
      cashUnits *= factor
      scale = places
    }
    const book = bookFor(books, fill.market)
    const amounts = fillUnits(fill, scale)
    applyFill(book, fill.side, amounts, scale)
    cashUnits += fill.side === 'buy' ? -amounts.funds - amounts.fee : amounts.funds - amounts.fee
  }
  const cash = unitsToBig(cashUnits, scale)
  let realized = new Big(0)
  let unrealized = new Big(0)
  let fees = new Big(0)
  let value = new Big(0)
  const missingPrices: string[] = []
  const positions = [...books.values()]
    .sort((a, b) => (a.market < b.market ? -1 : 1))
    .map((units): Position => {
      const book = bigBook(units, scale)
      realized = realized.plus(book.realized)
      fees = fees.plus(book.fees)
      const markText = priceOf(prices, book.market)
      const mark = markText === undefined ? undefined : parseDecimal(markText)
      const open = book.volume.gt(0)
      if (open && !mark) missingPrices.push(book.market)
      const positionValue = mark ? book.volume.times(mark) : undefined
      const positionUnrealized = positionValue ? positionValue.minus(book.cost) : undefined
      if (positionValue) value = value.plus(positionValue)
      if (positionUnrealized) unrealized = unrealized.plus(positionUnrealized)
      return {
        market: book.market,
        volume: formatDecimal(book.volume),
        avgBuyPrice: open ? formatDecimal(book.priceCost.div(book.volume), AVERAGE_DP) : '0',
        avgCost: open ? formatDecimal(book.cost.div(book.volume), AVERAGE_DP) : '0',
        costBasis: formatDecimal(book.cost, AVERAGE_DP),
        markPrice: mark ? formatDecimal(mark) : null,
        value: positionValue ? formatDecimal(positionValue, AVERAGE_DP) : null,
        realizedPnl: formatDecimal(book.realized, AVERAGE_DP),
        unrealizedPnl: positionUnrealized ? formatDecimal(positionUnrealized, AVERAGE_DP) : null,
        fees: formatDecimal(book.fees),
        buys: book.buys,
        sells: book.sells,
        unmatchedVolume: formatDecimal(book.unmatchedVolume),
      }
    })
  const complete = missingPrices.length === 0
  return {
    positions,
    cash: formatDecimal(cash),
    realizedPnl: formatDecimal(realized, AVERAGE_DP),
    unrealizedPnl: formatDecimal(unrealized, AVERAGE_DP),
    fees: formatDecimal(fees),
    positionsValue: complete ? formatDecimal(value, AVERAGE_DP) : null,
    equity: complete ? formatDecimal(cash.plus(value), AVERAGE_DP) : null,
    missingPrices,
  }
}
