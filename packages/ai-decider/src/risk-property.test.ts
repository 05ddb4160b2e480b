/**
 * The risk property: whatever the model says, `applyRiskLimits` returns no order or an order inside every limit.
 * The generators aim at the edges (full-balance buys, limits set exactly at the requested amount and one unit
 * either side, zero and dust balances, fractional balances whose fee rounds up), and the mutation check switches
 * each guard off in turn: the property must then find a counterexample, so no guard is untested decoration.
 */
import Big from 'big.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Decision } from './decision.js'
import {
  applyRiskLimitsWithout,
  RISK_GUARDS,
  type RiskCheckedDecision,
  type RiskGuard,
  type RiskLimits,
  type RiskState,
} from './risk.js'

const NOW = Date.UTC(2026, 10, 22, 3)
const DEFAULT_FEE = '0.0005'

interface Case {
  decision: Decision
  state: RiskState
  limits: RiskLimits
}

// --- generators -------------------------------------------------------------------------------------------------

const fraction = fc.integer({ min: 0, max: 10_000 }).map((n) => n / 10_000)
/** Up to 8 decimals: balances on an exchange are often fractional even in KRW, which is where a fee rounds up. */
const eightDecimals = (max: bigint) => fc.bigInt({ min: 0n, max }).map((n) => new Big(n.toString()).div(1e8).toFixed())
const quoteBalance = fc.oneof(
  fc.constantFrom('0', '0.00000001', '1', '4999', '5000', '5001', '6004.3', '1000000', '1000000.5'),
  fc.integer({ min: 0, max: 10_000_000_000 }).map(String),
  eightDecimals(10n ** 18n),
)
const baseBalance = fc.oneof(fc.constantFrom('0', '0.00000001', '0.00000003', '0.001', '1'), eightDecimals(100n * 10n ** 8n))
const price = fc.oneof(
  fc.constantFrom(1, 0.5, 1000, 135_000_000, 99_999_999.5),
  fc.double({ min: 0.0001, max: 2e8, noNaN: true }),
)
// Full-balance requests are where the fee reserve and the balance bound decide, so they come often.
const size = fc.oneof({ arbitrary: fc.constant(1), weight: 3 }, fc.constantFrom(0, 1e-9, 0.5, 0.333333333), fraction)
const level = fc.option(fc.oneof(fc.constantFrom('at', 'above', 'below'), fc.double({ min: 0.0001, max: 3e8, noNaN: true })))

// A model's worst: right shape with absurd numbers, wrong types, or anything at all.
const hostileNumber = fc.oneof(
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 1e308, -1, 1.0000001, 7, 100),
  fc.integer(),
)
const hostileDecision = fc.oneof(
  fc.record({
    action: fc.constantFrom('buy', 'sell', 'hold', 'BUY', 'short', ''),
    confidence: hostileNumber,
    size: hostileNumber,
    reason: fc.string({ maxLength: 20 }),
    stopLoss: fc.option(hostileNumber),
    takeProfit: fc.option(hostileNumber),
  }),
  fc.anything(),
)

/** Independent picks; `assemble` then places each limit exactly at, one unit over or under, what the case asks. */
const picks = fc.record({
  action: fc.constantFrom('buy' as const, 'sell' as const),
  quote: quoteBalance,
  base: baseBalance,
  price,
  size,
  confidence: fc.oneof(fc.constantFrom(0, 1), fraction),
  stopLoss: level,
  takeProfit: level,
  quoteDecimals: fc.constantFrom(0, 0, 2, 8),
  baseDecimals: fc.constantFrom(8, 8, 4, 0),
  feeRate: fc.constantFrom(undefined, '0', '0.0005', '0.0025', '0.01', '0.00139'),
  maxOrder: fc.oneof(
    fc.constantFrom('exact', 'one-over', 'one-under', 'zero', 'balance'),
    fc.integer({ min: 0, max: 5_000_000 }).map(String),
  ),
  minOrder: fc.constantFrom('default', '0', 'exact', 'one-over', '1'),
  positionFraction: fc.oneof({ arbitrary: fc.constant(1), weight: 2 }, fc.constantFrom(0, 'exact'), fraction),
  minConfidence: fc.oneof({ arbitrary: fc.constantFrom(0, 'exact'), weight: 2 }, fc.constantFrom(1, 'one-over'), fraction),
  cooldownMs: fc.nat(3_600_000),
  sinceLastTrade: fc.oneof(
    { arbitrary: fc.constant(null), weight: 2 },
    fc.constantFrom('exact', 'one-short', 'one-past'),
    fc.nat(7_200_000),
  ),
  maxOrdersPerDay: fc.option(fc.integer({ min: 1, max: 20 })),
  ordersToday: fc.oneof(fc.constantFrom('at', 'one-below'), fc.nat(25)),
  lossLimit: fc.option(fc.integer({ min: 0, max: 500_000 })),
  dailyPnl: fc.oneof(fc.constantFrom('at', 'one-over', 'one-under'), fc.integer({ min: -600_000, max: 1_000_000 })),
  // One case in five is a hostile answer instead of the assembled decision.
  hostile: fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: hostileDecision, weight: 1 }),
})

const unit = (decimals: number) => new Big(10).pow(-decimals)
const floorTo = (value: Big, decimals: number) => value.round(decimals, Big.roundDown)

type Picks = typeof picks extends fc.Arbitrary<infer T> ? T : never

function assemble(p: Picks): Case {
  const quoteDecimals = p.quoteDecimals
  const px = new Big(p.price)
  // What the decision asks for before any limit: the edges below are placed around it.
  const requested =
    p.action === 'buy'
      ? floorTo(new Big(p.quote).times(p.size), quoteDecimals)
      : floorTo(new Big(p.base).times(p.size).times(px), quoteDecimals)
  const around = (edge: string): string =>
    edge === 'exact'
      ? requested.toFixed()
      : edge === 'one-over'
        ? requested.minus(unit(quoteDecimals)).toFixed() // the request is one unit over the limit
        : edge === 'one-under'
          ? requested.plus(unit(quoteDecimals)).toFixed()
          : edge === 'zero'
            ? '0'
            : edge === 'balance'
              ? p.quote
              : edge
  const maxOrderQuote = around(p.maxOrder)
  const minOrderQuote =
    p.minOrder === 'default'
      ? undefined
      : p.minOrder === 'exact'
        ? requested.toFixed()
        : p.minOrder === 'one-over'
          ? requested.plus(unit(quoteDecimals)).toFixed() // the request is one unit under the minimum
          : p.minOrder
  const positionValue = new Big(p.base).times(px)
  const equity = new Big(p.quote).plus(positionValue)
  const maxPositionFraction =
    p.positionFraction === 'exact'
      ? equity.gt(0)
        ? Math.min(1, Number(positionValue.div(equity).toPrecision(15)))
        : 0
      : Number(p.positionFraction)
  const minConfidence =
    p.minConfidence === 'exact'
      ? p.confidence
      : p.minConfidence === 'one-over'
        ? Math.min(1, p.confidence + 1e-9)
        : Number(p.minConfidence)
  const lastTradeAt =
    p.sinceLastTrade === null
      ? null
      : NOW -
        (p.sinceLastTrade === 'exact'
          ? p.cooldownMs
          : p.sinceLastTrade === 'one-short'
            ? p.cooldownMs - 1
            : p.sinceLastTrade === 'one-past'
              ? p.cooldownMs + 1
              : p.sinceLastTrade)
  const maxOrdersPerDay = p.maxOrdersPerDay ?? undefined
  const ordersToday =
    typeof p.ordersToday === 'number' ? p.ordersToday : Math.max(0, (maxOrdersPerDay ?? 5) - (p.ordersToday === 'at' ? 0 : 1))
  const lossLimit = p.lossLimit ?? undefined
  const dailyPnl =
    typeof p.dailyPnl === 'number'
      ? String(p.dailyPnl)
      : String(-(lossLimit ?? 50_000) + (p.dailyPnl === 'at' ? 0 : p.dailyPnl === 'one-over' ? -1 : 1))
  const priceLevel = (pick: string | number | null): number | null =>
    pick === null
      ? null
      : pick === 'at'
        ? p.price
        : pick === 'above'
          ? p.price * 1.01
          : pick === 'below'
            ? p.price * 0.99
            : Number(pick)
  const decision: Decision = {
    action: p.action,
    confidence: p.confidence,
    size: p.size,
    reason: 'property',
    stopLoss: priceLevel(p.stopLoss),
    takeProfit: priceLevel(p.takeProfit),
  }
  return {
    decision: p.hostile === null ? decision : (p.hostile as Decision),
    state: { now: NOW, price: p.price, quoteBalance: p.quote, baseBalance: p.base, lastTradeAt, ordersToday, dailyPnl },
    limits: {
      maxPositionFraction,
      maxOrderQuote: Big(maxOrderQuote).lt(0) ? '0' : maxOrderQuote,
      ...(minOrderQuote === undefined ? {} : { minOrderQuote: Big(minOrderQuote).lt(0) ? '0' : minOrderQuote }),
      minConfidence,
      cooldownMs: p.cooldownMs,
      ...(lossLimit === undefined ? {} : { dailyLossLimitQuote: String(lossLimit) }),
      ...(maxOrdersPerDay === undefined ? {} : { maxOrdersPerDay }),
      ...(p.feeRate === undefined ? {} : { feeRate: p.feeRate }),
      quoteDecimals,
      baseDecimals: p.baseDecimals,
    },
  }
}

const cases = picks.map(assemble)

// --- the property -----------------------------------------------------------------------------------------------

const decimalsOf = (text: string) => (text.split('.')[1] ?? '').length

/** Every limit an order breaks (empty: the order, or the absence of one, is inside all of them). */
function violations(c: Case, result: RiskCheckedDecision): string[] {
  try {
    return brokenLimits(c, result)
  } catch (error) {
    // An order the checks cannot even read (an amount that is not a number) is outside the limits too.
    return [`unreadable order: ${(error as Error).message}`]
  }
}

function brokenLimits({ decision, state, limits }: Case, { order, decision: clamped }: RiskCheckedDecision): string[] {
  if (order === null) return clamped.action === 'hold' || clamped.action === decision.action ? [] : ['no order yet not hold']
  const broken: string[] = []
  const check = (ok: boolean, rule: string) => {
    if (!ok) broken.push(rule)
  }
  const quote = new Big(order.quoteAmount)
  const qty = new Big(order.baseQuantity)
  const px = new Big(state.price)
  const quoteDecimals = limits.quoteDecimals ?? 0
  const fee = new Big(limits.feeRate ?? DEFAULT_FEE)
  check(clamped.action === order.side && decision.action === order.side, 'action')
  check(quote.gt(0) && quote.gte(limits.minOrderQuote ?? '5000'), 'min_order_quote')
  check(decision.confidence >= (limits.minConfidence ?? 0), 'min_confidence')
  check(state.ordersToday < (limits.maxOrdersPerDay ?? Number.POSITIVE_INFINITY), 'max_orders_per_day')
  if (limits.dailyLossLimitQuote !== undefined) {
    check(new Big(state.dailyPnl).gt(new Big(limits.dailyLossLimitQuote).times(-1)), 'daily_loss_limit')
  }
  if (state.lastTradeAt !== null) check(state.now - state.lastTradeAt >= (limits.cooldownMs ?? 0), 'cooldown')
  check(clamped.size >= 0 && clamped.size <= 1, 'size_range')
  check(decimalsOf(order.quoteAmount) <= quoteDecimals, 'quote_decimals')
  check(decimalsOf(order.baseQuantity) <= (limits.baseDecimals ?? 8), 'base_decimals')
  if (order.side === 'buy') {
    check(quote.lte(limits.maxOrderQuote), 'max_order_quote')
    // The fee as an exchange may charge it: rounded up to the quote currency's decimals.
    check(quote.plus(quote.times(fee).round(quoteDecimals, Big.roundUp)).lte(state.quoteBalance), 'fee_reserve')
    const positionAfter = new Big(state.baseBalance).times(px).plus(quote)
    const equity = new Big(state.quoteBalance).plus(new Big(state.baseBalance).times(px))
    check(positionAfter.lte(equity.times(limits.maxPositionFraction).plus('0.000001')), 'max_position_fraction')
    check(qty.times(px).lte(quote), 'buy_quantity')
    if (order.stopLoss !== null) check(order.stopLoss < state.price, 'stop_loss_side')
    if (order.takeProfit !== null) check(order.takeProfit > state.price, 'take_profit_side')
  } else {
    check(qty.lte(state.baseBalance), 'sell_quantity')
    check(qty.times(px).lte(limits.maxOrderQuote), 'max_order_quote')
    check(quote.lte(qty.times(px)), 'sell_proceeds')
    if (order.stopLoss !== null) check(order.stopLoss > state.price, 'stop_loss_side')
    if (order.takeProfit !== null) check(order.takeProfit < state.price, 'take_profit_side')
  }
  return broken
}

/** The limits a case's order breaks with the guards in `off` switched off; a throw counts as broken too. */
const withoutGuards = (off: ReadonlySet<RiskGuard>) => (c: Case) => {
  let result: RiskCheckedDecision
  try {
    result = applyRiskLimitsWithout(c.decision, c.state, c.limits, off)
  } catch (error) {
    return [`threw: ${(error as Error).message}`]
  }
  return violations(c, result)
}
const NONE: ReadonlySet<RiskGuard> = new Set()

describe('applyRiskLimits property: no model output produces an order outside the limits', () => {
  it('holds at the edges and for hostile decisions (RISK_RUNS=30000 for a deeper search)', () => {
    const broken = withoutGuards(NONE)
    fc.assert(
      fc.property(cases, (c) => {
        expect(broken(c)).toEqual([])
      }),
      { numRuns: Number(process.env.RISK_RUNS ?? 3000) },
    )
  }, 60_000)

  it('is not vacuous: orders pass at the edges, full-balance buys and limits met exactly included', () => {
    const seen = { orders: 0, fullBalanceBuys: 0, atMaxOrder: 0, atMinOrder: 0, feeBound: 0 }
    fc.assert(
      fc.property(cases, (c) => {
        const { order, clamps } = applyRiskLimitsWithout(c.decision, c.state, c.limits, NONE)
        if (!order) return
        seen.orders++
        if (order.side === 'buy' && c.decision.size === 1) seen.fullBalanceBuys++
        if (new Big(order.quoteAmount).eq(c.limits.maxOrderQuote)) seen.atMaxOrder++
        if (new Big(order.quoteAmount).eq(c.limits.minOrderQuote ?? '5000')) seen.atMinOrder++
        if (clamps.some((clamp) => clamp.rule === 'available_balance')) seen.feeBound++
      }),
      // Orders pass in about one case in 23 and each edge in a fraction of those: 12,000 runs put every count's
      // mean near 60 (the lowest in 60 seeds: 41), so "more than 5" fails only when a generator stops reaching its edge, not by chance
      // (3,000 runs gave a count of 3 once in CI).
      { numRuns: 12_000 },
    )
    for (const [what, count] of Object.entries(seen)) expect(count, what).toBeGreaterThan(5)
  }, 60_000)
})

describe('mutation check: with any single guard switched off, the property finds an order outside the limits', () => {
  it('the guard list names every guard once', () => {
    expect(new Set(RISK_GUARDS).size).toBe(RISK_GUARDS.length)
    expect(RISK_GUARDS.length).toBeGreaterThanOrEqual(13)
  })

  for (const guard of RISK_GUARDS) {
    it(`without ${guard}`, () => {
      const broken = withoutGuards(new Set([guard]))
      const outcome = fc.check(
        fc.property(cases, (c) => broken(c).length === 0),
        { numRuns: 20_000 },
      )
      expect(outcome.failed, `no counterexample in ${outcome.numRuns} runs without ${guard}`).toBe(true)
      const [counterexample] = outcome.counterexample ?? []
      expect(broken(counterexample!).length).toBeGreaterThan(0)
    }, 60_000)
  }
})
