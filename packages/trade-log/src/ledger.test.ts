import Big from 'big.js'
import { describe, expect, it } from 'vitest'
import { applyFill, COST_DP, emptyBook, sortFills } from './ledger.js'
import { AUG_1, trade } from './test-support/entries.js'

const fill = (tsMs: number, side: 'buy' | 'sell', volume: string, funds: string, fee = '0') =>
  trade(tsMs, { side, volume, funds, price: '1', fee })

describe('ledger', () => {
  it(`a partial sell takes cost × sold / volume out of the book rounded half-even to ${COST_DP} decimals`, () => {
    const book = emptyBook('KRW-BTC')
    applyFill(book, fill(AUG_1, 'buy', '3', '100'))
    // 100 / 3 = 33.333333333… → 33.33333333 leaves the book; 66.66666667 stays.
    const realized = applyFill(book, fill(AUG_1 + 1, 'sell', '1', '40'))
    expect(realized.toFixed()).toBe('6.66666667')
    expect(book.cost.toFixed()).toBe('66.66666667')
    expect(book.cost.c.length - book.cost.e - 1).toBeLessThanOrEqual(COST_DP)
  })

  it('a round trip realizes exactly funds out − funds in − fees, whatever the partial sells rounded', () => {
    const book = emptyBook('KRW-BTC')
    applyFill(book, fill(AUG_1, 'buy', '0.3', '1000.01', '0.5'))
    applyFill(book, fill(AUG_1 + 1, 'buy', '0.4', '1999.97', '1'))
    let realized = new Big(0)
    for (const [i, [volume, funds]] of [
      ['0.1', '512.37'],
      ['0.2', '1003.11'],
      ['0.33', '1700.7'],
      ['0.07', '333.33'],
    ].entries()) {
      realized = realized.plus(applyFill(book, fill(AUG_1 + 2 + i, 'sell', volume!, funds!, '0.25')))
      if (i < 3) expect(book.cost.c.length - book.cost.e - 1).toBeLessThanOrEqual(COST_DP)
    }
    // (512.37 + 1003.11 + 1700.7 + 333.33 − 4 × 0.25) − (1000.01 + 0.5 + 1999.97 + 1) = 3548.51 − 3001.48
    expect(realized.toFixed()).toBe('547.03')
    expect(book.volume.toFixed()).toBe('0')
    expect(book.cost.toFixed()).toBe('0')
  })

  it('keeps cost exact when nothing needs rounding', () => {
    const book = emptyBook('KRW-BTC')
    applyFill(book, fill(AUG_1, 'buy', '0.00000001', '0.0000000123456789'))
    expect(book.cost.toFixed()).toBe('0.0000000123456789')
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
