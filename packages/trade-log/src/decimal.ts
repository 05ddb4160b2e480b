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

// Fixed-point amounts for the statistics: a decimal string held as a BigInt count of 10^-scale units. Adding and
// comparing them is exact and about 50× cheaper than big.js; the ledger keeps one scale for all its amounts.

const POWERS: bigint[] = [1n]
/** 10^n as a BigInt (cached). */
export function pow10(n: number): bigint {
  for (let i = POWERS.length; i <= n; i++) POWERS.push(POWERS[i - 1]! * 10n)
  return POWERS[n]!
}

/** Decimal places of a stored decimal string, after checking it is one (`TradeLogDecimalError` otherwise). */
export function decimalPlaces(value: unknown): number {
  const places = typeof value === 'string' ? placesOf(value) : -1
  // parseDecimal throws the error that says what is wrong (the loop only says that something is).
  if (places < 0) parseDecimal(value)
  return places
}

/**
 * `DECIMAL_PATTERN`'s answer as a loop: the decimal places, or -1 when `value` is not `-?digits(.digits)?`. A
 * fill's four amounts are checked on every fold, and the loop costs a fraction of a regular expression call.
 */
function placesOf(value: string): number {
  const length = value.length
  let i = value.charCodeAt(0) === 45 ? 1 : 0
  const start = i
  let point = -1
  for (; i < length; i++) {
    const code = value.charCodeAt(i)
    if (code >= 48 && code <= 57) continue
    if (code !== 46 || point >= 0 || i === start) return -1
    point = i
  }
  if (i === start || point === length - 1) return -1
  return point < 0 ? 0 : length - point - 1
}

const ZEROS: string[] = ['']
const zeros = (n: number) => {
  for (let i = ZEROS.length; i <= n; i++) ZEROS.push(`${ZEROS[i - 1]}0`)
  return ZEROS[n]!
}

/** A checked decimal string as units of 10^-scale; `scale` must be at least its decimal places. */
export function toUnits(value: DecimalString, scale: number): bigint {
  // Up to 15 characters the digits are below 10^15, exact as a number: one BigInt from it, times a cached power
  // of ten, costs half of building the padded digit string and parsing it (this runs three times per fill).
  const length = value.length
  if (length <= 15) {
    const negative = value.charCodeAt(0) === 45
    let digits = 0
    let places = 0
    for (let i = negative ? 1 : 0; i < length; i++) {
      const code = value.charCodeAt(i)
      if (code === 46) places = length - i - 1
      else digits = digits * 10 + code - 48
    }
    const units = scale === places ? BigInt(digits) : BigInt(digits) * pow10(scale - places)
    return negative ? -units : units
  }
  // Padding the digits and parsing once allocates one BigInt instead of two.
  const point = value.indexOf('.')
  if (point === -1) return BigInt(value + zeros(scale))
  return BigInt(value.slice(0, point) + value.slice(point + 1) + zeros(scale - (value.length - point - 1)))
}

/** `numerator / denominator` rounded to an integer, half-even or half-up (away from zero, big.js's default). */
export function divRound(numerator: bigint, denominator: bigint, mode: 'half-even' | 'half-up' = 'half-even'): bigint {
  if (denominator === 0n) throw new TradeLogDecimalError('division by zero', { value: '0' })
  const negative = numerator < 0n !== denominator < 0n
  const n = numerator < 0n ? -numerator : numerator
  const d = denominator < 0n ? -denominator : denominator
  let quotient = n / d
  const twice = (n % d) * 2n
  if (twice > d || (twice === d && (mode === 'half-up' || quotient % 2n === 1n))) quotient += 1n
  return negative ? -quotient : quotient
}

/** Units of 10^-scale as a decimal string like `formatDecimal`: rounded half-even to `decimals` when given, trimmed. */
export function formatUnits(units: bigint, scale: number, decimals?: number): DecimalString {
  let value = units
  let places = scale
  if (decimals !== undefined && decimals < scale) {
    value = divRound(units, pow10(scale - decimals))
    places = decimals
  }
  const negative = value < 0n
  let digits = (negative ? -value : value).toString()
  if (places > 0) {
    digits = digits.padStart(places + 1, '0')
    const fraction = digits.slice(-places).replace(/0+$/, '')
    digits = fraction === '' ? digits.slice(0, -places) : `${digits.slice(0, -places)}.${fraction}`
  }
  return negative && digits !== '0' ? `-${digits}` : digits
}

/** Units of 10^-scale as a `Big` (exact). */
export function unitsToBig(units: bigint, scale: number): Big {
  return new Big(formatUnits(units, scale))
}
