// Run by scripts/check-packages.mjs against the installed tarball: one real call per entry point.
import assert from 'node:assert/strict'

export default {
  '.': async (m) => {
    assert.equal(m.parseDecision(m.holdDecision('smoke')).action, 'hold')
    const context = {
      market: 'KRW-BTC',
      asOf: 3_600_000, // the close of the one hourly candle below: nothing in the context is later

      candles: { '1h': [] },
      ticker: { price: 100 },
      balances: { quote: '100000', base: '0' },
    }
    // trading-signals and p-retry are ESM-only: this proves the CJS build inlined them.
    const result = await m.createRuleDecider().decide(context)
    assert.equal(result.fallback.code, 'insufficient_data')
    const buy = { action: 'buy', confidence: 1, size: 1, reason: 'smoke', stopLoss: null, takeProfit: null }
    const state = {
      now: 0,
      price: 100,
      quoteBalance: '100000',
      baseBalance: '0',
      lastTradeAt: null,
      ordersToday: 0,
      dailyPnl: '0',
    }
    const { order } = m.applyRiskLimits(buy, state, { maxPositionFraction: 0.5, maxOrderQuote: '20000' })
    assert.equal(order.quoteAmount, '20000')
    // ofetch and p-retry (ESM-only, inlined in CJS): a 529 is retried, then the answer is parsed.
    const replies = [
      { status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } },
      { status: 200, body: { content: [{ type: 'text', text: JSON.stringify(buy) }], stop_reason: 'end_turn', usage: {} } },
    ]
    const fetch = async () => {
      const reply = replies.shift()
      return new Response(JSON.stringify(reply.body), { status: reply.status, headers: { 'content-type': 'application/json' } })
    }
    const claude = m.createClaudeDecider({
      apiKey: 'smoke-key',
      model: 'claude-sonnet-5-5',
      fetch,
      retry: { minDelayMs: 1, minAttemptMs: 1 },
    })
    const full = { ...context, candles: { '1h': [{ time: 0, open: 1, high: 1, low: 1, close: 1, volume: 1 }] } }
    const answered = await claude.decide(full)
    assert.equal(answered.fallback, null)
    assert.equal(answered.decision.action, 'buy')
    assert.equal(answered.audit.attempts.length, 2)
    // The point-in-time rule holds in the built package too: a candle closing after asOf is refused.
    const late = { ...full, asOf: 1 }
    assert.equal((await m.createRuleDecider().decide(late)).fallback.code, 'look_ahead')
  },
  './testing': async (m) => {
    const decider = m.createScriptedDecider([
      { action: 'hold', confidence: 1, size: 0, reason: 'x', stopLoss: null, takeProfit: null },
    ])
    const result = await decider.decide(m.sampleContext())
    assert.equal(result.decision.action, 'hold')
    assert.equal(result.fallback, null)
  },
}
