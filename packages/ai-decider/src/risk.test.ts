import Big from 'big.js'
import fc from 'fast-check'
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

// Hostile model output: right shape with absurd numbers, wrong types, or anything at all.
const hostileNumber = fc.oneof(
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 1e308, -1, 1.0000001, 100),
  fc.integer(),
)
// fc.double spreads over representable doubles (mostly tiny ones); a uniform fraction comes from integers.
const fraction = fc.integer({ min: 0, max: 10_000 }).map((n) => n / 10_000)
const plausibleDecision = fc.record({
  action: fc.constantFrom('buy' as const, 'sell' as const),
  confidence: fraction,
  size: fraction,
  reason: fc.string({ maxLength: 20 }),
  stopLoss: fc.option(fc.double({ min: 1, max: 2e8, noNaN: true })),
  takeProfit: fc.option(fc.double({ min: 1, max: 2e8, noNaN: true })),
})
const hostileDecision = fc.oneof(
  fc.record({
    action: fc.constantFrom('buy', 'sell', 'hold', 'BUY', 'short', ''),
    confidence: hostileNumber,
    size: hostileNumber,
    reason: fc.string(),
    stopLoss: fc.option(hostileNumber),
    takeProfit: fc.option(hostileNumber),
  }),
  plausibleDecision,
  fc.anything(),
)
const decimal = (max: number) => fc.integer({ min: 0, max }).map((units) => new Big(units).div(1000).toFixed())
const states = fc.record({
  now: fc.constant(NOW),
  price: fc.double({ min: 1, max: 2e8, noNaN: true }),
  quoteBalance: decimal(10_000_000_000),
  baseBalance: decimal(100_000),
  lastTradeAt: fc.option(fc.integer({ min: NOW - 3_600_000, max: NOW }), { freq: 2 }),
  ordersToday: fc.nat(5),
  dailyPnl: fc.integer({ min: -200_000, max: 1_000_000 }).map(String),
})
const limitSets = fc.record({
  maxPositionFraction: fraction,
  maxOrderQuote: fc.integer({ min: 0, max: 5_000_000 }).map(String),
  minOrderQuote: fc.constant('5000'),
  minConfidence: fraction,
  cooldownMs: fc.nat(600_000),
  dailyLossLimitQuote: fc.integer({ min: 0, max: 500_000 }).map(String),
  maxOrdersPerDay: fc.integer({ min: 1, max: 20 }),
})

describe('applyRiskLimits property: no model output produces an order outside the limits', () => {
  it('holds for random and hostile decisions, states and limits', () => {
    fc.assert(
      fc.property(hostileDecision, states, limitSets, (decision, s, l) => {
        const { order, decision: clamped } = applyRiskLimits(decision as Decision, s, l)
        if (order === null) {
          expect(['hold', 'buy', 'sell']).toContain(clamped.action)
          return
        }
        const quote = new Big(order.quoteAmount)
        const qty = new Big(order.baseQuantity)
        const px = new Big(s.price)
        expect(clamped.action).toBe(order.side)
        expect(quote.gte(l.minOrderQuote)).toBe(true)
        expect(quote.lte(l.maxOrderQuote)).toBe(true)
        expect(clamped.size).toBeGreaterThanOrEqual(0)
        expect(clamped.size).toBeLessThanOrEqual(1)
        expect(clamped.confidence).toBeGreaterThanOrEqual(l.minConfidence)
        expect(s.ordersToday).toBeLessThan(l.maxOrdersPerDay)
        expect(new Big(s.dailyPnl).gt(new Big(l.dailyLossLimitQuote).times(-1))).toBe(true)
        if (s.lastTradeAt !== null) expect(s.now - s.lastTradeAt).toBeGreaterThanOrEqual(l.cooldownMs)
        if (order.side === 'buy') {
          expect(quote.times(1.0005).lte(s.quoteBalance)).toBe(true)
          const positionAfter = new Big(s.baseBalance).times(px).plus(quote)
          const equity = new Big(s.quoteBalance).plus(new Big(s.baseBalance).times(px))
          expect(positionAfter.lte(equity.times(l.maxPositionFraction).plus('0.000001'))).toBe(true)
          if (order.stopLoss !== null) expect(order.stopLoss).toBeLessThan(s.price)
          if (order.takeProfit !== null) expect(order.takeProfit).toBeGreaterThan(s.price)
        } else {
          expect(qty.lte(s.baseBalance)).toBe(true)
          expect(qty.times(px).lte(new Big(l.maxOrderQuote).plus('0.000001'))).toBe(true)
          if (order.stopLoss !== null) expect(order.stopLoss).toBeGreaterThan(s.price)
          if (order.takeProfit !== null) expect(order.takeProfit).toBeLessThan(s.price)
        }
      }),
      // RISK_RUNS=30000 for a deeper search; the default keeps CI fast on a loaded machine.
      { numRuns: Number(process.env.RISK_RUNS ?? 1500) },
    )
  }, 30_000)

  it('actually lets valid orders through (the property is not vacuous)', () => {
    let orders = 0
    fc.assert(
      fc.property(plausibleDecision, states, limitSets, (decision, s, l) => {
        if (applyRiskLimits(decision, s, l).order) orders++
      }),
      { numRuns: 2000, seed: 42 },
    )
    expect(orders).toBeGreaterThan(100)
  }, 30_000)
})
