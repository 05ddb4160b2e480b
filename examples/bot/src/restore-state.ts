import { createTradeLogReader } from '@tradekit/trade-log'
import { toBig, toDecimalString } from '@tradekit/upbit-client'
import { type BotState, createBotState, remember, utcDay } from './bot-state.js'
import type { ExchangeOrder } from './exchange.js'
import type { LoggedFills } from './order-desk.js'
import { readOrderJournal } from './order-journal.js'

/** What the durable logs say about the account, so a restart forgets neither a position nor today's limits. */
export interface RestoredState {
  /** Base-asset position per market from the logged fills (buys minus sells). */
  positions: Record<string, string>
  /** Quote-currency flow of the logged fills: Σ sells (funds − fee) − Σ buys (funds + fee). */
  quoteFlow: string
  /** Fills read. */
  fills: number
  /** Decisions read. */
  decisions: number
  /** Orders the journal knows (intents written before sending). */
  intents: number
  /** Fills already in the trades log, per exchange order id: the order desk logs only the rest. */
  logged: LoggedFills
  /**
   * Time of the last cycle the durable logs prove (equity snapshot, order intent or fill), UTC ms: a replay
   * resumes after it. The buffered decisions log is not used: it may have lost its last second.
   */
  lastActivityAt: number | null
  /**
   * The loop's state at `now`: today's order count, cooldown and PnL baseline, recent history. `exchangeOrders`
   * are the bot's orders the exchange reports (start-up reconciliation); they count too.
   */
  stateAt(now: number, exchangeOrders?: readonly ExchangeOrder[]): BotState
}

interface Placement {
  /** Identifier, or `order:<uuid>` for a fill logged without one. */
  key: string
  at: number
}

/**
 * Rebuilds the bot's state from durable sources only: the position and cash flow from the fills (trades log,
 * fsynced per entry); the orders counted against the daily limit and the cooldown from the order journal's
 * intents (fsynced BEFORE each order is sent), the fills and the exchange's own list; today's PnL baseline from
 * the journal's `day-start` (else the first equity snapshot of the day). Decisions only feed the decider's
 * recent history.
 */
export async function restoreState(dir: string, markets: readonly string[]): Promise<RestoredState> {
  const reader = createTradeLogReader({ dir })
  const positions: Record<string, ReturnType<typeof toBig>> = Object.fromEntries(markets.map((m) => [m, toBig(0)]))
  const fills: { market: string; at: number; side: 'buy' | 'sell'; price: number; quantity: string }[] = []
  const placements: Placement[] = []
  const logged: LoggedFills = new Map()
  let quoteFlow = toBig(0)
  let lastActivityAt: number | null = null
  const saw = (at: number) => {
    lastActivityAt = Math.max(lastActivityAt ?? at, at)
  }
  for await (const { entry } of reader.stream({ kind: 'trades' })) {
    const before = logged.get(entry.orderId)
    logged.set(entry.orderId, {
      count: (before?.count ?? 0) + 1,
      volume: toDecimalString(toBig(before?.volume ?? '0').plus(toBig(entry.volume))),
      identifier: entry.identifier,
    })
    placements.push({ key: entry.identifier ?? `order:${entry.orderId}`, at: entry.tsMs })
    saw(entry.tsMs)
    if (!(entry.market in positions)) continue
    const funds = toBig(entry.funds)
    const fee = toBig(entry.fee)
    const volume = toBig(entry.volume)
    const buying = entry.side === 'buy'
    positions[entry.market] = positions[entry.market]![buying ? 'plus' : 'minus'](volume)
    quoteFlow = buying ? quoteFlow.minus(funds).minus(fee) : quoteFlow.plus(funds).minus(fee)
    fills.push({ market: entry.market, at: entry.tsMs, side: entry.side, price: Number(entry.price), quantity: entry.volume })
  }
  const decisions: { tsMs: number; market: string; action: 'buy' | 'sell' | 'hold'; confidence: number }[] = []
  for await (const { entry } of reader.stream({ kind: 'decisions' })) {
    decisions.push({ tsMs: entry.tsMs, market: entry.market, action: entry.action, confidence: entry.confidence })
  }
  const firstEquityOfDay = new Map<string, string>()
  for await (const { entry } of reader.stream({ kind: 'equity' })) {
    const day = utcDay(entry.tsMs)
    if (!firstEquityOfDay.has(day)) firstEquityOfDay.set(day, entry.total)
    saw(entry.tsMs)
  }
  const journal = await readOrderJournal(dir)
  for (const intent of journal.intents.values()) {
    placements.push({ key: intent.identifier, at: intent.tsMs })
    saw(intent.tsMs)
  }
  return {
    positions: Object.fromEntries(Object.entries(positions).map(([m, v]) => [m, toDecimalString(v)])),
    quoteFlow: toDecimalString(quoteFlow),
    fills: fills.length,
    decisions: decisions.length,
    intents: journal.intents.size,
    logged,
    lastActivityAt,
    stateAt(now, exchangeOrders = []) {
      const state = createBotState(now)
      const today = utcDay(now)
      for (const fill of fills) {
        if (fill.at <= now)
          remember(state.recentFills, fill.market, { at: fill.at, side: fill.side, price: fill.price, quantity: fill.quantity })
      }
      for (const d of decisions) {
        if (d.tsMs > now || !markets.includes(d.market)) continue
        remember(state.recentDecisions, d.market, { at: d.tsMs, action: d.action, size: 0, confidence: d.confidence })
      }
      // One order, however many sources know it: the journal's intent, its fills, the exchange's record. A time
      // after `now` (clock skew with the exchange) counts as today: the count errs on the safe side.
      const all = [
        ...placements,
        ...exchangeOrders.map((o) => ({ key: o.identifier ?? `order:${o.uuid}`, at: Date.parse(o.created_at ?? '') })),
      ].filter((p) => Number.isFinite(p.at))
      const startOfToday = Date.parse(`${today}T00:00:00Z`)
      state.ordersToday = new Set(all.filter((p) => p.at >= startOfToday).map((p) => p.key)).size
      state.lastTradeAt = all.reduce<number | null>((last, p) => Math.max(last ?? p.at, p.at), null)
      state.dayStartEquity = journal.dayStarts.get(today)?.equity ?? firstEquityOfDay.get(today) ?? null
      return state
    },
  }
}
