/**
 * The package's one money module: every amount of money is a decimal string outside and a big.js value inside.
 * Floats appear only as prices and fractions coming from market data or a model, and are converted here.
 */
import Big from 'big.js'
import type { ModelPrice, Usage } from './decider.js'

/** Parses a decimal string (or a finite number) into Big; returns undefined for anything else. */
export function toDecimal(value: unknown): Big | undefined {
  if (typeof value === 'number' && !Number.isFinite(value)) return undefined
  if (typeof value !== 'string' && typeof value !== 'number') return undefined
  try {
    return new Big(value)
  } catch {
    return undefined
  }
}

/** Formats with at most `decimals` places, rounding toward zero so an amount never grows. */
export function formatDown(value: Big, decimals: number): string {
  return value.round(decimals, Big.roundDown).toFixed()
}

/** Cost of one call in US dollars (prices are per million tokens), as a decimal string with 8 places. */
export function costUsd(usage: Usage, price: ModelPrice): string {
  const perToken = (perMillion: string) => new Big(perMillion).div(1_000_000)
  const total = perToken(price.input)
    .times(usage.inputTokens)
    .plus(perToken(price.output).times(usage.outputTokens))
    .plus(perToken(price.cacheRead ?? price.input).times(usage.cacheReadTokens))
    .plus(perToken(price.cacheWrite ?? price.input).times(usage.cacheWriteTokens))
  return total.round(8, Big.roundHalfUp).toFixed(8)
}

/** Sum of call costs; null when none of them is known. */
export function sumCosts(costs: readonly (string | null)[]): string | null {
  const known = costs.filter((cost): cost is string => cost !== null)
  if (known.length === 0) return null
  return known.reduce((total, cost) => total.plus(cost), new Big(0)).toFixed(8)
}

/** The portfolio as the sizing rules see it: free quote, free base and the mark price. */
export interface Holdings {
  quote: Big
  base: Big
  price: Big
}

/** Limits that bound an order's size, in quote currency or as fractions of equity. */
export interface SizeLimits {
  maxOrderQuote: Big
  maxPositionFraction: Big
  feeRate: Big
  quoteDecimals: number
  baseDecimals: number
}

/** Which bound decided an order's size; the first is the requested size itself. */
export type SizeBound = 'requested' | 'max_order_quote' | 'max_position_fraction' | 'available_balance'

export interface SizedOrder {
  quoteAmount: string
  baseQuantity: string
  /** The bounds that cut the requested size down, in order. */
  boundedBy: SizeBound[]
}

/**
 * Sizes a buy: `fraction` of free quote, cut to the max order, to the room left under the max position fraction
 * of equity and to what the balance can pay including fees. Rounded down to the quote currency's decimals.
 */
export function sizeBuy(holdings: Holdings, fraction: number, limits: SizeLimits): SizedOrder {
  const boundedBy: SizeBound[] = []
  let amount = holdings.quote.times(fraction)
  const positionValue = holdings.base.times(holdings.price)
  const equity = holdings.quote.plus(positionValue)
  const room = equity.times(limits.maxPositionFraction).minus(positionValue)
  const affordable = holdings.quote.div(limits.feeRate.plus(1))
  const caps: [SizeBound, Big][] = [
    ['max_order_quote', limits.maxOrderQuote],
    ['max_position_fraction', room.lt(0) ? new Big(0) : room],
    ['available_balance', affordable],
  ]
  for (const [bound, cap] of caps) {
    if (amount.gt(cap)) {
      amount = cap
      boundedBy.push(bound)
    }
  }
  const quoteAmount = amount.round(limits.quoteDecimals, Big.roundDown)
  return {
    quoteAmount: quoteAmount.toFixed(),
    baseQuantity: formatDown(quoteAmount.div(holdings.price), limits.baseDecimals),
    boundedBy,
  }
}

/** Sizes a sell: `fraction` of the free base, cut so its value stays within the max order. Rounded down. */
export function sizeSell(holdings: Holdings, fraction: number, limits: SizeLimits): SizedOrder {
  const boundedBy: SizeBound[] = []
  let quantity = holdings.base.times(fraction)
  const maxQuantity = limits.maxOrderQuote.div(holdings.price)
  if (quantity.gt(maxQuantity)) {
    quantity = maxQuantity
    boundedBy.push('max_order_quote')
  }
  const baseQuantity = quantity.round(limits.baseDecimals, Big.roundDown)
  return {
    baseQuantity: baseQuantity.toFixed(),
    quoteAmount: formatDown(baseQuantity.times(holdings.price), limits.quoteDecimals),
    boundedBy,
  }
}

/** a < b for decimal strings. */
export function lessThan(a: string, b: string): boolean {
  return new Big(a).lt(b)
}

/** True when `pnl` (negative is a loss) has reached the loss limit (a positive amount). */
export function lossLimitReached(pnl: Big, lossLimit: Big): boolean {
  return pnl.lte(lossLimit.times(-1))
}

/** `amount / available`, rounded down to 6 places, as the effective fraction of a clamped order. */
export function effectiveFraction(amount: string, available: Big): number {
  if (available.lte(0)) return 0
  return Number(new Big(amount).div(available).round(6, Big.roundDown).toFixed())
}
