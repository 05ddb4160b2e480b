import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Decider } from './decider.js'
import { AllDecidersFailedError, DeciderConfigError, DeciderError } from './errors.js'
import { createFallbackDecider } from './fallback.js'
import { sampleContext } from './testing/context.js'
import { createScriptedDecider, hangingStep } from './testing/scripted.js'

const context = sampleContext()
const decision = (action: 'buy' | 'sell' | 'hold', reason: string) => ({
  action,
  confidence: 0.7,
  size: action === 'hold' ? 0 : 0.2,
  reason,
  stopLoss: null,
  takeProfit: null,
})
const online = { offline: false }

/**
 * Runs `decide` on fake time and advances the clock by `ms`: deadlines, shares and delays then play out exactly,
 * however loaded the machine is.
 */
async function onFakeTime<T>(ms: number, decide: () => Promise<T>): Promise<T> {
  vi.useFakeTimers()
  const pending = decide()
  await vi.advanceTimersByTimeAsync(ms)
  return pending
}
afterEach(() => {
  vi.useRealTimers()
})

/** A decider that answers after `ms` of (fake) time, or fails when its deadline aborts it first. */
const answersAfter = (ms: number, reason: string) =>
  createScriptedDecider(
    [
      (_context: unknown, signal: AbortSignal) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => resolve(decision('buy', reason)), ms)
          signal.addEventListener('abort', () => {
            clearTimeout(timer)
            reject(signal.reason)
          })
        }),
    ],
    { provider: reason, offline: false },
  )

describe('createFallbackDecider', () => {
  it('uses the first decider that answers and never runs the rest', async () => {
    const a = createScriptedDecider([decision('buy', 'a')], { provider: 'a', ...online })
    const b = createScriptedDecider([decision('sell', 'b')], { provider: 'b' })
    const result = await createFallbackDecider([a, b]).decide(context)
    expect(result.decision.reason).toBe('a')
    expect(result.provider).toBe('a')
    expect(b.calls).toBe(0)
  })

  it('a hold is an answer, not a failure: the next decider does not run', async () => {
    const a = createScriptedDecider([decision('hold', 'no edge')], { provider: 'a' })
    const b = createScriptedDecider([decision('buy', 'b')], { provider: 'b' })
    const result = await createFallbackDecider([a, b]).decide(context)
    expect(result).toMatchObject({ provider: 'a', fallback: null, decision: { action: 'hold', reason: 'no edge' } })
    expect(b.calls).toBe(0)
  })

  it('moves on after failures of any kind (error, invalid answer) and records each member', async () => {
    const a = createScriptedDecider([new DeciderError('boom', { code: 'overloaded', provider: 'a' })], { provider: 'a' })
    const b = createScriptedDecider([{ action: 'buy', confidence: 2, size: 1, reason: 'x', stopLoss: null, takeProfit: null }], {
      provider: 'b',
    })
    const c = createScriptedDecider([decision('sell', 'c')], { provider: 'c' })
    const result = await createFallbackDecider([a, b, c]).decide(context)
    expect(result).toMatchObject({ provider: 'c', fallback: null, decision: { reason: 'c' } })
    expect(result.audit.members?.map((member) => [member.provider, member.fallback?.code ?? null])).toEqual([
      ['a', 'overloaded'],
      ['b', 'schema'],
      ['c', null],
    ])
  })

  it('when all fail it holds with all_failed listing each reason, or throws AllDecidersFailedError', async () => {
    const make = () =>
      createFallbackDecider([
        createScriptedDecider([new DeciderError('x', { code: 'timeout' })], { provider: 'a' }),
        createScriptedDecider([new DeciderError('y', { code: 'quota' })], { provider: 'b' }),
      ])
    const result = await make().decide(context)
    expect(result.decision).toMatchObject({ action: 'hold', size: 0 })
    expect(result.fallback).toEqual({ code: 'all_failed', message: expect.stringContaining('a timeout, b quota') })
    const error = await make()
      .decide(context, { onFailure: 'throw' })
      .catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(AllDecidersFailedError)
    expect((error as AllDecidersFailedError).failures.map((failure) => failure.code)).toEqual(['timeout', 'quota'])
  })

  it('shares the deadline: a hung first provider gets only its share, leaving the second time to answer', async () => {
    const hung = createScriptedDecider([hangingStep], { provider: 'hung', ...online })
    const rules = createScriptedDecider([decision('hold', 'rules')], { provider: 'rules' })
    const chain = createFallbackDecider([hung, answersAfter(20, 'second'), rules])
    const result = await onFakeTime(1000, () => chain.decide(context, { deadlineMs: 1000 }))
    expect(result.provider).toBe('second')
    expect(result.audit.members?.[0]?.fallback?.code).toBe('timeout')
    expect(rules.calls).toBe(0)
  })

  it('the offline last link still answers when the online ones used up the deadline', async () => {
    const hung = createScriptedDecider([hangingStep], { provider: 'hung', ...online })
    const slow = createScriptedDecider([hangingStep], { provider: 'slow', ...online })
    const rules = createScriptedDecider([decision('hold', 'rules')], { provider: 'rules' })
    const chain = createFallbackDecider([hung, slow, rules])
    const result = await onFakeTime(100, () => chain.decide(context, { deadlineMs: 100 }))
    expect(result).toMatchObject({ provider: 'rules', fallback: null })
    expect(result.audit.members?.map((member) => member.fallback?.code ?? 'ok')).toEqual(['timeout', 'timeout', 'ok'])
  })

  it('a foreign decider that ignores its deadline or throws cannot stop the chain', async () => {
    const deaf: Decider = { provider: 'deaf', model: 'x', decide: () => new Promise<never>(() => {}) }
    const thrower: Decider = {
      provider: 'thrower',
      model: 'y',
      decide: async () => {
        throw new TypeError('bug in a custom decider')
      },
    }
    const rules = createScriptedDecider([decision('hold', 'rules')], { provider: 'rules' })
    const chain = createFallbackDecider([deaf, thrower, rules])
    const result = await onFakeTime(300, () => chain.decide(context, { deadlineMs: 200 }))
    expect(result).toMatchObject({ provider: 'rules', fallback: null })
    const onlyFailing = createFallbackDecider([deaf, thrower])
    const all = await onFakeTime(300, () => onlyFailing.decide(context, { deadlineMs: 100 }))
    expect(all.fallback?.message).toContain('deaf timeout, thrower internal')
  })

  it('custom shares give the first decider less time', async () => {
    const chain = (shares?: number[]) =>
      createFallbackDecider(
        [
          createScriptedDecider([hangingStep], { provider: 'hung', ...online }),
          answersAfter(700, 'second'),
          createScriptedDecider([decision('hold', 'rules')], { provider: 'rules' }),
        ],
        shares ? { shares } : {},
      )
    // Of 1000 ms, equal shares leave the second 490 ms (too little for its 700 ms); 1:9 leaves it 882 ms.
    const [equal, weighted] = await onFakeTime(1000, () =>
      Promise.all([chain().decide(context, { deadlineMs: 1000 }), chain([1, 9]).decide(context, { deadlineMs: 1000 })]),
    )
    expect(equal.provider).toBe('rules')
    expect(weighted.provider).toBe('second')
  })

  it('abort stops the chain: the later deciders do not run', async () => {
    const rules = createScriptedDecider([decision('buy', 'rules')], { provider: 'rules' })
    const controller = new AbortController()
    // The caller aborts while the first decider is running (when it is called), not after a guessed delay.
    const abortsWhenAsked = createScriptedDecider(
      [
        (_context: unknown, signal: AbortSignal) => {
          controller.abort()
          return hangingStep(context, signal)
        },
      ],
      { provider: 'hung', ...online },
    )
    const result = await createFallbackDecider([abortsWhenAsked, rules]).decide(context, { signal: controller.signal })
    expect(result.fallback?.code).toBe('aborted')
    expect(abortsWhenAsked.calls).toBe(1)
    expect(rules.calls).toBe(0)
  })

  it('adds up usage and cost of every member that ran', async () => {
    const usage = { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }
    const invalid = { ...decision('buy', 'a'), size: 3 } // answered (tokens spent) but failed validation
    const a = createScriptedDecider([invalid], { provider: 'a', usage })
    const b = createScriptedDecider([decision('hold', 'b')], { provider: 'b', usage })
    const result = await createFallbackDecider([a, b]).decide(context)
    expect(result.audit.members?.[0]?.fallback?.code).toBe('schema')
    expect(result.usage).toMatchObject({ inputTokens: 20, outputTokens: 10 })
    expect(result.fallback).toBeNull()
  })

  it('error: an empty chain or negative shares are rejected', () => {
    expect(() => createFallbackDecider([])).toThrow(DeciderConfigError)
    const a = createScriptedDecider([], { ...online })
    expect(() => createFallbackDecider([a], { shares: [-1] })).toThrow(/shares/)
  })
})
