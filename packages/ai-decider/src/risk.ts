/**
 * Risk limits owned by the caller, not the model. `applyRiskLimits` turns any decision, however hostile, into
 * either no order or an order inside every limit, and lists each change it made.
 */
import type Big from 'big.js'
import type { MarketContext } from './context.js'
import type { ClampEvent } from './decider.js'
import { Decision, holdDecision } from './decision.js'
import { DeciderConfigError } from './errors.js'
import {
  effectiveFraction,
  type Holdings,
  lossLimitReached,
  type SizedOrder,
  type SizeLimits,
  sizeBuy,
  sizeSell,
  toDecimal,
} from './money.js'

/** The limits. Amounts are in the quote currency (e.g. KRW) as decimal strings. */
export interface RiskLimits {
  /** Largest share (0..1) of equity (free quote + position value) that may sit in the base asset after a buy. Required. */
  maxPositionFraction: number
  /** Largest single order, in quote currency. Required. */
  maxOrderQuote: string
  /** Smallest order the exchange accepts; smaller orders become hold. Default `'5000'` (Upbit KRW markets). */
  minOrderQuote?: string | undefined
  /** Decisions less confident than this become hold. Default `0`. */
  minConfidence?: number | undefined
  /** Minimum time between two trades in milliseconds. Default `0`. */
  cooldownMs?: number | undefined
  /** Kill switch: once today's PnL is at or below minus this amount, no more trades today. Default: no limit. */
  dailyLossLimitQuote?: string | undefined
  /** Most orders in one day. Default: no limit. */
  maxOrdersPerDay?: number | undefined
  /** Taker fee rate reserved on buys so the balance covers amount + fee. Default `'0.0005'` (0.05 %). */
  feeRate?: string | undefined
  /** Decimals of quote amounts; amounts are rounded down. Default `0` (KRW). */
  quoteDecimals?: number | undefined
  /** Decimals of base quantities; quantities are rounded down. Default `8`. */
  baseDecimals?: number | undefined
}

/** The portfolio and trading history the limits are checked against. */
export interface RiskState {
  /** Current time, UTC milliseconds. */
  now: number
  /** Current mark price of the base asset in quote currency. */
  price: number
  /** Free quote balance, decimal string. */
  quoteBalance: string
  /** Free base balance, decimal string. */
  baseBalance: string
  /** When the last order was placed (UTC ms), or null. */
  lastTradeAt: number | null
  /** Orders placed today. */
  ordersToday: number
  /** Today's realised + unrealised PnL in quote currency, decimal string (negative is a loss). */
  dailyPnl: string
}

/** An order inside the limits: place `quoteAmount` for a market buy, `baseQuantity` for a market sell. */
export interface RiskOrder {
  side: 'buy' | 'sell'
  /** Quote currency to spend (buy) or the estimated proceeds (sell), decimal string rounded down. */
  quoteAmount: string
  /** Base quantity to sell (sell) or the estimated quantity bought (buy), decimal string rounded down. */
  baseQuantity: string
  stopLoss: number | null
  takeProfit: number | null
}

export interface RiskCheckedDecision {
  /** The decision after the limits: `hold` when blocked, `size` reduced to the effective fraction. */
  decision: Decision
  /** The order to place, or null for no order. */
  order: RiskOrder | null
  clamps: ClampEvent[]
}

/**
 * Every guard `applyRiskLimits` enforces, by name. The property test in `risk.test.ts` switches each one off in turn
 * (through `applyRiskLimitsWithout`) and must then find an order outside the limits: no guard is decoration.
 */
export const RISK_GUARDS = [
  'decision_validation',
  'daily_loss_limit',
  'max_orders_per_day',
  'cooldown',
  'min_confidence',
  'max_order_quote',
  'max_position_fraction',
  'fee_reserve',
  'fee_rounding',
  'round_down',
  'min_order_quote',
  'stop_loss_side',
  'take_profit_side',
] as const satisfies readonly (string & {})[]

export type RiskGuard = (typeof RISK_GUARDS)[number]

const ALL_GUARDS_ON: ReadonlySet<RiskGuard> = new Set()

interface ResolvedLimits extends SizeLimits {
  minOrderQuote: Big
  minConfidence: number
  cooldownMs: number
  dailyLossLimitQuote: Big | undefined
  maxOrdersPerDay: number
}

function resolveLimits(limits: RiskLimits): ResolvedLimits {
  const fail = (field: string, rule: string): never => {
    throw new DeciderConfigError(`Risk limit ${field} ${rule}. Fix the limits passed to applyRiskLimits.`)
  }
  const decimal = (field: string, value: string | undefined, fallback: string): Big => {
    const parsed = toDecimal(value ?? fallback)
    if (parsed === undefined || parsed.lt(0) || typeof (value ?? fallback) !== 'string') {
      return fail(field, 'must be a non-negative decimal string')
    }
    return parsed
  }
  const number = (field: string, value: number | undefined, fallback: number, max = Number.POSITIVE_INFINITY) => {
    const resolved = value ?? fallback
    if (typeof resolved !== 'number' || Number.isNaN(resolved) || resolved < 0 || resolved > max) {
      return fail(field, `must be a number from 0 to ${max}`)
    }
    return resolved
  }
  const digits = (field: string, value: number | undefined, fallback: number) => {
    const resolved = number(field, value, fallback, 18)
    return Number.isInteger(resolved) ? resolved : fail(field, 'must be an integer')
  }
  return {
    maxPositionFraction: toDecimal(number('maxPositionFraction', limits.maxPositionFraction, -1, 1))!,
    maxOrderQuote: decimal('maxOrderQuote', limits.maxOrderQuote, ''),
    minOrderQuote: decimal('minOrderQuote', limits.minOrderQuote, '5000'),
    minConfidence: number('minConfidence', limits.minConfidence, 0, 1),
    cooldownMs: number('cooldownMs', limits.cooldownMs, 0),
    dailyLossLimitQuote:
      limits.dailyLossLimitQuote === undefined ? undefined : decimal('dailyLossLimitQuote', limits.dailyLossLimitQuote, ''),
    maxOrdersPerDay: number('maxOrdersPerDay', limits.maxOrdersPerDay, Number.POSITIVE_INFINITY),
    feeRate: decimal('feeRate', limits.feeRate, '0.0005'),
    quoteDecimals: digits('quoteDecimals', limits.quoteDecimals, 0),
    baseDecimals: digits('baseDecimals', limits.baseDecimals, 8),
  }
}

function readState(state: RiskState): { holdings: Holdings; dailyPnl: Big } | string {
  if (typeof state !== 'object' || state === null) return 'the state is not an object'
  const quote = toDecimal(state.quoteBalance)
  const base = toDecimal(state.baseBalance)
  const dailyPnl = toDecimal(state.dailyPnl)
  const price = toDecimal(state.price)
  if (quote === undefined || quote.lt(0)) return 'quoteBalance is not a non-negative decimal'
  if (base === undefined || base.lt(0)) return 'baseBalance is not a non-negative decimal'
  if (dailyPnl === undefined) return 'dailyPnl is not a decimal'
  if (price === undefined || price.lte(0)) return 'price is not a positive number'
  if (!Number.isFinite(state.now)) return 'now is not a time'
  if (!(Number.isInteger(state.ordersToday) && state.ordersToday >= 0)) return 'ordersToday is not a count'
  if (state.lastTradeAt !== null && !Number.isFinite(state.lastTradeAt)) return 'lastTradeAt is not a time or null'
  return { holdings: { quote, base, price }, dailyPnl }
}

/** Why no trade may happen now, checked before sizing: kill switch, order count, cooldown, confidence. */
function blockingRule(
  decision: Decision,
  state: RiskState,
  dailyPnl: Big,
  limits: ResolvedLimits,
  off: ReadonlySet<RiskGuard>,
): ClampEvent | undefined {
  const on = (guard: RiskGuard) => !off.has(guard)
  if (
    on('daily_loss_limit') &&
    limits.dailyLossLimitQuote !== undefined &&
    lossLimitReached(dailyPnl, limits.dailyLossLimitQuote)
  ) {
    return {
      rule: 'daily_loss_limit',
      detail: `today's PnL ${dailyPnl.toFixed()} reached the daily loss limit of ${limits.dailyLossLimitQuote.toFixed()}: trading is stopped for today`,
    }
  }
  if (on('max_orders_per_day') && state.ordersToday >= limits.maxOrdersPerDay) {
    return { rule: 'max_orders_per_day', detail: `${state.ordersToday} orders today, the limit is ${limits.maxOrdersPerDay}` }
  }
  if (on('cooldown') && state.lastTradeAt !== null && state.now - state.lastTradeAt < limits.cooldownMs) {
    const waitMs = limits.cooldownMs - (state.now - state.lastTradeAt)
    return { rule: 'cooldown', detail: `the last trade was too recent; next trade allowed in ${waitMs} ms` }
  }
  if (on('min_confidence') && decision.confidence < limits.minConfidence) {
    return {
      rule: 'min_confidence',
      detail: `confidence ${decision.confidence} is below the minimum ${limits.minConfidence}`,
      from: decision.confidence,
    }
  }
  return undefined
}

/** Stop-loss below and take-profit above the price for a buy; the reverse for a sell. Wrong-side levels become null. */
function checkLevels(
  decision: Decision,
  price: number,
  clamps: ClampEvent[],
  off: ReadonlySet<RiskGuard>,
): Pick<Decision, 'stopLoss' | 'takeProfit'> {
  const below = decision.action === 'buy'
  const level = (name: 'stopLoss' | 'takeProfit', shouldBeBelow: boolean) => {
    const value = decision[name]
    if (off.has(name === 'stopLoss' ? 'stop_loss_side' : 'take_profit_side')) return value
    if (value === null || (shouldBeBelow ? value < price : value > price)) return value
    clamps.push({
      rule: name === 'stopLoss' ? 'stop_loss_side' : 'take_profit_side',
      detail: `${name} ${value} must be ${shouldBeBelow ? 'below' : 'above'} the current price ${price} for a ${decision.action}; dropped`,
      from: value,
      to: null,
    })
    return null
  }
  return { stopLoss: level('stopLoss', below), takeProfit: level('takeProfit', !below) }
}

const BOUND_DETAIL: Record<string, string> = {
  max_order_quote: 'cut to the maximum order size',
  max_position_fraction: 'cut so the position stays within the maximum fraction of equity',
  available_balance: 'cut to what the free balance can pay, fees included',
}

function hold(decision: Decision | undefined, clamp: ClampEvent, clamps: ClampEvent[]): RiskCheckedDecision {
  clamps.push(clamp)
  const reason = `Risk limits: ${clamp.detail}.`
  return { decision: { ...holdDecision(reason), confidence: decision?.confidence ?? 0 }, order: null, clamps }
}

/**
 * Applies the risk limits to a decision (validated again here: it may come straight from a model). Returns the
 * clamped decision, the order to place (or null) and the clamp events. Throws `DeciderConfigError` for bad limits;
 * a bad state fails closed to hold.
 */
export function applyRiskLimits(decision: Decision, state: RiskState, limits: RiskLimits): RiskCheckedDecision {
  return applyRiskLimitsWithout(decision, state, limits, ALL_GUARDS_ON)
}

/**
 * Test-only seam (not exported from the package): `applyRiskLimits` with the guards in `off` switched off, so the
 * property test can prove that removing any single guard lets an order outside the limits through.
 */
export function applyRiskLimitsWithout(
  decision: Decision,
  state: RiskState,
  limits: RiskLimits,
  off: ReadonlySet<RiskGuard>,
): RiskCheckedDecision {
  const resolved = resolveLimits(limits)
  const clamps: ClampEvent[] = []
  const parsed = off.has('decision_validation') ? { success: true as const, data: decision } : Decision.safeParse(decision)
  if (!parsed.success) {
    return hold(undefined, { rule: 'invalid_decision', detail: 'the decision failed validation', from: decision }, clamps)
  }
  const valid = parsed.data
  if (valid.action === 'hold') return { decision: valid, order: null, clamps }
  const read = readState(state)
  if (typeof read === 'string') return hold(valid, { rule: 'invalid_state', detail: read }, clamps)
  const blocked = blockingRule(valid, state, read.dailyPnl, resolved, off)
  if (blocked) return hold(valid, blocked, clamps)

  const buying = valid.action === 'buy'
  if ((buying ? read.holdings.quote : read.holdings.base).lte(0)) {
    const detail = buying ? 'no free quote balance to buy with' : 'no base balance to sell'
    return hold(valid, { rule: buying ? 'no_balance' : 'no_position', detail }, clamps)
  }
  const sized: SizedOrder = (buying ? sizeBuy : sizeSell)(read.holdings, valid.size, resolved, off)
  for (const bound of sized.boundedBy) {
    clamps.push({ rule: bound, detail: `order ${BOUND_DETAIL[bound] ?? bound}`, from: valid.size })
  }
  const value = toDecimal(sized.quoteAmount) ?? resolved.minOrderQuote
  if (!off.has('min_order_quote') && (value.lt(resolved.minOrderQuote) || value.lte(0))) {
    return hold(
      valid,
      {
        rule: 'min_order_quote',
        detail: `order of ${sized.quoteAmount} is below the minimum order of ${resolved.minOrderQuote.toFixed()}`,
      },
      clamps,
    )
  }
  const size = buying
    ? effectiveFraction(sized.quoteAmount, read.holdings.quote)
    : effectiveFraction(sized.baseQuantity, read.holdings.base)
  const levels = checkLevels(valid, state.price, clamps, off)
  const clamped: Decision = { ...valid, ...levels, size: Math.min(size, valid.size) }
  return {
    decision: clamped,
    order: { side: valid.action, quoteAmount: sized.quoteAmount, baseQuantity: sized.baseQuantity, ...levels },
    clamps,
  }
}

/** Builds a `RiskState` from a market context plus what only the bot knows (history and today's PnL). */
export function riskStateFromContext(
  context: MarketContext,
  history: { now?: number; lastTradeAt: number | null; ordersToday: number; dailyPnl: string },
): RiskState {
  return {
    now: history.now ?? context.asOf,
    price: context.ticker.price,
    quoteBalance: context.balances.quote,
    baseBalance: context.balances.base,
    lastTradeAt: history.lastTradeAt,
    ordersToday: history.ordersToday,
    dailyPnl: history.dailyPnl,
  }
}
