import Big from 'big.js'
import { describe, expect, it } from 'vitest'
import { decimalFromLegacyNumber, formatDecimal, parseDecimal, sumDecimals } from './decimal.js'
import { isTradeLogError, TradeLogDecimalError } from './errors.js'

describe('decimal', () => {
  it('sums fees exactly where floats drift', () => {
    const fees = Array.from({ length: 10 }, () => '0.1')
    expect(sumDecimals(fees)).toBe('1')
    expect(0.1 * 10 === 1 && [0.1, 0.1, 0.1].reduce((a, b) => a + b) === 0.3).toBe(false)
  })

  it('formats without exponent and without trailing zeros', () => {
    expect(formatDecimal(new Big('1e-7'))).toBe('0.0000001')
    expect(formatDecimal(new Big('2.500'))).toBe('2.5')
    expect(formatDecimal(new Big('-0'))).toBe('0')
    expect(formatDecimal(new Big('1.23456'), 2)).toBe('1.23')
    expect(formatDecimal(new Big('100'))).toBe('100')
  })

  it('converts legacy float amounts by their shortest form', () => {
    expect(decimalFromLegacyNumber(0.001)).toBe('0.001')
    expect(decimalFromLegacyNumber(45000000)).toBe('45000000')
  })

  it.each([0.5, '1e-7', '', 'abc', null, '1.'])('error: parseDecimal rejects %j with a typed error', (value) => {
    expect(() => parseDecimal(value)).toThrow(TradeLogDecimalError)
    try {
      parseDecimal(value)
    } catch (error) {
      expect(isTradeLogError(error)).toBe(true)
      expect((error as TradeLogDecimalError).code).toBe('decimal')
    }
  })
})
