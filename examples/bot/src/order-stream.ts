import { addDecimal, compareDecimal, type MyOrderEvent, multiplyDecimal, type UpbitStreams } from '@tradekit/upbit-client'
import type { ExchangeOrder, ExchangeTrade } from './exchange.js'

/** What the order stream can say about an order: how it ended, or that REST must be asked (`rest`), or not yet. */
export type StreamedOrder = ExchangeOrder | 'rest' | 'waiting'

export interface OrderStream {
  /**
   * Call just before sending an order: true when every myOrder event of an order sent now will reach this
   * stream, live or reconciled after a reconnect (the private stream was confirmed at least once before).
   */
  covers(): boolean
  /** The order was sent while `covers()` was true: its end may be taken from the stream. */
  track(uuid: string): void
  /**
   * Waits up to `waitMs` for the order's final myOrder event and returns the order as the stream reported it (its
   * fills from the trade events). `rest` at once when the stream cannot say: the order is not tracked, the
   * private stream is down (GET /order polling is the fallback), or the events do not add up to the final totals
   * (a fill missing, a format this code does not know). `waiting` when `waitMs` passed or `signal` aborted first.
   */
  settled(uuid: string, waitMs: number, signal?: AbortSignal): Promise<StreamedOrder>
}

const FINAL = new Set(['done', 'cancel'])
/** Orders whose events are kept (placed orders settle in seconds; this is a bound, not a working set). */
const KEPT_ORDERS = 1000

interface Seen {
  /** Fills by trade id: a fill can come live and (after a disconnect) reconciled; it counts once. */
  trades: Map<string, MyOrderEvent>
  final?: MyOrderEvent | undefined
}

/**
 * The bot's view of `myOrder`: every event, kept per order from the moment the stream starts (a market order can
 * fill before its POST has answered), and a wait for an order's end that gives up as soon as the private stream
 * goes down. The stream never decides alone what gets logged: the order it returns goes through the order desk,
 * exactly like one read from GET /order, and fills are counted there.
 */
export function createOrderStream(streams: UpbitStreams): OrderStream {
  const seen = new Map<string, Seen>()
  const tracked = new Set<string>()
  const waiters = new Set<() => void>()
  let everConfirmed = false
  const wakeAll = () => {
    for (const wake of [...waiters]) wake()
  }
  streams.subscribe('myOrder').on('data', (event) => {
    let entry = seen.get(event.uuid)
    if (!entry) {
      entry = { trades: new Map() }
      seen.set(event.uuid, entry)
      if (seen.size > KEPT_ORDERS) {
        const oldest = seen.keys().next().value!
        seen.delete(oldest)
        tracked.delete(oldest)
      }
    }
    if (event.trade_uuid) entry.trades.set(event.trade_uuid, event)
    if (FINAL.has(event.state) || event.state === 'prevented') entry.final = event
    wakeAll()
  })
  streams.on('state', ({ connection, state }) => {
    if (connection !== 'private') return
    if (state === 'confirmed') everConfirmed = true
    wakeAll()
  })

  const answer = (uuid: string): StreamedOrder => {
    if (!tracked.has(uuid)) return 'rest'
    const entry = seen.get(uuid)
    if (entry?.final) return orderFromEvents(entry.final, [...entry.trades.values()]) ?? 'rest'
    return streams.isConfirmed('private') ? 'waiting' : 'rest'
  }

  return {
    covers: () => everConfirmed,
    track(uuid) {
      tracked.add(uuid)
      if (tracked.size > KEPT_ORDERS) tracked.delete(tracked.values().next().value!)
    },
    settled(uuid, waitMs, signal) {
      const now = answer(uuid)
      if (now !== 'waiting' || signal?.aborted) return Promise.resolve(now)
      return new Promise((resolve) => {
        const finish = (result: StreamedOrder) => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          waiters.delete(check)
          resolve(result)
        }
        const check = () => {
          const result = answer(uuid)
          if (result !== 'waiting') finish(result)
        }
        const onAbort = () => finish('waiting')
        const timer = setTimeout(() => finish('waiting'), Math.max(0, waitMs))
        signal?.addEventListener('abort', onAbort, { once: true })
        waiters.add(check)
      })
    },
  }
}

/**
 * The order as its final event and fill events describe it, or undefined when they do not add up: the fills'
 * volumes must sum to `executed_volume` and their funds (price × volume) to `executed_funds`, exactly.
 */
export function orderFromEvents(final: MyOrderEvent, fills: MyOrderEvent[]): ExchangeOrder | undefined {
  if (!FINAL.has(final.state) || final.executed_volume === null || final.paid_fee === null) return undefined
  const trades: ExchangeTrade[] = []
  let volume = '0'
  let funds = '0'
  for (const fill of fills) {
    if (fill.price === null || fill.volume === null) return undefined
    const tradeFunds = multiplyDecimal(fill.price, fill.volume)
    volume = addDecimal(volume, fill.volume)
    funds = addDecimal(funds, tradeFunds)
    trades.push({
      uuid: fill.trade_uuid ?? undefined,
      price: fill.price,
      volume: fill.volume,
      funds: tradeFunds,
      // Whole seconds, as GET /order reports them: the same fill gets the same time from either source.
      created_at: fill.trade_timestamp === null ? undefined : wholeSecondIso(fill.trade_timestamp),
    })
  }
  if (compareDecimal(volume, final.executed_volume) !== 0) return undefined
  if (trades.length > 0 && (final.executed_funds === null || compareDecimal(funds, final.executed_funds) !== 0)) return undefined
  return {
    uuid: final.uuid,
    identifier: final.identifier,
    market: final.code,
    side: final.ask_bid === 'BID' ? 'bid' : 'ask',
    ord_type: final.order_type,
    state: final.state as 'done' | 'cancel',
    executed_volume: final.executed_volume,
    paid_fee: final.paid_fee,
    executed_funds: final.executed_funds,
    trades,
    created_at: final.order_timestamp === null ? undefined : new Date(final.order_timestamp).toISOString(),
  }
}

const wholeSecondIso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString()
