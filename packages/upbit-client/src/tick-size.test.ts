import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareDecimal } from './decimal.js'
import { UpbitRequestError } from './errors.js'
import { isOnTick, minOrderTotalFor, roundToTick, tickSizeFor } from './tick-size.js'

describe('KRW tick table in force since 2025-07-31', () => {
  it.each([
    ['2500000', '1000'],
    ['1500000', '1000'],
    ['999999', '500'],
    ['500000', '500'],
    ['100000', '100'],
    ['99999', '50'],
    ['50000', '50'],
    ['10000', '10'],
    ['9999', '5'],
    ['5000', '5'],
    ['4999', '1'],
    ['100', '1'],
    ['99.9', '0.1'],
    ['5', '0.01'],
    ['0.5', '0.001'],
    ['0.05', '0.0001'],
    ['0.005', '0.00001'],
    ['0.0005', '0.000001'],
    ['0.00005', '0.0000001'],
    ['0.000005', '0.00000001'],
  ])('price %s has tick %s', (price, tick) => {
    expect(tickSizeFor(price, 'KRW-XRP')).toBe(tick)
  })

  it('BTC and USDT markets have their own ticks; unknown quotes need the live tick', () => {
    expect(tickSizeFor('0.0123', 'BTC-ETH')).toBe('0.00000001')
    expect(tickSizeFor('12.5', 'USDT-SOL')).toBe('0.01')
    expect(tickSizeFor('0.5', 'USDT-XRP')).toBe('0.0001')
    expect(() => tickSizeFor('1', 'SGD-BTC')).toThrow(UpbitRequestError)
    expect(roundToTick('1.23', 'SGD-BTC', 'down', '0.05')).toBe('1.2')
  })
})

describe('roundToTick', () => {
  it.each([
    ['1234567', 'down', '1234000'],
    ['1234567', 'up', '1235000'],
    ['999999', 'up', '1000000'],
    ['999999', 'down', '999500'],
    ['99990', 'up', '100000'],
    ['7777', 'down', '7775'],
    ['7777', 'up', '7780'],
    ['0.00012345', 'down', '0.000123'],
    [1e-7, 'up', '0.0000001'],
  ] as const)('%s rounded %s is %s', (price, direction, expected) => {
    expect(roundToTick(price, 'KRW-BTC', direction)).toBe(expected)
  })

  it('uses the tick from orderbook/instruments when given', () => {
    expect(roundToTick('1234567', 'KRW-BTC', 'down', '500')).toBe('1234500')
  })

  it('always lands on the grid, on the right side, never in exponent form', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-8, max: 5e9, noNaN: true }), fc.constantFrom('down', 'up' as const), (price, direction) => {
        const rounded = roundToTick(price, 'KRW-BTC', direction)
        expect(rounded).toMatch(/^\d+(\.\d+)?$/)
        expect(isOnTick(rounded, 'KRW-BTC')).toBe(true)
        if (direction === 'down') expect(compareDecimal(rounded, price)).toBeLessThanOrEqual(0)
        else expect(compareDecimal(rounded, price)).toBeGreaterThanOrEqual(0)
      }),
    )
  })

  it('error: a non-positive price is refused', () => {
    expect(() => roundToTick('0', 'KRW-BTC', 'down')).toThrow(UpbitRequestError)
    expect(() => roundToTick('abc', 'KRW-BTC', 'down')).toThrow(/not a decimal/)
  })
})

describe('minimum order totals', () => {
  it('are 5,000 KRW, 0.00005 BTC and 0.5 USDT', () => {
    expect([minOrderTotalFor('KRW-BTC'), minOrderTotalFor('BTC-ETH'), minOrderTotalFor('USDT-BTC')]).toEqual([
      '5000',
      '0.00005',
      '0.5',
    ])
    expect(minOrderTotalFor('SGD-BTC')).toBeUndefined()
  })
})
