/**
 * The one place where Upbit amounts change representation.
 *
 * Exchange responses carry decimal strings (`"0.00012345"`); quotation responses carry JSON numbers that
 * JavaScript may print in exponent form (`1e-7`), which Upbit rejects. All arithmetic goes through big.js and
 * every string we produce is plain positional notation.
 */
import Big from 'big.js'
import { UpbitDecimalError } from './errors.js'

/** A decimal number written as a string in positional notation, e.g. `"45000000"` or `"0.0001"`. */
export type DecimalString = string

/** Anything the helpers accept as a decimal: a decimal string, a finite number, a bigint or a `Big`. */
export type DecimalInput = string | number | bigint | Big

const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/

/** Converts a decimal input to `Big`, rejecting NaN, infinities and malformed strings. */
export function toBig(value: DecimalInput): Big {
  if (value instanceof Big) return value
  if (typeof value === 'bigint') return new Big(value.toString())
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new UpbitDecimalError(`${value} is not a finite number`, { value })
    // String(n) is the shortest round-tripping form, so 0.1 stays 0.1 rather than 0.1000000000000000055...
    return new Big(String(value))
  }
  const text = value.trim()
  try {
    if (text === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) throw new Error('malformed')
    return new Big(text)
  } catch (cause) {
    throw new UpbitDecimalError(`"${value}" is not a decimal number`, { value, cause })
  }
}

/** Formats a decimal input in positional notation (never `1e-7`), trimming trailing zeros: `"1.50"` → `"1.5"`. */
export function toDecimalString(value: DecimalInput): DecimalString {
  const fixed = toBig(value).toFixed()
  return fixed === '-0' ? '0' : fixed
}

/** True when `value` is already a plain decimal string as Upbit sends and accepts them. */
export function isDecimalString(value: unknown): value is DecimalString {
  return typeof value === 'string' && PLAIN_DECIMAL.test(value)
}

/** Compares two decimals exactly: -1, 0 or 1. */
export function compareDecimal(a: DecimalInput, b: DecimalInput): -1 | 0 | 1 {
  return toBig(a).cmp(toBig(b)) as -1 | 0 | 1
}

/** Multiplies exactly, e.g. volume × price = funds. */
export function multiplyDecimal(a: DecimalInput, b: DecimalInput): DecimalString {
  return toDecimalString(toBig(a).times(toBig(b)))
}

/** Adds exactly. */
export function addDecimal(a: DecimalInput, b: DecimalInput): DecimalString {
  return toDecimalString(toBig(a).plus(toBig(b)))
}

/** Subtracts exactly: `a − b`. */
export function subtractDecimal(a: DecimalInput, b: DecimalInput): DecimalString {
  return toDecimalString(toBig(a).minus(toBig(b)))
}

/**
 * Divides to `decimals` places, rounding `'down'` (toward zero, the default: never buy more than the funds allow)
 * or `'up'`, e.g. a volume from funds and price: `divideDecimal('10000', '95000000', 8)` → `'0.00010526'`.
 */
export function divideDecimal(a: DecimalInput, b: DecimalInput, decimals = 8, rounding: 'down' | 'up' = 'down'): DecimalString {
  const divisor = toBig(b)
  if (divisor.eq(0)) throw new UpbitDecimalError('division by zero', { value: b })
  // A private Big constructor whose division rounds once, at `decimals` places, in the requested direction.
  const Exact = Big()
  Exact.DP = decimals
  Exact.RM = rounding === 'down' ? 0 : 3
  return toDecimalString(new Exact(toBig(a)).div(new Exact(divisor)))
}
