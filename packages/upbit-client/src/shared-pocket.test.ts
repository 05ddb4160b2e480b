import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisServer, startRedisServer } from '../../../test-support/redis-server.js'
import { createUpbitClient } from './client.js'
import type { LimiterStore } from './limiter-store.js'
import { DEFAULT_BUDGETS } from './rate-limiter.js'
import { createRedisLimiterStore, type RedisLimiterStore } from './redis-limiter-store.js'
import { busiestWindow } from './test-support/busiest-window.js'
import { startUpbitSimulator } from './testing/index.js'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(async () => {
  await redis?.stop()
})

/**
 * Four bots on one pocket, each its own client (own connections, own limiter), each sending a mixed burst at once
 * to the simulator, which counts per pocket. Returns when every call is settled, with each request's send time.
 */
async function fourBots(storeFor: (bot: number) => LimiterStore | undefined, maxRetries429: number) {
  const sim = await startUpbitSimulator({ balances: { KRW: '1000000000' } })
  const sent: Record<string, number[]> = {}
  try {
    const bots = Array.from({ length: 4 }, (_, bot) => {
      const store = storeFor(bot)
      return createUpbitClient({
        baseUrl: sim.baseUrl,
        accessKey: sim.accessKey,
        secretKey: sim.secretKey,
        orderChecks: false,
        rateLimit: { maxRetries429, ...(store ? { store } : {}) },
        hooks: {
          onRequest: ({ group }) => {
            sent[group] ??= []
            sent[group].push(Date.now())
          },
        },
      })
    })
    const results = await Promise.allSettled(
      bots.flatMap((bot) => [
        ...Array.from({ length: 6 }, () =>
          bot.createOrder({ market: 'KRW-BTC', side: 'bid', ordType: 'limit', price: '90000000', volume: '0.0001' }),
        ),
        ...Array.from({ length: 10 }, () => bot.getAccounts()),
      ]),
    )
    return { results, sent, orders: sim.orders().length, status429: sim.stats().byStatus[429] ?? 0 }
  } finally {
    await sim.close()
  }
}

describe('one pocket, several bots', () => {
  it('four bots sharing a Redis limiter store send within the pocket budget together, every call answered', {
    timeout: 60_000,
  }, async () => {
    const clients: Redis[] = []
    const stores: RedisLimiterStore[] = Array.from({ length: 4 }, () => {
      const client = new Redis(redis.url)
      clients.push(client)
      return createRedisLimiterStore({ redis: client, pocket: 'shared-pocket-test', onStatus: () => {} })
    })
    try {
      const run = await fourBots((bot) => stores[bot], 4)
      expect(run.results.filter((r) => r.status === 'rejected')).toEqual([])
      expect(run.orders).toBe(24)
      // What the limiter decides, measured where it acts: the four processes' sends, by send time, never hold more
      // than a group's budget in any second. (Whether the simulator also saw them so depends on delivery, which a
      // loaded machine delays; the benchmark reports its 429 count, and the simulator's 429s are retried here.)
      expect(busiestWindow(run.sent.order!, 1000)).toBeLessThanOrEqual(DEFAULT_BUDGETS.order!.limit)
      expect(busiestWindow(run.sent.default!, 1000)).toBeLessThanOrEqual(DEFAULT_BUDGETS.default!.limit)
      expect(run.sent.order!.length + run.sent.default!.length).toBe(64 + run.status429)
    } finally {
      for (const store of stores) await store.close()
      for (const client of clients) client.disconnect()
    }
  })

  it('the same four bots with in-memory limiters overshoot the pocket: 24 orders in the first second, and 429s', async () => {
    const run = await fourBots(() => undefined, 0) // a 429 fails the call at once: the count is what matters
    expect(busiestWindow(run.sent.order!, 1000)).toBe(24)
    expect(run.status429).toBeGreaterThan(0)
  })
})
