import { randomUUID } from 'node:crypto'
import {
  applyRiskLimits,
  type Decider,
  Decision,
  type DecisionResult,
  holdDecision,
  type MarketContext,
  markFormingCandles,
  type RiskLimits,
  type RiskOrder,
  riskStateFromContext,
} from '@tradekit/ai-decider'
import { roundToTick, tickSizeFor, toBig, toDecimalString } from '@tradekit/upbit-client'
import type { Logger } from 'pino'
import type { BotLog } from './bot-log.js'
import { type BotState, dailyPnl, remember, rollDay } from './bot-state.js'
import { crashPoint } from './crash-points.js'
import type { Exchange, ExchangeAccount, OrderRequest } from './exchange.js'
import { type ExecutedOrder, executeOrder } from './execute-order.js'
import type { Fill } from './fills.js'
import { ORDER_IDENTIFIER_PREFIX, type OrderDesk } from './order-desk.js'

export interface CycleSettings {
  mode: 'paper' | 'live'
  timeframes: readonly [number, number]
  candleCount: number
  decisionTimeoutMs: number
  orderTimeoutMs: number
  orderPollMs: number
  onShutdown: 'cancel' | 'finish'
  /** Market orders (default) or passive limit orders at the best bid/ask. */
  orderType?: 'market' | 'limit' | undefined
  /** Limit orders: ticks behind the best price. Default 0. */
  limitOffsetTicks?: number | undefined
}

export interface CycleDeps {
  exchange: Exchange
  /** Places orders (intent journaled first) and logs their fills exactly once. */
  desk: OrderDesk
  decider: Decider
  limits: RiskLimits
  log: BotLog
  logger: Logger
  state: BotState
  settings: CycleSettings
  /** The bot's clock, UTC ms: wall time live, candle time when replaying history. */
  now: () => number
  /** Aborted on SIGINT/SIGTERM. */
  shutdown: AbortSignal
  /** Indicator snapshot for the context and the decision log. */
  indicators?: ((context: MarketContext) => Record<string, number | null>) | undefined
  /**
   * The id of the decision made for `market` at `at` (UTC ms); the order identifier is `tk-<id>`. Default: a random
   * UUID, unique on the exchange across runs and crashes (live, paper). Backtests derive it from market and time,
   * so a replayed run writes the same bytes.
   */
  decisionId?: ((market: string, at: number) => string) | undefined
}

export interface CycleReport {
  market: string
  at: number
  price: number
  decisionId: string
  /** What the decider said (after its own validation). */
  proposed: Decision
  /** What the bot did after the risk limits. */
  decision: Decision
  provider: string
  fallback: string | null
  clamps: string[]
  execution: ExecutedOrder | null
  equity: string
  dailyPnl: string
  position: string
  /** Quote currency held (free + locked) after the cycle, decimal string. */
  cash: string
}

/**
 * One cycle for one market: read the market, ask the decider, apply the risk limits, place and settle the
 * order, and log the decision, the fills and an equity snapshot. Every decision is logged, holds included.
 */
export async function runCycle(market: string, deps: CycleDeps): Promise<CycleReport> {
  const { exchange, settings, state } = deps
  const now = deps.now()
  const { quote, base } = splitMarket(market)
  const [fast, slow, ticker, orderbook, accounts] = await Promise.all([
    exchange.candles(market, settings.timeframes[0], settings.candleCount),
    exchange.candles(market, settings.timeframes[1], settings.candleCount),
    exchange.ticker(market),
    exchange.orderbook(market),
    exchange.accounts(),
  ])
  const baseAccount = accounts.find((a) => a.currency === base)
  const equityBefore = equityOf(accounts, quote, base, ticker.price)
  // Today's PnL baseline reaches the disk before any order of the day can be sent.
  if (rollDay(state, now, equityBefore)) await deps.desk.recordDayStart(state.day, state.dayStartEquity!)
  const positionQuantity = baseAccount ? toDecimalString(toBig(baseAccount.balance).plus(toBig(baseAccount.locked))) : '0'
  const context: MarketContext = {
    market,
    asOf: now,
    // The exchange serves data as of now: its current candles are still forming, and the decider is told so.
    candles: {
      [timeframeLabel(settings.timeframes[0])]: markFormingCandles(fast, timeframeLabel(settings.timeframes[0]), now),
      [timeframeLabel(settings.timeframes[1])]: markFormingCandles(slow, timeframeLabel(settings.timeframes[1]), now),
    },
    orderbook,
    ticker,
    balances: { quote: free(accounts, quote), base: free(accounts, base) },
    recentDecisions: state.recentDecisions.get(market) ?? [],
    recentFills: state.recentFills.get(market) ?? [],
  }
  if (toBig(positionQuantity).gt(0)) {
    const avg = Number(baseAccount?.avg_buy_price ?? 0)
    context.position = { quantity: positionQuantity, avgEntryPrice: avg > 0 ? avg : null }
  }
  const indicators = deps.indicators?.(context)
  if (indicators) context.indicators = indicators

  const decisionId = deps.decisionId ? deps.decisionId(market, now) : randomUUID()
  const result = await decideSafely(deps, context, decisionId)
  const pnl = dailyPnl(state, equityBefore)
  const checked = applyRiskLimits(
    result.decision,
    riskStateFromContext(context, { now, lastTradeAt: state.lastTradeAt, ordersToday: state.ordersToday, dailyPnl: pnl }),
    deps.limits,
  )
  if (checked.order && deps.shutdown.aborted) {
    // Shutting down: never open a new order, even if the decision arrived after the signal.
    const detail = 'shutdown requested before the order was placed'
    checked.clamps.push({ rule: 'shutdown', detail })
    checked.decision = { ...holdDecision(`Not placed: ${detail}.`), confidence: checked.decision.confidence }
    checked.order = null
  }
  remember(state.recentDecisions, market, {
    at: now,
    action: checked.decision.action,
    size: checked.decision.size,
    confidence: checked.decision.confidence,
  })
  const size = checked.order ? (checked.order.side === 'buy' ? checked.order.quoteAmount : checked.order.baseQuantity) : null
  await deps.log.decision({
    tsMs: now,
    decisionId,
    market,
    provider: result.provider,
    model: result.model,
    action: checked.decision.action,
    confidence: checked.decision.confidence,
    size,
    reason: checked.decision.reason,
    fallbackReason: fallbackReason(result),
    chain: result.audit?.members?.map((m) => ({ provider: m.provider, model: m.model, fallback: m.fallback?.code ?? null })),
    usage: { inputTokens: result.usage.inputTokens, outputTokens: result.usage.outputTokens },
    latencyMs: result.latencyMs,
    indicators: indicators ?? {},
    mode: settings.mode,
    proposed: { action: result.decision.action, size: result.decision.size, confidence: result.decision.confidence },
    clamps: checked.clamps.map((c) => ({ rule: c.rule, detail: c.detail })),
    price: String(ticker.price),
  })

  let execution: ExecutedOrder | null = null
  if (checked.order) {
    const request = orderRequest(market, checked.order, `${ORDER_IDENTIFIER_PREFIX}${decisionId}`, settings, orderbook)
    const meta = {
      market,
      identifier: request.identifier,
      decisionId,
      reason: checked.decision.reason,
      confidence: checked.decision.confidence,
    }
    state.lastTradeAt = now
    state.ordersToday += 1
    // If anything below fails, the intent stays open and the loop settles the order by its identifier.
    execution = await executeOrder(exchange, request, {
      place: (r) => deps.desk.place(r, meta),
      timeoutMs: settings.orderTimeoutMs,
      pollMs: settings.orderPollMs,
      shutdown: deps.shutdown,
      onShutdown: settings.onShutdown,
    })
    rememberFills(state, market, await deps.desk.record(execution.order, meta), now)
  }

  const after = execution ? await exchange.accounts() : accounts
  const equity = equityOf(after, quote, base, ticker.price)
  const position = quantityOf(after, base)
  await deps.log.equity({
    tsMs: now,
    cash: quantityOf(after, quote),
    positions: [{ market, volume: position, price: String(ticker.price), value: positionValue(position, ticker.price) }],
    total: equity,
    mode: settings.mode,
  })
  crashPoint('cycle-logged')
  return {
    market,
    at: now,
    price: ticker.price,
    decisionId,
    proposed: result.decision,
    decision: checked.decision,
    provider: result.provider,
    fallback: result.fallback?.code ?? (failedMembers(result).length > 0 ? 'fell back' : null),
    clamps: checked.clamps.map((c) => c.rule),
    execution,
    equity,
    dailyPnl: dailyPnl(state, equity),
    position,
    cash: quantityOf(after, quote),
  }
}

/**
 * The exchange order for a risk-checked order. Market: buy by KRW total, sell by volume. Limit: at the best
 * bid (buy) or ask (sell), `limitOffsetTicks` further away, on Upbit's tick; a buy's volume is the total over
 * that price, rounded down.
 */
export function orderRequest(
  market: string,
  order: RiskOrder,
  identifier: string,
  settings: Pick<CycleSettings, 'orderType' | 'limitOffsetTicks'>,
  book: { bestBid: number; bestAsk: number },
): OrderRequest {
  if (settings.orderType !== 'limit') {
    return order.side === 'buy'
      ? { market, side: 'bid', ord_type: 'price', price: order.quoteAmount, identifier }
      : { market, side: 'ask', ord_type: 'market', volume: order.baseQuantity, identifier }
  }
  const buying = order.side === 'buy'
  const best = toBig(buying ? book.bestBid : book.bestAsk)
  const tick = toBig(tickSizeFor(best, market))
  const offset = tick.times(settings.limitOffsetTicks ?? 0)
  const price = roundToTick(buying ? best.minus(offset) : best.plus(offset), market, buying ? 'down' : 'up')
  const volume = buying ? toDecimalString(toBig(order.quoteAmount).div(toBig(price)).round(8, 0)) : order.baseQuantity
  return { market, side: buying ? 'bid' : 'ask', ord_type: 'limit', price, volume, identifier }
}

/** Remembers logged fills for the decider's context. */
export function rememberFills(state: BotState, market: string, fills: readonly Fill[], at: number): void {
  for (const fill of fills) {
    remember(state.recentFills, market, { at, side: fill.side, price: Number(fill.price), quantity: fill.volume })
  }
}

/** Chain members that failed before the one that answered. */
function failedMembers(result: DecisionResult) {
  return (result.audit?.members ?? []).filter((member) => member.fallback !== null)
}

/** Why the decision is not the first choice's: the result's own fallback, or the chain members that failed. */
function fallbackReason(result: DecisionResult): string | null {
  if (result.fallback) return `${result.fallback.code}: ${result.fallback.message}`
  const failed = failedMembers(result)
  if (failed.length === 0) return null
  const causes = failed.map((m) => `${m.provider} ${m.fallback!.code}`).join(', ')
  return `answered by ${result.provider} after ${causes}`
}

/**
 * Asks the decider, failing closed: a throw, a timeout or an answer that is not a valid decision becomes a
 * logged `hold` with a fallback reason, never an order.
 */
async function decideSafely(deps: CycleDeps, context: MarketContext, decisionId: string): Promise<DecisionResult> {
  const started = Date.now()
  const failed = (code: string, message: string): DecisionResult => {
    const decision = holdDecision(`Fail closed: ${message}`)
    return {
      decision,
      provider: deps.decider.provider,
      model: deps.decider.model,
      latencyMs: Date.now() - started,
      usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      costUsd: null,
      fallback: { code, message },
      clamps: [],
      audit: {
        // The audit of a fail-closed hold is the decision's own record.
        id: decisionId,
        at: context.asOf,
        market: context.market,
        provider: deps.decider.provider,
        model: deps.decider.model,
        attempts: [],
        decision,
        fallback: { code, message },
      },
    }
  }
  let result: DecisionResult
  try {
    result = await deps.decider.decide(context, { signal: deps.shutdown, deadlineMs: deps.settings.decisionTimeoutMs })
  } catch (error) {
    const message = `the decider threw ${(error as Error)?.name ?? 'an error'}: ${(error as Error)?.message ?? String(error)}`
    await deps.log.error({ tsMs: context.asOf, level: 'error', message, source: 'decider', market: context.market })
    return failed('decider_threw', message)
  }
  const valid = Decision.safeParse(result?.decision)
  if (!valid.success) {
    const message = `the decider returned an invalid decision (${valid.error.issues[0]?.path.join('.') || 'decision'}: ${valid.error.issues[0]?.message})`
    await deps.log.error({ tsMs: context.asOf, level: 'error', message, source: 'decider', market: context.market })
    return failed('invalid_decision', message)
  }
  // A foreign decider may return a valid decision with a sloppy envelope: fill what the log needs.
  return {
    ...result,
    decision: valid.data,
    provider: typeof result.provider === 'string' ? result.provider : deps.decider.provider,
    model: typeof result.model === 'string' ? result.model : deps.decider.model,
    latencyMs: typeof result.latencyMs === 'number' ? result.latencyMs : Date.now() - started,
    usage: result.usage ?? { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    fallback: result.fallback ?? null,
  }
}

/** The key a timeframe's candles have in the context: `60` → `1h`, `240` → `4h`, `15` → `15m`. */
export function timeframeLabel(minutes: number): string {
  return minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`
}

/** `KRW-BTC` → quote `KRW`, base `BTC` (Upbit writes the quote currency first). */
function splitMarket(market: string): { quote: string; base: string } {
  const [quote = '', base = ''] = market.split('-')
  return { quote, base }
}

function free(accounts: readonly ExchangeAccount[], currency: string): string {
  const account = accounts.find((a) => a.currency === currency)
  return account ? toDecimalString(account.balance) : '0'
}

function quantityOf(accounts: readonly ExchangeAccount[], currency: string): string {
  const account = accounts.find((a) => a.currency === currency)
  return account ? toDecimalString(toBig(account.balance).plus(toBig(account.locked))) : '0'
}

function positionValue(quantity: string, price: number): string {
  return toDecimalString(toBig(quantity).times(toBig(price)).round(0, 0))
}

/** Quote cash (free + locked) plus the base position at `price`, rounded down to whole KRW. */
export function equityOf(accounts: readonly ExchangeAccount[], quote: string, base: string, price: number): string {
  return toDecimalString(toBig(quantityOf(accounts, quote)).plus(toBig(positionValue(quantityOf(accounts, base), price))))
}
