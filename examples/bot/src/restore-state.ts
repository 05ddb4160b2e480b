import { createTradeLogReader } from '@tradekit/trade-log'
import { toBig, toDecimalString } from '@tradekit/upbit-client'
import { type BotState, createBotState, remember, utcDay } from './bot-state.js'

/** What the trade log says about the account, so a restart forgets neither a position nor today's losses. */
export interface RestoredState {
  /** Base-asset position per market from the logged fills (buys minus sells). */
  positions: Record<string, string>
  /** Quote-currency flow of the logged fills: Σ sells (funds − fee) − Σ buys (funds + fee). */
  quoteFlow: string
  /** Fills read. */
  fills: number
  /** Decisions read. */
  decisions: number
  /** Time of the last decision logged (UTC ms): where a replay resumes. */
  lastDecisionAt: number | null
  /** The loop's state at `now`: today's order count and PnL baseline, the last trade, recent history. */
  stateAt(now: number): BotState
}

interface LoggedDecision {
  tsMs: number
  market: string
  action: 'buy' | 'sell' | 'hold'
  confidence: number
}

/**
 * Rebuilds the bot's state from a trade-log directory: the position and cash flow from every fill; the order
 * count, last trade and recent decisions from the decisions; today's PnL baseline from the first equity
 * snapshot of the day. A logged buy/sell decision is an order the risk limits let through.
 */
export async function restoreState(dir: string, markets: readonly string[]): Promise<RestoredState> {
  const reader = createTradeLogReader({ dir })
  const positions: Record<string, ReturnType<typeof toBig>> = Object.fromEntries(markets.map((m) => [m, toBig(0)]))
  const fills: { market: string; at: number; side: 'buy' | 'sell'; price: number; quantity: string }[] = []
  let quoteFlow = toBig(0)
  for await (const { entry } of reader.stream({ kind: 'trades' })) {
    if (!(entry.market in positions)) continue
    const funds = toBig(entry.funds)
    const fee = toBig(entry.fee)
    const volume = toBig(entry.volume)
    const buying = entry.side === 'buy'
    positions[entry.market] = positions[entry.market]![buying ? 'plus' : 'minus'](volume)
    quoteFlow = buying ? quoteFlow.minus(funds).minus(fee) : quoteFlow.plus(funds).minus(fee)
    fills.push({ market: entry.market, at: entry.tsMs, side: entry.side, price: Number(entry.price), quantity: entry.volume })
  }
  const decisions: LoggedDecision[] = []
  for await (const { entry } of reader.stream({ kind: 'decisions' })) {
    decisions.push({ tsMs: entry.tsMs, market: entry.market, action: entry.action, confidence: entry.confidence })
  }
  const firstEquityOfDay = new Map<string, string>()
  for await (const { entry } of reader.stream({ kind: 'equity' })) {
    const day = utcDay(entry.tsMs)
    if (!firstEquityOfDay.has(day)) firstEquityOfDay.set(day, entry.total)
  }
  return {
    positions: Object.fromEntries(Object.entries(positions).map(([m, v]) => [m, toDecimalString(v)])),
    quoteFlow: toDecimalString(quoteFlow),
    fills: fills.length,
    decisions: decisions.length,
    lastDecisionAt: decisions.reduce<number | null>((last, d) => Math.max(last ?? 0, d.tsMs), null),
    stateAt(now) {
      const state = createBotState(now)
      const today = utcDay(now)
      for (const fill of fills) {
        if (fill.at <= now)
          remember(state.recentFills, fill.market, { at: fill.at, side: fill.side, price: fill.price, quantity: fill.quantity })
      }
      for (const d of decisions) {
        if (d.tsMs > now || !markets.includes(d.market)) continue
        remember(state.recentDecisions, d.market, { at: d.tsMs, action: d.action, size: 0, confidence: d.confidence })
        if (d.action === 'hold') continue
        state.lastTradeAt = Math.max(state.lastTradeAt ?? 0, d.tsMs)
        if (utcDay(d.tsMs) === today) state.ordersToday += 1
      }
      state.dayStartEquity = firstEquityOfDay.get(today) ?? null
      return state
    },
  }
}
