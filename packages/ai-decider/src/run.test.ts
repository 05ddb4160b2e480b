import { describe, expect, it } from 'vitest'
import type { MarketContext } from './context.js'
import { DeciderError } from './errors.js'
import { runDecision } from './run.js'
import { sampleContext } from './testing/context.js'

const hold = { action: 'hold', confidence: 0.5, size: 0, reason: 'ok', stopLoss: null, takeProfit: null }
const frame = { provider: 'test', model: 'm' }

describe('runDecision (the fail-closed frame)', () => {
  it('refuses a malformed context before doing any work, naming the bad fields', async () => {
    let called = false
    const bad = { ...sampleContext(), ticker: { price: Number.NaN }, balances: { quote: '1e6', base: '-1' } }
    const result = await runDecision(frame, bad as MarketContext, undefined, async () => {
      called = true
      return { value: hold }
    })
    expect(called).toBe(false)
    expect(result.fallback?.code).toBe('invalid_context')
    expect(result.fallback?.message).toMatch(/ticker\.price.*balances\.quote.*balances\.base/)
  })

  it('refuses a context older than maxContextAgeMs, and accepts a fresh one', async () => {
    const work = async () => ({ value: hold })
    const stale = sampleContext({ asOf: Date.now() - 120_000 })
    expect((await runDecision(frame, stale, { maxContextAgeMs: 60_000 }, work)).fallback?.code).toBe('stale_context')
    const fresh = sampleContext({ asOf: Date.now() - 1000 })
    expect((await runDecision(frame, fresh, { maxContextAgeMs: 60_000 }, work)).fallback).toBeNull()
  })

  it('an audit hook that throws does not break the decision', async () => {
    const result = await runDecision(
      {
        ...frame,
        onAudit: () => {
          throw new Error('disk full')
        },
      },
      sampleContext(),
      undefined,
      async () => ({
        value: hold,
      }),
    )
    expect(result.fallback).toBeNull()
  })

  it('normalises harmless problems with clamp events: a long reason is cut, a hold trades nothing', async () => {
    const result = await runDecision(frame, sampleContext(), undefined, async () => ({
      value: { ...hold, size: 0.4, reason: 'x'.repeat(700) },
    }))
    expect(result.decision).toMatchObject({ action: 'hold', size: 0 })
    expect(result.decision.reason).toHaveLength(500)
    expect(result.clamps.map((clamp) => clamp.rule)).toEqual(['reason_truncated', 'hold_size'])
  })

  it('an unexpected exception becomes an internal failure, thrown as a DeciderError when asked', async () => {
    const work = async () => {
      throw new RangeError('bug')
    }
    expect((await runDecision(frame, sampleContext(), undefined, work)).fallback?.code).toBe('internal')
    await expect(runDecision(frame, sampleContext(), { onFailure: 'throw' }, work)).rejects.toBeInstanceOf(DeciderError)
  })
})
