import { describe, expect, it } from 'vitest'
import type { ExchangeOrder } from './exchange.js'
import { fillsFromOrder } from './fills.js'

const base: ExchangeOrder = {
  uuid: 'u-1',
  market: 'KRW-BTC',
  side: 'bid',
  ord_type: 'price',
  state: 'cancel',
  executed_volume: '0',
  paid_fee: '0',
}

describe('fills from the exchange order', () => {
  it('an order that executed nothing has no fills, whatever was intended', () => {
    expect(fillsFromOrder({ ...base, state: 'cancel' })).toEqual([])
  })

  it('splits the order fee over its trades by funds and the parts sum exactly to paid_fee', () => {
    const fills = fillsFromOrder({
      ...base,
      executed_volume: '0.0003',
      paid_fee: '21.0001',
      trades: [
        { price: '140000000', volume: '0.0001', funds: '14000' },
        { price: '140001000', volume: '0.0002', funds: '28000.2' },
      ],
    })
    expect(fills.map((f) => [f.side, f.volume, f.price, f.funds])).toEqual([
      ['buy', '0.0001', '140000000', '14000'],
      ['buy', '0.0002', '140001000', '28000.2'],
    ])
    // 21.0001 × 14000 / 42000.2 = 7 exactly; the last trade takes the rest.
    expect(fills.map((f) => f.fee)).toEqual(['7', '14.0001'])
  })

  it('without trades it uses executed_volume and executed_funds', () => {
    const [fill] = fillsFromOrder({ ...base, side: 'ask', executed_volume: '0.5', executed_funds: '70000000', paid_fee: '35000' })
    expect(fill).toEqual({ side: 'sell', volume: '0.5', price: '140000000', funds: '70000000', fee: '35000' })
  })

  it('error: executed volume with no way to price it is refused rather than guessed', () => {
    expect(() => fillsFromOrder({ ...base, executed_volume: '0.1' })).toThrow(/neither trades nor executed_funds/)
  })
})
