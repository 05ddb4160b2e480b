import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createPerformanceTracker as createBaselineTracker } from '../bench/baseline/performance-tracker.js'
import { doctor } from './doctor.js'
import { TradeLogUsageError } from './errors.js'
import { listLogFiles } from './files.js'
import { performance } from './performance.js'
import { createPerformanceIndex, INDEX_CLOSED_TRADES, type PerformanceIndexOptions } from './performance-checkpoint.js'
import { createTradeLogReader } from './reader.js'
import type { EquityEntry, TradeEntry } from './schemas.js'
import { AUG_1, DAY, HOUR, trade } from './test-support/entries.js'
import { useTempDir } from './test-support/temp-dir.js'

const tempDir = useTempDir()
const OPTIONS = { startingBalance: '10000', keepClosedTrades: 5 }

/** Two fills per hour for `hours` hours from `start`, alternating buy and a partial or full sell. */
function dayOfFills(start: number, hours = 6): TradeEntry[] {
  const fills: TradeEntry[] = []
  for (let h = 0; h < hours; h++) {
    const at = start + h * HOUR
    fills.push(trade(at, { side: 'buy', volume: '0.3', funds: `${300 + h}.5`, fee: '0.15', orderId: `b-${at}` }))
    fills.push(
      trade(at + 1, { side: 'sell', volume: h % 2 ? '0.3' : '0.1', funds: `${100 + 7 * h}.25`, fee: '0.05', orderId: `s-${at}` }),
    )
  }
  return fills
}

const dayKeyOf = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '')
const lines = (entries: object[]) => entries.map((entry) => `${JSON.stringify(entry)}\n`).join('')

/** A log directory of `days` daily trade files (and equity files) starting on Aug 1. */
function writeLog(dir: string, days: number): { all: (TradeEntry | EquityEntry)[] } {
  const all: (TradeEntry | EquityEntry)[] = []
  for (let d = 0; d < days; d++) {
    const fills = dayOfFills(AUG_1 + d * DAY)
    writeFileSync(join(dir, `trades_${dayKeyOf(AUG_1 + d * DAY)}.jsonl`), lines(fills))
    all.push(...fills)
  }
  return { all }
}

function index(dir: string, extra: Partial<PerformanceIndexOptions> = {}) {
  const warnings: string[] = []
  const perf = createPerformanceIndex({
    reader: createTradeLogReader({ dir }),
    ...OPTIONS,
    onWarning: (message) => warnings.push(message),
    ...extra,
  })
  return { perf, warnings }
}

describe('createPerformanceIndex', () => {
  it('first run folds every file and writes a checkpoint after the last closed day, atomically', async () => {
    const dir = tempDir()
    const { all } = writeLog(dir, 4)
    const { perf, warnings } = index(dir)
    expect(await perf.result()).toEqual(performance(all, OPTIONS))
    expect(perf.lastRefresh).toMatchObject({ mode: 'full', entriesRead: all.length, checkpointDay: '20250803' })
    expect(warnings).toEqual([])
    expect(perf.cacheFile).toMatch(/\.trade-log-cache[/\\]performance-[0-9a-f]{12}\.json$/)
    const saved = JSON.parse(readFileSync(perf.cacheFile!, 'utf8'))
    expect(saved.closedDay).toBe('20250803')
    expect(saved.files.map((file: { name: string }) => file.name)).toEqual([
      'trades_20250801.jsonl',
      'trades_20250802.jsonl',
      'trades_20250803.jsonl',
    ])
    // No temp file is left next to it.
    expect(readdirSync(join(dir, '.trade-log-cache'))).toEqual([perf.cacheFile!.split(/[/\\]/).at(-1)])
  })

  it('a new process resumes from the checkpoint and reads only the entries after it', async () => {
    const dir = tempDir()
    const { all } = writeLog(dir, 4)
    await index(dir).perf.result()
    const { perf, warnings } = index(dir)
    expect(await perf.result()).toEqual(performance(all, OPTIONS))
    expect(perf.lastRefresh).toMatchObject({ mode: 'checkpoint', entriesRead: dayOfFills(0).length })
    expect(warnings).toEqual([])
    // Nothing changed: nothing is read.
    await perf.result()
    expect(perf.lastRefresh).toMatchObject({ mode: 'unchanged', entriesRead: 0 })
  })

  it('an appended trade changes the next answer; a new day moves the checkpoint forward', async () => {
    const dir = tempDir()
    const { all } = writeLog(dir, 3)
    const { perf } = index(dir)
    await perf.result()
    const late = trade(AUG_1 + 2 * DAY + 20 * HOUR, { side: 'sell', volume: '5', funds: '9999.5', fee: '1', orderId: 'late' })
    appendFileSync(join(dir, 'trades_20250803.jsonl'), lines([late]))
    all.push(late)
    const after = await perf.result()
    expect(after).toEqual(performance(all, OPTIONS))
    expect(after.fills).toBe(all.length)
    expect(perf.lastRefresh).toMatchObject({ mode: 'checkpoint', checkpointDay: '20250802' })
    const next = dayOfFills(AUG_1 + 3 * DAY)
    writeFileSync(join(dir, 'trades_20250804.jsonl'), lines(next))
    all.push(...next)
    expect(await perf.result()).toEqual(performance(all, OPTIONS))
    expect(perf.lastRefresh).toMatchObject({ mode: 'checkpoint', checkpointDay: '20250803' })
    expect(JSON.parse(readFileSync(perf.cacheFile!, 'utf8')).closedDay).toBe('20250803')
  })

  it.each([
    [
      'a past file changed',
      (dir: string) => appendFileSync(join(dir, 'trades_20250802.jsonl'), lines([trade(AUG_1 + DAY + 23 * HOUR)])),
      /trades_20250802\.jsonl changed/,
    ],
    [
      'a past file was touched',
      (dir: string) => utimesSync(join(dir, 'trades_20250801.jsonl'), new Date(), new Date(Date.now() + 5_000)),
      /trades_20250801\.jsonl changed/,
    ],
    [
      'a past file was deleted',
      (dir: string) => rmSync(join(dir, 'trades_20250801.jsonl')),
      /trades_20250801\.jsonl was removed/,
    ],
    [
      'a file was added in the past',
      (dir: string) => writeFileSync(join(dir, 'trades_20250802.b.jsonl'), lines([trade(AUG_1 + DAY + 3)])),
      /trades_20250802\.b\.jsonl was added/,
    ],
  ])('%s: the checkpoint is not trusted and everything is recomputed', async (_name, change, reason) => {
    const dir = tempDir()
    writeLog(dir, 4)
    await index(dir).perf.result()
    change(dir)
    const { perf, warnings } = index(dir)
    const entries = []
    for await (const record of createTradeLogReader({ dir }).stream({ kind: 'trades' })) entries.push(record.entry)
    expect(await perf.result()).toEqual(performance(entries, OPTIONS))
    expect(perf.lastRefresh?.mode).toBe('full')
    expect(perf.lastRefresh?.reason).toMatch(reason)
    expect(warnings.join('\n')).toMatch(reason)
  })

  it.each([
    ['garbage', () => 'not json {'],
    ['truncated', (text: string) => text.slice(0, Math.floor(text.length / 2))],
    ['from another layout version', (text: string) => text.replace(/"version":\d+/, '"version":99')],
    ['with a damaged tracker state', (text: string) => text.replace(/"realized":"(-?\d+)"/, '"realized":"x$1"')],
    ['from other options', (text: string) => text.replace('"startingBalance":"10000"', '"startingBalance":"5"')],
  ])('a checkpoint %s is ignored with a warning, recomputed and rewritten', async (_name, damage) => {
    const dir = tempDir()
    const { all } = writeLog(dir, 4)
    const first = index(dir).perf
    await first.result()
    const file = first.cacheFile!
    writeFileSync(file, damage(readFileSync(file, 'utf8')))
    const { perf, warnings } = index(dir)
    expect(await perf.result()).toEqual(performance(all, OPTIONS))
    expect(perf.lastRefresh?.mode).toBe('full')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/Ignoring checkpoint .*recomputing/)
    // Rewritten whole: the next process resumes from it.
    const again = index(dir)
    expect(await again.perf.result()).toEqual(performance(all, OPTIONS))
    expect(again.perf.lastRefresh?.mode).toBe('checkpoint')
  })

  it('a version-1 checkpoint (before the full report) is recomputed, not misread', async () => {
    const dir = tempDir()
    const { all } = writeLog(dir, 4)
    const first = index(dir).perf
    await first.result()
    const file = first.cacheFile!
    // The same checkpoint as version 1 wrote it: its tracker state folded by the version-1 tracker.
    const current = JSON.parse(readFileSync(file, 'utf8'))
    const closed = all.filter((entry) => dayKeyOf(entry.tsMs) <= current.closedDay)
    const old = createBaselineTracker({ ...OPTIONS })
    for (const entry of closed) old.add(entry)
    writeFileSync(file, JSON.stringify({ ...current, version: 1, tracker: old.state() }))
    const { perf, warnings } = index(dir)
    expect(await perf.result()).toEqual(performance(all, OPTIONS))
    expect(perf.lastRefresh?.mode).toBe('full')
    expect(warnings.join('\n')).toMatch(/Ignoring checkpoint .*version.*recomputing/)
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(current.version)
  })

  it('is never taken for a log by the reader, listLogFiles or doctor', async () => {
    const dir = tempDir()
    writeLog(dir, 3)
    const before = await doctor(dir)
    await index(dir).perf.result()
    expect(existsSync(join(dir, '.trade-log-cache'))).toBe(true)
    expect((await listLogFiles(dir)).map((file) => file.name)).toEqual([
      'trades_20250801.jsonl',
      'trades_20250802.jsonl',
      'trades_20250803.jsonl',
    ])
    const after = await doctor(dir)
    expect(after.nearMisses).toEqual([])
    expect(after.kinds).toEqual(before.kinds)
    expect(after.verdict).toEqual(before.verdict)
    const page = await createTradeLogReader({ dir }).readEntries({ kind: 'trades', limit: 1000 })
    expect(page.diagnostics).toEqual([])
  })

  it('keeps the checkpoint where cacheFile says, or only in memory with cacheFile: false', async () => {
    const dir = tempDir()
    const elsewhere = join(tempDir(), 'nested', 'perf.json')
    const { all } = writeLog(dir, 3)
    const custom = index(dir, { cacheFile: elsewhere }).perf
    expect(await custom.result()).toEqual(performance(all, OPTIONS))
    expect(existsSync(elsewhere)).toBe(true)
    expect(existsSync(join(dir, '.trade-log-cache'))).toBe(false)
    const memory = index(dir, { cacheFile: false }).perf
    expect(await memory.result()).toEqual(performance(all, OPTIONS))
    expect(memory.cacheFile).toBeNull()
    expect(existsSync(join(dir, '.trade-log-cache'))).toBe(false)
    expect(() => index(dir, { cacheFile: join(dir, 'trades_20250101.jsonl') })).toThrow(TradeLogUsageError)
  })

  it('a checkpoint that cannot be written is reported and the answer still comes', async () => {
    const dir = tempDir()
    const { all } = writeLog(dir, 2)
    writeFileSync(join(dir, 'blocker'), 'a file where the cache folder would go')
    const { perf, warnings } = index(dir, { cacheFile: join(dir, 'blocker', 'perf.json') })
    expect(await perf.result()).toEqual(performance(all, OPTIONS))
    expect(warnings.join('\n')).toMatch(/Cannot write checkpoint .*blocker.*the next start will read the whole log/)
  })

  it('a call made while a refresh is reading still sees what was appended before the call', async () => {
    const dir = tempDir()
    const { all } = writeLog(dir, 2)
    const reader = createTradeLogReader({ dir })
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let streaming!: () => void
    const streamStarted = new Promise<void>((resolve) => {
      streaming = resolve
    })
    // The first refresh is held after it has read the trades (it reads equity next).
    const gated: PerformanceIndexOptions['reader'] = {
      dir: reader.dir,
      files: (kind) => reader.files(kind),
      stream: (query) => ({
        async *[Symbol.asyncIterator]() {
          if (query.kind === 'equity') {
            streaming()
            await gate
          }
          yield* reader.stream(query)
        },
      }),
    }
    const { perf } = index(dir, { reader: gated, cacheFile: false })
    const first = perf.result()
    await streamStarted
    const late = trade(AUG_1 + DAY + 23 * HOUR, { side: 'buy', volume: '2', funds: '700', fee: '1', orderId: 'late' })
    appendFileSync(join(dir, 'trades_20250802.jsonl'), lines([late]))
    const second = perf.result()
    release()
    const [, answer] = await Promise.all([first, second])
    expect(answer).toEqual(performance([...all, late], OPTIONS))
  })

  it('entries out of time order are sorted, as performance() does, without a checkpoint', async () => {
    const dir = tempDir()
    const { all } = writeLog(dir, 3)
    // A fill stamped a day earlier than the file it sits in.
    const stray = trade(AUG_1 + 5 * HOUR + 30, { side: 'buy', volume: '1', funds: '50', fee: '0', orderId: 'stray' })
    appendFileSync(join(dir, 'trades_20250802.jsonl'), lines([stray]))
    all.push(stray)
    const { perf, warnings } = index(dir)
    expect(await perf.result()).toEqual(performance(all, OPTIONS))
    expect(perf.lastRefresh?.mode).toBe('sorted')
    expect(warnings.join('\n')).toMatch(/older than the last fill added/)
  })

  it('folds equity snapshots too (they drive drawdown and daily returns when present)', async () => {
    const dir = tempDir()
    const { all } = writeLog(dir, 3)
    for (let d = 0; d < 3; d++) {
      const at = AUG_1 + d * DAY + 23 * HOUR
      const snapshot: EquityEntry = {
        ts: new Date(at).toISOString(),
        tsMs: at,
        cash: '1',
        positions: [],
        total: `${10_000 + d * 37}.5`,
      }
      writeFileSync(join(dir, `equity_${dayKeyOf(at)}.jsonl`), lines([snapshot]))
      all.push(snapshot)
    }
    await index(dir).perf.result()
    const { perf } = index(dir)
    const result = await perf.result()
    expect(result).toEqual(performance(all, OPTIONS))
    expect(result.equitySource).toBe('equity-entries')
    expect(perf.lastRefresh?.mode).toBe('checkpoint')
  })
})

describe('createPerformanceIndex defaults', () => {
  it('keeps the newest INDEX_CLOSED_TRADES round trips by default, and processes with the same options share the checkpoint', async () => {
    const dir = tempDir()
    // 4 days × 8 hours of a full round trip each hour: 32 closed trades.
    for (let d = 0; d < 4; d++) {
      const fills: TradeEntry[] = []
      for (let h = 0; h < 8; h++) {
        const at = AUG_1 + d * DAY + h * HOUR
        fills.push(trade(at, { side: 'buy', volume: '0.3', funds: '300', fee: '0.15', orderId: `b-${at}` }))
        fills.push(trade(at + 1, { side: 'sell', volume: '0.3', funds: `${290 + 3 * h}`, fee: '0.15', orderId: `s-${at}` }))
      }
      writeFileSync(join(dir, `trades_${dayKeyOf(AUG_1 + d * DAY)}.jsonl`), lines(fills))
    }
    const { keepClosedTrades: _keep, ...withoutKeep } = OPTIONS
    const first = createPerformanceIndex({ reader: createTradeLogReader({ dir }), ...withoutKeep })
    const result = await first.result()
    expect(INDEX_CLOSED_TRADES).toBe(20)
    expect(result.tradeCount).toBeGreaterThan(INDEX_CLOSED_TRADES)
    expect(result.closedTrades).toHaveLength(INDEX_CLOSED_TRADES)
    // Another process passing the default explicitly lands on the same file and resumes from it.
    const second = createPerformanceIndex({ reader: createTradeLogReader({ dir }), ...withoutKeep, keepClosedTrades: 20 })
    expect(second.cacheFile).toBe(first.cacheFile)
    expect(await second.result()).toEqual(result)
    expect(second.lastRefresh?.mode).toBe('checkpoint')
  })
})

describe('createPerformanceIndex: concurrent writers', () => {
  it('two indexes in one process saving the same checkpoint at once leave one whole checkpoint', async () => {
    const dir = tempDir()
    const { all } = writeLog(dir, 4)
    const a = createPerformanceIndex({ reader: createTradeLogReader({ dir }), ...OPTIONS })
    const b = createPerformanceIndex({ reader: createTradeLogReader({ dir }), ...OPTIONS })
    const [ra, rb] = await Promise.all([a.result(), b.result()])
    expect(ra).toEqual(rb)
    expect(readdirSync(join(dir, '.trade-log-cache'))).toHaveLength(1)
    const third = createPerformanceIndex({ reader: createTradeLogReader({ dir }), ...OPTIONS })
    expect(await third.result()).toEqual(performance(all, OPTIONS))
    expect(third.lastRefresh?.mode).toBe('checkpoint')
  })
})
