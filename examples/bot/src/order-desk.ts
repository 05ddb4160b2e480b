import { toBig, toDecimalString } from '@tradekit/upbit-client'
import type { BotLog } from './bot-log.js'
import { crashPoint } from './crash-points.js'
import type { Exchange, ExchangeOrder, OrderRequest } from './exchange.js'
import { cancelAndConfirm } from './execute-order.js'
import { type Fill, fillsFromOrder } from './fills.js'
import type { OrderIntent, OrderJournal } from './order-journal.js'

/** Every order the bot places carries an identifier with this prefix: how it recognises its orders on the exchange. */
export const ORDER_IDENTIFIER_PREFIX = 'tk-'

/** What the trade entries of an order carry besides the fill. */
export interface OrderMeta {
  market: string
  identifier: string
  decisionId: string
  reason?: string | undefined
  confidence?: number | undefined
}

/** The fills already in the trades log, per exchange order id (built from the log at start-up). */
export type LoggedFills = Map<string, { count: number; volume: string; identifier?: string | undefined }>

/** How an order whose outcome was not known ended. */
export interface SettledOrder {
  identifier: string
  /** `settled`: it was final; `cancelled`: it was open and we cancelled it; `absent`: the exchange has no such order. */
  outcome: 'settled' | 'cancelled' | 'absent'
  order: ExchangeOrder | null
  /** Fills logged now (those the trade log did not have yet). */
  fills: Fill[]
  meta: OrderMeta
}

export interface OrderDesk {
  readonly exchange: Exchange
  readonly journal: OrderJournal
  /**
   * The only way the bot sends an order: the intent goes to the journal (on disk) first, then the order to the
   * exchange. If the journal cannot be written, nothing is sent.
   */
  place(request: OrderRequest, meta: OrderMeta): Promise<ExchangeOrder>
  /**
   * Logs the fills of a final order that are not in the trades log yet (each exactly once, also across crashes),
   * then closes its intent. Returns the fills it logged.
   */
  record(order: ExchangeOrder, meta: OrderMeta, options?: { recovered?: boolean }): Promise<Fill[]>
  /** Writes today's PnL baseline to the journal, before any order of the day can be sent. */
  recordDayStart(day: string, equity: string): Promise<void>
  /** Intents whose order's outcome is not known yet (sent or not), oldest first. */
  unresolved(): OrderIntent[]
  /**
   * Finds each unresolved order by its identifier: a final one has its fills logged, an open one is cancelled
   * first, one the exchange does not have is closed as `absent` (never sent, or rejected) once `ABSENT_AFTER_MS`
   * have passed since its intent, and stays open until then. Never resends.
   */
  settleUnresolved(): Promise<SettledOrder[]>
  /** Settles an order of ours found on the exchange (cancelling it if open) and logs what the log lacks. */
  settleFound(order: ExchangeOrder): Promise<SettledOrder>
  /** Whether the trades log already holds everything `order` executed. */
  isLogged(order: ExchangeOrder): boolean
}

export interface OrderDeskOptions {
  exchange: Exchange
  journal: OrderJournal
  log: BotLog
  mode: 'paper' | 'live'
  /** Poll interval while confirming a cancel, ms. */
  pollMs: number
  /** The bot's clock, UTC ms. */
  now: () => number
  /** Fills already in the trades log. Default: none. */
  logged?: LoggedFills
}

const FINAL = new Set(['done', 'cancel'])

/**
 * How long after its intent an order the exchange does not know may still appear: a request in flight when
 * the process died can reach the exchange after the restarted bot first asked. Until then the intent stays
 * open (and the bot places no new order); after it, the order is closed as never sent.
 */
export const ABSENT_AFTER_MS = 60_000

/** The order desk: journal first, then exchange; fills logged exactly once; unknown outcomes found by identifier. */
export function createOrderDesk(options: OrderDeskOptions): OrderDesk {
  const { exchange, journal, log, now } = options
  const logged: LoggedFills = options.logged ?? new Map()

  const metaOf = (order: ExchangeOrder): OrderMeta => {
    const identifier = order.identifier ?? ''
    const intent = journal.state.intents.get(identifier)
    if (intent) return intent
    return {
      market: order.market,
      identifier,
      decisionId: identifier.slice(ORDER_IDENTIFIER_PREFIX.length),
      reason: 'found on the exchange at start-up',
    }
  }

  async function record(order: ExchangeOrder, meta: OrderMeta, recordOptions: { recovered?: boolean } = {}) {
    const fills = fillsFromOrder(order)
    const before = logged.get(order.uuid) ?? { count: 0, volume: '0' }
    const added: Fill[] = []
    let volume = toBig(before.volume)
    for (let index = before.count; index < fills.length; index++) {
      const fill = fills[index]!
      await log.trade({
        tsMs: fill.at ? Date.parse(fill.at) || now() : now(),
        market: meta.market,
        side: fill.side,
        volume: fill.volume,
        price: fill.price,
        funds: fill.funds,
        fee: fill.fee,
        orderId: order.uuid,
        identifier: meta.identifier,
        decisionId: meta.decisionId || undefined,
        mode: options.mode,
        reason: meta.reason,
        confidence: meta.confidence,
        ...(recordOptions.recovered ? { recovered: true } : {}),
      })
      volume = volume.plus(toBig(fill.volume))
      logged.set(order.uuid, { count: index + 1, volume: toDecimalString(volume), identifier: meta.identifier })
      added.push(fill)
      crashPoint('fill-logged')
    }
    if (meta.identifier && !journal.state.closed.has(meta.identifier)) {
      await journal.append({
        event: 'settled',
        tsMs: now(),
        identifier: meta.identifier,
        orderId: order.uuid,
        state: order.state,
        executedVolume: toDecimalString(order.executed_volume),
        ...(recordOptions.recovered ? { recovered: true } : {}),
      })
    }
    crashPoint('order-settled')
    return added
  }

  async function settleFound(found: ExchangeOrder, meta = metaOf(found)): Promise<SettledOrder> {
    // Lists carry no trades: read the order itself. An open one is cancelled: its decision is stale now.
    let order = found
    let outcome: SettledOrder['outcome'] = 'settled'
    if (!FINAL.has(order.state)) {
      order = await cancelAndConfirm(exchange, order.uuid, options.pollMs)
      outcome = 'cancelled'
    } else if (order.trades === undefined) {
      order = await exchange.getOrder(order.uuid)
    }
    const fills = await record(order, meta, { recovered: true })
    crashPoint('order-recovered')
    return { identifier: meta.identifier, outcome, order, fills, meta }
  }

  return {
    exchange,
    journal,
    async place(request, meta) {
      await journal.append({
        event: 'intent',
        tsMs: now(),
        identifier: request.identifier,
        market: request.market,
        decisionId: meta.decisionId,
        side: request.side === 'bid' ? 'buy' : 'sell',
        ordType: request.ord_type,
        ...('price' in request ? { price: request.price } : {}),
        ...('volume' in request ? { volume: request.volume } : {}),
        reason: meta.reason,
        confidence: meta.confidence,
      })
      crashPoint('intent-written')
      const order = await exchange.createOrder(request)
      crashPoint('order-sent')
      return order
    },
    record,
    async recordDayStart(day, equity) {
      if (journal.state.dayStarts.has(day)) return
      await journal.append({ event: 'day-start', tsMs: now(), day, equity })
      crashPoint('day-start-written')
    },
    unresolved: () => [...journal.state.intents.values()].filter((intent) => !journal.state.closed.has(intent.identifier)),
    async settleUnresolved() {
      const results: SettledOrder[] = []
      for (const intent of [...journal.state.intents.values()]) {
        if (journal.state.closed.has(intent.identifier)) continue
        const found = await exchange.findOrder(intent.identifier)
        if (found) {
          results.push(await settleFound(found, intent))
          continue
        }
        if (now() - intent.tsMs < ABSENT_AFTER_MS) continue
        // Not on the exchange: never sent, or refused. The identifier is spent either way (never resent) and the
        // intent still counts against today's orders. (An in-process paper simulator starts empty on each run: an
        // order it filled before a crash is gone with it, and its fills, if logged, seeded the new one.)
        const inLog = [...logged.values()].some((entry) => entry.identifier === intent.identifier)
        const detail = inLog ? 'not on the exchange; its fills are in the trade log' : 'no order under this identifier'
        await journal.append({ event: 'absent', tsMs: now(), identifier: intent.identifier, detail })
        results.push({ identifier: intent.identifier, outcome: 'absent', order: null, fills: [], meta: intent })
      }
      return results
    },
    settleFound: (order) => settleFound(order),
    isLogged(order) {
      // By the fills, not the journal: an order closed as absent may still have turned up later.
      const executed = toBig(order.executed_volume)
      return executed.lte(0) || toBig(logged.get(order.uuid)?.volume ?? '0').gte(executed)
    },
  }
}
