/**
 * The one place where trade-log money is computed. Entries store decimal strings; statistics add, subtract,
 * multiply and divide them with big.js so that a year of fees sums to the won, not to a float near it.
 */
import Big from 'big.js'
import { TradeLogDecimalError } from './errors.js'

/** A decimal number as a string in positional notation, e.g. `"0.0005"`. */
export type DecimalString = string

/** Pattern every stored money field must match: optional minus, digits, optional fraction. No exponent. */
export const DECIMAL_PATTERN = /^-?\d+(\.\d+)?$/

/** Parses a stored decimal string to `Big`, rejecting floats, exponents and malformed text. */
export function parseDecimal(value: unknown): Big {
  if (typeof value !== 'string' || !DECIMAL_PATTERN.test(value)) {
    throw new TradeLogDecimalError(`${JSON.stringify(value)} is not a decimal string such as "0.0005"`, { value })
  }
  return new Big(value)
}

/** Formats a `Big` in positional notation with trailing zeros trimmed; `-0` becomes `0`. */
export function formatDecimal(value: Big, decimals?: number): DecimalString {
  const text = decimals === undefined ? value.toFixed() : value.round(decimals, Big.roundHalfEven).toFixed()
  return /^-0(\.0+)?$/.test(text) ? '0' : text.includes('.') ? text.replace(/\.?0+$/, '') : text
}

/** Exact sum of decimal strings. */
export function sumDecimals(values: Iterable<DecimalString>): DecimalString {
  let total = new Big(0)
  for (const value of values) total = total.plus(parseDecimal(value))
  return formatDecimal(total)
}

/**
 * Converts a number from legacy logs (the old bot wrote floats) to a decimal string, using the shortest
 * representation that round-trips, so `0.001` stays `"0.001"`.
 */
export function decimalFromLegacyNumber(value: number): DecimalString {
  if (!Number.isFinite(value)) throw new TradeLogDecimalError(`${value} is not a finite number`, { value })
  return formatDecimal(new Big(String(value)))
}

const TEN = 10n
const scaled = (value: Big): [bigint, number] => {
  const text = value.toFixed()
  const point = text.indexOf('.')
  return point === -1 ? [BigInt(text), 0] : [BigInt(text.slice(0, point) + text.slice(point + 1)), text.length - point - 1]
}

/**
 * `value × multiplier / divisor` rounded half-even to `decimals` places, exactly (no intermediate rounding), in
 * positional notation with exactly `decimals` places. It is
 * computed on BigInt mantissas because big.js's long division takes ~20 µs at its 20 default decimals and the
 * average-cost ledger divides on every partial sell.
 */
export function mulDivFixed(value: Big, multiplier: Big, divisor: Big, decimals: number): DecimalString {
  if (divisor.eq(0)) throw new TradeLogDecimalError('division by zero', { value: divisor.toFixed() })
  const [v, vs] = scaled(value)
  const [m, ms] = scaled(multiplier)
  const [d, ds] = scaled(divisor)
  // value × multiplier / divisor × 10^decimals = (v × m × 10^ds) / (d × 10^(vs + ms)) × 10^decimals
  const shift = ds + decimals - vs - ms
  let numerator = v * m * (shift > 0 ? TEN ** BigInt(shift) : 1n)
  let denominator = d * (shift < 0 ? TEN ** BigInt(-shift) : 1n)
  const negative = numerator < 0n !== denominator < 0n
  if (numerator < 0n) numerator = -numerator
  if (denominator < 0n) denominator = -denominator
  let quotient = numerator / denominator
  const twice = (numerator % denominator) * 2n
  if (twice > denominator || (twice === denominator && quotient % 2n === 1n)) quotient += 1n
  const digits = quotient.toString().padStart(decimals + 1, '0')
  const text = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`
  return negative && quotient !== 0n ? `-${text}` : text
}

/** `mulDivFixed` as a `Big`. */
export function mulDiv(value: Big, multiplier: Big, divisor: Big, decimals: number): Big {
  return new Big(mulDivFixed(value, multiplier, divisor, decimals))
}
