/** Async iterators over Upbit's paged endpoints: candles (walk `to`), closed orders (7-day windows), trades (`cursor`). */
import type { CandlesParams, ClosedOrdersParams, TradesParams } from './client.js'
import type { CallOptions } from './orders.js'
import type { Candle, Order, TradeTick } from './schemas.js'

const CANDLE_PAGE = 200
const TRADE_PAGE = 500
const CLOSED_PAGE = 1000
const WEEK_MS = 7 * 24 * 3_600_000

/**
 * Walks a newest-first endpoint backwards: asks for up to `pageSize` items after `cursor`, yields them, and
 * continues from the oldest one until `limit` items or a short page (the start of history).
 */
async function* walkBack<T, C>(
  fetchPage: (cursor: C | undefined, count: number) => Promise<T[]>,
  cursorAfter: (oldest: T) => C,
  pageSize: number,
  limit = Number.POSITIVE_INFINITY,
): AsyncGenerator<T> {
  let cursor: C | undefined
  let left = limit
  while (left > 0) {
    const count = Math.min(pageSize, left)
    const page = await fetchPage(cursor, count)
    for (const item of page) yield item
    left -= page.length
    const oldest = page[page.length - 1]
    if (page.length < count || !oldest) return
    cursor = cursorAfter(oldest)
  }
}

/** Yields candles newest first, 200 per request, until `limit` or the start of the market's history. */
export function iterateCandles(
  source: { getCandles(p: CandlesParams, o?: CallOptions): Promise<Candle[]> },
  params: Omit<CandlesParams, 'count'> & { limit?: number },
  options?: CallOptions,
): AsyncGenerator<Candle> {
  const { limit, ...rest } = params
  return walkBack<Candle, CandlesParams['to']>(
    (to, count) => source.getCandles({ ...rest, ...(to === undefined ? {} : { to }), count }, options),
    // `to` is exclusive: the next page ends just before the oldest candle seen.
    (oldest) => `${oldest.candle_date_time_utc}Z`,
    CANDLE_PAGE,
    limit,
  )
}

/** Yields trades newest first, following `sequential_id` as the cursor. */
export function iterateTrades(
  source: { getTrades(p: TradesParams, o?: CallOptions): Promise<TradeTick[]> },
  params: Omit<TradesParams, 'cursor' | 'count'> & { limit?: number },
  options?: CallOptions,
): AsyncGenerator<TradeTick> {
  const { limit, ...rest } = params
  return walkBack<TradeTick, number>(
    (cursor, count) => source.getTrades({ ...rest, ...(cursor === undefined ? {} : { cursor }), count }, options),
    (oldest) => oldest.sequential_id,
    TRADE_PAGE,
    limit,
  )
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
