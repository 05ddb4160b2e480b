import Big from 'big.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  addDecimal,
  compareDecimal,
  divideDecimal,
  isDecimalString,
  multiplyDecimal,
  subtractDecimal,
  toDecimalString,
} from './decimal.js'
import { UpbitDecimalError } from './errors.js'

describe('toDecimalString', () => {
  it.each([
    [1e-7, '0.0000001'],
    [45_000_000, '45000000'],
    ['0.00012345', '0.00012345'],
    ['1.50', '1.5'],
    [12345678901234567890n, '12345678901234567890'],
    ['-0', '0'],
    [new Big('1e21'), '1000000000000000000000'],
  ])('writes %s in positional notation as %s', (input, expected) => {
    expect(toDecimalString(input)).toBe(expected)
  })

  it('never produces exponent form for any finite number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        expect(toDecimalString(n)).toMatch(/^-?\d+(\.\d+)?$/)
      }),
    )
  })

  it.each(['', 'abc', '1,000', '0x10', NaN, Number.POSITIVE_INFINITY])('error: rejects %j with UpbitDecimalError', (input) => {
    expect(() => toDecimalString(input)).toThrow(UpbitDecimalError)
  })
})

describe('decimal arithmetic', () => {
  it('multiplies volume by price without float error', () => {
    expect(multiplyDecimal('0.1', '0.2')).toBe('0.02')
    expect(multiplyDecimal('0.00012345', '95000000')).toBe('11727.75')
  })

  it('compares exactly', () => {
    expect(compareDecimal('0.30000000000000001', '0.3')).toBe(1)
    expect(compareDecimal('5000', 5000)).toBe(0)
  })

  it('recognises plain decimal strings only', () => {
    expect(isDecimalString('0.5')).toBe(true)
    expect(isDecimalString('1e-7')).toBe(false)
    expect(isDecimalString(0.5)).toBe(false)
  })
})

describe('add, subtract, divide', () => {
  it('adds and subtracts balance strings exactly', () => {
    expect(addDecimal('0.1', '0.2')).toBe('0.3')
    expect(subtractDecimal('1000000', '0.00000001')).toBe('999999.99999999')
  })

  it('divides to a number of places, down by default and up on request', () => {
    expect(divideDecimal('10000', '95000000', 8)).toBe('0.00010526')
    expect(divideDecimal('10000', '95000000', 8, 'up')).toBe('0.00010527')
    expect(divideDecimal('1', '3', 0)).toBe('0')
    // rounds once at the requested place, even where 20-place intermediate rounding would carry over
    expect(divideDecimal('0.99999999999999999999999', '1', 8)).toBe('0.99999999')
  })

  it('error: division by zero is refused', () => {
    expect(() => divideDecimal('1', '0')).toThrow(UpbitDecimalError)
  })
})
