import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { type RedisServer, startRedisServer } from '../../../test-support/redis-server.js'
import { UpbitBanError, UpbitRequestError } from './errors.js'
import type { Reservation, SlotRequest } from './limiter-store.js'
import { createRateLimiter } from './rate-limiter.js'
import {
  createRedisLimiterStore,
  fallbackShare,
  type RedisLimiterStore,
  type RedisLimiterStoreEvent,
  type RedisLimiterStoreOptions,
} from './redis-limiter-store.js'
import { busiestWindow } from './test-support/busiest-window.js'

let server: RedisServer
const opened: Array<{ store: RedisLimiterStore; client: Redis }> = []
let pocketSeq = 0

beforeAll(async () => {
  server = await startRedisServer()
})
afterEach(async () => {
  for (const { store, client } of opened.splice(0)) {
    await store.close()
    client.disconnect()
  }
})
afterAll(async () => {
  await server?.stop()
})

/** One "process": its own ioredis client and store (a test runs several on one pocket). */
function processOn(pocket: string, options: Partial<RedisLimiterStoreOptions> = {}) {
  const client = new Redis(server.url, { lazyConnect: false, maxRetriesPerRequest: 0 })
  client.on('error', () => {})
  const events: RedisLimiterStoreEvent[] = []
  const store = createRedisLimiterStore({
    redis: client,
    pocket,
    ipScope: `${pocket}-ip`,
    onStatus: (event) => events.push(event),
    ...options,
  })
  opened.push({ store, client })
  return { store, events }
}

const newPocket = () => `test-${process.pid}-${pocketSeq++}`
const order = { limit: 12, intervalMs: 1000 }
const slot = (now: number, budget = order, group = 'order'): SlotRequest => ({
  group,
  budget,
  marginMs: 0,
  now,
  counted: true,
})
const at = (reservation: Reservation) => {
  if (reservation.kind !== 'slot') throw new Error(`expected a slot, got ${reservation.kind}`)
  return reservation.at
}
/** Resolves with the next status event a store reports (no sleeping: the store calls back). */
function nextEvent(events: RedisLimiterStoreEvent[], mode: RedisLimiterStoreEvent['mode']) {
  return vi.waitFor(
    () => {
      const event = events.find((e) => e.mode === mode)
      if (!event) throw new Error(`no ${mode} event yet`)
      return event
    },
    { timeout: 20_000, interval: 20 },
  )
}

describe('Redis limiter store', () => {
  it('four processes racing for one pocket never hold more than the budget in any window', async () => {
    const pocket = newPocket()
    const stores = Array.from({ length: 4 }, () => processOn(pocket, { reserveAheadMs: 60_000 }).store)
    const now = 5_000_000
    // 4 × 30 reservations in flight at once, all asked at the same instant: only the script's atomicity orders them.
    const replies = await Promise.all(stores.flatMap((store) => Array.from({ length: 30 }, () => store.reserve(slot(now)))))
    const times = replies.map(at)
    expect(times).toHaveLength(120)
    expect(busiestWindow(times, 1000)).toBe(12)
    // ...and the budget is used: 120 sends at 12 per second take ten windows, the first at once (slots where the
    // budget binds come a few ms later: the time a process needs to use a burst of replies, at most 250 ms).
    expect(Math.min(...times)).toBe(now)
    expect(Math.max(...times)).toBeGreaterThanOrEqual(now + 9000)
    expect(Math.max(...times)).toBeLessThanOrEqual(now + 9000 + 250)
  })

  it('a slot further ahead than reserveAheadMs is not taken: the caller is told when to ask again', async () => {
    const { store } = processOn(newPocket(), { reserveAheadMs: 1500 })
    const now = 7_000_000
    const replies = await Promise.all(Array.from({ length: 30 }, () => store.reserve(slot(now))))
    expect(replies.filter((r) => r.kind === 'slot')).toHaveLength(24) // now and now + 1000 (12 each)
    expect(replies.filter((r) => r.kind === 'later').map((r) => (r.kind === 'later' ? r.retryAt : 0))).toEqual(
      Array(6).fill(now + 2000 - 1500),
    )
  })

  it('one round trip to Redis per reservation: 40 reservations cost 40 commands, the script run by its SHA', async () => {
    const pocket = newPocket()
    // No heartbeat during the count (the first one, the join, runs before it).
    const { store } = processOn(pocket, { heartbeatMs: 600_000 })
    await store.reserve(slot(Date.now(), { limit: 1000, intervalMs: 1000 }))
    const monitor = await new Redis(server.url).monitor()
    const commands: string[] = []
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua') commands.push(String(args[0]).toLowerCase())
    })
    // A marker through the monitor itself tells when MONITOR is live, and when every counted command has arrived.
    const marker = new Redis(server.url)
    const mark = async (name: string) => {
      await marker.echo(name)
      await vi.waitFor(() => expect(commands).toContain('echo'), { timeout: 20_000, interval: 10 })
      commands.length = 0
    }
    await mark('start')
    // 40 requests' reservations, each on a free slot (answers are awaited one by one: none is coalesced).
    for (let i = 0; i < 40; i++) at(await store.reserve(slot(Date.now(), { limit: 1000, intervalMs: 1000 }, 'bulk')))
    await marker.echo('end')
    await vi.waitFor(() => expect(commands.at(-1)).toBe('echo'), { timeout: 20_000, interval: 10 })
    commands.pop()
    monitor.disconnect()
    marker.disconnect()
    expect(commands).toHaveLength(40)
    expect(new Set(commands)).toEqual(new Set(['evalsha']))
  })

  it("one process's Remaining-Req lowers what the others may send in that second", async () => {
    const pocket = newPocket()
    const a = processOn(pocket).store
    const b = processOn(pocket).store
    const now = 9_000_200
    expect(at(await a.reserve(slot(now)))).toBe(now)
    // Upbit says 1 left in this second (some other client used the rest); A passes it on with its next request.
    a.report('order', { kind: 'remaining', sec: 1, at: now })
    expect(at(await a.reserve(slot(now)))).toBe(now)
    expect(at(await b.reserve(slot(now)))).toBe(9_001_000)
  })

  it('a 429 pause and a 418 ban seen by one process hold every process on the pocket, with the same end time', async () => {
    const pocket = newPocket()
    const a = processOn(pocket).store
    const b = processOn(pocket, { reserveAheadMs: 10_000 }).store
    const now = Date.now()
    expect(at(await b.reserve(slot(now)))).toBe(now) // B is connected and listening
    a.report('order', { kind: 'pause', until: now + 4000 })
    await vi.waitFor(() => expect(b.hold('order').pausedUntil).toBe(now + 4000), { timeout: 10_000 })
    expect(at(await b.reserve(slot(now + 1)))).toBe(now + 4000)

    const ban = new UpbitBanError({
      method: 'POST',
      url: 'https://api.upbit.com/v1/orders',
      status: 418,
      errorName: undefined,
      upbitMessage: 'Too many API requests. Blocked for 60 seconds.',
      group: 'order',
      banMs: 60_000,
      bannedUntil: now + 60_000,
    })
    a.report('order', { kind: 'ban', error: ban })
    await vi.waitFor(() => expect(b.hold('order').ban?.bannedUntil).toBe(now + 60_000), { timeout: 10_000 })
    const refused = await b.reserve(slot(now + 2))
    expect(refused.kind).toBe('banned')
    const error = (refused as { error: UpbitBanError }).error
    expect(error).toBeInstanceOf(UpbitBanError)
    expect([error.bannedUntil, error.banMs, error.group, error.status]).toEqual([now + 60_000, 60_000, 'order', 418])
    // Other groups of the pocket are not banned.
    expect(at(await b.reserve(slot(now + 3, { limit: 30, intervalMs: 1000 }, 'default')))).toBe(now + 3)
  })

  it('a caller already waiting for its slot in another process fails with the ban when it wakes', async () => {
    const pocket = newPocket()
    const a = processOn(pocket).store
    const b = processOn(pocket, { reserveAheadMs: 5000 }).store
    const limiter = createRateLimiter({ store: b, marginMs: 0, budgets: { order: { limit: 1, intervalMs: 1500 } } })
    await limiter.acquire('order')
    const waiting = limiter.acquire('order') // holds the slot 1.5 s ahead
    const bannedUntil = Date.now() + 60_000
    const ban = new UpbitBanError({
      method: 'POST',
      url: 'https://api.upbit.com/v1/orders',
      status: 418,
      errorName: undefined,
      upbitMessage: 'blocked',
      group: 'order',
      banMs: 60_000,
      bannedUntil,
    })
    a.report('order', { kind: 'ban', error: ban })
    await expect(waiting).rejects.toMatchObject({ name: 'UpbitBanError', bannedUntil })
  })

  it('Redis killed: each process falls back to its share with a warning, never unlimited, and rejoins when Redis returns', async () => {
    const pocket = newPocket()
    const a = processOn(pocket, { commandTimeoutMs: 2000, reserveAheadMs: 1000 })
    const b = processOn(pocket, { commandTimeoutMs: 2000, reserveAheadMs: 1000 })
    const budget = { limit: 10, intervalMs: 1000 }
    const now = Date.now()
    await a.store.reserve(slot(now, budget))
    await b.store.reserve(slot(now, budget)) // both processes are on the pocket now
    await a.store.reserve(slot(now, budget))

    const killedAt = Date.now()
    await server.kill()
    const fallback = await Promise.all(Array.from({ length: 12 }, () => a.store.reserve(slot(now + 10, budget))))
    const event = await nextEvent(a.events, 'fallback')
    expect(a.store.mode()).toBe('fallback')
    expect(event.processes).toBe(2)
    expect(event.message).toMatch(/Redis is unavailable .*local share \(1\/2 of each budget\)/)
    expect(event.message).not.toContain(server.url) // no address (a URL could carry a password)
    const times = fallback.map(at)
    // Half the budget: 5 per window; and only after every slot reserved before the failure has left the window.
    expect(busiestWindow(times, 1000)).toBe(5)
    // (reserveAheadMs 1000 + commandTimeoutMs 2000 + the 1000 ms window after the failure was seen)
    expect(Math.min(...times)).toBeGreaterThanOrEqual(killedAt + 1000 + 2000 + 1000)

    await server.restart()
    const rejoined = await nextEvent(a.events, 'shared')
    expect(rejoined.message).toMatch(/Redis is back/)
    expect(a.store.mode()).toBe('shared')
    // Its local sends are in the shared log, so nobody can use them again.
    const check = new Redis(server.url)
    try {
      const logged = await check.zrange(`tradekit:upbit:{pocket:${pocket}}:order:log`, 0, -1, 'WITHSCORES')
      const scores = logged.filter((_, i) => i % 2 === 1).map(Number)
      expect(scores.sort()).toEqual([...times].sort())
    } finally {
      check.disconnect()
    }
  })

  it('Redis down from the start: the local share comes from fallbackProcesses, never the whole budget', async () => {
    const down = await startRedisServer()
    await down.kill()
    const client = new Redis(down.url, { lazyConnect: true, maxRetriesPerRequest: 0 })
    client.on('error', () => {})
    const events: RedisLimiterStoreEvent[] = []
    const store = createRedisLimiterStore({
      redis: client,
      pocket: newPocket(),
      fallbackProcesses: 3,
      commandTimeoutMs: 200,
      joinTimeoutMs: 200,
      onStatus: (event) => events.push(event),
    })
    opened.push({ store, client })
    const now = Date.now()
    const times = (
      await Promise.all(Array.from({ length: 9 }, () => store.reserve(slot(now, { limit: 9, intervalMs: 1000 }))))
    ).map(at)
    expect(busiestWindow(times, 1000)).toBe(3)
    expect(events.map((e) => [e.mode, e.processes])).toEqual([['fallback', 3]])
    await down.stop()
  })

  it('fallbackShare splits a budget without ever giving zero', () => {
    expect(fallbackShare({ limit: 30, intervalMs: 1000 }, 4)).toEqual({ limit: 7, intervalMs: 1000 })
    expect(fallbackShare({ limit: 12, intervalMs: 1000 }, 1)).toEqual({ limit: 12, intervalMs: 1000 })
    expect(fallbackShare({ limit: 1, intervalMs: 2000 }, 4)).toEqual({ limit: 1, intervalMs: 8000 })
  })

  it('error: a store without a Redis client or a pocket is refused with what to pass', () => {
    expect(() => createRedisLimiterStore({ pocket: 'p' } as RedisLimiterStoreOptions)).toThrow(UpbitRequestError)
    const client = new Redis(server.url, { lazyConnect: true })
    expect(() => createRedisLimiterStore({ redis: client, pocket: '' })).toThrow(/needs `pocket`/)
    client.disconnect()
  })
})
