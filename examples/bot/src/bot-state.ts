import { toBig, toDecimalString } from '@tradekit/upbit-client'

/** What the bot remembers between cycles; rebuilt from the trade log at start-up (see `restore-state.ts`). */
export interface BotState {
  /** UTC day (`YYYY-MM-DD`) the counters below belong to. */
  day: string
  /** Account equity (KRW) at the start of `day`: the baseline of today's PnL. Null until first measured. */
  dayStartEquity: string | null
  /** Orders placed today (any market). */
  ordersToday: number
  /** When the last order was placed, UTC ms. */
  lastTradeAt: number | null
  /** Last decisions and fills per market, newest last, fed back to the decider. */
  recentDecisions: Map<string, { at: number; action: 'buy' | 'sell' | 'hold'; size: number; confidence: number }[]>
  recentFills: Map<string, { at: number; side: 'buy' | 'sell'; price: number; quantity: string }[]>
}

export function createBotState(now: number): BotState {
  return {
    day: utcDay(now),
    dayStartEquity: null,
    ordersToday: 0,
    lastTradeAt: null,
    recentDecisions: new Map(),
    recentFills: new Map(),
  }
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

/**
 * Starts a new day's counters when the UTC day changes; today's PnL is measured from `equity`. Returns true
 * when it set a new baseline (the caller makes it durable before any order of the day).
 */
export function rollDay(state: BotState, now: number, equity: string): boolean {
  const day = utcDay(now)
  if (day !== state.day) {
    state.day = day
    state.ordersToday = 0
    state.dayStartEquity = equity
    return true
  }
  if (state.dayStartEquity !== null) return false
  state.dayStartEquity = equity
  return true
}

/** Today's PnL (realised + unrealised): current equity minus equity at the start of the day. */
export function dailyPnl(state: BotState, equity: string): string {
  return toDecimalString(toBig(equity).minus(toBig(state.dayStartEquity ?? equity)))
}

/** Appends to a per-market list, keeping only the newest `keep`. */
export function remember<T>(map: Map<string, T[]>, market: string, item: T, keep = 10): void {
  const list = map.get(market) ?? []
  list.push(item)
  map.set(market, list.slice(-keep))
}
