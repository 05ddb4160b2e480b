import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { type RedisServer, startRedisServer } from '../../../test-support/redis-server.js'
import { UpbitBanError, UpbitRequestError } from './errors.js'
import type { Reservation, SlotRequest } from './limiter-store.js'
import { createRateLimiter } from './rate-limiter.js'
import { RESERVE } from './redis-limiter-scripts.js'
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
/** A slot request with the default 25 ms margin: leases live for half of it. */
const leaseSlot = (now: number, budget = order, group = 'order'): SlotRequest => ({ ...slot(now, budget, group), marginMs: 25 })
const idOf = (reservation: Reservation) => {
  if (reservation.kind !== 'slot') throw new Error(`expected a slot, got ${reservation.kind}`)
  return reservation.id
}
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

  it('at most one round trip to Redis per request: 20 sparse requests cost 20 commands, a busy burst of 40 fewer (a lease), all the script by its SHA', async () => {
    const pocket = newPocket()
    // No heartbeat during the count (the first one, the join, runs before it).
    const { store } = processOn(pocket, { heartbeatMs: 600_000 })
    const bulk = { limit: 1000, intervalMs: 1000 }
    const t = 12_000_000
    await store.reserve(leaseSlot(t, bulk, 'warm'))
    const monitor = await new Redis(server.url).monitor()
    const commands: string[] = []
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua') commands.push(String(args[0]).toLowerCase())
    })
    // A marker through the monitor itself tells when MONITOR is live, and when every counted command has arrived.
    const marker = new Redis(server.url)
    const mark = async () => {
      await marker.echo('mark')
      await vi.waitFor(() => expect(commands.at(-1)).toBe('echo'), { timeout: 20_000, interval: 10 })
      const counted = commands.slice(0, -1)
      commands.length = 0
      return counted
    }
    await mark()
    // Sparse: one request every 100 ms (a clock the test sets), one at a time: one reservation each, no lease.
    for (let i = 0; i < 20; i++) at(await store.reserve(leaseSlot(t + 100 * i, bulk, 'bulk')))
    const sparse = await mark()
    // Busy: 40 requests at one instant, one after another (answers awaited one by one: none is coalesced).
    for (let i = 0; i < 40; i++)
      at(store.tryReserve(leaseSlot(t + 5000, bulk, 'bulk')) ?? (await store.reserve(leaseSlot(t + 5000, bulk, 'bulk'))))
    const busy = await mark()
    monitor.disconnect()
    marker.disconnect()
    expect(sparse).toHaveLength(20)
    expect(busy.length).toBeGreaterThan(0)
    expect(busy.length).toBeLessThan(40)
    expect(new Set([...sparse, ...busy])).toEqual(new Set(['evalsha']))
  })

  it('callers that come while a lease is on its way are served from it instead of each asking Redis', async () => {
    const { store } = processOn(newPocket(), { heartbeatMs: 600_000 })
    const bulk = { limit: 1000, intervalMs: 1000 }
    const t = 12_500_000
    for (let i = 0; i < 5; i++) at(store.tryReserve(leaseSlot(t, bulk)) ?? (await store.reserve(leaseSlot(t, bulk)))) // a busy process
    const check = new Redis(server.url)
    const scriptRuns = async () => Number(/cmdstat_evalsha:calls=(\d+)/.exec(await check.info('commandstats'))?.[1])
    try {
      const before = await scriptRuns()
      // Six callers at once, 5 ms later: what is left of the last lease, then one new lease for the rest.
      const replies = await Promise.all(Array.from({ length: 6 }, () => store.reserve(leaseSlot(t + 5, bulk))))
      expect(new Set(replies.map(idOf)).size).toBe(6)
      for (const time of replies.map(at)) expect([t, t + 5]).toContain(time)
      expect((await scriptRuns()) - before).toBe(1)
    } finally {
      check.disconnect()
    }
  })

  it('leases never let four racing processes exceed the budget in any window, and spend slots without a round trip', async () => {
    const pocket = newPocket()
    const stores = Array.from({ length: 4 }, () => processOn(pocket, { reserveAheadMs: 60_000 }).store)
    const t = 13_000_000
    // Each process asks again as soon as it is answered (a busy process: its demand makes it ask for leases).
    const replies = (
      await Promise.all(
        stores.map(async (store) => {
          const mine: Reservation[] = []
          for (let i = 0; i < 30; i++) mine.push(store.tryReserve(leaseSlot(t)) ?? (await store.reserve(leaseSlot(t))))
          return mine
        }),
      )
    ).flat()
    const times = replies.map(at)
    expect(times).toHaveLength(120)
    // Windows are interval + margin long for leaseSlot (25 ms).
    expect(busiestWindow(times, 1025)).toBe(12)
    const leased = replies.filter((r) => r.kind === 'slot' && r.id.includes('.'))
    expect(leased.length).toBeGreaterThan(0)
  })

  it('the script leases only while the window stays at most half full, whatever a process asks for', async () => {
    const client = new Redis(server.url)
    client.defineCommand('reserve', { numberOfKeys: 4, lua: RESERVE })
    const run = client as unknown as {
      reserve(...args: Array<string | number>): Promise<[number, number, string, number, number]>
    }
    const keys = ['lease:{x}:log', 'lease:{x}:state', 'lease:{x}:members', 'lease:{x}:shares']
    // now, limit, window, margin, id, process, ahead, sec, sec at, staleMs, presumeMs, counted, lead, want
    const ask = (id: string, want: number) =>
      run.reserve(...keys, 1_000_000, 12, 1025, 25, id, 'p', 1000, -1, 0, 1500, 30000, 1, 0, want)
    try {
      expect((await ask('a', 32))[4]).toBe(6) // 12 / 2: the other half stays for the other processes
      expect((await ask('b', 32))[4]).toBe(1) // half full already: no lease, one slot
      expect(await client.zcard(keys[0]!)).toBe(7)
    } finally {
      await client.del(...keys)
      client.disconnect()
    }
  })

  it('leased slots left unused are given back with the next reservation; a pause drops the lease', async () => {
    const pocket = newPocket()
    const { store } = processOn(pocket)
    const other = processOn(pocket).store
    const check = new Redis(server.url)
    const logKey = `tradekit:upbit:{pocket:${pocket}}:order:log`
    try {
      const t = 14_000_000
      at(await store.reserve(leaseSlot(t)))
      at(await store.reserve(leaseSlot(t))) // the second request within the lease's life asks for two: one leased
      const leasedIds = (await check.zrange(logKey, 0, -1)).filter((id) => id.includes('.'))
      expect(leasedIds).toHaveLength(1)
      // The leased slot is on time within half the margin: the next request gets it without Redis.
      const fromLease = store.tryReserve(leaseSlot(t + 5))
      expect(fromLease).toMatchObject({ kind: 'slot', at: t, id: leasedIds[0] })
      // Another lease, then let it expire: the next reservation gives it back, and the log no longer counts it.
      at(await store.reserve(leaseSlot(t + 5)))
      const unused = (await check.zrange(logKey, 0, -1)).filter((id) => id.includes('.') && id !== leasedIds[0])
      expect(unused.length).toBeGreaterThan(0)
      expect(store.tryReserve(leaseSlot(t + 200))).toBeUndefined()
      at(await store.reserve(leaseSlot(t + 200)))
      const logged = await check.zrange(logKey, 0, -1)
      for (const id of unused) expect(logged).not.toContain(id)

      // A pause another process saw outranks a lease this one holds.
      at(await store.reserve(leaseSlot(t + 3000)))
      at(await store.reserve(leaseSlot(t + 3000)))
      expect(await check.zrangebyscore(logKey, t + 3000, t + 3000)).toContainEqual(expect.stringContaining('.'))
      other.report('order', { kind: 'pause', until: t + 5000 })
      await vi.waitFor(() => expect(store.hold('order').pausedUntil).toBe(t + 5000), { timeout: 10_000 })
      expect(store.tryReserve(leaseSlot(t + 3001))).toBeUndefined()
    } finally {
      check.disconnect()
    }
  })

  it('a late slot is re-timed in place, counted once: not sent to the back of the queue behind slots promised since', async () => {
    const pocket = newPocket()
    const { store } = processOn(pocket, { reserveAheadMs: 60_000 })
    const three = { limit: 3, intervalMs: 1000 }
    const t = 15_000_000
    const a = await store.reserve(slot(t, three))
    expect(at(await store.reserve(slot(t + 600, three)))).toBe(t + 600) // promised to a caller whose clock is ahead
    // A's caller woke 300 ms late. A send now keeps every window within 3: its slot moves to now, before t + 600, and
    // stays good for as long again, up to 250 ms (the caller may be that late with the answer), logged at its end.
    const moved = await store.retime!(slot(t + 300, three), idOf(a), t)
    expect(moved).toEqual({ kind: 'slot', at: t + 300, until: t + 550, id: idOf(a) })
    const check = new Redis(server.url)
    try {
      const logKey = `tradekit:upbit:{pocket:${pocket}}:order:log`
      expect(await check.zcard(logKey)).toBe(2)
      expect(await check.zscore(logKey, idOf(a))).toBe(String(t + 550))
    } finally {
      check.disconnect()
    }
    // Giving the slot back and reserving anew (what a store without re-timing does) waits behind the promised slot.
    const { store: plain } = processOn(newPocket(), { reserveAheadMs: 60_000 })
    const b = await plain.reserve(slot(t, three))
    at(await plain.reserve(slot(t + 600, three)))
    plain.release('order', idOf(b), t)
    expect(at(await plain.reserve(slot(t + 300, three)))).toBe(t + 600)
  })

  it('a late slot goes past the promised sends in its way when a send now would overfill a window', async () => {
    const { store } = processOn(newPocket(), { reserveAheadMs: 60_000 })
    const two = { limit: 2, intervalMs: 1000 }
    const t = 16_000_000
    const a = await store.reserve(slot(t, two))
    at(await store.reserve(slot(t, two)))
    at(await store.reserve(slot(t, two)))
    at(await store.reserve(slot(t, two))) // two slots at t + 1000: a send at t + 300 would make three in one window
    expect(at(await store.retime!(slot(t + 300, two), idOf(a), t))).toBe(t + 2000)
  })

  it('a caller that wakes later than marginMs keeps its slot, re-timed, instead of giving it back and queueing again', async () => {
    const { store } = processOn(newPocket(), { reserveAheadMs: 60_000 })
    let now = 18_000_000
    // A starved event loop: every sleep ends 200 ms after it should.
    const clock = {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms + 200
      },
    }
    const released = vi.spyOn(store, 'release')
    const retimed = vi.spyOn(store, 'retime')
    const limiter = createRateLimiter({ store, budgets: { order: { limit: 1, intervalMs: 1000 } } }, clock)
    expect((await limiter.acquire('order')).at).toBe(18_000_000)
    const late = await limiter.acquire('order') // its slot is at + 1025; the caller wakes at + 1225
    expect(late.at).toBe(18_001_225)
    expect(limiter.confirm(late)).toBe(true)
    expect(retimed).toHaveBeenCalledTimes(1)
    expect(released).not.toHaveBeenCalled()
  })

  it('a call found late at confirm (slow to prepare) keeps its slot: the next acquire re-times it, nothing is given back', async () => {
    const { store } = processOn(newPocket())
    let now = 19_000_000
    const clock = {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms
      },
    }
    const released = vi.spyOn(store, 'release')
    const limiter = createRateLimiter({ store, budgets: { order: { limit: 1, intervalMs: 1000 } } }, clock)
    const permit = await limiter.acquire('order')
    now += 100 // preparing the call took 100 ms
    expect(limiter.confirm(permit)).toBe(false)
    expect(limiter.tryAcquire('order')).toBeUndefined()
    expect(await limiter.acquire('order')).toEqual({ group: 'order', at: 19_000_100, until: 19_000_200, id: permit.id })
    expect(released).not.toHaveBeenCalled()
  })

  it('a re-timing request older than the log it finds (another process pruned past it) is placed where the log is complete', async () => {
    const pocket = newPocket()
    const a = processOn(pocket, { reserveAheadMs: 60_000 }).store
    const b = processOn(pocket, { reserveAheadMs: 60_000 }).store
    const two = { limit: 2, intervalMs: 1000 }
    const t = 20_000_000
    const x = await a.reserve(slot(t - 500, two))
    const sends = [await a.reserve(slot(t, two)), await a.reserve(slot(t + 500, two)), await a.reserve(slot(t + 1450, two))].map(
      at,
    )
    // B's request, with a newer clock reading, forgets the sends up to t + 200 (out of every window from its time on).
    sends.push(at(await b.reserve(slot(t + 1200, two))))
    // A's caller of x was late; its request, read at t + 200, reaches Redis only now.
    const moved = await a.retime!(slot(t + 200, two), idOf(x), at(x))
    for (const used of [at(moved), (moved as { until?: number }).until ?? at(moved)])
      expect(busiestWindow([...sends, used], 1000)).toBeLessThanOrEqual(2)
  })

  it('re-timing late slots never puts more than the budget in any window: four processes, seeded random lateness', async () => {
    const twenty = { limit: 20, intervalMs: 1000 }
    const t = 17_000_000
    for (const start of [19, 7, 2026, 418]) {
      const pocket = newPocket()
      const stores = Array.from({ length: 4 }, () => processOn(pocket, { reserveAheadMs: 60_000 }).store)
      let seed = start
      const random = () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
        return seed / 2 ** 31
      }
      // When each slot is used: on time at its instant; a re-timed one at either end of the time it is good for.
      const used = new Map<string, number>()
      type Late = { p: number; id: string; at: number; late: number; atEnd: boolean }
      const lateOnes: Late[][] = []
      const retime = async (late: Late) => {
        const moved = await stores[late.p]!.retime!(slot(late.at + late.late, twenty), late.id, late.at)
        if (moved.kind === 'slot') used.set(late.id, late.atEnd ? (moved.until ?? moved.at) : moved.at)
        else used.delete(late.id)
      }
      for (let round = 0; round < 10; round++) {
        const now = t + round * 800
        const taken = await Promise.all(
          stores.map((store) => Promise.all([0, 1, 2, 3].map(() => store.reserve(slot(now, twenty))))),
        )
        // Some callers are late (up to 900 ms after their slot); the rest send on time. The late ones' requests reach
        // Redis two rounds later, after other processes' newer requests (their clock readings lag behind).
        const late: Late[] = []
        taken.forEach((mine, p) => {
          for (const reservation of mine) {
            const id = idOf(reservation)
            used.set(id, at(reservation))
            const by = random() < 0.5 ? Math.floor(random() * 900) : 0
            const atEnd = random() < 0.5
            if (by > 25) late.push({ p, id, at: at(reservation), late: by, atEnd })
          }
        })
        lateOnes.push(late)
        if (round >= 2) await Promise.all(lateOnes[round - 2]!.map(retime))
      }
      for (const late of lateOnes.slice(-2)) await Promise.all(late.map(retime))
      expect(used.size).toBeGreaterThan(100)
      expect(busiestWindow([...used.values()], 1000)).toBeLessThanOrEqual(20)
    }
  })

  it("one process's Remaining-Req lowers what the others may send in that second", async () => {
    const pocket = newPocket()
    const a = processOn(pocket).store
    const b = processOn(pocket, { reserveAheadMs: 1000 }).store
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
    // (staleMs: the test asks with clock readings up to seconds ahead of its heartbeats)
    const a = processOn(pocket, { commandTimeoutMs: 2000, reserveAheadMs: 1000, staleMs: 60_000 })
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
      // A caller still holding a slot from the local share wakes late after the rejoin: its slot is re-timed in
      // Redis, where the other processes count it (a new local slot would be one they never see).
      const held = fallback[0]!
      const moved = await a.store.retime!(slot(Math.max(...times) + 100, budget), idOf(held), at(held))
      expect(await check.zscore(`tradekit:upbit:{pocket:${pocket}}:order:log`, idOf(moved))).not.toBeNull()
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
