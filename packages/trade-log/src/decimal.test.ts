import Big from 'big.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  DECIMAL_PATTERN,
  decimalFromLegacyNumber,
  decimalPlaces,
  divRound,
  formatDecimal,
  formatUnits,
  mulDiv,
  mulDivFixed,
  parseDecimal,
  sumDecimals,
  toUnits,
} from './decimal.js'
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

describe('mulDiv', () => {
  // Reference: big.js with 60 decimals (exact for these inputs) rounded half-even once.
  const Exact = Big()
  Exact.DP = 60
  const reference = (v: string, m: string, d: string, dp: number) =>
    formatDecimal(new Exact(v).times(m).div(d).round(dp, Big.roundHalfEven))

  it('equals the exact quotient rounded half-even, for random signed decimals', () => {
    let seed = 42
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed / 2_147_483_648
    }
    const decimal = () => {
      const text = (next() * 10 ** Math.floor(next() * 12)).toFixed(Math.floor(next() * 10))
      return next() < 0.2 ? `-${text}` : text
    }
    for (let i = 0; i < 2000; i++) {
      const [v, m, d] = [decimal(), decimal(), decimal()]
      if (new Big(d).eq(0)) continue
      const dp = Math.floor(next() * 10)
      expect(formatDecimal(mulDiv(new Big(v), new Big(m), new Big(d), dp)), `${v} × ${m} / ${d} at ${dp}`).toBe(
        reference(v, m, d, dp),
      )
    }
  })

  it('rounds exact halves to even', () => {
    expect(mulDiv(new Big('1'), new Big('1'), new Big('8'), 2).toFixed()).toBe('0.12') // 0.125
    expect(mulDiv(new Big('3'), new Big('1'), new Big('8'), 2).toFixed()).toBe('0.38') // 0.375
    expect(mulDiv(new Big('-5'), new Big('1'), new Big('2'), 0).toFixed()).toBe('-2') // −2.5
    expect(mulDivFixed(new Big('1'), new Big('1'), new Big('8'), 4)).toBe('0.1250')
    expect(mulDivFixed(new Big('-1'), new Big('1'), new Big('3'), 0)).toBe('0')
  })

  it('refuses to divide by zero with a typed error', () => {
    expect(() => mulDiv(new Big(1), new Big(1), new Big(0), 8)).toThrow(TradeLogDecimalError)
  })
})

describe('fixed-point units', () => {
  const signedDecimal = fc
    .tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 14 }))
    .map(([units, places]) => formatDecimal(new Big(units.toString()).div(new Big(10).pow(places))))

  it('round-trips decimal strings and formats exactly like formatDecimal (half-even at any decimals)', () => {
    fc.assert(
      fc.property(signedDecimal, fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 16 }), (text, extra, dp) => {
        const scale = decimalPlaces(text) + extra
        const units = toUnits(text, scale)
        // Short and long texts (up to 15 characters toUnits counts on a number) give the exact units.
        expect(units).toBe(BigInt(new Big(text).times(new Big(10).pow(scale)).toFixed(0)))
        expect(formatUnits(units, scale)).toBe(formatDecimal(new Big(text)))
        expect(formatUnits(units, scale, dp)).toBe(formatDecimal(new Big(text), dp))
      }),
      { numRuns: 500 },
    )
  })

  it('decimalPlaces accepts exactly what DECIMAL_PATTERN accepts, and counts the places after the point', () => {
    const text = fc.string({ unit: fc.constantFrom('0', '7', '9', '.', '-', '+', 'e', ' ', '/', ':'), maxLength: 7 })
    fc.assert(
      fc.property(text, (value) => {
        if (!DECIMAL_PATTERN.test(value)) {
          expect(() => decimalPlaces(value)).toThrow(TradeLogDecimalError)
          return
        }
        expect(decimalPlaces(value)).toBe(value.includes('.') ? value.length - value.indexOf('.') - 1 : 0)
      }),
      { numRuns: 3_000 },
    )
    for (const bad of ['', '-', '.', '-.5', '5.', '1..2', '--1', '1-2']) expect(() => decimalPlaces(bad)).toThrow()
    expect(['0', '-0.50', '12.0001'].map(decimalPlaces)).toEqual([0, 2, 4])
  })

  it('toUnits is exact at the 15-character edge and beyond (past 2^53), signed or not', () => {
    expect(toUnits('999999999999999', 0)).toBe(999_999_999_999_999n)
    expect(toUnits('-99999999999999', 2)).toBe(-9_999_999_999_999_900n)
    expect(toUnits('9007199254740993', 1)).toBe(90_071_992_547_409_930n)
    expect(toUnits('99999999999999.999', 3)).toBe(99_999_999_999_999_999n)
    expect(toUnits('0.001', 8)).toBe(100_000n)
    expect(toUnits('-0.5', 1)).toBe(-5n)
  })

  it('divides rounding half-even, or half-up away from zero like big.js', () => {
    expect([divRound(5n, 2n), divRound(7n, 2n), divRound(-5n, 2n), divRound(5n, -2n)]).toEqual([2n, 4n, -2n, -2n])
    expect([divRound(5n, 2n, 'half-up'), divRound(-5n, 2n, 'half-up'), divRound(4n, 3n, 'half-up')]).toEqual([3n, -3n, 1n])
    expect(() => divRound(1n, 0n)).toThrow(TradeLogDecimalError)
  })

  it('refuses amounts that are not decimal strings', () => {
    for (const bad of ['1e-8', '.5', '1.', ' 1', 1]) expect(() => decimalPlaces(bad)).toThrow(TradeLogDecimalError)
  })
})
