/**
 * A child bot for the crash tests: the real command line (`cli.ts run`, configured from the environment) with a
 * decider that always wants to trade (buy 40% when flat, sell everything when holding), so the daily order limit
 * and the cooldown are what stop it. Crash points come from TRADEKIT_BOT_CRASH_AT (see crash-points.ts).
 */
import type { Decider, DecisionResult, MarketContext } from '@tradekit/ai-decider'
import { runAsProcess } from '../cli.js'

const churn = (context: MarketContext) => {
  const holding = Number(context.position?.quantity ?? 0) > 0
  const action = holding ? 'sell' : 'buy'
  return { action, size: holding ? 1 : 0.4, confidence: 0.9, reason: `churn ${action}`, stopLoss: null, takeProfit: null }
}

// A bare decider: the bot's cycle validates the decision and fills in the rest of the result, as for any
// foreign decider.
const decider: Decider = {
  provider: 'churn',
  model: 'always-trade',
  decide: async (context) => ({ decision: churn(context) }) as unknown as DecisionResult,
}

runAsProcess(process.argv.slice(2), { decider })
