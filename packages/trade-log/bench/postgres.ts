/**
 * The PostgreSQL backend's figures (issue 20), each beside a baseline measured in the same run: newest 100 of
 * 365,000 trades (and the file backend on the same entries), durable append throughput against a raw parameterised
 * INSERT through the same client, and follow latency from an append to delivery in another process. A real
 * PostgreSQL with fsync on is started in a temp directory and removed afterwards.
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startPostgresServer } from '../../../test-support/postgres-server.js'
import { openLogDatabase } from '../src/postgres/database.js'
import { entryKey } from '../src/postgres/entry-key.js'
import { createPostgresTradeLogReader } from '../src/postgres/reader.js'
import { createPostgresTradeLogWriter } from '../src/postgres/writer.js'
import { createTradeLogReader } from '../src/reader.js'
import { type Figure, median, percentile, sampleTrade, scratchDir } from './common.js'

const DAY = 86_400_000
const DAY0 = Date.UTC(2025, 0, 1)

export async function postgresFigures(figures: Figure[]): Promise<void> {
  const server = await startPostgresServer({ durable: true })
  try {
    await newest(figures, await server.createDatabase())
    await durable(figures, await server.createDatabase())
    await follow(figures, await server.createDatabase())
  } finally {
    await server.stop()
  }
}

async function newest(figures: Figure[], url: string) {
  const { dir, remove } = scratchDir('pg-year')
  const database = openLogDatabase({ url })
  try {
    await database.ready()
    for (let day = 0; day < 365; day++) {
      const start = DAY0 + day * DAY
      const entries = Array.from({ length: 1000 }, (_, i) => {
        const tsMs = start + Math.floor((i * DAY) / 1000)
        return { ...sampleTrade(day * 1000 + i, tsMs), ts: new Date(tsMs).toISOString() }
      })
      writeFileSync(
        join(dir, `trades_${new Date(start).toISOString().slice(0, 10).replaceAll('-', '')}.jsonl`),
        entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''),
      )
      await database.insert(
        entries.map((entry) => ({
          kind: 'trades',
          key: entryKey('trades', entry),
          tsMs: entry.tsMs,
          market: entry.market,
          side: entry.side,
          json: JSON.stringify(entry),
        })),
      )
    }
    await database.query('Analyzing', `ANALYZE ${database.entries}`)
    const time = async (read: () => Promise<unknown>) => {
      await read()
      const times: number[] = []
      for (let i = 0; i < 30; i++) {
        const started = performance.now()
        await read()
        times.push(performance.now() - started)
      }
      return median(times)
    }
    const reader = createPostgresTradeLogReader({ url })
    const files = createTradeLogReader({ dir })
    const ours = await time(() => reader.readEntries({ kind: 'trades', limit: 100 }))
    const fileMs = await time(() => files.readEntries({ kind: 'trades', limit: 100 }))
    const rawMs = await time(() =>
      database.query(
        'Reading',
        `SELECT entry FROM ${database.entries} WHERE log = 'main' AND kind = 'trades' ORDER BY ts_ms DESC, key DESC LIMIT 101`,
      ),
    )
    await reader.close()
    figures.push({
      name: 'PostgreSQL: newest 100 trades of 365,000 (readEntries, validated) beside the file backend on the same entries',
      ours: `${ours.toFixed(1)} ms median of 30`,
      baseline: `file backend ${fileMs.toFixed(1)} ms; the bare SQL query ${rawMs.toFixed(1)} ms`,
      ratio: `${(ours / fileMs).toFixed(2)}× the file backend`,
      goal: '< 20 ms',
      pass: ours < 20,
    })
  } finally {
    await database.close()
    remove()
  }
}

async function durable(figures: Figure[], url: string) {
  const count = 1500
  const writer = createPostgresTradeLogWriter({ url, maxConnections: 1 })
  await writer.append('trades', sampleTrade(-1, DAY0 - 1))
  const raw = openLogDatabase({ url, maxConnections: 1 })
  await raw.ready()
  const runs: { ours: number; raw: number }[] = []
  for (let run = 0; run < 3; run++) {
    // The baseline: the same row through the same client (pg), one INSERT per entry, keys computed beforehand.
    const rows = Array.from({ length: count }, (_, i) => {
      const entry = { ...sampleTrade(run * 10_000 + i, DAY0 + run * DAY + i), orderId: `raw-${run}-${i}` }
      return [entryKey('trades', entry), entry.tsMs, entry.market, entry.side, JSON.stringify(entry)]
    })
    let started = performance.now()
    for (const row of rows) {
      await raw.pool.query(
        `INSERT INTO ${raw.entries} (log, kind, key, ts_ms, market, side, entry) VALUES ('main', 'trades', $1, $2, $3, $4, $5)`,
        row,
      )
    }
    const rawMs = performance.now() - started
    started = performance.now()
    for (let i = 0; i < count; i++) await writer.append('trades', sampleTrade(run * 10_000 + i, DAY0 + run * DAY + i))
    const oursMs = performance.now() - started
    runs.push({ ours: (count / oursMs) * 1000, raw: (count / rawMs) * 1000 })
  }
  await writer.close()
  await raw.close()
  const ours = median(runs.map((r) => r.ours))
  const base = median(runs.map((r) => r.raw))
  const fmt = (value: number) => `${Math.round(value).toLocaleString('en-US')} appends/s`
  figures.push({
    name: 'PostgreSQL: durable append (validated, committed) vs a raw parameterised INSERT through the same client (fsync on)',
    ours: fmt(ours),
    baseline: fmt(base),
    ratio: `${(ours / base).toFixed(2)}×`,
    goal: '≥ 0.80×',
    pass: ours / base >= 0.8,
  })
}

async function follow(figures: Figure[], url: string) {
  const writer = createPostgresTradeLogWriter({ url })
  await writer.append('trades', sampleTrade(-1, DAY0 - 1))
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'postgres-follow-child.ts'), url], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const sentAt = new Map<string, number>()
  const latencies: number[] = []
  let ready!: () => void
  const isReady = new Promise<void>((resolve) => {
    ready = resolve
  })
  let buffer = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    const at = performance.now()
    buffer += chunk.toString()
    const lines = buffer.split('\n')
    buffer = lines.pop()!
    for (const line of lines) {
      if (line === 'ready') ready()
      const sent = sentAt.get(line)
      if (sent !== undefined) latencies.push(at - sent)
    }
  })
  await isReady
  const samples = 200
  for (let i = 0; i < samples; i++) {
    const entry = sampleTrade(i, DAY0 + i)
    sentAt.set(entry.orderId, performance.now())
    await writer.append('trades', entry)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  const deadline = Date.now() + 5000
  while (latencies.length < samples && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  child.kill('SIGTERM')
  await writer.close()
  const p99 = percentile(latencies, 99)
  figures.push({
    name: `PostgreSQL: follow latency, append (from its start) → entry delivered in another process (LISTEN/NOTIFY; ${latencies.length}/${samples} delivered)`,
    ours: `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`,
    baseline: 'poll interval 1000 ms (the fallback)',
    ratio: `p99 ${(p99 / 100).toFixed(2)} of the goal`,
    goal: 'p99 < 100 ms',
    pass: p99 < 100 && latencies.length === samples,
  })
}
