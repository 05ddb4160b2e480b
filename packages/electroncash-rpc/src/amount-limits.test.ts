import { describe, expect, it } from 'vitest'
import { DUST_SATS, fiatToSats, invoiceAmountSats, MAX_SATS, rateToDecimal, satsToFiat } from './amount.js'
import { AmountError } from './errors.js'

describe('invoice amounts', () => {
  it('accepts what can exist: dust up to 21,000,000 BCH, as a BCH string or bigint satoshis', () => {
    expect(invoiceAmountSats('0.00000546')).toBe(DUST_SATS)
    expect(invoiceAmountSats('21000000')).toBe(MAX_SATS)
    expect(invoiceAmountSats(150_000n)).toBe(150_000n)
  })

  it.each([
    ['99999999.99999999', /more than the 21,000,000 BCH/],
    ['21000000.00000001', /more than the 21,000,000 BCH/],
    [MAX_SATS + 1n, /more than the 21,000,000 BCH/],
    ['0.00000545', /below the dust limit of 0.00000546 BCH/],
    ['0', /below the dust limit/],
    ['-1', /below the dust limit/],
    ['0.000000001', /more than 8 decimal places/],
    ['1e3', /not a decimal BCH amount/],
  ])('error: %s is refused with AmountError', (amount, message) => {
    expect(() => invoiceAmountSats(amount as never)).toThrow(AmountError)
    expect(() => invoiceAmountSats(amount as never)).toThrow(message)
  })

  it('error: a JS number is refused before it can lose satoshis', () => {
    expect(() => invoiceAmountSats(0.29 as never)).toThrow(/JS number cannot hold BCH exactly/)
  })
})

describe('fiat prices', () => {
  it('converts KRW and USD at a locked rate, rounding up to the next satoshi', () => {
    expect(fiatToSats('10000', 'KRW', '650000')).toBe(1_538_462n) // 1,538,461.53… sats
    expect(fiatToSats('650000', 'KRW', '650000')).toBe(100_000_000n)
    expect(fiatToSats('12.34', 'USD', '480.5')).toBe(2_568_159n) // 2,568,158.168… sats
    expect(fiatToSats('0.01', 'USD', '21000000')).toBe(1n)
  })

  it('prints the fiat value of satoshis, half up to the minor unit', () => {
    expect(satsToFiat(1_538_462n, 'KRW', '650000')).toBe('10000')
    expect(satsToFiat(2_568_159n, 'USD', '480.5')).toBe('12.34')
    expect(satsToFiat(1n, 'USD', '480.5')).toBe('0.00')
  })

  it.each([
    ['10000.5', 'KRW', '650000', /more than 0 decimal places/],
    ['12.345', 'USD', '480', /more than 2 decimal places/],
    ['0', 'KRW', '650000', /must be positive/],
    ['ten', 'USD', '480', /not a decimal USD amount/],
    ['100', 'USD', '0', /not a positive USD price/],
    ['100', 'USD', '-480', /not a positive USD price/],
  ] as const)('error: %s %s at %s is refused', (amount, currency, rate, message) => {
    expect(() => fiatToSats(amount, currency, rate)).toThrow(AmountError)
    expect(() => fiatToSats(amount, currency, rate)).toThrow(message)
  })

  it('normalises a quoted rate; refuses exponents, non-finite and non-positive quotes', () => {
    expect(rateToDecimal(651500, 'KRW')).toBe('651500')
    expect(rateToDecimal('480.50', 'USD')).toBe('480.5')
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1e21, 0, -5, '1e5']) {
      expect(() => rateToDecimal(bad, 'KRW')).toThrow(AmountError)
    }
  })
})
