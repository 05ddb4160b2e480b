/** Async iterators over Upbit's paged endpoints: candles (walk `to`), closed orders (7-day windows), trades (`cursor`). */
import type { CandlesParams, ClosedOrdersParams, TradesParams } from './client.js'
import type { CallOptions } from './orders.js'
import type { Candle, Order, TradeTick } from './schemas.js'

const CANDLE_PAGE = 200
const TRADE_PAGE = 500
const CLOSED_PAGE = 1000
const WEEK_MS = 7 * 24 * 3_600_000

/** Yields candles newest first, 200 per request, until `limit` or the start of the market's history. */
export async function* iterateCandles(
  source: { getCandles(p: CandlesParams, o?: CallOptions): Promise<Candle[]> },
  params: Omit<CandlesParams, 'count'> & { limit?: number },
  options?: CallOptions,
): AsyncGenerator<Candle> {
  const { limit = Number.POSITIVE_INFINITY, ...rest } = params
  let to = params.to
  let left = limit
  while (left > 0) {
    const count = Math.min(CANDLE_PAGE, left)
    const page = await source.getCandles({ ...rest, ...(to === undefined ? {} : { to }), count }, options)
    for (const candle of page) yield candle
    left -= page.length
    const oldest = page[page.length - 1]
    if (page.length < count || !oldest) return
    // `to` is exclusive: the next page ends just before the oldest candle seen.
    to = `${oldest.candle_date_time_utc}Z`
  }
}

/** Yields trades newest first, following `sequential_id` as the cursor. */
export async function* iterateTrades(
  source: { getTrades(p: TradesParams, o?: CallOptions): Promise<TradeTick[]> },
  params: Omit<TradesParams, 'cursor' | 'count'> & { limit?: number },
  options?: CallOptions,
): AsyncGenerator<TradeTick> {
  const { limit = Number.POSITIVE_INFINITY, ...rest } = params
  let cursor: number | undefined
  let left = limit
  while (left > 0) {
    const count = Math.min(TRADE_PAGE, left)
    const page = await source.getTrades({ ...rest, ...(cursor === undefined ? {} : { cursor }), count }, options)
    for (const trade of page) yield trade
    left -= page.length
    const oldest = page[page.length - 1]
    if (page.length < count || !oldest) return
    cursor = oldest.sequential_id
  }
}

/** Yields closed orders newest first from `until` (default now) back to `since`, one ≤7-day window per query. */
export async function* iterateClosedOrders(
  source: { getClosedOrders(p: ClosedOrdersParams, o?: CallOptions): Promise<Order[]> },
  params: Omit<ClosedOrdersParams, 'startTime' | 'endTime' | 'orderBy'> & { since: Date | number; until?: Date | number },
  options?: CallOptions,
): AsyncGenerator<Order> {
  const { since, until, limit = CLOSED_PAGE, ...rest } = params
  const sinceMs = +since
  let windowEnd = until === undefined ? Date.now() : +until
  const seen = new Set<string>()
  while (windowEnd > sinceMs) {
    const windowStart = Math.max(sinceMs, windowEnd - WEEK_MS)
    let end = windowEnd
    for (;;) {
      const page = await source.getClosedOrders(
        { ...rest, startTime: new Date(windowStart), endTime: new Date(end), limit, orderBy: 'desc' },
        options,
      )
      for (const order of page) {
        if (seen.has(order.uuid)) continue
        seen.add(order.uuid)
        yield order
      }
      const oldest = page[page.length - 1]
      if (page.length < limit || !oldest) break
      // A full page: continue the same window up to the oldest order's time (inclusive; duplicates skipped).
      const next = Date.parse(oldest.created_at)
      if (!(next + 1 < end)) break
      end = next + 1
    }
    windowEnd = windowStart
  }
}
