import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DeciderConfigError, DeciderError } from './errors.js'
import { createReplayDecider } from './replay.js'
import { sampleContext } from './testing/context.js'
import { createScriptedDecider } from './testing/scripted.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ai-decider-replay-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const buy = { action: 'buy', confidence: 0.8, size: 0.25, reason: 'recorded', stopLoss: null, takeProfit: null }
const usage = { inputTokens: 800, outputTokens: 60, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }
const model = (steps: unknown[]) => createScriptedDecider(steps, { provider: 'anthropic', model: 'claude-test', usage })

describe('createReplayDecider', () => {
  it('records an answer, then replays it without calling the model and at no cost', async () => {
    const context = sampleContext()
    const inner = model([buy])
    const recorded = await createReplayDecider({ dir, mode: 'record', inner }).decide(context)
    expect(recorded.decision).toEqual(buy)
    const files = await readdir(dir)
    expect(files).toHaveLength(1)
    expect(JSON.parse(await readFile(join(dir, files[0]!), 'utf8'))).toMatchObject({
      provider: 'anthropic',
      model: 'claude-test',
      decision: buy,
    })

    const replay = createReplayDecider({ dir, mode: 'replay', provider: 'anthropic', model: 'claude-test' })
    const replayed = await replay.decide(context)
    expect(replayed).toMatchObject({ decision: buy, costUsd: '0.00000000', fallback: null })
    expect(replayed.usage.inputTokens).toBe(0)
    expect(inner.calls).toBe(1)
  })

  it('replay: a different prompt or model is a miss that holds with replay_miss', async () => {
    await createReplayDecider({ dir, mode: 'record', inner: model([buy]) }).decide(sampleContext())
    const other = await createReplayDecider({ dir, mode: 'replay', provider: 'anthropic', model: 'claude-test' }).decide(
      sampleContext({ ticker: { price: 1 } }),
    )
    expect(other.fallback?.code).toBe('replay_miss')
    const otherModel = await createReplayDecider({ dir, mode: 'replay', provider: 'anthropic', model: 'claude-other' }).decide(
      sampleContext(),
    )
    expect(otherModel.fallback?.code).toBe('replay_miss')
  })

  it('record-missing replays what exists and records only the misses', async () => {
    const inner = model([buy, { ...buy, reason: 'second' }])
    const decider = createReplayDecider({ dir, mode: 'record-missing', inner })
    await decider.decide(sampleContext())
    expect((await decider.decide(sampleContext())).decision.reason).toBe('recorded')
    expect(inner.calls).toBe(1)
    expect((await decider.decide(sampleContext({ ticker: { price: 2 } }))).decision.reason).toBe('second')
    expect(inner.calls).toBe(2)
    expect(await readdir(dir)).toHaveLength(2)
  })

  it('a failed inner answer is not recorded and holds with its reason', async () => {
    const decider = createReplayDecider({ dir, mode: 'record', inner: model([new DeciderError('x', { code: 'overloaded' })]) })
    expect((await decider.decide(sampleContext())).fallback?.code).toBe('overloaded')
    expect(await readdir(dir)).toEqual([])
  })

  it('error: recording without inner, or replaying without a model, is rejected', () => {
    expect(() => createReplayDecider({ dir, mode: 'record' })).toThrow(DeciderConfigError)
    expect(() => createReplayDecider({ dir, mode: 'replay', provider: 'x' })).toThrow(/provider and model/)
  })
})
