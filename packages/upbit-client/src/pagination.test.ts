import { afterEach, describe, expect, it } from 'vitest'
import { createUpbitClient } from './client.js'
import { startUpbitSimulator, type UpbitSimulator } from './testing/index.js'

let sim: UpbitSimulator
afterEach(() => sim?.close())

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of iterable) out.push(item)
  return out
}

const DAY = 24 * 3_600_000

describe('pagination', () => {
  it('candles beyond 200 walk `to` back without gaps or repeats, to the start of history', async () => {
    const feed = Array.from({ length: 450 }, (_, i) => ({ open: 1000 + i, high: 1000 + i, low: 1000 + i, close: 1000 + i }))
    sim = await startUpbitSimulator({ markets: { 'KRW-XRP': feed } })
    sim.advance(449)
    let requests = 0
    const client = createUpbitClient({ baseUrl: sim.baseUrl, hooks: { onRequest: () => requests++ } })
    const candles = await collect(client.iterateCandles({ market: 'KRW-XRP', unit: 1 }))
    expect(candles.map((c) => c.trade_price)).toEqual(Array.from({ length: 450 }, (_, i) => 1449 - i))
    expect(requests).toBe(3)
    const limited = await collect(client.iterateCandles({ market: 'KRW-XRP', unit: 1, limit: 250 }))
    expect(limited).toHaveLength(250)
    expect(limited.at(-1)!.trade_price).toBe(1200)
  })

  it('trades follow the sequential_id cursor', async () => {
    sim = await startUpbitSimulator({ markets: { 'KRW-BTC': (step) => 5000 + step } })
    sim.advance(1199)
    const client = createUpbitClient({ baseUrl: sim.baseUrl })
    const trades = await collect(client.iterateTrades({ market: 'KRW-BTC', limit: 1100 }))
    expect(trades).toHaveLength(1100)
    expect(new Set(trades.map((t) => t.sequential_id)).size).toBe(1100)
    expect(trades[0]!.sequential_id).toBe(1199)
    expect(trades.at(-1)!.sequential_id).toBe(100)
  })

  it('closed orders beyond the 7-day window are walked one window at a time, full pages continued', async () => {
    let now = Date.UTC(2026, 10, 1)
    sim = await startUpbitSimulator({ clock: () => now, balances: { KRW: '100000000' } })
    const client = createUpbitClient({ baseUrl: sim.baseUrl, accessKey: sim.accessKey, secretKey: sim.secretKey })
    const placed: string[] = []
    for (let day = 0; day < 12; day++) {
      for (let k = 0; k < 2; k++) {
        now = Date.UTC(2026, 10, 1) + day * DAY + k * 3_600_000
        const order = await client.createOrder({
          market: 'KRW-BTC',
          side: 'bid',
          ordType: 'limit',
          price: '50000000',
          volume: '0.001',
        })
        await client.cancelOrder({ uuid: order.uuid })
        placed.push(order.uuid)
      }
    }
    const since = Date.UTC(2026, 10, 1) - DAY
    const until = Date.UTC(2026, 10, 14)
    const all = await collect(client.iterateClosedOrders({ since, until, limit: 3 }))
    expect(all.map((o) => o.uuid).sort()).toEqual([...placed].sort())
    const times = all.map((o) => Date.parse(o.created_at))
    expect(times).toEqual([...times].sort((a, b) => b - a))
    // a direct query over more than 7 days is refused by Upbit's rule, which is why the iterator exists
    await expect(client.getClosedOrders({ startTime: new Date(since), endTime: new Date(until) })).rejects.toThrow(/7 days/)
  })
})
