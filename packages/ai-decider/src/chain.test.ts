import { describe, expect, it } from 'vitest'
import { createClaudeDecider } from './claude.js'
import { createFallbackDecider } from './fallback.js'
import { createGptDecider } from './gpt.js'
import { applyRiskLimits, riskStateFromContext } from './risk.js'
import { createRuleDecider } from './rules.js'
import { sampleContext } from './testing/context.js'
import { edit, fastRetry, fixture, replying, useMswServer } from './testing/provider-fixtures.js'

const server = useMswServer()
const context = sampleContext()
const buyAll = { action: 'buy', confidence: 0.95, size: 1, reason: 'to the moon', stopLoss: 1, takeProfit: null }
const gptAnswer = edit(fixture('openai.responses.response'), (f) => {
  const message = (f.body.output as { type: string; content: { text: string }[] }[]).find((item) => item.type === 'message')!
  message.content[0]!.text = JSON.stringify(buyAll)
})

describe('Claude → GPT → rules, then risk limits', () => {
  it('an overloaded Claude falls over to GPT, whose all-in buy the risk limits cut to size', async () => {
    const claude = replying('https://api.anthropic.com/v1/messages', [fixture('anthropic.error.529')])
    const gpt = replying('https://api.openai.com/v1/responses', [gptAnswer])
    server.use(claude.handler, gpt.handler)
    const prices = { 'gpt-5.1': { input: '1.25', output: '10' } }
    const decider = createFallbackDecider([
      createClaudeDecider({ apiKey: 'sk-ant-chain-test', model: 'claude-sonnet-5-5', ...fastRetry }),
      createGptDecider({ apiKey: 'sk-chain-test', model: 'gpt-5.1', prices, ...fastRetry }),
      createRuleDecider(),
    ])
    const result = await decider.decide(context, { deadlineMs: 10_000 })
    expect(claude.captured).toHaveLength(3) // first attempt + 2 retries
    expect(result).toMatchObject({ provider: 'openai', model: 'gpt-5.1-2025-11-13', fallback: null, decision: buyAll })
    expect(result.costUsd).toBe('0.00290625') // 805 × 1.25 + 190 × 10 per million
    expect(result.audit.members?.map((member) => member.fallback?.code ?? 'ok')).toEqual(['overloaded', 'ok'])

    const state = riskStateFromContext(context, { lastTradeAt: null, ordersToday: 0, dailyPnl: '0' })
    const { order, clamps } = applyRiskLimits(result.decision, state, { maxPositionFraction: 0.5, maxOrderQuote: '100000' })
    expect(order).toMatchObject({ side: 'buy', quoteAmount: '100000', stopLoss: 1 })
    expect(clamps.map((clamp) => clamp.rule)).toEqual(['max_order_quote'])
  })
})
