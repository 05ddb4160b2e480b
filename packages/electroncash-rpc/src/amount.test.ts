import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bchToSats,
  formatPythonDecimal,
  formatSatoshis,
  parseDaemonAmount,
  pythonDecimalToSats,
  satsToBch,
  toRpcAmount,
} from './amount.js'
import { AmountError } from './errors.js'

describe('bchToSats', () => {
  it.each([
    ['0.29', 29_000_000n],
    ['0.57', 57_000_000n],
    ['1.', 100_000_000n],
    ['+0.29', 29_000_000n],
    ['-0.000015', -1_500n],
    ['.5', 50_000_000n],
    ['0', 0n],
    ['21000000.00000001', 2_100_000_000_000_001n],
  ])('parses the daemon encoding %s', (text, sats) => {
    expect(bchToSats(text)).toBe(sats)
  })

  it.each(['', '.', 'abc', '1e-7', '0.000000019', '1.2.3', '--'])('error: rejects %j with AmountError', (text) => {
    expect(() => bchToSats(text)).toThrow(AmountError)
  })

  it.each([
    ['0.29 (number)', 0.29],
    ['29000000n (bigint)', 29_000_000n],
    ['null', null],
    ['undefined', undefined],
    ['an object', { amount: '0.29' }],
  ])('error: %s, not a string, throws the documented AmountError, not a TypeError', (_label, value) => {
    {
      const error = (() => {
        try {
          bchToSats(value as never)
        } catch (e) {
          return e
        }
      })()
      expect(error).toBeInstanceOf(AmountError)
      expect((error as AmountError).value).toBe(value)
      expect((error as Error).message).toMatch(/^Invalid amount: bchToSats needs a decimal BCH string/)
    }
  })

  it('error: bchToSats(0.29) says why a number cannot be used and what to pass instead', () => {
    expect(() => bchToSats(0.29 as never)).toThrow(
      'Invalid amount: bchToSats needs a decimal BCH string, got the number 0.29; a JS number cannot hold BCH exactly ' +
        '(0.29 is 0.28999999...): pass the decimal string "0.29" or bigint satoshis.',
    )
  })
})

describe('satsToBch', () => {
  it('error: a JS number is refused with AmountError', () => {
    expect(() => satsToBch(29_000_000 as never)).toThrow(AmountError)
  })

  it.each([
    [29_000_000n, '0.29'],
    [100_000_000n, '1'],
    [1n, '0.00000001'],
    [0n, '0'],
    [-1_500n, '-0.000015'],
  ])('formats %s sats as %s', (sats, text) => {
    expect(satsToBch(sats)).toBe(text)
  })

  it('round-trips every satoshi amount through the decimal string', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n }), (sats) => {
        expect(bchToSats(satsToBch(sats))).toBe(sats)
      }),
    )
  })
})

describe('parseDaemonAmount', () => {
  it('reads integer satoshis from fields the daemon reports in satoshis', () => {
    expect(parseDaemonAmount(29_000_000, 'sats')).toBe(29_000_000n)
  })

  it('reads the unknown marker "--" as null', () => {
    expect(parseDaemonAmount('--')).toBeNull()
  })

  it('reads format_satoshis strings with trailing dot and sign', () => {
    expect(parseDaemonAmount('1.')).toBe(100_000_000n)
    expect(parseDaemonAmount('+0.29')).toBe(29_000_000n)
  })

  it('error: refuses a float where a decimal string was expected', () => {
    expect(() => parseDaemonAmount(0.29)).toThrow(/decimal string/)
  })
})

describe('toRpcAmount', () => {
  it('sends 0.29 BCH as the string the daemon converts to exactly 29000000 sats', () => {
    expect(toRpcAmount('0.29')).toBe('0.29')
    expect(toRpcAmount(29_000_000n)).toBe('0.29')
  })

  it('error: a JS float is refused before anything is sent', () => {
    // @ts-expect-error floats are not part of the typed API
    expect(() => toRpcAmount(0.29)).toThrow(/pass bigint satoshis/)
  })

  it('error: negative and sub-satoshi amounts are refused', () => {
    expect(() => toRpcAmount(-1n)).toThrow(/negative/)
    expect(() => toRpcAmount('-1')).toThrow(/negative/)
    expect(() => toRpcAmount('0.000000019')).toThrow(/more than 8 decimal places/)
  })
})

describe('Python Decimal strings (getbalance)', () => {
  it('error: a JS number is refused with AmountError', () => {
    expect(() => pythonDecimalToSats(1e-8 as never)).toThrow(AmountError)
  })

  it.each([
    [1n, '1E-8'],
    [10n, '1E-7'],
    [15n, '1.5E-7'],
    [100n, '0.000001'],
    [1_500n, '0.000015'],
    [29_000_000n, '0.29'],
    [100_000_000n, '1'],
    [0n, '0'],
    [-1n, '-1E-8'],
  ])('formats %s sats as str(Decimal) %s and reads it back', (sats, text) => {
    expect(formatPythonDecimal(sats)).toBe(text)
    expect(pythonDecimalToSats(text)).toBe(sats)
    expect(parseDaemonAmount(text)).toBe(sats)
  })

  it('round-trips every satoshi amount through the Python Decimal form', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }), (sats) => {
        expect(pythonDecimalToSats(formatPythonDecimal(sats))).toBe(sats)
      }),
    )
  })

  it('error: an exponent form below one satoshi is refused', () => {
    expect(() => pythonDecimalToSats('1E-9')).toThrow(/below one satoshi/)
  })
})

describe('formatSatoshis (format_satoshis)', () => {
  it.each([
    [100_000_000n, {}, '1.'],
    [0n, {}, '0.'],
    [29_000_000n, {}, '0.29'],
    [29_000_000n, { signed: true }, '+0.29'],
    [-1_500n, { signed: true }, '-0.000015'],
  ])('formats %s sats %j as %s', (sats, options, text) => {
    expect(formatSatoshis(sats, options)).toBe(text)
    expect(parseDaemonAmount(text)).toBe(sats)
  })
})
