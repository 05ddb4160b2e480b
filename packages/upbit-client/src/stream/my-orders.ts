/**
 * The gate every `myOrder` event passes, live or reconciled: an event is delivered only if its identity
 * (order uuid + state, and the fill's `trade_uuid` for `trade`) has not been delivered before. After a disconnect
 * `reconcileOrders` asks REST what changed and rebuilds the missed events (the order's `wait`, each fill, its
 * end) from `GET /order`'s trades, so every event reaches the consumer exactly once.
 */
import { compareDecimal } from '../decimal.js'
import type { Order } from '../schemas.js'
import type { MyOrderEvent, MyOrderState } from './types.js'

interface Entry {
  seen: Set<string>
  executedVolume: string
  state: MyOrderState
  terminal: boolean
}

export interface MyOrderLedgerOptions {
  /**
   * How long an ended order is remembered at least, whatever `maxOrders` says: as far back as a reconciliation can
   * list closed orders. An order forgotten inside that window would come back from REST as news. Default 0.
   */
  keepEndedMs?: number
  /** The ledger's clock. Default `Date.now`. */
  now?: () => number
}

const TERMINAL = new Set<MyOrderState>(['done', 'cancel', 'prevented'])

export const eventKey = (event: Pick<MyOrderEvent, 'state' | 'trade_uuid'>): string =>
  event.state === 'trade' ? `trade:${event.trade_uuid ?? ''}` : event.state

export class MyOrderLedger {
  private readonly orders = new Map<string, Entry>()
  /** Ended orders, in the order they ended, with when (the ledger's clock): the ones eviction may forget. */
  private readonly ended = new Map<string, number>()
  private readonly keepEndedMs: number
  private readonly now: () => number

  constructor(
    private readonly maxOrders: number,
    options: MyOrderLedgerOptions = {},
  ) {
    this.keepEndedMs = options.keepEndedMs ?? 0
    this.now = options.now ?? Date.now
  }

  /** Records the event; false when the same event was delivered before (drop it). */
  admit(event: MyOrderEvent): boolean {
    let entry = this.orders.get(event.uuid)
    if (!entry) {
      entry = { seen: new Set(), executedVolume: '0', state: event.state, terminal: false }
      this.orders.set(event.uuid, entry)
      this.evict()
    }
    const key = eventKey(event)
    if (entry.seen.has(key)) return false
    entry.seen.add(key)
    if (event.executed_volume !== null && compareDecimal(event.executed_volume, entry.executedVolume) > 0) {
      entry.executedVolume = event.executed_volume
    }
    if (!entry.terminal) entry.state = event.state
    if (TERMINAL.has(event.state) && !entry.terminal) {
      entry.terminal = true
      this.ended.set(event.uuid, this.now())
    }
    return true
  }

  has(uuid: string, key: string): boolean {
    return this.orders.get(uuid)?.seen.has(key) ?? false
  }

  /** Orders seen but not ended: the ones a disconnect may have changed without REST lists showing them. */
  openUuids(): string[] {
    return [...this.orders].filter(([, e]) => !e.terminal).map(([uuid]) => uuid)
  }

  /** True when REST shows the order in a state the consumer has not been told about. */
  changed(order: Order): boolean {
    const entry = this.orders.get(order.uuid)
    if (!entry) return true
    if (order.state === 'done' || order.state === 'cancel') return !entry.seen.has(order.state)
    return compareDecimal(order.executed_volume, entry.executedVolume) !== 0 || !entry.seen.has(order.state)
  }

  get size(): number {
    return this.orders.size
  }

  /**
   * Bounded memory: past `maxOrders`, forget the oldest orders that ended before the reconciliation window. Open
   * orders and orders that ended inside the window stay even past the bound: forgetting one would let the next
   * reconciliation deliver its events again. (With Upbit's order limits the window holds a few hundred orders.)
   */
  private evict(): void {
    const cutoff = this.now() - this.keepEndedMs
    for (const [uuid, endedAt] of this.ended) {
      if (this.orders.size <= this.maxOrders || endedAt > cutoff) return
      this.ended.delete(uuid)
      this.orders.delete(uuid)
    }
  }
}

/** The REST calls reconciliation needs (a subset of `UpbitClient`): orders for myOrder, accounts for myAsset. */
export interface ReconcileClient {
  getOpenOrders(p: { market?: string; states?: Array<'wait' | 'watch'>; page?: number; limit?: number }): Promise<Order[]>
  iterateClosedOrders(p: { market?: string; since: Date | number }): AsyncIterable<Order>
  getOrder(ref: { uuid: string }): Promise<Order>
  /** `GET /v1/accounts`: the balances `myAsset` is reconciled with after a reconnect. */
  getAccounts(): Promise<Array<{ currency: string; balance: string; locked: string }>>
}

const toMs = (iso: string | undefined | null): number | null => {
  if (!iso) return null
  const ms = Date.parse(iso)
  return Number.isFinite(ms) ? ms : null
}

/** A `myOrder` event rebuilt from a REST order (and one of its trades, for `trade`). */
export function orderEvent(
  order: Order,
  state: MyOrderState,
  now: number,
  trade?: NonNullable<Order['trades']>[number],
): MyOrderEvent {
  const count = order.trades_count
  return {
    type: 'myOrder',
    code: order.market,
    uuid: order.uuid,
    ask_bid: order.side === 'bid' ? 'BID' : 'ASK',
    order_type: order.ord_type,
    state,
    trade_uuid: trade?.uuid ?? null,
    price: trade ? trade.price : (order.price ?? null),
    avg_price: null,
    volume: trade ? trade.volume : (order.volume ?? null),
    remaining_volume: order.remaining_volume ?? null,
    executed_volume: order.executed_volume,
    trades_count: count === undefined ? null : Number(count),
    reserved_fee: order.reserved_fee,
    remaining_fee: order.remaining_fee,
    paid_fee: order.paid_fee,
    locked: order.locked,
    executed_funds: order.executed_funds ?? null,
    time_in_force: order.time_in_force ?? null,
    trade_fee: null,
    is_maker: null,
    identifier: order.identifier ?? null,
    smp_type: order.smp_type ?? null,
    prevented_volume: null,
    prevented_locked: null,
    trade_timestamp: trade ? toMs(trade.created_at) : null,
    order_timestamp: toMs(order.created_at),
    timestamp: now,
    stream_type: 'REALTIME',
    reconciled: true,
  }
}

/**
 * Asks REST which orders changed since `since` (open orders, orders closed in the window, and every order the
 * ledger saw open) and returns, per changed order, the events the consumer has not had, oldest first.
 */
export async function reconcileOrders(
  client: ReconcileClient,
  ledger: MyOrderLedger,
  options: { since: number; codes: readonly string[]; now: () => number },
): Promise<MyOrderEvent[]> {
  const wanted = (market: string) => options.codes.length === 0 || options.codes.includes(market)
  const candidates = new Map<string, Order>()
  for (let page = 1; ; page++) {
    const open = await client.getOpenOrders({ states: ['wait', 'watch'], page, limit: 100 })
    for (const order of open) if (wanted(order.market)) candidates.set(order.uuid, order)
    if (open.length < 100) break
  }
  for await (const order of client.iterateClosedOrders({ since: options.since })) {
    if (wanted(order.market)) candidates.set(order.uuid, order)
  }
  const uncertain = ledger.openUuids().filter((uuid) => !candidates.has(uuid))
  for (const uuid of uncertain) candidates.set(uuid, await client.getOrder({ uuid }))

  const events: MyOrderEvent[] = []
  const changed = [...candidates.values()].filter((order) => ledger.changed(order))
  changed.sort((a, b) => (toMs(a.created_at) ?? 0) - (toMs(b.created_at) ?? 0))
  for (const listed of changed) {
    const tradesCount = Number(listed.trades_count ?? 0)
    // The list views carry no trades: read the order itself when fills may have been missed.
    const order = tradesCount > 0 && !listed.trades ? await client.getOrder({ uuid: listed.uuid }) : listed
    const now = options.now()
    const first: MyOrderState = order.state === 'watch' ? 'watch' : 'wait'
    if (!ledger.has(order.uuid, first)) events.push(orderEvent(order, first, now))
    const trades = [...(order.trades ?? [])].sort((a, b) => (toMs(a.created_at) ?? 0) - (toMs(b.created_at) ?? 0))
    for (const trade of trades) {
      if (!ledger.has(order.uuid, `trade:${trade.uuid}`)) events.push(orderEvent(order, 'trade', now, trade))
    }
    if ((order.state === 'done' || order.state === 'cancel') && !ledger.has(order.uuid, order.state)) {
      events.push(orderEvent(order, order.state, now))
    }
  }
  return events
}
