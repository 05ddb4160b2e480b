import { describe, expect, it } from 'vitest'
import { decisionQuality } from './decision-quality.js'
import { TradeLogUsageError } from './errors.js'
import type { DecisionEntry } from './schemas.js'
import { AUG_1, DAY, HOUR, trade } from './test-support/entries.js'

const MINUTE = 60_000

const decision = (
  tsMs: number,
  decisionId: string,
  action: DecisionEntry['action'],
  confidence: number,
  price: string,
  extra: Record<string, unknown> = {},
): DecisionEntry => ({
  ts: new Date(tsMs).toISOString(),
  tsMs,
  decisionId,
  market: 'KRW-BTC',
  provider: 'anthropic',
  model: 'claude-x',
  action,
  confidence,
  reason: `${action} because`,
  usage: { inputTokens: 1000, outputTokens: 100 },
  price,
  ...extra,
})
const rules = { provider: 'rules', model: 'sma-rsi' }

// Decider A (anthropic / claude-x) and its fallback B (rules / sma-rsi). The prices are the ones each decision
// logged, plus the fills'. Outcomes are measured one day after each decision.
const decisions = [
  decision(AUG_1, 'd1', 'buy', 0.9, '100', { costUsd: '0.0031' }), //          acted; a day later 110: +10 %, a hit
  decision(AUG_1 + 12 * HOUR, 'd2', 'hold', 0.6, '105', { costUsd: '0.0029' }), // held
  decision(AUG_1 + DAY, 'd3', 'sell', 0.7, '110', { costUsd: '0.0030' }), //   acted; a day later 99: −10 %, a hit for a sell
  // The model proposed a buy; the risk limits made it a hold. A day later 95: −4.04 %, a miss for the proposal.
  decision(AUG_1 + 2 * DAY, 'd4', 'hold', 0.8, '99', { costUsd: '0.0030', proposed: { action: 'buy', confidence: 0.8 } }),
  decision(AUG_1 + 3 * DAY, 'd5', 'hold', 0.5, '95', { ...rules, fallbackReason: 'timeout: no answer in 30000 ms' }),
  decision(AUG_1 + 3 * DAY, 'd6', 'buy', 0.55, '95', { ...rules, fallbackReason: 'timeout: no answer in 30000 ms' }), // acted, pending
  decision(AUG_1 + 3 * DAY + HOUR, 'd7', 'sell', 0.65, '96', { ...rules, fallbackReason: 'rate_limited: 429 from the API' }),
]
const fills = [
  trade(AUG_1 + MINUTE, { side: 'buy', volume: '1', price: '100', funds: '100', fee: '0', decisionId: 'd1' }),
  trade(AUG_1 + DAY + MINUTE, { side: 'sell', volume: '1', price: '110', funds: '110', fee: '0', decisionId: 'd3' }), // the trip d1 opened: +10
  trade(AUG_1 + 3 * DAY + MINUTE, { side: 'buy', volume: '1', price: '95', funds: '95', fee: '0', decisionId: 'd6' }),
  trade(AUG_1 + 3 * DAY + 2 * MINUTE, { market: 'KRW-ETH', decisionId: 'another-bot' }),
]

describe('decisionQuality', () => {
  const result = decisionQuality(decisions, fills, [], { horizonMs: DAY })

  it('counts decisions, acted on, held and fallbacks with their reasons per decider and model', () => {
    expect(result.deciders.map((d) => [d.provider, d.model])).toEqual([
      ['anthropic', 'claude-x'],
      ['rules', 'sma-rsi'],
    ])
    const [a, b] = result.deciders
    expect(a).toMatchObject({ decisions: 4, buys: 1, sells: 1, held: 2, actedOn: 2, notActedOn: 0, fallbacks: 0 })
    expect(b).toMatchObject({ decisions: 3, buys: 1, sells: 1, held: 1, actedOn: 1, notActedOn: 1, fallbacks: 3 })
    expect(b!.fallbackReasons).toEqual([
      { reason: 'timeout', count: 2 },
      { reason: 'rate_limited', count: 1 },
    ])
    expect(result.total).toMatchObject({ provider: '*', model: '*', decisions: 7, actedOn: 3, fallbacks: 3 })
    expect(result.unmatchedFills).toBe(1)
  })

  it('measures acted-on decisions a stated horizon later, and the round trips they opened', () => {
    const [a, b] = result.deciders
    // d1: 100 → 110 (+0.1, up after a buy); d3: 110 → 99 (−0.1, down after a sell, signed +0.1).
    expect(a!.outcome).toEqual({
      evaluated: 2,
      pending: 0,
      hitRate: 1,
      meanReturn: 0.1,
      roundTrips: { closed: 1, wins: 1, losses: 0, profit: '10' },
    })
    // d6 bought at 95 on the last day: no price a day later yet; its round trip is still open.
    expect(b!.outcome).toMatchObject({ evaluated: 0, pending: 1, hitRate: null, roundTrips: { closed: 0, profit: '0' } })
    expect(b!.reasons['outcome.hitRate']).toBe('the log has no price 24 h after the acted-on decisions yet')
  })

  it('calibrates the proposals: hit rate by confidence bucket and the Brier score', () => {
    const [a] = result.deciders
    // Proposals with a direction and an outcome: d1 buy 0.9 (hit), d3 sell 0.7 (hit), d4 buy 0.8 (miss).
    // Brier = ((0.9 − 1)² + (0.7 − 1)² + (0.8 − 0)²) / 3 = (0.01 + 0.09 + 0.64) / 3
    expect(a!.calibration.evaluated).toBe(3)
    expect(a!.calibration.brier).toBe(0.24666667)
    expect(a!.calibration.buckets.filter((bucket) => bucket.decisions > 0)).toEqual([
      { from: 0.7, to: 0.8, decisions: 1, meanConfidence: 0.7, hitRate: 1 },
      { from: 0.8, to: 0.9, decisions: 1, meanConfidence: 0.8, hitRate: 0 },
      { from: 0.9, to: 1, decisions: 1, meanConfidence: 0.9, hitRate: 1 },
    ])
    expect(a!.calibration.buckets).toHaveLength(10)
    expect(result.deciders[1]!.calibration.brier).toBeNull()
  })

  it('cost per decision and per unit of profit where the entries carry costUsd; why not where they do not', () => {
    const [a, b] = result.deciders
    // 0.0031 + 0.0029 + 0.0030 + 0.0030 = 0.012 over 4 decisions; the round trip d1 opened made 10 (KRW).
    expect(a!.cost).toEqual({
      inputTokens: 4000,
      outputTokens: 400,
      pricedDecisions: 4,
      costUsd: '0.012',
      perDecisionUsd: '0.003',
      perProfit: 0.0012,
    })
    expect(b!.cost).toMatchObject({ pricedDecisions: 0, costUsd: null, perDecisionUsd: null, perProfit: null })
    expect(b!.reasons['cost.perProfit']).toMatch(/no decision entry carries costUsd/)
  })

  it('a longer horizon moves the outcome to the price then', () => {
    const later = decisionQuality(decisions, fills, [], { horizonMs: 2 * DAY })
    // d1: 100 → first price two days later is 99 (d4): −1 %, a miss; d3: 110 → 95 (d5 at +3 days): a hit.
    expect(later.deciders[0]!.outcome).toMatchObject({ evaluated: 2, hitRate: 0.5, meanReturn: 0.06318182 })
    expect(later.horizonMs).toBe(2 * DAY)
  })

  it('error: a horizon or bucket count that is not usable is a TradeLogUsageError naming it', () => {
    expect(() => decisionQuality(decisions, fills, [], { horizonMs: 0 })).toThrow(TradeLogUsageError)
    expect(() => decisionQuality(decisions, fills, [], { horizonMs: Number.NaN })).toThrow(/horizonMs must be a positive/)
    expect(() => decisionQuality(decisions, fills, [], { buckets: 0 })).toThrow(/buckets must be a whole number/)
  })

  it('empty logs give zero counts and say why each rate is missing', () => {
    const empty = decisionQuality([], [])
    expect(empty.deciders).toEqual([])
    expect(empty.total).toMatchObject({ decisions: 0, outcome: { hitRate: null }, calibration: { brier: null } })
    expect(Object.keys(empty.total.reasons).sort()).toEqual([
      'calibration.brier',
      'cost.costUsd',
      'cost.perDecisionUsd',
      'cost.perProfit',
      'outcome.hitRate',
      'outcome.meanReturn',
    ])
  })
})
