import { describe, expect, it } from 'vitest'
import { DeciderConfigError, DeciderError } from './errors.js'
import { createRuleDecider } from './rules.js'
import { sampleContext } from './testing/context.js'

// A sideways market: both moving averages sit at 99, RSI near 50; the last close decides the crossover.
const sideways = Array.from({ length: 40 }, (_, index) => (index % 2 === 0 ? 100 : 98))

describe('createRuleDecider', () => {
  it('buys on a bullish crossover with RSI below overbought, with stop-loss and take-profit around the price', async () => {
    const context = sampleContext({ closes: [...sideways, 100.5], ticker: { price: 100.5 } })
    const result = await createRuleDecider().decide(context)
    expect(result.decision).toMatchObject({ action: 'buy', size: 0.1, confidence: 0.6 })
    expect(result.decision.stopLoss).toBeCloseTo(100.5 * 0.97)
    expect(result.decision.takeProfit).toBeCloseTo(100.5 * 1.06)
    expect(result.decision.reason).toMatch(/Bullish crossover .*RSI 52\.4/)
    expect(result).toMatchObject({ provider: 'rules', fallback: null, costUsd: null })
  })

  it('sells the position on a bearish crossover', async () => {
    const result = await createRuleDecider().decide(sampleContext({ closes: [...sideways, 97.5] }))
    expect(result.decision).toMatchObject({ action: 'sell', size: 1 })
  })

  it('does not sell what it does not hold', async () => {
    const context = sampleContext({ closes: [...sideways, 97.5], balances: { quote: '1000000', base: '0' } })
    expect((await createRuleDecider().decide(context)).decision.action).toBe('hold')
  })

  it('the RSI filter turns an overbought crossover into hold', async () => {
    const context = sampleContext({ closes: [...sideways, 110] })
    expect((await createRuleDecider().decide(context)).decision.action).toBe('buy')
    const filtered = await createRuleDecider({ rsiOverbought: 60 }).decide(context)
    expect(filtered.decision).toMatchObject({ action: 'hold', size: 0 })
    expect(filtered.fallback).toBeNull()
  })

  it('is deterministic: the same context gives the same decision', async () => {
    const decider = createRuleDecider({ fastPeriod: 5, slowPeriod: 20 })
    const context = sampleContext()
    const [a, b] = await Promise.all([decider.decide(context), decider.decide(context)])
    expect(a.decision).toEqual(b.decision)
    expect(decider.offline).toBe(true)
    expect(decider.model).toBe('ma-cross-rsi(5,20,14)@1h')
  })

  it('fails closed to hold when there are too few candles, or throws when asked', async () => {
    const context = sampleContext({ closes: [1, 2, 3] })
    const result = await createRuleDecider().decide(context)
    expect(result.decision.action).toBe('hold')
    expect(result.fallback).toEqual({ code: 'insufficient_data', message: expect.stringContaining('got 3') })
    await expect(createRuleDecider().decide(context, { onFailure: 'throw' })).rejects.toBeInstanceOf(DeciderError)
  })

  it('error: invalid options are rejected when the decider is created', () => {
    expect(() => createRuleDecider({ fastPeriod: 30, slowPeriod: 10 })).toThrow(DeciderConfigError)
    expect(() => createRuleDecider({ buySize: 2 })).toThrow(/buySize/)
    expect(() => createRuleDecider({ rsiPeriod: 0 })).toThrow(/rsiPeriod/)
  })
})
