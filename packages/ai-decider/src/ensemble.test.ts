import { describe, expect, it } from 'vitest'
import { createEnsembleDecider } from './ensemble.js'
import { DeciderConfigError, DeciderError } from './errors.js'
import { sampleContext } from './testing/context.js'
import { createScriptedDecider } from './testing/scripted.js'

const context = sampleContext()
const vote = (action: 'buy' | 'sell' | 'hold', confidence: number, size: number) =>
  createScriptedDecider([{ action, confidence, size, reason: `${action} ${size}`, stopLoss: null, takeProfit: null }], {
    provider: `${action}-${size}`,
  })

describe('createEnsembleDecider', () => {
  it('majority wins with averaged confidence and the smallest agreeing size', async () => {
    const result = await createEnsembleDecider([vote('buy', 0.9, 0.5), vote('buy', 0.5, 0.2), vote('sell', 1, 1)]).decide(context)
    expect(result.decision).toMatchObject({ action: 'buy', size: 0.2 })
    expect(result.decision.confidence).toBeCloseTo(0.7)
    expect(result.decision.reason).toContain('buy 2, sell 1 of 3')
    expect(result.fallback).toBeNull()
  })

  it('holds when no action reaches minAgreement', async () => {
    const result = await createEnsembleDecider([vote('buy', 0.9, 0.5), vote('buy', 0.5, 0.2), vote('sell', 1, 1)], {
      minAgreement: 3,
    }).decide(context)
    expect(result.decision).toMatchObject({ action: 'hold', size: 0 })
    expect(result.decision.reason).toContain('3 needed')
  })

  it('a tie is a hold', async () => {
    const result = await createEnsembleDecider([vote('buy', 0.9, 0.5), vote('sell', 0.5, 0.2)], { minAgreement: 1 }).decide(
      context,
    )
    expect(result.decision.action).toBe('hold')
  })

  it('failed members do not vote, but they count toward the default majority', async () => {
    const down = createScriptedDecider([new DeciderError('down', { code: 'timeout' })])
    const result = await createEnsembleDecider([vote('buy', 0.8, 0.3), down, down]).decide(context)
    expect(result.decision.action).toBe('hold')
    const lenient = await createEnsembleDecider([vote('buy', 0.8, 0.3), createScriptedDecider([new Error('x')])], {
      minAgreement: 1,
    }).decide(context)
    expect(lenient.decision).toMatchObject({ action: 'buy', size: 0.3 })
  })

  it('a member that never answers is cut off at the deadline and does not vote', async () => {
    const deaf = { provider: 'deaf', model: 'x', decide: () => new Promise<never>(() => {}) }
    const result = await createEnsembleDecider([vote('sell', 0.6, 0.5), deaf], { minAgreement: 1 }).decide(context, {
      deadlineMs: 100,
    })
    expect(result.decision).toMatchObject({ action: 'sell', size: 0.5 })
  })

  it('all members failing is a fallback hold', async () => {
    const result = await createEnsembleDecider([
      createScriptedDecider([new Error('a')]),
      createScriptedDecider([new Error('b')]),
    ]).decide(context)
    expect(result.fallback?.code).toBe('all_failed')
  })

  it('error: minAgreement outside 1..n is rejected', () => {
    expect(() => createEnsembleDecider([vote('buy', 1, 1)], { minAgreement: 2 })).toThrow(DeciderConfigError)
    expect(() => createEnsembleDecider([])).toThrow(DeciderConfigError)
  })
})
