import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createTradeLogReader, performance, type TradeEntry } from '@tradekit/trade-log'
import pino from 'pino'
import { describe, expect, it, vi } from 'vitest'
import { configFromEnv } from './config.js'
import { rangeOf } from './series.js'
import { createStatsCache } from './stats-cache.js'
import { dayKeyUtc, writeLogFixture } from './test-support/log-fixture.js'
import { TEST_TOKEN, useServers } from './test-support/test-server.js'

const END = Date.UTC(2025, 7, 10, 23, 59, 59)
const servers = useServers()

async function readAll(dir: string) {
  const reader = createTradeLogReader({ dir })
  const entries = []
  for (const kind of ['trades', 'equity'] as const) for await (const record of reader.stream({ kind })) entries.push(record.entry)
  return entries
}

function statsCache(dir: string, extra: Partial<Parameters<typeof createStatsCache>[0]> = {}) {
  const warnings: string[] = []
  const cache = createStatsCache({
    reader: createTradeLogReader({ dir }),
    timeZone: 'UTC',
    onWarning: (message) => warnings.push(message),
    ...extra,
  })
  return { cache, warnings }
}

describe('stats cache: all-time performance from the checkpointed index', () => {
  it('the first computation writes a checkpoint; a restarted cache resumes from it with the same answer', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 4, tradesPerDay: 12, end: END })
    const first = statsCache(dir)
    const body = (await first.cache.performance(rangeOf({ period: 'all' }))) as Record<string, unknown>
    expect(first.cache.allTimeRefresh).toMatchObject({ mode: 'full', checkpointDay: dayKeyUtc(END - 86_400_000) })
    expect(readdirSync(join(dir, '.trade-log-cache'))).toHaveLength(1)
    const { closedTrades, ...expected } = performance(await readAll(dir), { timeZone: 'UTC' })
    expect(body).toEqual({ period: 'all', from: null, to: null, ...expected, recentClosedTrades: closedTrades.slice(-20) })

    const restarted = statsCache(dir)
    expect(await restarted.cache.performance(rangeOf({ period: 'all' }))).toEqual(body)
    // Only the newest day is read: its 12 trades and 12 equity snapshots.
    expect(restarted.cache.allTimeRefresh).toMatchObject({ mode: 'checkpoint', entriesRead: 12 * 2 })
    expect(restarted.warnings).toEqual([])
  })

  it('an append seen by the follower changes the next all-time answer at once', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 2, tradesPerDay: 6, end: END, withDecisions: false })
    const { cache } = statsCache(dir)
    const before = (await cache.performance(rangeOf({ period: 'all' }))) as { fills: number }
    const fill: TradeEntry = {
      ts: new Date(END - 1_000).toISOString(),
      tsMs: END - 1_000,
      market: 'KRW-BTC',
      side: 'buy',
      volume: '0.001',
      price: '50000000',
      funds: '50000',
      fee: '25',
      orderId: 'late',
      mode: 'paper',
    }
    appendFileSync(join(dir, `trades_${dayKeyUtc(END)}.jsonl`), `${JSON.stringify(fill)}\n`)
    // Within the once-a-second re-check window, only the follower's invalidate makes it look again.
    expect(await cache.performance(rangeOf({ period: 'all' }))).toBe(before)
    cache.invalidate('trades')
    const after = (await cache.performance(rangeOf({ period: 'all' }))) as { fills: number }
    expect(after.fills).toBe(before.fills + 1)
    const { closedTrades, ...expected } = performance(await readAll(dir), { timeZone: 'UTC' })
    expect(after).toEqual({ period: 'all', from: null, to: null, ...expected, recentClosedTrades: closedTrades.slice(-20) })
  })

  it('without a follower event, a second later the files are re-checked in the background', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 2, tradesPerDay: 6, end: END, withDecisions: false })
    const { cache } = statsCache(dir)
    const before = (await cache.performance(rangeOf({ period: 'all' }))) as { fills: number }
    const fill = { ...JSON.parse(readFileSync(join(dir, `trades_${dayKeyUtc(END)}.jsonl`), 'utf8').split('\n')[0]!) }
    fill.tsMs = END - 500
    fill.ts = new Date(fill.tsMs).toISOString()
    fill.orderId = 'unseen-by-the-follower'
    appendFileSync(join(dir, `trades_${dayKeyUtc(END)}.jsonl`), `${JSON.stringify(fill)}\n`)
    const realNow = Date.now
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 2_000)
    try {
      // This request is answered at once with what was known; it starts the re-check.
      expect(await cache.performance(rangeOf({ period: 'all' }))).toBe(before)
      // The re-check reads and folds the files in the background: poll until it lands. Only a hang hits the bound
      // (100 polls of 20 ms ran out under load before).
      const after = await vi.waitFor(
        async () => {
          const answer = (await cache.performance(rangeOf({ period: 'all' }))) as { fills: number }
          if (answer.fills === before.fills) throw new Error('the background re-check has not landed yet')
          return answer
        },
        { timeout: 25_000, interval: 20 },
      )
      expect(after.fills).toBe(before.fills + 1)
    } finally {
      clock.mockRestore()
    }
  })

  it('other periods and a market filter are still computed from the entries in their window', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 3, tradesPerDay: 10, end: END })
    const { cache } = statsCache(dir)
    const range = rangeOf({ period: 'all', from: END - 86_400_000, to: END })
    const body = (await cache.performance(range)) as Record<string, unknown>
    const entries = (await readAll(dir)).filter((entry) => entry.tsMs >= range.from! && entry.tsMs < range.to!)
    const { closedTrades, ...expected } = performance(entries, { timeZone: 'UTC' })
    expect(body).toMatchObject({ ...expected, recentClosedTrades: closedTrades.slice(-20) })
    expect(cache.allTimeRefresh).toBeUndefined()
  })

  it('a server writes the checkpoint when it first computes the statistics', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 3, tradesPerDay: 4, end: END, withDecisions: false })
    const server = await servers.start({ logDir: dir })
    const { status, body } = await server.get('/api/performance')
    expect(status).toBe(200)
    expect(body.fills).toBe(12)
    expect(existsSync(join(dir, '.trade-log-cache'))).toBe(true)
    expect(readdirSync(join(dir, '.trade-log-cache'))[0]).toMatch(/^performance-[0-9a-f]{12}\.json$/)
  })

  it('a log no index has seen, read by a worker thread while the cache folds: the one-thread answer; a server keeps its answer and diagnostic count', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 6, tradesPerDay: 40, end: END })
    appendFileSync(join(dir, `trades_${dayKeyUtc(END - 2 * 86_400_000)}.jsonl`), '{"not": "a fill"}\n')
    const alone = statsCache(dir)
    const expected = await alone.cache.performance(rangeOf({ period: 'all' }))
    rmSync(join(dir, '.trade-log-cache'), { recursive: true, force: true })
    const split = statsCache(dir, { workerRead: { minBytes: 0 } })
    expect(await split.cache.performance(rangeOf({ period: 'all' }))).toEqual(expected)
    expect([split.cache.allTimeRefresh?.worker, alone.cache.allTimeRefresh?.worker]).toEqual([true, undefined])
    rmSync(join(dir, '.trade-log-cache'), { recursive: true, force: true })
    const lines: string[] = []
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) })
    const server = await servers.start({ logDir: dir, logger })
    const { body } = await server.get('/api/performance')
    // Every figure the route returns (it leaves out the daily series) is the single-thread cache's.
    const same = Object.fromEntries(Object.keys(body).map((key) => [key, (expected as Record<string, unknown>)[key]]))
    expect(Object.keys(body).length).toBeGreaterThan(40)
    expect(body).toEqual(JSON.parse(JSON.stringify(same)))
    // This log is under workerRead's minBytes, so the server reads it in one thread, without a warning.
    expect(lines.join('\n')).not.toMatch(/worker/)
    // As many times as without the worker (3, measured with workerRead removed from log-store.ts): a worker that
    // reported it and then a fallback that read again would count it once more.
    await server.get('/api/portfolio')
    const metrics = (await server.get('/metrics')).text
    expect(/tradelog_read_diagnostics_total\{kind="trades",reason="invalid_entry"\} (\d+)/.exec(metrics)?.[1]).toBe('3')
  })

  it('a damaged checkpoint is warned about in the server log and the answer is recomputed, not trusted', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 3, tradesPerDay: 4, end: END, withDecisions: false })
    const first = await servers.start({ logDir: dir })
    const expected = (await first.get('/api/performance')).body
    await first.close()
    const [name] = readdirSync(join(dir, '.trade-log-cache'))
    writeFileSync(join(dir, '.trade-log-cache', name!), '{"format":"tradekit.performance-checkpoint","ver')
    const lines: string[] = []
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) })
    const second = await servers.start({ logDir: dir, logger })
    expect((await second.get('/api/performance')).body).toEqual(expected)
    const warnings = lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((l) => l.level === 40)
    expect(warnings.map((w) => w.msg).join('\n')).toMatch(/checkpoint/i)
  })

  it('STATS_CACHE_FILE puts the checkpoint outside the log directory (read-only log volumes)', async () => {
    const dir = servers.tempDir()
    const cacheDir = servers.tempDir()
    writeLogFixture(dir, { days: 2, tradesPerDay: 3, end: END, withDecisions: false })
    const cacheFile = join(cacheDir, 'performance.json')
    const config = configFromEnv({ API_TOKEN: TEST_TOKEN, STATS_CACHE_FILE: cacheFile })
    expect(config.performanceCacheFile).toBe(cacheFile)
    const server = await servers.start({ ...config, logDir: dir, port: 0 })
    expect((await server.get('/api/performance')).body.fills).toBe(6)
    expect(existsSync(cacheFile)).toBe(true)
    expect(existsSync(join(dir, '.trade-log-cache'))).toBe(false)
  })
})
