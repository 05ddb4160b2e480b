import type { IncomingMessage } from 'node:http'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { type RedisServer, startRedisServer } from '../../../test-support/redis-server.js'
import { configFromEnv } from './config.js'
import { createRateBudget } from './rate-limit.js'
import { createRedisRateLimitStore } from './rate-limit-redis.js'
import { writeLogFixture } from './test-support/log-fixture.js'
import { TEST_TOKEN, useServers } from './test-support/test-server.js'

const servers = useServers()
let redis: RedisServer
beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(async () => {
  await redis?.stop()
})

/** One server process, configured as RATE_LIMIT_REDIS_URL configures it. */
async function replica() {
  const dir = servers.tempDir()
  writeLogFixture(dir, { days: 1, tradesPerDay: 4, end: Date.UTC(2025, 7, 10, 23) })
  return servers.start({ logDir: dir, rateLimit: { max: 4, windowMs: 60_000, redisUrl: redis.url } })
}

function upgrade(url: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/ws`, ['tradekit.v1', `bearer.${token}`])
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    socket.on('open', () => {
      socket.close()
      resolve(101)
    })
    socket.on('error', () => undefined)
  })
}

const anyRequest = {} as IncomingMessage

describe('rate limit on Redis', () => {
  it('two server processes on one Redis enforce one budget per client, for HTTP and /ws upgrades alike', async () => {
    const a = await replica()
    const b = await replica()
    expect((await a.get('/api/trades')).status).toBe(200)
    expect((await b.get('/api/trades')).status).toBe(200)
    expect(await upgrade(a.url, TEST_TOKEN)).toBe(101)
    const last = await b.get('/api/trades')
    expect([last.status, last.headers.get('ratelimit-remaining')]).toEqual([200, '0'])
    // The budget of 4 is spent across both processes: the next request or upgrade is refused on either.
    expect((await a.get('/api/trades')).status).toBe(429)
    expect(await upgrade(b.url, TEST_TOKEN)).toBe(429)
  })

  it('Redis killed: each process counts alone (never unlimited) with one warning, and shares again when Redis returns', async () => {
    const warnings: string[] = []
    const store = createRedisRateLimitStore({
      url: redis.url,
      prefix: `rl-failover-${process.pid}:`,
      onWarning: (message) => warnings.push(message),
    })
    const budget = createRateBudget({ max: 2, windowMs: 60_000, store, keyOf: () => 'client' })
    try {
      expect((await budget.hitUpgrade(anyRequest)).limited).toBe(false)
      expect(store.mode()).toBe('redis')
      await redis.kill()
      expect((await budget.hitUpgrade(anyRequest)).limited).toBe(false)
      expect((await budget.hitUpgrade(anyRequest)).limited).toBe(false)
      expect((await budget.hitUpgrade(anyRequest)).limited).toBe(true) // counted in memory: still a budget
      expect(store.mode()).toBe('memory')
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(/Redis is unavailable .*counts clients on its own/)
      expect(warnings[0]).not.toContain(String(redis.port))

      await redis.restart()
      await vi.waitFor(() => expect(store.mode()).toBe('redis'), { timeout: 20_000, interval: 20 })
      expect(warnings[1]).toMatch(/Redis is back/)
      // Counting in Redis again: the restarted (empty) Redis holds this count.
      expect((await budget.hitUpgrade(anyRequest)).limited).toBe(false)
      const check = new Redis(redis.url)
      try {
        expect(await check.get(`rl-failover-${process.pid}:client`)).toBe('1')
      } finally {
        check.disconnect()
      }
    } finally {
      budget.close()
    }
  })

  it('configured by RATE_LIMIT_REDIS_URL alone; without it the in-memory store stays the default', () => {
    expect(configFromEnv({ API_TOKEN: TEST_TOKEN }).rateLimit).toMatchObject({ redisUrl: undefined })
    expect(configFromEnv({ API_TOKEN: TEST_TOKEN, RATE_LIMIT_REDIS_URL: redis.url }).rateLimit).toMatchObject({
      redisUrl: redis.url,
    })
    // Two budgets without Redis count apart (each process alone), as before.
    const one = createRateBudget({ max: 1, windowMs: 60_000, keyOf: () => 'client' })
    const two = createRateBudget({ max: 1, windowMs: 60_000, keyOf: () => 'client' })
    try {
      return Promise.all([one.hitUpgrade(anyRequest), two.hitUpgrade(anyRequest)]).then((decisions) =>
        expect(decisions.map((d) => d.limited)).toEqual([false, false]),
      )
    } finally {
      one.close()
      two.close()
    }
  })

  it('error: RATE_LIMIT_REDIS_URL that is not a redis URL stops start-up without echoing the password', () => {
    const error = (() => {
      try {
        configFromEnv({ API_TOKEN: TEST_TOKEN, RATE_LIMIT_REDIS_URL: 'http://user:s3cret-pw@cache:6379' })
      } catch (caught) {
        return caught as Error
      }
    })()
    expect(error?.message).toMatch(/RATE_LIMIT_REDIS_URL.*redis:\/\/ or rediss:\/\//)
    expect(error?.message).not.toContain('s3cret-pw')
  })
})
