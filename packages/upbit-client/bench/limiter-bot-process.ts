/**
 * One bot process for bench/limiter.ts: a client on the simulator's pocket with a Redis limiter store (or the
 * in-memory one), sending a mixed burst at an agreed wall-clock start, or a steady demand for a while. Prints one
 * JSON line: per group the calls made and when the last one finished (ms after the start), plus when each request
 * was sent and the store's mode changes.
 */
import { Redis } from 'ioredis'
import { createUpbitClient, type LimiterStore } from '../src/index.js'
import { createRedisLimiterStore, type RedisLimiterStoreEvent } from '../src/redis.js'

interface Job {
  baseUrl: string
  accessKey: string
  secretKey: string
  /** Absent: the in-memory limiter. */
  redisUrl?: string
  pocket: string
  /** Wall-clock start, epoch ms: every bot starts its burst at once. */
  startAt: number
  /** group → calls in the burst. */
  mix: Record<string, number>
  /** Steady mode: keep `inFlight` order-group calls going for this long instead of one burst. */
  steadyMs?: number
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job
const events: Array<RedisLimiterStoreEvent & { atMs: number }> = []
let redis: Redis | undefined
let store: (LimiterStore & { close(): Promise<void> }) | undefined
if (job.redisUrl) {
  redis = new Redis(job.redisUrl)
  redis.on('error', () => {})
  store = createRedisLimiterStore({
    redis,
    pocket: job.pocket,
    onStatus: (event) => events.push({ ...event, cause: undefined, atMs: Date.now() - job.startAt }),
  })
}
// Slots a caller could not use on time, by reason: it woke (or was ready) more than marginMs after its slot (`late`:
// a busy event loop), or a pause outranked it (`pause`, e.g. Remaining-Req sec=0). The Redis store re-times them in
// place (`retimed`); a slot given back (`released`: an aborted caller, a ban) is counted apart. Counted to explain a
// slow burst, with how late the late ones were.
const retimed: Record<'late' | 'pause', number> = { late: 0, pause: 0 }
let released = 0
const lateMs: number[] = []
if (store?.retime) {
  const shared = store as LimiterStore & Required<Pick<LimiterStore, 'retime'>>
  const retime = shared.retime.bind(shared)
  shared.retime = (request, id, at) => {
    const reason = shared.hold(request.group).pausedUntil > at ? 'pause' : 'late'
    retimed[reason]++
    if (reason === 'late') lateMs.push(request.now - at)
    return retime(request, id, at)
  }
  const release = shared.release.bind(shared)
  shared.release = (group, id, at) => {
    released++
    release(group, id, at)
  }
}
const sent: Array<[string, number]> = []
const statuses: Record<number, number> = {}
const client = createUpbitClient({
  baseUrl: job.baseUrl,
  accessKey: job.accessKey,
  secretKey: job.secretKey,
  orderChecks: false,
  rateLimit: store ? { store } : {},
  hooks: {
    onRequest: (info) => sent.push([info.group, Date.now() - job.startAt]),
    onResponse: (info) => {
      statuses[info.status] = (statuses[info.status] ?? 0) + 1
    },
  },
})
const calls: Record<string, () => Promise<unknown>> = {
  ticker: () => client.getTicker({ markets: ['KRW-BTC'] }),
  candle: () => client.getCandles({ market: 'KRW-BTC', unit: 1, count: 10 }),
  orderbook: () => client.getOrderbook({ markets: ['KRW-BTC'] }),
  default: () => client.getAccounts(),
  order: () => client.createOrder({ market: 'KRW-BTC', side: 'bid', ordType: 'limit', price: '50000000', volume: '0.0001' }),
}
// Warm up the connection to Redis (and the JIT) before the agreed start; nothing is sent to the simulator. Node loads
// fetch's HTTP stack on the first call (~25 ms of one CPU): a bot that has been running has it loaded already.
await fetch('data:,warm-up').then((response) => response.text())
if (store)
  await store.reserve({
    group: 'warm-up',
    budget: { limit: 1e9, intervalMs: 1000 },
    marginMs: 0,
    now: Date.now(),
    counted: false,
  })
await new Promise((resolve) => setTimeout(resolve, Math.max(0, job.startAt - Date.now())))
// ms after the agreed start this process began (a loaded machine can start a process late).
const began = Date.now() - job.startAt

const finished: Record<string, number> = {}
let failed = 0
if (job.steadyMs) {
  const until = job.startAt + job.steadyMs
  await Promise.all(
    Array.from({ length: 24 }, async () => {
      while (Date.now() < until) await calls.order!().catch(() => failed++)
    }),
  )
} else {
  const work = Object.entries(job.mix).flatMap(([group, count]) =>
    Array.from(
      { length: count },
      () => () =>
        calls[group]!().then(
          () => {
            finished[group] = Date.now() - job.startAt
          },
          () => failed++,
        ),
    ),
  )
  // Interleaved, so the burst is mixed rather than one group after another.
  work.sort(() => Math.random() - 0.5)
  await Promise.all(work.map((call) => call()))
}
console.log(JSON.stringify({ finished, failed, statuses, sent, events, retimed, released, lateMs, began }))
await store?.close()
redis?.disconnect()
process.exit(0)
