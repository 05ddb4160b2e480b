import { describe, expect, it } from 'vitest'
import { formatUnits, pow10 } from './decimal.js'
import { applyFill, COST_DP, emptyBook, fillPlaces, fillUnits, type MarketBook, scaleFor, sortFills } from './ledger.js'
import { AUG_1, trade } from './test-support/entries.js'

const fill = (tsMs: number, side: 'buy' | 'sell', volume: string, funds: string, fee = '0') =>
  trade(tsMs, { side, volume, funds, price: '1', fee })

/** Applies a fill at the scale its own decimals need (the tests' amounts fit in 8 or 16 decimals). */
const apply = (book: MarketBook, entry: ReturnType<typeof fill>, scale = scaleFor(fillPlaces(entry))) =>
  applyFill(book, entry.side, fillUnits(entry, scale), scale)

describe('ledger', () => {
  it(`a partial sell takes cost × sold / volume out of the book rounded half-even to ${COST_DP} decimals`, () => {
    const book = emptyBook('KRW-BTC')
    apply(book, fill(AUG_1, 'buy', '3', '100'))
    // 100 / 3 = 33.333333333… → 33.33333333 leaves the book; 66.66666667 stays.
    const realized = apply(book, fill(AUG_1 + 1, 'sell', '1', '40'))
    expect(formatUnits(realized, COST_DP)).toBe('6.66666667')
    expect(formatUnits(book.cost, COST_DP)).toBe('66.66666667')
  })

  it('rounds the share to 8 decimals at any scale (the scale only holds more digits)', () => {
    const book = emptyBook('KRW-BTC')
    const scale = 16
    apply(book, fill(AUG_1, 'buy', '3', '100'), scale)
    apply(book, fill(AUG_1 + 1, 'sell', '1', '40'), scale)
    expect(formatUnits(book.cost, scale)).toBe('66.66666667')
    expect(book.cost % pow10(scale - COST_DP)).toBe(0n)
  })

  it('a round trip realizes exactly funds out − funds in − fees, whatever the partial sells rounded', () => {
    const book = emptyBook('KRW-BTC')
    apply(book, fill(AUG_1, 'buy', '0.3', '1000.01', '0.5'))
    apply(book, fill(AUG_1 + 1, 'buy', '0.4', '1999.97', '1'))
    let realized = 0n
    for (const [i, [volume, funds]] of [
      ['0.1', '512.37'],
      ['0.2', '1003.11'],
      ['0.33', '1700.7'],
      ['0.07', '333.33'],
    ].entries()) {
      realized += apply(book, fill(AUG_1 + 2 + i, 'sell', volume!, funds!, '0.25'))
    }
    // (512.37 + 1003.11 + 1700.7 + 333.33 − 4 × 0.25) − (1000.01 + 0.5 + 1999.97 + 1) = 3548.51 − 3001.48
    expect(formatUnits(realized, COST_DP)).toBe('547.03')
    expect(book.volume).toBe(0n)
    expect(book.cost).toBe(0n)
  })

  it('keeps cost exact when nothing needs rounding', () => {
    const book = emptyBook('KRW-BTC')
    const entry = fill(AUG_1, 'buy', '0.00000001', '0.0000000123456789')
    expect(fillPlaces(entry)).toBe(16)
    apply(book, entry)
    expect(formatUnits(book.cost, 16)).toBe('0.0000000123456789')
  })

  it('refuses an amount that is not a decimal string', () => {
    expect(() => fillPlaces(fill(AUG_1, 'buy', '1e-8', '1'))).toThrow(/not a decimal string/)
  })

  it('sorts fills by time only when they are out of order, keeping equal times stable', () => {
    const a = fill(AUG_1 + 2, 'buy', '1', '1')
    const b = fill(AUG_1 + 1, 'buy', '2', '2')
    const c = fill(AUG_1 + 1, 'buy', '3', '3')
    const sorted = [a, b, c]
    expect(sortFills([a, b, c])).toEqual([b, c, a])
    const inOrder = sortFills(sortFills(sorted))
    expect(inOrder).toEqual([b, c, a])
    expect(inOrder).not.toBe(sorted)
  })
})
