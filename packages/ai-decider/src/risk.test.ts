import { describe, expect, it } from 'vitest'
import type { Decision } from './decision.js'
import { DeciderConfigError } from './errors.js'
import { applyRiskLimits, type RiskLimits, type RiskState, riskStateFromContext } from './risk.js'
import { sampleContext } from './testing/context.js'

const NOW = Date.UTC(2026, 10, 22, 3)
const price = 100_000_000
const state: RiskState = {
  now: NOW,
  price,
  quoteBalance: '1000000',
  baseBalance: '0.001',
  lastTradeAt: null,
  ordersToday: 0,
  dailyPnl: '0',
}
const limits: RiskLimits = { maxPositionFraction: 0.5, maxOrderQuote: '300000', minConfidence: 0.5 }
const buy: Decision = { action: 'buy', confidence: 0.8, size: 0.2, reason: 'test', stopLoss: null, takeProfit: null }
const sell: Decision = { ...buy, action: 'sell', size: 0.5 }

describe('applyRiskLimits', () => {
  it('passes an order inside every limit through, with amounts as decimal strings', () => {
    const result = applyRiskLimits(buy, state, limits)
    expect(result.order).toEqual({
      side: 'buy',
      quoteAmount: '200000',
      baseQuantity: '0.002',
      stopLoss: null,
      takeProfit: null,
    })
    expect(result.clamps).toEqual([])
    expect(result.decision.size).toBe(0.2)
  })

  it('cuts a buy to the maximum order size and says so', () => {
    const result = applyRiskLimits({ ...buy, size: 1 }, state, limits)
    expect(result.order?.quoteAmount).toBe('300000')
    expect(result.clamps.map((clamp) => clamp.rule)).toEqual(['max_order_quote'])
    expect(result.decision.size).toBe(0.3)
  })

  it('cuts a buy so the position stays within the maximum fraction of equity', () => {
    // equity 1,100,000 (1,000,000 quote + 0.001 × 100,000,000); 20 % = 220,000; the position is worth 100,000.
    const result = applyRiskLimits(buy, state, { ...limits, maxPositionFraction: 0.2 })
    expect(result.order?.quoteAmount).toBe('120000')
    expect(result.clamps.map((clamp) => clamp.rule)).toEqual(['max_position_fraction'])
  })

  it('holds a buy when the position is already at the maximum fraction', () => {
    const result = applyRiskLimits(buy, state, { ...limits, maxPositionFraction: 0.09 })
    expect(result.order).toBeNull()
    expect(result.decision.action).toBe('hold')
    expect(result.clamps.map((clamp) => clamp.rule)).toEqual(['max_position_fraction', 'min_order_quote'])
  })

  it('keeps the fee reserve: a full-balance buy spends balance / (1 + fee)', () => {
    const result = applyRiskLimits(
      { ...buy, size: 1 },
      { ...state, baseBalance: '0' },
      { maxPositionFraction: 1, maxOrderQuote: '10000000', feeRate: '0.0005' },
    )
    expect(result.order?.quoteAmount).toBe('999500')
    expect(result.clamps.map((clamp) => clamp.rule)).toEqual(['available_balance'])
  })

  it('keeps room for a fee the exchange rounds up: 6,004.3 KRW buys 6,000, not 6,001 (6,001 + a 4 KRW fee > 6,004.3)', () => {
    const result = applyRiskLimits(
      { ...buy, size: 1 },
      { ...state, quoteBalance: '6004.3', baseBalance: '0' },
      { maxPositionFraction: 1, maxOrderQuote: '10000000', minOrderQuote: '5000', feeRate: '0.0005' },
    )
    // 6,004.3 / 1.0005 = 6,001.3 rounds down to 6,001, whose exact fee 3.0005 rounds up to 4 KRW: 6,005 > 6,004.3.
    expect(result.order?.quoteAmount).toBe('6000')
    expect(result.clamps.map((clamp) => clamp.rule)).toEqual(['available_balance'])
  })

  it('sells a fraction of the base balance, rounded down to 8 decimals', () => {
    const result = applyRiskLimits({ ...sell, size: 0.333333333 }, state, limits)
    expect(result.order).toMatchObject({ side: 'sell', baseQuantity: '0.00033333', quoteAmount: '33333' })
  })

  it('holds an order below the 5,000 KRW exchange minimum', () => {
    const result = applyRiskLimits({ ...buy, size: 0.004 }, state, limits)
    expect(result.order).toBeNull()
    expect(result.clamps).toEqual([expect.objectContaining({ rule: 'min_order_quote' })])
  })

  it('holds a sell without a position and a buy without quote, saying which', () => {
    expect(applyRiskLimits(sell, { ...state, baseBalance: '0' }, limits).clamps).toEqual([
      expect.objectContaining({ rule: 'no_position' }),
    ])
    expect(applyRiskLimits(buy, { ...state, quoteBalance: '0' }, limits).clamps).toEqual([
      expect.objectContaining({ rule: 'no_balance' }),
    ])
  })

  it('holds below the minimum confidence', () => {
    const result = applyRiskLimits({ ...buy, confidence: 0.49 }, state, limits)
    expect(result.order).toBeNull()
    expect(result.clamps[0]?.rule).toBe('min_confidence')
  })

  it('holds during the cooldown and trades after it', () => {
    const cooled = { ...limits, cooldownMs: 60_000 }
    expect(applyRiskLimits(buy, { ...state, lastTradeAt: NOW - 59_999 }, cooled).clamps[0]?.rule).toBe('cooldown')
    expect(applyRiskLimits(buy, { ...state, lastTradeAt: NOW - 60_000 }, cooled).order).not.toBeNull()
  })

  it('kill switch: once the daily loss limit is reached nothing trades, sells included', () => {
    const withKill = { ...limits, dailyLossLimitQuote: '50000' }
    expect(applyRiskLimits(buy, { ...state, dailyPnl: '-49999' }, withKill).order).not.toBeNull()
    for (const decision of [buy, sell]) {
      const result = applyRiskLimits(decision, { ...state, dailyPnl: '-50000' }, withKill)
      expect(result.order).toBeNull()
      expect(result.clamps[0]?.rule).toBe('daily_loss_limit')
    }
  })

  it('holds once the maximum orders per day were placed', () => {
    const result = applyRiskLimits(buy, { ...state, ordersToday: 3 }, { ...limits, maxOrdersPerDay: 3 })
    expect(result.clamps[0]?.rule).toBe('max_orders_per_day')
  })

  it('drops a stop-loss or take-profit on the wrong side of the current price', () => {
    const wrong = applyRiskLimits({ ...buy, stopLoss: price * 1.01, takeProfit: price * 0.9 }, state, limits)
    expect(wrong.order).toMatchObject({ stopLoss: null, takeProfit: null })
    expect(wrong.clamps.map((clamp) => clamp.rule)).toEqual(['stop_loss_side', 'take_profit_side'])
    const right = applyRiskLimits({ ...buy, stopLoss: price * 0.97, takeProfit: price * 1.05 }, state, limits)
    expect(right.order).toMatchObject({ stopLoss: price * 0.97, takeProfit: price * 1.05 })
    const sellSide = applyRiskLimits({ ...sell, stopLoss: price * 0.97, takeProfit: price * 1.05 }, state, limits)
    expect(sellSide.clamps.map((clamp) => clamp.rule)).toEqual(['stop_loss_side', 'take_profit_side'])
  })

  it('holds a decision that fails validation instead of guessing', () => {
    const hostile = { action: 'buy', confidence: 0.9, size: 7, reason: 'all in', stopLoss: null, takeProfit: null }
    const result = applyRiskLimits(hostile as Decision, state, limits)
    expect(result.order).toBeNull()
    expect(result.clamps[0]?.rule).toBe('invalid_decision')
  })

  it('fails closed on a state it cannot read', () => {
    const result = applyRiskLimits(buy, { ...state, quoteBalance: '-5' }, limits)
    expect(result.order).toBeNull()
    expect(result.clamps[0]).toMatchObject({ rule: 'invalid_state', detail: expect.stringContaining('quoteBalance') })
  })

  it('error: bad limits throw DeciderConfigError naming the field', () => {
    expect(() => applyRiskLimits(buy, state, { ...limits, maxPositionFraction: 1.5 })).toThrow(DeciderConfigError)
    expect(() => applyRiskLimits(buy, state, { ...limits, maxOrderQuote: 300000 as unknown as string })).toThrow(/maxOrderQuote/)
  })

  it('riskStateFromContext reads the price and balances from the context', () => {
    const context = sampleContext()
    expect(riskStateFromContext(context, { lastTradeAt: null, ordersToday: 1, dailyPnl: '-10' })).toMatchObject({
      price: context.ticker.price,
      quoteBalance: '1000000',
      baseBalance: '0.002',
      now: context.asOf,
    })
  })
})
