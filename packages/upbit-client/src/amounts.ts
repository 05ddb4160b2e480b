/**
 * The one gate every amount parameter passes before it can reach the wire (orders, cancel-and-new, withdrawals,
 * deposits, pocket transfers, orderbook level). An amount is accepted as:
 * - a plain decimal string (`"0.001"`, `"50000"`): digits, an optional fraction, nothing else (no exponent, sign,
 *   spaces or separators);
 * - a JS number only when it is exactly such a decimal: finite, and its shortest decimal form has at most 15
 *   significant digits (so it is the decimal that was written, not a float artefact like `0.30000000000000004`);
 * - a bigint, or a big.js `Big`;
 * and in every case with no more decimals than the field allows (the market's or currency's precision). Anything
 * else throws `UpbitDecimalError` naming the method and the field, before a request is built.
 */
import Big from 'big.js'
import type { DecimalInput, DecimalString } from './decimal.js'
import { UpbitDecimalError } from './errors.js'

const PLAIN = /^\d+(\.\d+)?$/

/** Decimals a currency's amounts may have when moved as a whole (KRW has no subunit on Upbit). */
export function currencyDecimals(currency: string): number {
  return currency.toUpperCase() === 'KRW' ? 0 : 8
}

/** Volumes: 8 decimals on every market. */
export const VOLUME_DECIMALS = 8
/** Limit prices: at most 8 decimals; the tick check then holds the price to the market's grid. */
export const PRICE_DECIMALS = 8

export interface AmountRule {
  /** Most decimals allowed. */
  decimals: number
  /** Zero allowed (default false: amounts must be positive). */
  allowZero?: boolean
}

/**
 * Checks one amount and returns it as the plain decimal string that will be sent and hashed (trailing zeros of
 * the fraction removed). `method` and `field` name the caller's parameter in the error.
 */
export function exactAmount(method: string, field: string, value: DecimalInput, rule: AmountRule): DecimalString {
  const fail = (why: string): never => {
    throw new UpbitDecimalError(`${method}: ${field} ${describe(value)} ${why}`, { value, method, field })
  }
  let text: string
  if (typeof value === 'string') {
    if (!PLAIN.test(value)) fail('is not a plain decimal string (digits and an optional fraction: "0.001")')
    text = value
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail('is not a finite number')
    if (value < 0) fail('is negative')
    text = new Big(value).toFixed()
    const digits = text.replace('.', '').replace(/^0+/, '').length
    if (digits > 15 || Math.abs(value) > Number.MAX_SAFE_INTEGER) {
      fail('is a float whose decimal is not exact; pass a decimal string')
    }
  } else if (typeof value === 'bigint') {
    if (value < 0n) fail('is negative')
    text = value.toString()
  } else if (value instanceof Big) {
    text = value.toFixed()
    if (!PLAIN.test(text)) fail('is negative')
  } else {
    return fail(`has type ${typeof value}; pass a decimal string`)
  }
  const normalised = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text
  const decimals = normalised.includes('.') ? normalised.length - normalised.indexOf('.') - 1 : 0
  if (decimals > rule.decimals) fail(`has ${decimals} decimals; at most ${rule.decimals} are allowed here`)
  if (!rule.allowZero && /^0(\.0*)?$/.test(normalised)) fail('must be greater than zero')
  return normalised.replace(/^0+(?=\d)/, '')
}

const describe = (value: unknown): string =>
  typeof value === 'string' ? JSON.stringify(value) : typeof value === 'bigint' ? `${value}n` : String(value)
