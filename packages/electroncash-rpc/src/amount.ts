/**
 * The one place where Electron Cash amounts change representation.
 *
 * The daemon reads BCH amounts with `int(1e8 * Decimal(x))`, so a JSON float such as 0.29 arrives as
 * 28999999 satoshis. Everything we send is therefore a decimal string built from bigint satoshis, and
 * everything we read (decimal BCH, `format_satoshis` strings such as `"1."`, `"+0.29"`, `"--"`, and
 * integer satoshis) is parsed back to bigint satoshis.
 */
import { AmountError } from './errors.js'

/** Satoshis in one BCH. */
export const SATS_PER_BCH = 100_000_000n

/** A BCH amount as a decimal string, e.g. `"0.29"`. Never a JS number. */
export type BchString = `${number}` | `${number}.`

/** An amount the typed API accepts: bigint satoshis, or a decimal BCH string with at most 8 decimals. */
export type Amount = bigint | BchString

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/

/** Refuses anything but a string before it is parsed: a JS number has already lost the satoshis it stood for. */
function requireText(value: unknown, fn: string): string {
  if (typeof value === 'string') return value
  const hint =
    typeof value === 'number'
      ? `; a JS number cannot hold BCH exactly (0.29 is 0.28999999...): pass the decimal string "${String(value)}" or bigint satoshis`
      : ''
  throw new AmountError(`${fn} needs a decimal BCH string, got ${describe(value)}${hint}`, { value })
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `the bigint ${value}n`
  if (typeof value === 'number') return `the number ${String(value)}`
  if (value === null) return 'null'
  return `a ${typeof value}`
}

/** A decimal string as an integer scaled by 10^decimals, or why it is not one (the callers word the error). */
function parseScaled(text: string, decimals: number): bigint | 'syntax' | 'precision' {
  const match = DECIMAL.exec(text.trim())
  const [, sign, whole = '', fraction = ''] = match ?? []
  if (!match || (whole === '' && fraction === '')) return 'syntax'
  if (fraction.length > decimals) return 'precision'
  const scaled = BigInt(whole || '0') * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0')
  return sign === '-' ? -scaled : scaled
}

/**
 * Parses a decimal BCH string (`"0.29"`, `"1."`, `"+0.29"`, `"-0.000015"`, `".5"`) to satoshis.
 * Throws `AmountError` on anything else, including more than 8 decimal places and JS numbers.
 */
export function bchToSats(text: string): bigint {
  requireText(text, 'bchToSats')
  const sats = parseScaled(text, 8)
  if (sats === 'syntax') throw new AmountError(`"${text}" is not a decimal BCH amount`, { value: text })
  if (sats === 'precision') {
    throw new AmountError(`"${text}" has more than 8 decimal places (below one satoshi)`, { value: text })
  }
  return sats
}

/** Every satoshi that can ever exist: 21,000,000 BCH. */
export const MAX_SATS = 21_000_000n * SATS_PER_BCH

/** The smallest output BCH nodes relay (546 satoshis for a P2PKH output): an invoice for less cannot be paid. */
export const DUST_SATS = 546n

/**
 * Checks that an invoice amount can exist and be paid: bigint satoshis or a decimal BCH string (never a JS number),
 * at most 8 decimals, at least `DUST_SATS` and at most 21,000,000 BCH. Returns satoshis; throws `AmountError`
 * saying which bound was crossed. Run before anything reaches the daemon.
 */
export function invoiceAmountSats(amount: Amount): bigint {
  const sats = typeof amount === 'bigint' ? amount : bchToSats(requireText(amount, 'invoiceAmountSats'))
  if (sats < DUST_SATS) {
    throw new AmountError(
      `${satsToBch(sats)} BCH is below the dust limit of ${satsToBch(DUST_SATS)} BCH (${DUST_SATS} satoshis): such a payment cannot be relayed`,
      { value: amount },
    )
  }
  if (sats > MAX_SATS) {
    throw new AmountError(`${satsToBch(sats)} BCH is more than the 21,000,000 BCH that can ever exist`, { value: amount })
  }
  return sats
}

/** Fiat currencies invoices can be priced in, with their minor-unit decimals (KRW has none, USD has cents). */
export const FIAT_DECIMALS = { KRW: 0, USD: 2 } as const
export type FiatCurrency = keyof typeof FIAT_DECIMALS

/** Decimals allowed in a rate (fiat per 1 BCH); providers' quotes have fewer. */
const RATE_DECIMALS = 8

export function isFiatCurrency(value: unknown): value is FiatCurrency {
  return typeof value === 'string' && Object.hasOwn(FIAT_DECIMALS, value)
}

function fiatScaled(amount: string, currency: FiatCurrency, fn: string): bigint {
  const decimals = FIAT_DECIMALS[currency]
  const scaled = parseScaled(requireText(amount, fn), decimals)
  if (scaled === 'syntax') throw new AmountError(`"${amount}" is not a decimal ${currency} amount`, { value: amount })
  if (scaled === 'precision') {
    throw new AmountError(`"${amount}" has more than ${decimals} decimal places, below one ${currency} minor unit`, {
      value: amount,
    })
  }
  if (scaled <= 0n) throw new AmountError(`${currency} amount "${amount}" must be positive`, { value: amount })
  return scaled
}

/** Parses a rate (fiat per 1 BCH, a positive decimal string) scaled by 10^8; throws `AmountError`. */
function rateScaled(rate: string, currency: FiatCurrency, fn: string): bigint {
  const scaled = parseScaled(requireText(rate, fn), RATE_DECIMALS)
  if (scaled === 'syntax' || scaled === 'precision' || scaled <= 0n) {
    throw new AmountError(`rate "${rate}" is not a positive ${currency} price of 1 BCH with at most 8 decimals`, {
      value: rate,
    })
  }
  return scaled
}

/**
 * Satoshis for a fiat price at `rate` (fiat per 1 BCH, decimal string), rounded up to the next satoshi so the
 * merchant is never paid less than the price: `fiatToSats('10000', 'KRW', '650000')` → 1538462n.
 */
export function fiatToSats(amount: string, currency: FiatCurrency, rate: string): bigint {
  const fiat = fiatScaled(amount, currency, 'fiatToSats')
  const price = rateScaled(rate, currency, 'fiatToSats')
  // sats = fiat / 10^d * 10^8 / (price / 10^8)
  const numerator = fiat * SATS_PER_BCH * 10n ** BigInt(RATE_DECIMALS)
  const denominator = price * 10n ** BigInt(FIAT_DECIMALS[currency])
  return (numerator + denominator - 1n) / denominator
}

/** The fiat value of `sats` at `rate`, as a decimal string rounded half up to the currency's minor unit. */
export function satsToFiat(sats: bigint, currency: FiatCurrency, rate: string): string {
  if (typeof sats !== 'bigint') throw new AmountError(`satsToFiat needs bigint satoshis, got ${describe(sats)}`, { value: sats })
  const price = rateScaled(rate, currency, 'satsToFiat')
  const decimals = FIAT_DECIMALS[currency]
  const numerator = sats * price * 10n ** BigInt(decimals)
  const denominator = SATS_PER_BCH * 10n ** BigInt(RATE_DECIMALS)
  const minor = (numerator * 2n + denominator) / (denominator * 2n)
  const text = minor.toString().padStart(decimals + 1, '0')
  return decimals === 0 ? text : `${text.slice(0, -decimals)}.${text.slice(-decimals)}`
}

/** Normalises a rate given as a decimal string (or a finite JS number quoted by an exchange API) to a decimal string. */
export function rateToDecimal(rate: string | number, currency: FiatCurrency): string {
  // An exchange quotes on its tick grid; the shortest round-trip text of the parsed JSON number is that quote.
  const text = typeof rate === 'number' && Number.isFinite(rate) ? String(rate) : rate
  if (typeof text !== 'string' || /e/i.test(text)) {
    throw new AmountError(`rate ${String(rate)} is not a positive ${currency} price of 1 BCH`, { value: rate })
  }
  // Scaled by 10^8 like satoshis, so satsToBch prints its shortest decimal form.
  return satsToBch(rateScaled(text, currency, 'rateToDecimal'))
}

/** Formats satoshis as the shortest decimal BCH string: `29000000n` → `"0.29"`, `100000000n` → `"1"`. */
export function satsToBch(sats: bigint): string {
  if (typeof sats !== 'bigint') throw new AmountError(`satsToBch needs bigint satoshis, got ${describe(sats)}`, { value: sats })
  const negative = sats < 0n
  const abs = negative ? -sats : sats
  const whole = abs / SATS_PER_BCH
  const fraction = (abs % SATS_PER_BCH).toString().padStart(8, '0').replace(/0+$/, '')
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
}

const PYTHON_EXPONENT = /^([+-])?(\d+)(?:\.(\d+))?[eE]([+-]?\d+)$/

/**
 * Parses Python's `str(Decimal)` exponent form, which `getbalance` uses below 0.000001 BCH
 * (`str(Decimal(1) / 100000000)` is `"1E-8"`). Throws `AmountError` below one satoshi.
 */
export function pythonDecimalToSats(text: string): bigint {
  requireText(text, 'pythonDecimalToSats')
  const match = PYTHON_EXPONENT.exec(text.trim())
  if (!match) return bchToSats(text)
  const [, sign, whole = '', fraction = '', exponentText = '0'] = match
  const digits = BigInt(whole + fraction)
  const exponent = Number(exponentText) - fraction.length + 8
  if (exponent < 0) {
    const divisor = 10n ** BigInt(-exponent)
    if (digits % divisor !== 0n) throw new AmountError(`"${text}" is below one satoshi`, { value: text })
    const sats = digits / divisor
    return sign === '-' ? -sats : sats
  }
  const sats = digits * 10n ** BigInt(exponent)
  return sign === '-' ? -sats : sats
}

/**
 * Reads any amount the daemon returns: integer satoshis (`requests.amount`, `getaddressunspent.value`),
 * decimal BCH strings and `format_satoshis` strings. Returns `null` for the daemon's "unknown" marker `"--"`.
 */
export function parseDaemonAmount(value: unknown, unit: 'bch' | 'sats' = 'bch'): bigint | null {
  if (value === '--') return null
  if (typeof value === 'bigint') return value
  if (typeof value === 'number') {
    if (unit === 'sats' && Number.isSafeInteger(value)) return BigInt(value)
    // A float from the daemon is a BCH value only in fields documented as integers; refuse to guess.
    throw new AmountError(
      `daemon returned the number ${value} where ${unit === 'sats' ? 'integer satoshis' : 'a decimal string'} was expected`,
      { value },
    )
  }
  if (typeof value === 'string') {
    if (unit === 'sats') {
      if (!/^[+-]?\d+$/.test(value.trim())) throw new AmountError(`"${value}" is not an integer satoshi amount`, { value })
      return BigInt(value.trim())
    }
    return pythonDecimalToSats(value)
  }
  throw new AmountError(`daemon returned ${JSON.stringify(value)} where an amount was expected`, { value })
}

/**
 * Formats satoshis the way the daemon's `format_satoshis` does in `listaddresses`, `history` and `"amount (BCH)"`:
 * trailing zeros dropped but the dot kept (`100000000n` → `"1."`, `0n` → `"0."`), optionally with a `+` sign.
 */
export function formatSatoshis(sats: bigint, options: { signed?: boolean } = {}): string {
  const text = satsToBch(sats)
  const withDot = text.includes('.') ? text : `${text}.`
  return options.signed && sats >= 0n ? `+${withDot}` : withDot
}

/**
 * Formats satoshis as Python's `str(Decimal(sats) / COIN)`, the encoding of `getbalance`:
 * `"0.29"`, `"1"`, `"0"`, but `"1E-8"` and `"1.5E-7"` below 0.000001 BCH.
 */
export function formatPythonDecimal(sats: bigint): string {
  const negative = sats < 0n
  let coefficient = negative ? -sats : sats
  let exponent = -8
  while (exponent < 0 && coefficient !== 0n && coefficient % 10n === 0n) {
    coefficient /= 10n
    exponent++
  }
  if (coefficient === 0n) exponent = 0
  const digits = coefficient.toString()
  const adjusted = exponent + digits.length - 1
  let text: string
  if (adjusted >= -6) {
    text = satsToBch(coefficient * 10n ** BigInt(8 + exponent))
  } else {
    text = `${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}E${adjusted}`
  }
  return negative ? `-${text}` : text
}

/**
 * Converts an amount from the typed API into the decimal string sent to the daemon.
 * Rejects JS numbers (floats lose satoshis), negative amounts and sub-satoshi precision before anything is sent.
 */
export function toRpcAmount(amount: Amount): string {
  let sats: bigint
  if (typeof amount === 'bigint') sats = amount
  else if (typeof amount === 'string') sats = bchToSats(amount)
  else {
    throw new AmountError(
      `amount ${String(amount)} is a ${typeof amount}; pass bigint satoshis or a decimal BCH string such as "0.29"`,
      { value: amount },
    )
  }
  if (sats < 0n) throw new AmountError(`amount ${satsToBch(sats)} BCH is negative`, { value: amount })
  return satsToBch(sats)
}
