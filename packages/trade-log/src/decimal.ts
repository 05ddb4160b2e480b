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
