import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisServer, startRedisServer } from '../../../test-support/redis-server.js'
import { createUpbitClient } from './client.js'
import type { LimiterStore } from './limiter-store.js'
import { createRedisLimiterStore } from './redis-limiter-store.js'
import { startUpbitSimulator, type UpbitSimulator } from './testing/index.js'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(async () => {
  await redis?.stop()
})

/** Four bots on one pocket, each its own client (own connections, own limiter), each sending a mixed burst at once. */
async function fourBots(sim: UpbitSimulator, storeFor: (bot: number) => LimiterStore | undefined, maxRetries429 = 4) {
  const bots = Array.from({ length: 4 }, (_, bot) => {
    const store = storeFor(bot)
    return createUpbitClient({
      baseUrl: sim.baseUrl,
      accessKey: sim.accessKey,
      secretKey: sim.secretKey,
      orderChecks: false,
      // A wide margin: a loaded machine may deliver requests sent a window apart into one simulator second.
      rateLimit: { marginMs: 150, maxRetries429, ...(store ? { store } : {}) },
    })
  })
  const calls = bots.flatMap((bot) => [
    ...Array.from({ length: 6 }, () =>
      bot.createOrder({ market: 'KRW-BTC', side: 'bid', ordType: 'limit', price: '90000000', volume: '0.0001' }),
    ),
    ...Array.from({ length: 10 }, () => bot.getAccounts()),
  ])
  return Promise.allSettled(calls)
}

describe('one pocket, several bots', () => {
  it('four bots sharing a Redis limiter store get no 429 from a simulator counting per pocket', { timeout: 60_000 }, async () => {
    const sim = await startUpbitSimulator({ balances: { KRW: '1000000000' } })
    const clients: Redis[] = []
    const stores = Array.from({ length: 4 }, () => {
      const client = new Redis(redis.url)
      clients.push(client)
      return createRedisLimiterStore({ redis: client, pocket: 'shared-pocket-test', onStatus: () => {} })
    })
    try {
      const results = await fourBots(sim, (bot) => stores[bot])
      expect(results.filter((r) => r.status === 'rejected')).toEqual([])
      expect(sim.stats().byStatus[429]).toBeUndefined()
      expect(sim.orders()).toHaveLength(24)
    } finally {
      for (const store of stores) await (store as { close(): Promise<void> }).close()
      for (const client of clients) client.disconnect()
      await sim.close()
    }
  })

  it('the same four bots with in-memory limiters overshoot the pocket and get 429s', async () => {
    const sim = await startUpbitSimulator({ balances: { KRW: '1000000000' } })
    try {
      await fourBots(sim, () => undefined, 0) // a 429 fails the call at once: the count is what matters
      expect(sim.stats().byStatus[429]).toBeGreaterThan(0)
    } finally {
      await sim.close()
    }
  })
})
