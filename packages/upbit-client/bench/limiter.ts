/**
 * The shared limiter's figures (the second half of `pnpm bench`; alone: `npx tsx bench/limiter.ts`), each against a baseline measured in
 * the same run, with a real redis-server and the simulator in their own processes:
 * 1. Four bot processes on one pocket, each sending a mixed burst at once: with the Redis store, 0 × 429 and the
 *    slowest group at ≥ 0.9 of its budget combined; beside it the same run with per-process in-memory limiters.
 * 2. µs per acquire (p50, p99), Redis store vs in-memory store, a free slot each time.
 * 3. Client calls/s vs raw fetch with the Redis store (goal ≥ 0.8), paired rounds, median ratio.
 * 4. Redis killed mid-run under steady demand from two bots: 0 × 429 while they fall back, and the rate after Redis
 *    returns.
 */
import { spawn } from 'node:child_process'
import { Redis } from 'ioredis'
import { startRedisServer } from '../../../test-support/redis-server.js'
import { createMemoryLimiterStore, createUpbitClient, DEFAULT_BUDGETS, type LimiterStore } from '../src/index.js'
import { createRateLimiter } from '../src/rate-limiter.js'
import { createRedisLimiterStore } from '../src/redis.js'
import { busiestWindow } from '../src/test-support/busiest-window.js'
import { startSimulatorProcess } from './simulator-child.js'

function line(name: string, value: string, baseline: string, ratio: number, goal?: number, below = false): void {
  const pass = goal === undefined ? undefined : below ? ratio <= goal : ratio >= goal
  const verdict = pass === undefined ? 'report' : pass ? 'PASS' : 'MISS'
  const goalText = goal === undefined ? 'no goal' : `goal ${below ? '≤' : '≥'} ${goal}`
  console.log(`${name}: ${value} | baseline ${baseline} | ratio ${ratio.toFixed(3)} | ${goalText} | ${verdict}`)
}

interface BotResult {
  finished: Record<string, number>
  failed: number
  statuses: Record<string, number>
  sent: Array<[string, number]>
  events: Array<{ mode: string; atMs: number; processes: number }>
  /** Slots re-timed in place (Redis store only): callers ready later than marginMs after them, or outranked by a pause. */
  retimed: Record<'late' | 'pause', number>
  /** Slots given back (Redis store only): aborted callers, bans. */
  released: number
  /** How late (ms after their slot) the late callers were. */
  lateMs: number[]
  /** ms after the agreed start the process began its burst (late on a loaded machine). */
  began: number
}

function bot(job: object): Promise<BotResult> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./limiter-bot-process.ts', import.meta.url).pathname, JSON.stringify(job)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8')
  })
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim())) : reject(new Error(`bench bot exited with ${code}`)),
    ),
  )
}

const MIX = { ticker: 15, candle: 15, orderbook: 15, default: 30, order: 15 }
// BENCH_BOTS: how many bot processes share the pocket (default 4, the figure).
const BOTS = Number(process.env.BENCH_BOTS ?? 4)

async function pocketBurst(redisUrl: string | undefined, label: string): Promise<void> {
  const sim = await startSimulatorProcess({ balances: { KRW: '100000000000' } })
  // Time for four processes to start and connect (each prints how late it began, if it was not ready by then).
  const startAt = Date.now() + 5000
  const job = {
    baseUrl: sim.baseUrl,
    accessKey: sim.accessKey,
    secretKey: sim.secretKey,
    pocket: `bench-${Date.now()}`,
    startAt,
    mix: MIX,
  }
  const results = await Promise.all(Array.from({ length: BOTS }, () => bot(redisUrl ? { ...job, redisUrl } : job)))
  const stats = await sim.stats()
  await sim.close()
  const status429 = stats.byStatus[429] ?? 0
  const status418 = stats.byStatus[418] ?? 0
  const failed = results.reduce((sum, r) => sum + r.failed, 0)
  let worst = Number.POSITIVE_INFINITY
  const perGroup: string[] = []
  for (const [group, count] of Object.entries(MIX)) {
    const total = count * BOTS
    const limit = DEFAULT_BUDGETS[group]!.limit
    const done = Math.max(...results.map((r) => r.finished[group] ?? Number.NaN))
    // The fastest legal schedule sends full batches one second apart: (ceil(total / limit) − 1) s.
    const ideal = (Math.ceil(total / limit) - 1) * 1000
    const ratio = ideal / done
    worst = Math.min(worst, Number.isNaN(ratio) ? 0 : ratio)
    // Where the limiter's work can be judged apart from delivery: the sends of all processes, by send time.
    const sends = results.flatMap((r) => r.sent.filter(([g]) => g === group).map(([, at]) => at))
    perGroup.push(
      `${group} ${total}@${limit}/s ${(done / 1000).toFixed(2)} s (${ratio.toFixed(2)}), busiest 1 s of sends ${busiestWindow(sends, 1000)}`,
    )
  }
  const fallbacks = results.reduce((sum, r) => sum + r.events.filter((e) => e.mode === 'fallback').length, 0)
  const began = Math.max(...results.map((r) => r.began))
  console.log(
    `  ${label}: ${perGroup.join(', ')}; failed calls ${failed}; fallbacks to a local share ${fallbacks}; last process began ${began} ms after the agreed start`,
  )
  if (redisUrl) {
    const late = results.reduce((sum, r) => sum + r.retimed.late, 0)
    const paused = results.reduce((sum, r) => sum + r.retimed.pause, 0)
    const released = results.reduce((sum, r) => sum + r.released, 0)
    const lateMs = results.flatMap((r) => r.lateMs)
    const sends = results.reduce((sum, r) => sum + r.sent.length, 0)
    // Late callers mean the processes woke (or prepared their calls) more than marginMs after their slots: a starved
    // CPU. Their slots are re-timed in place, not queued again at the back.
    console.log(
      `  slots re-timed in place: ${late} callers ready later than marginMs after their slot (p50 ${lateMs.length ? quantile(lateMs, 0.5) : 0} ms, max ${lateMs.length ? Math.max(...lateMs) : 0} ms late), ${paused} outranked by a pause; ${released} given back; ${sends} sends`,
    )
  }
  console.log(
    `${label}: ${BOTS} processes, ${BOTS * Object.values(MIX).reduce((a, b) => a + b, 0)} calls: ${status429} × 429, ${status418} × 418 at the simulator | goal 0 | ${redisUrl ? (status429 === 0 ? 'PASS' : 'MISS') : 'report (the overshoot it prevents)'}`,
  )
  if (redisUrl)
    line(`${label}: slowest group's share of its budget, combined`, worst.toFixed(3), '1.000 (the budget)', worst, 0.9)
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

async function acquireCost(redisUrl: string): Promise<void> {
  const measure = async (store: LimiterStore, n: number) => {
    const limiter = createRateLimiter({ store, budgets: { bench: { limit: 1e9, intervalMs: 1000 } } })
    const us: number[] = []
    for (let i = 0; i < n; i++) {
      const start = performance.now()
      if (!limiter.tryAcquire('bench')) await limiter.acquire('bench')
      us.push((performance.now() - start) * 1000)
    }
    return us.slice(n / 10) // the first tenth warms up
  }
  const client = new Redis(redisUrl)
  const redisStore = createRedisLimiterStore({ redis: client, pocket: `acquire-${Date.now()}` })
  const memory = await measure(createMemoryLimiterStore(), 20_000)
  const redis = await measure(redisStore, 5000)
  await redisStore.close()
  client.disconnect()
  const fmt = (us: number[]) => `p50 ${quantile(us, 0.5).toFixed(1)} µs, p99 ${quantile(us, 0.99).toFixed(1)} µs`
  line(
    'µs per acquire, Redis store (a lease serves most; one script round trip when it runs out)',
    fmt(redis),
    `memory store ${fmt(memory)}`,
    quantile(memory, 0.99) / quantile(redis, 0.99),
  )
}

async function throughputWithRedis(redisUrl: string): Promise<void> {
  const sim = await startSimulatorProcess({ rateLimit: false })
  const url = `${sim.baseUrl}/v1/ticker?markets=KRW-BTC`
  const redis = new Redis(redisUrl)
  const store = createRedisLimiterStore({ redis, pocket: `throughput-${Date.now()}`, ipScope: `throughput-${Date.now()}` })
  // Budgets no run reaches: the figure is the cost of sharing (one reservation per call), not waiting.
  const client = createUpbitClient({
    baseUrl: sim.baseUrl,
    rateLimit: { store, budgets: { ticker: { limit: 1e9, intervalMs: 1000 } } },
  })
  const sides = { raw: () => fetch(url).then((r) => r.json()), client: () => client.getTicker({ markets: ['KRW-BTC'] }) }
  // Script runs in Redis per client call (load-independent): at most 1; fewer when leases serve calls locally.
  const scriptRuns = async () => Number(/cmdstat_evalsha:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0)
  const runsBefore = await scriptRuns()
  const ratios: number[] = []
  let rawCalls = 0
  let rawMs = 0
  let clientMs = 0
  for (let round = 0; round < 3 + 16; round++) {
    const ms = { raw: 0, client: 0 }
    const order = round % 2 === 0 ? (['raw', 'client'] as const) : (['client', 'raw'] as const)
    for (const side of order) {
      let next = 0
      const start = performance.now()
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next++ < 300) await sides[side]()
        }),
      )
      ms[side] = performance.now() - start
    }
    if (round < 3) continue
    ratios.push(ms.raw / ms.client)
    rawCalls += 300
    rawMs += ms.raw
    clientMs += ms.client
  }
  const runs = (await scriptRuns()) - runsBefore
  await store.close()
  redis.disconnect()
  await sim.close()
  const median = quantile(ratios, 0.5)
  console.log(
    `  Redis round trips per client call: ${(runs / (19 * 300)).toFixed(3)} (${runs} script runs for ${19 * 300} calls)`,
  )
  line(
    'client calls/s with the Redis store vs raw fetch (median ratio of paired rounds)',
    `${(rawCalls / (clientMs / 1000)).toFixed(0)}/s (middle half ${quantile(ratios, 0.25).toFixed(3)}–${quantile(ratios, 0.75).toFixed(3)})`,
    `${(rawCalls / (rawMs / 1000)).toFixed(0)}/s raw fetch`,
    median,
    0.8,
  )
}

async function redisKilledMidRun(): Promise<void> {
  const redis = await startRedisServer()
  const sim = await startSimulatorProcess({ balances: { KRW: '100000000000' } })
  const startAt = Date.now() + 3000
  const steadyMs = 20_000
  const job = {
    baseUrl: sim.baseUrl,
    accessKey: sim.accessKey,
    secretKey: sim.secretKey,
    redisUrl: redis.url,
    pocket: `killed-${Date.now()}`,
    startAt,
    mix: {},
    steadyMs,
  }
  const bots = [bot(job), bot(job)]
  // Redis dies 4 s into the run and comes back 4 s later.
  await new Promise((resolve) => setTimeout(resolve, startAt + 4000 - Date.now()))
  const killedAt = Date.now() - startAt
  await redis.kill()
  await new Promise((resolve) => setTimeout(resolve, 4000))
  const backAt = Date.now() - startAt
  await redis.restart()
  const results = await Promise.all(bots)
  const stats = await sim.stats()
  await sim.close()
  await redis.stop()
  const sends = results.flatMap((r) => r.sent.filter(([group]) => group === 'order').map(([, at]) => at))
  const rate = (from: number, to: number) => sends.filter((at) => at >= from && at < to).length / ((to - from) / 1000)
  const busiest = busiestWindow(sends, 1000)
  const rejoined = Math.max(...results.map((r) => r.events.find((e) => e.mode === 'shared')?.atMs ?? Number.NaN))
  const fellBack = Math.min(...results.map((r) => r.events.find((e) => e.mode === 'fallback')?.atMs ?? Number.NaN))
  console.log(
    `  Redis killed at ${(killedAt / 1000).toFixed(1)} s, back at ${(backAt / 1000).toFixed(1)} s; both bots fell back by ${(fellBack / 1000).toFixed(2)} s and rejoined by ${(rejoined / 1000).toFixed(2)} s`,
  )
  console.log(
    `  order sends/s (budget 12): before ${rate(1000, killedAt).toFixed(1)}, falling back ${rate(killedAt, backAt).toFixed(1)}, after rejoining ${rate(rejoined + 1000, steadyMs).toFixed(1)}; busiest 1 s of sends ${busiest}`,
  )
  const status429 = stats.byStatus[429] ?? 0
  console.log(
    `Redis killed mid-run (2 bots, steady demand): ${status429} × 429 at the simulator | goal 0 | ${status429 === 0 ? 'PASS' : 'MISS'}`,
  )
  // Recovery against the same run before the failure (on a loaded machine the bots may not reach the budget at all).
  const before = rate(1000, killedAt)
  const after = rate(rejoined + 1000, steadyMs)
  line(
    'Redis killed mid-run: order rate after rejoining vs before the failure',
    `${after.toFixed(1)}/s`,
    `${before.toFixed(1)}/s before (budget 12/s)`,
    after / before,
    0.9,
  )
}

export async function limiterBenchmarks(): Promise<void> {
  const redis = await startRedisServer()
  try {
    await pocketBurst(redis.url, 'shared pocket, Redis limiter store')
    await pocketBurst(undefined, 'shared pocket, in-memory limiters (baseline)')
    await acquireCost(redis.url)
    await throughputWithRedis(redis.url)
  } finally {
    await redis.stop()
  }
  await redisKilledMidRun()
}

/** `npx tsx bench/limiter.ts [burst|burst-memory|acquire|throughput|killed]`: one part alone (default: all). */
async function only(part: string): Promise<void> {
  if (part === 'killed') return redisKilledMidRun()
  const redis = await startRedisServer()
  try {
    if (part === 'burst') await pocketBurst(redis.url, 'shared pocket, Redis limiter store')
    if (part === 'burst-memory') await pocketBurst(undefined, 'shared pocket, in-memory limiters (baseline)')
    if (part === 'acquire') await acquireCost(redis.url)
    if (part === 'throughput') await throughputWithRedis(redis.url)
  } finally {
    await redis.stop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const part = process.argv[2]
  await (part ? only(part) : limiterBenchmarks())
}
