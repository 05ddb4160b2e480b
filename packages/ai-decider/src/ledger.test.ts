import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createClaudeDecider } from './claude.js'
import { holdDecision } from './decision.js'
import { createCostLedger } from './ledger.js'
import { createReplayDecider } from './replay.js'
import { createRuleDecider } from './rules.js'
import { sampleCloses, sampleContext } from './testing/context.js'
import { anthropicText, replying, useMswServer } from './testing/provider-fixtures.js'

const server = useMswServer()
const dir = mkdtempSync(join(tmpdir(), 'ai-decider-ledger-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// The fixture answer spends 812 input and 64 output tokens.
const prices = { 'claude-sonnet-5-5': { input: '3', output: '15' } }
const perCall = '0.00339600' // 812 × 3 + 64 × 15 = 3,396 dollars per million tokens

describe('cost ledger', () => {
  it('records tokens and cost per decision and per run, and what replays saved, from the price table', async () => {
    server.use(replying('https://api.anthropic.com/v1/messages', [anthropicText()]).handler)
    const claude = createClaudeDecider({ apiKey: 'sk-ant-test-123456', model: 'claude-sonnet-5-5', prices })
    const contexts = [sampleContext(), sampleContext({ closes: sampleCloses(61) })]

    const recording = createCostLedger()
    const recorder = createReplayDecider({ dir, mode: 'record', inner: claude })
    for (const context of contexts) recording.add(await recorder.decide(context))
    expect(recording.entries.map((entry) => [entry.asOf, entry.costUsd, entry.replay])).toEqual([
      [contexts[0]!.asOf, perCall, 'recorded'],
      [contexts[1]!.asOf, perCall, 'recorded'],
    ])
    expect(recording.totals()).toMatchObject({
      decisions: 2,
      costUsd: '0.00679200',
      savedUsd: '0.00000000',
      recorded: 2,
      usage: { inputTokens: 1624, outputTokens: 128 },
    })

    const replaying = createCostLedger()
    const replay = createReplayDecider({ dir, mode: 'replay', provider: 'anthropic', model: 'claude-sonnet-5-5', prices })
    for (const context of [...contexts, sampleContext({ closes: sampleCloses(62) })]) replaying.add(await replay.decide(context))
    expect(replaying.totals()).toEqual({
      decisions: 3,
      usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      costUsd: '0.00000000',
      unpriced: 0,
      savedUsd: '0.00679200',
      fromRecording: 2,
      recorded: 0,
      missing: 1,
      mismatched: 0,
    })
  })

  it('the audit record carries the same usage and cost as the result; a model missing from the table is counted as unpriced', async () => {
    server.use(replying('https://api.anthropic.com/v1/messages', [anthropicText()]).handler)
    const audits: unknown[] = []
    const result = await createClaudeDecider({
      apiKey: 'sk-ant-test-123456',
      model: 'claude-sonnet-5-5',
      prices,
      onAudit: (record) => audits.push(record),
    }).decide(sampleContext())
    expect(result.audit).toMatchObject({ usage: result.usage, costUsd: perCall })
    expect(audits).toEqual([result.audit])
    const unpriced = createCostLedger()
    unpriced.add(await createClaudeDecider({ apiKey: 'sk-ant-test-123456', model: 'claude-new' }).decide(sampleContext()))
    expect(unpriced.totals()).toMatchObject({ costUsd: '0.00000000', unpriced: 1 })
  })

  it("with the ledger's own price table, each call is priced by the model that made it, chain members included", async () => {
    const audits = [
      {
        model: 'claude-sonnet-5-5',
        usage: { inputTokens: 1000, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      },
      {
        model: 'gpt-6',
        usage: { inputTokens: 2000, outputTokens: 0, cacheReadTokens: 1000, cacheWriteTokens: 0, reasoningTokens: 0 },
      },
    ].map((member) => ({
      id: '',
      at: 0,
      market: 'KRW-BTC',
      provider: 'x',
      attempts: [],
      decision: holdDecision('x'),
      fallback: null,
      ...member,
    }))
    const chain = {
      ...(await createRuleDecider().decide(sampleContext())),
      provider: 'fallback',
      model: 'anthropic:claude-sonnet-5-5 > openai:gpt-6',
    }
    chain.audit = { ...chain.audit, model: chain.model, members: audits }
    const ledger = createCostLedger({ prices: { ...prices, 'gpt-6': { input: '1', output: '8', cacheRead: '0.1' } } })
    // Claude 1000 × 3 + 100 × 15 = 4,500; GPT 2000 × 1 + 1000 × 0.1 = 2,100 dollars per million tokens.
    expect(ledger.add(chain).costUsd).toBe('0.00660000')
    const partly = createCostLedger({ prices })
    expect(partly.add(chain).costUsd).toBeNull()
    expect(partly.totals()).toMatchObject({ unpriced: 1, costUsd: '0.00000000' })
  })
})
