import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DeciderConfigError, DeciderError, ReplayMismatchError } from './errors.js'
import { createReplayDecider, type Recording } from './replay.js'
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
const prices = { 'claude-test': { input: '3', output: '15' } }
const model = (steps: unknown[], name = 'claude-test') =>
  createScriptedDecider(steps, { provider: 'anthropic', model: name, usage })
const recordings = async () => (await readdir(dir, { recursive: true })).filter((file) => file.endsWith('.json'))
const replaying = (extra: { model?: string; prompt?: Parameters<typeof createReplayDecider>[0]['prompt'] } = {}) =>
  createReplayDecider({ dir, mode: 'replay', provider: 'anthropic', model: 'claude-test', prices, ...extra })

describe('createReplayDecider', () => {
  it('records an answer per decision point, then replays it without calling the model, at $0, saving the recorded cost', async () => {
    const context = sampleContext()
    const inner = model([buy])
    const recorded = await createReplayDecider({ dir, mode: 'record', inner }).decide(context)
    expect(recorded.decision).toEqual(buy)
    expect(recorded.audit.replay).toMatchObject({ source: 'recorded', file: join(dir, 'KRW-BTC', `${context.asOf}.json`) })
    const files = await recordings()
    expect(files).toEqual([join('KRW-BTC', `${context.asOf}.json`)])
    const file = JSON.parse(await readFile(join(dir, files[0]!), 'utf8')) as Recording
    expect(file).toMatchObject({ market: 'KRW-BTC', asOf: context.asOf, decision: buy, usage })
    expect(file.fingerprint).toMatchObject({
      provider: 'anthropic',
      model: 'claude-test',
      promptVersion: 'tradekit-decision-v1',
      decisionTime: new Date(context.asOf).toISOString(),
      dataCutoff: new Date(context.asOf).toISOString(),
    })

    const replayed = await replaying().decide(context)
    expect(replayed).toMatchObject({ decision: buy, costUsd: '0.00000000', fallback: null })
    expect(replayed.usage.inputTokens).toBe(0)
    // 800 × $3 + 60 × $15 per million tokens = $0.0033 not spent.
    expect(replayed.audit.replay).toMatchObject({ source: 'recording', savedUsage: usage, savedUsd: '0.00330000' })
    expect(replayed.audit).toMatchObject({ costUsd: '0.00000000', asOf: context.asOf })
    expect(inner.calls).toBe(1)
  })

  it('error: a recording made with another model is refused (replay_mismatch naming the field), never replayed', async () => {
    await createReplayDecider({ dir, mode: 'record', inner: model([buy]) }).decide(sampleContext())
    const result = await replaying({ model: 'claude-other' }).decide(sampleContext())
    expect(result.fallback?.code).toBe('replay_mismatch')
    expect(result.decision.action).toBe('hold')
    expect(result.audit.replay).toMatchObject({ source: 'mismatch', fingerprint: { model: 'claude-other' } })
    expect(result.fallback?.message).toMatch(/made with other inputs \(model claude-test → claude-other\); refusing to replay/)
    const thrown = await replaying({ model: 'claude-other' })
      .decide(sampleContext(), { onFailure: 'throw' })
      .catch((error: unknown) => error)
    expect(thrown).toBeInstanceOf(ReplayMismatchError)
    expect((thrown as ReplayMismatchError).differences).toEqual([
      { field: 'model', recorded: 'claude-test', now: 'claude-other' },
    ])
  })

  it('error: changed data or prompt template are refused, naming promptHash / promptVersion', async () => {
    await createReplayDecider({ dir, mode: 'record', inner: model([buy]) }).decide(sampleContext())
    const otherData = await replaying().decide(sampleContext({ ticker: { price: 1 } }))
    expect(otherData.fallback?.code).toBe('replay_mismatch')
    expect(otherData.fallback?.message).toMatch(/promptHash [0-9a-f]{12}… → [0-9a-f]{12}…/)
    const prompt = () => ({ system: 's', user: 'u', estimatedTokens: 1, version: 'mine-2' })
    const otherTemplate = await replaying({ prompt }).decide(sampleContext())
    expect(otherTemplate.fallback?.message).toMatch(/promptVersion tradekit-decision-v1 → mine-2; promptHash/)
  })

  it('error: a recording made with another schema version or data cut-off is refused', async () => {
    const prompt = () => ({ system: 's', user: 'u', estimatedTokens: 1, version: 'fixed' })
    const full = sampleContext()
    const context = { ...full, candles: { '1h': full.candles['1h']! } }
    await createReplayDecider({ dir, mode: 'record', inner: model([buy]), prompt }).decide(context)
    // The same prompt text, but the newest hourly candle missing: the data end an hour before the recording's.
    const older = { ...context, candles: { '1h': context.candles['1h'].slice(0, -1) } }
    const cutoff = await replaying({ prompt }).decide(older)
    expect(cutoff.fallback?.message).toMatch(/\(dataCutoff 2026-11-23T12:00:00.000Z → 2026-11-23T11:00:00.000Z\)/)
    // A recording from a package whose decision schema differed.
    const [file] = await recordings()
    const recording = JSON.parse(await readFile(join(dir, file!), 'utf8')) as Recording
    recording.fingerprint.schemaVersion = 'f'.repeat(64)
    await writeFile(join(dir, file!), JSON.stringify(recording))
    const schema = await replaying({ prompt }).decide(context)
    expect(schema.fallback?.message).toMatch(/\(schemaVersion f{12}… → [0-9a-f]{12}…\)/)
  })

  it('replay: a decision point without a recording holds with replay_miss and says which one is missing', async () => {
    const context = sampleContext()
    const result = await replaying().decide(context)
    expect(result.fallback?.code).toBe('replay_miss')
    expect(result.fallback?.message).toMatch(/No recording for KRW-BTC at 2026-11-23T12:00:00.000Z/)
    expect(result.audit.replay).toMatchObject({ source: 'missing', file: join(dir, 'KRW-BTC', `${context.asOf}.json`) })
  })

  it('record-missing replays what exists, records only the misses, and refuses a mismatch instead of overwriting it', async () => {
    const inner = model([buy, { ...buy, reason: 'second' }, { ...buy, reason: 'third' }])
    const decider = createReplayDecider({ dir, mode: 'record-missing', inner })
    await decider.decide(sampleContext())
    expect((await decider.decide(sampleContext())).decision.reason).toBe('recorded')
    expect(inner.calls).toBe(1)
    const later = sampleContext({ closes: [...Array(61)].map((_, i) => 135_000_000 + i) })
    expect((await decider.decide(later)).decision.reason).toBe('second')
    expect(inner.calls).toBe(2)
    expect(await recordings()).toHaveLength(2)
    expect((await decider.decide(sampleContext({ ticker: { price: 2 } }))).fallback?.code).toBe('replay_mismatch')
    expect(inner.calls).toBe(2)
  })

  it('record overwrites a recording made with other inputs (that is how you re-record)', async () => {
    await createReplayDecider({ dir, mode: 'record', inner: model([buy]) }).decide(sampleContext())
    const rerecord = createReplayDecider({ dir, mode: 'record', inner: model([{ ...buy, reason: 'new' }], 'claude-other') })
    await rerecord.decide(sampleContext())
    const replayed = await replaying({ model: 'claude-other' }).decide(sampleContext())
    expect(replayed.decision.reason).toBe('new')
  })

  it('a failed inner answer is not recorded and holds with its reason', async () => {
    const decider = createReplayDecider({ dir, mode: 'record', inner: model([new DeciderError('x', { code: 'overloaded' })]) })
    expect((await decider.decide(sampleContext())).fallback?.code).toBe('overloaded')
    expect(await recordings()).toEqual([])
  })

  it('error: recording without inner, or replaying without a model, is rejected', () => {
    expect(() => createReplayDecider({ dir, mode: 'record' })).toThrow(DeciderConfigError)
    expect(() => createReplayDecider({ dir, mode: 'replay', provider: 'x' })).toThrow(/provider and model/)
  })
})
