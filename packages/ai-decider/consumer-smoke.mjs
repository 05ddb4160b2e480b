// Run by scripts/check-packages.mjs against the installed tarball: one real call per entry point.
import assert from 'node:assert/strict'

export default {
  '.': async (m) => {
    assert.equal(m.parseDecision(m.holdDecision('smoke')).action, 'hold')
    const context = {
      market: 'KRW-BTC',
      asOf: 0,
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
