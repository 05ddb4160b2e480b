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

/**
 * The sizing guards, by name. Only the risk property's mutation check switches any off (see `risk.ts`); every real
 * call runs them all.
 */
export type SizeGuard = 'max_order_quote' | 'max_position_fraction' | 'fee_reserve' | 'fee_rounding' | 'round_down'

const ALL_ON: ReadonlySet<string> = new Set<SizeGuard>()

export interface SizedOrder {
  quoteAmount: string
  baseQuantity: string
  /** The bounds that cut the requested size down, in order. */
  boundedBy: SizeBound[]
}

/** `value` rounded to `decimals` places: down, so an amount never grows (up only when a mutation check asks). */
function roundAmount(value: Big, decimals: number, off: ReadonlySet<string>): Big {
  return value.round(decimals, off.has('round_down') ? Big.roundHalfUp : Big.roundDown)
}

/**
 * The largest amount, at `decimals` places, that the balance pays together with its fee, even when the exchange
 * rounds the fee up to the quote currency's decimals. Rounding `balance / (1 + fee)` down leaves the exact fee
 * covered; a fee rounded up adds less than one unit, so taking one unit off is always enough.
 */
function affordableAmount(balance: Big, feeRate: Big, decimals: number, off: ReadonlySet<string>): Big {
  if (off.has('fee_reserve')) return balance
  const amount = roundAmount(balance.div(feeRate.plus(1)), decimals, off)
  if (off.has('fee_rounding')) return amount
  const fee = amount.times(feeRate).round(decimals, Big.roundUp)
  return amount.plus(fee).gt(balance) ? amount.minus(new Big(10).pow(-decimals)) : amount
}

/**
 * Sizes a buy: `fraction` of free quote, cut to the max order, to the room left under the max position fraction
 * of equity and to what the balance can pay including fees. Rounded down to the quote currency's decimals.
 */
export function sizeBuy(holdings: Holdings, fraction: number, limits: SizeLimits, off = ALL_ON): SizedOrder {
  const boundedBy: SizeBound[] = []
  let amount = holdings.quote.times(fraction)
  const positionValue = holdings.base.times(holdings.price)
  const equity = holdings.quote.plus(positionValue)
  const room = equity.times(limits.maxPositionFraction).minus(positionValue)
  const caps: [SizeBound, Big | undefined][] = [
    ['max_order_quote', off.has('max_order_quote') ? undefined : limits.maxOrderQuote],
    ['max_position_fraction', off.has('max_position_fraction') ? undefined : room.lt(0) ? new Big(0) : room],
  ]
  for (const [bound, cap] of caps) {
    if (cap !== undefined && amount.gt(cap)) {
      amount = cap
      boundedBy.push(bound)
    }
  }
  let quoteAmount = roundAmount(amount, limits.quoteDecimals, off)
  // The balance bound is applied after rounding, because it already is a rounded amount that covers the fee.
  const affordable = affordableAmount(holdings.quote, limits.feeRate, limits.quoteDecimals, off)
  if (quoteAmount.gt(affordable)) {
    quoteAmount = affordable
    boundedBy.push('available_balance')
  }
  return {
    quoteAmount: quoteAmount.toFixed(),
    baseQuantity: formatDown(quoteAmount.div(holdings.price), limits.baseDecimals),
    boundedBy,
  }
}

/** Sizes a sell: `fraction` of the free base, cut so its value stays within the max order. Rounded down. */
export function sizeSell(holdings: Holdings, fraction: number, limits: SizeLimits, off = ALL_ON): SizedOrder {
  const boundedBy: SizeBound[] = []
  let quantity = holdings.base.times(fraction)
  const maxQuantity = limits.maxOrderQuote.div(holdings.price)
  if (!off.has('max_order_quote') && quantity.gt(maxQuantity)) {
    quantity = maxQuantity
    boundedBy.push('max_order_quote')
  }
  const baseQuantity = roundAmount(quantity, limits.baseDecimals, off)
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
