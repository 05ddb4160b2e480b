import { appendFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Diagnostic } from './lines.js'
import { createPerformanceIndex, type PerformanceIndexInternals, type PerformanceIndexOptions } from './performance-checkpoint.js'
import {
  packEntries,
  performanceFields,
  SHARE_HERE,
  splitDays,
  unpackEntries,
  withoutLoaders,
  workerEntry,
} from './performance-read.js'
import { createPerformanceTracker } from './performance-tracker.js'
import { createTradeLogReader } from './reader.js'
import type { EquityEntry, TradeEntry } from './schemas.js'
import { AUG_1, DAY, HOUR, trade } from './test-support/entries.js'
import { useTempDir } from './test-support/temp-dir.js'

const tempDir = useTempDir()
const OPTIONS = { startingBalance: '10000', keepClosedTrades: 7, timeZone: 'UTC' }
const dayKeyOf = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '')
const lines = (entries: object[]) => entries.map((entry) => `${JSON.stringify(entry)}\n`).join('')

/**
 * Five days: two markets whose lots stay open over midnight (bought late, sold the next morning), fees, fills with
 * and without a decision, equity snapshots, a bad line, a repeated line, and an empty day.
 */
function writeLog(dir: string): void {
  for (let d = 0; d < 5; d++) {
    const start = AUG_1 + d * DAY
    const day = dayKeyOf(start)
    if (d === 2) {
      writeFileSync(join(dir, `trades_${day}.jsonl`), '')
      continue
    }
    const fills: TradeEntry[] = [
      trade(start + HOUR, {
        market: 'KRW-ETH',
        side: 'sell',
        volume: '0.5',
        funds: `${1500 + d}.25`,
        fee: '0.75',
        orderId: `e-s-${d}`,
      }),
      trade(start + 2 * HOUR, {
        side: 'sell',
        volume: '0.002',
        funds: `${90_000 + 13 * d}`,
        fee: '45.01',
        decisionId: `dec-${d}`,
      }),
      trade(start + 20 * HOUR, {
        side: 'buy',
        volume: '0.002',
        funds: `${88_000 - 7 * d}.5`,
        fee: '44',
        decisionId: `dec-b-${d}`,
      }),
      trade(start + 22 * HOUR, {
        market: 'KRW-ETH',
        side: 'buy',
        volume: '0.5',
        funds: `${1490 + 3 * d}`,
        fee: '0.745',
        orderId: `e-b-${d}`,
      }),
    ]
    const text = lines(fills)
    writeFileSync(join(dir, `trades_${day}.jsonl`), d === 1 ? `${text}{"ts": not json\n${lines([fills[3]!])}` : text)
    const snapshots: EquityEntry[] = [12, 23].map((hour) => ({
      ts: new Date(start + hour * HOUR).toISOString(),
      tsMs: start + hour * HOUR,
      cash: '1',
      positions: [{ market: 'KRW-BTC', volume: '0.002', price: `${45_000_000 + d * 100_000}`, value: `${90_000 + d * 200}` }],
      total: `${10_000 + d * 41 + hour}.5`,
    }))
    writeFileSync(join(dir, `equity_${day}.jsonl`), lines(snapshots))
  }
}

/**
 * Six days flat at every midnight (round trips within the day, two markets, a partial sell, more decimals on one
 * day), equity snapshots, a bad line and a repeated line on day 3, and a lot bought late on the last day.
 */
function writeFlatLog(dir: string): void {
  for (let d = 0; d < 6; d++) {
    const start = AUG_1 + d * DAY
    const day = dayKeyOf(start)
    const fills: TradeEntry[] = [
      trade(start + HOUR, { side: 'buy', volume: '0.002', funds: `${88_000 + 11 * d}`, fee: '44', decisionId: `b-${d}` }),
      trade(start + 5 * HOUR, { side: 'sell', volume: '0.002', funds: `${89_000 - 300 * d}`, fee: '44.5' }),
      trade(start + 6 * HOUR, { market: 'KRW-ETH', side: 'buy', volume: '1', funds: '1500', fee: '0.75', orderId: `e-${d}` }),
      trade(start + 7 * HOUR, {
        market: 'KRW-ETH',
        side: 'sell',
        volume: d === 4 ? '0.3333333333' : '0.5',
        funds: d === 4 ? '505.0000000001' : '760',
        fee: '0.38',
        orderId: `e-s1-${d}`,
      }),
      trade(start + 8 * HOUR, {
        market: 'KRW-ETH',
        side: 'sell',
        volume: d === 4 ? '0.6666666667' : '0.5',
        funds: '745.5',
        fee: '0.37',
        orderId: `e-s2-${d}`,
      }),
    ]
    if (d === 5)
      fills.push(trade(start + 23 * HOUR, { side: 'buy', volume: '0.001', funds: '44000', fee: '22', orderId: 'late' }))
    const text = lines(fills)
    writeFileSync(join(dir, `trades_${day}.jsonl`), d === 3 ? `${text}{"ts": not json\n${lines([fills[4]!])}` : text)
    const snapshots: EquityEntry[] = [9, 21].map((hour) => ({
      ts: new Date(start + hour * HOUR).toISOString(),
      tsMs: start + hour * HOUR,
      cash: '1',
      positions: [{ market: 'KRW-BTC', volume: '0', price: `${44_000_000 + d * 50_000}`, value: '0' }],
      total: `${10_000 + d * 17 + hour}.25`,
    }))
    writeFileSync(join(dir, `equity_${day}.jsonl`), lines(snapshots))
  }
}

/** The index's answer, refresh, checkpoint, warnings and reported diagnostics, read in this thread or a worker. */
async function run(
  dir: string,
  worker: boolean,
  internals: PerformanceIndexInternals = {},
  extra: Partial<PerformanceIndexOptions> = {},
) {
  const warnings: string[] = []
  const diagnostics: Diagnostic[] = []
  const cacheFile = join(dir, `.checkpoint-${worker ? 'worker' : 'thread'}.json`)
  const perf = createPerformanceIndex(
    {
      // As a server passes them: the reader's sink is the worker's too (a fallback then reads with the reader).
      reader: createTradeLogReader({ dir, onDiagnostic: (d) => diagnostics.push(d) }),
      ...OPTIONS,
      cacheFile,
      onWarning: (message) => warnings.push(message),
      ...(worker ? { workerRead: { minBytes: 0, onDiagnostic: (d: Diagnostic) => diagnostics.push(d) } } : {}),
      ...extra,
    },
    internals,
  )
  const result = await perf.result()
  // A log of a single day has no closed day, so no checkpoint.
  const checkpoint = existsSync(cacheFile) ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as unknown) : null
  const { worker: split, workerPart, ...refresh } = perf.lastRefresh!
  return { result, refresh, split: split === true, workerPart, checkpoint, warnings, diagnostics }
}

describe('createPerformanceIndex with workerRead', () => {
  it('finds its worker entry beside the module (from source here; dist has its own, see check:packages)', () => {
    expect(workerEntry()).toBeDefined()
  })

  it('gives exactly the single-thread answer, checkpoint and diagnostics: open lots over midnight, fees, two markets, a bad line, a repeat, an empty day', async () => {
    const dir = tempDir()
    writeLog(dir)
    const thread = await run(dir, false)
    const worker = await run(dir, true)
    expect(worker.warnings).toEqual([])
    expect([worker.split, thread.split]).toEqual([true, false])
    // Lots are open at every midnight: the worker sends the fills of its days instead of its fold.
    expect(worker.workerPart).toBe('sent')
    expect(worker.result).toEqual(thread.result)
    expect(worker.refresh).toEqual(thread.refresh)
    expect(worker.checkpoint).toEqual(thread.checkpoint)
    expect(worker.diagnostics).toEqual(thread.diagnostics)
    // The fixture is what it says: lots open across days, both markets, the bad line and the repeat reported.
    expect(thread.result.openTrades).toBe(2)
    expect(thread.result.buyAndHold.map((leg) => leg.market).sort()).toEqual(['KRW-BTC', 'KRW-ETH'])
    expect(thread.diagnostics.map((d) => d.code).sort()).toEqual(['duplicate', 'json'])
    expect(thread.refresh).toMatchObject({ mode: 'full', entriesRead: 4 * 4 + 4 * 2 })
  })

  it('a log flat at every midnight: the worker folds its closed days, the fold is joined here, and the answer is the same', async () => {
    const dir = tempDir()
    writeFlatLog(dir)
    const thread = await run(dir, false)
    for (const share of [0.2, 0.5, 0.8]) {
      rmSync(join(dir, '.checkpoint-worker.json'), { force: true })
      const worker = await run(dir, true, { splitShare: share })
      expect(worker.warnings).toEqual([])
      expect([worker.split, worker.workerPart]).toEqual([true, 'joined'])
      expect(worker.result).toEqual(thread.result)
      expect(worker.refresh).toEqual(thread.refresh)
      expect(worker.checkpoint).toEqual(thread.checkpoint)
      expect(worker.diagnostics).toEqual(thread.diagnostics)
    }
    // What the fixture says: round trips closed, partial sells, a bad line and a repeat reported, a lot open today.
    expect(thread.result.tradeCount).toBe(2 * 6)
    expect(thread.result.openTrades).toBe(1)
    expect(thread.diagnostics.map((d) => d.code).sort()).toEqual(['duplicate', 'json'])
  })

  it('a lot open over one midnight: the worker starts its part again at the next flat midnight, sends the day before, and the part is joined at every split', async () => {
    const dir = tempDir()
    writeFlatLog(dir)
    // Day 2 buys late and day 3 sells that lot first thing: a split at day 3 starts the worker with a lot open.
    const day = (d: number) => dayKeyOf(AUG_1 + d * DAY)
    appendFileSync(
      join(dir, `trades_${day(2)}.jsonl`),
      lines([
        trade(AUG_1 + 2 * DAY + 23 * HOUR, {
          market: 'KRW-XRP',
          side: 'buy',
          volume: '10',
          funds: '7000',
          fee: '3.5',
          orderId: 'x-b',
        }),
      ]),
    )
    const day3 = readFileSync(join(dir, `trades_${day(3)}.jsonl`), 'utf8')
    const morning = trade(AUG_1 + 3 * DAY + 30 * 60_000, {
      market: 'KRW-XRP',
      side: 'sell',
      volume: '10',
      funds: '7100',
      fee: '3.55',
      orderId: 'x-s',
    })
    writeFileSync(join(dir, `trades_${day(3)}.jsonl`), `${lines([morning])}${day3}`)
    const thread = await run(dir, false)
    const files = await createTradeLogReader({ dir }).files()
    const sizes = new Map(files.map((f) => [f.path, statSync(f.path).size]))
    const starts = new Set<string>()
    for (const share of [0.1, 0.25, 0.4, 0.5, 0.6, 0.75]) {
      starts.add(splitDays(files, sizes, share).worker[0]!.day)
      rmSync(join(dir, '.checkpoint-worker.json'), { force: true })
      const worker = await run(dir, true, { splitShare: share })
      expect(worker.warnings).toEqual([])
      expect([share, worker.workerPart]).toEqual([share, 'joined'])
      expect(worker.result).toEqual(thread.result)
      expect(worker.refresh).toEqual(thread.refresh)
      expect(worker.checkpoint).toEqual(thread.checkpoint)
      expect(worker.diagnostics).toEqual(thread.diagnostics)
    }
    // One of the splits started the worker on day 3, with the lot open.
    expect(starts.has(day(3))).toBe(true)
  })

  it('a worker killed part way: the log is read again in this thread, the answer is the same and each bad line is reported once', async () => {
    const dir = tempDir()
    writeLog(dir)
    const thread = await run(dir, false)
    let killed = false
    const worker = await run(dir, true, {
      startWorker: (target, options) => {
        const started = new Worker(target, options)
        // Killed once it has posted its third chunk (past the bad line), so entries were already folded here.
        let chunks = 0
        started.on('message', () => {
          if (++chunks !== 3) return
          killed = true
          void started.terminate()
        })
        return started
      },
    })
    expect(killed).toBe(true)
    expect(worker.split).toBe(false)
    expect(worker.warnings.join('\n')).toMatch(/read worker exited .*reading the log in this thread instead/)
    expect(worker.result).toEqual(thread.result)
    expect(worker.refresh).toEqual(thread.refresh)
    expect(worker.checkpoint).toEqual(thread.checkpoint)
    expect(worker.diagnostics).toEqual(thread.diagnostics)
  })

  it('without worker threads (they cannot start) the log is read in this thread, with the same answer', async () => {
    const dir = tempDir()
    writeLog(dir)
    const thread = await run(dir, false)
    const worker = await run(dir, true, {
      startWorker: () => {
        throw new Error('worker threads are not available here')
      },
    })
    expect(worker.warnings.join('\n')).toMatch(/cannot start a worker thread: worker threads are not available here/)
    expect(worker.result).toEqual(thread.result)
    expect(worker.checkpoint).toEqual(thread.checkpoint)
  })

  it('a log smaller than minBytes (default 8 MiB) is read in this thread: no worker is started', async () => {
    const dir = tempDir()
    writeLog(dir)
    let started = 0
    const perf = createPerformanceIndex(
      { reader: createTradeLogReader({ dir }), ...OPTIONS, cacheFile: false, workerRead: {} },
      {
        startWorker: (target, options) => {
          started++
          return new Worker(target, options)
        },
      },
    )
    const thread = createPerformanceIndex({ reader: createTradeLogReader({ dir }), ...OPTIONS, cacheFile: false })
    expect(await perf.result()).toEqual(await thread.result())
    expect([started, perf.lastRefresh?.worker]).toEqual([0, undefined])
  })

  it('a strict reader: read in this thread, so the bad line throws as without the worker', async () => {
    const dir = tempDir()
    writeLog(dir)
    const perf = createPerformanceIndex({
      reader: createTradeLogReader({ dir, strict: true }),
      ...OPTIONS,
      cacheFile: false,
      workerRead: { strict: true, minBytes: 0 },
    })
    await expect(perf.result()).rejects.toMatchObject({ name: 'TradeLogStrictReadError' })
  })

  it('entries out of time order: sorted, as without the worker', async () => {
    const dir = tempDir()
    writeLog(dir)
    appendFileSync(join(dir, 'trades_20250804.jsonl'), lines([trade(AUG_1 + 2 * HOUR + 1, { orderId: 'stray', fee: '0' })]))
    const thread = createPerformanceIndex({ reader: createTradeLogReader({ dir }), ...OPTIONS, cacheFile: false })
    const worker = createPerformanceIndex({
      reader: createTradeLogReader({ dir }),
      ...OPTIONS,
      cacheFile: false,
      workerRead: { minBytes: 0 },
    })
    expect(await worker.result()).toEqual(await thread.result())
    expect(worker.lastRefresh?.mode).toBe('sorted')
  })

  it('a repeat across the split (the worker cannot know it): read again in this thread, the same answer and diagnostics', async () => {
    const dir = tempDir()
    writeLog(dir)
    // Day 4's file starts with day 2's last fill again (a later writer replaying a line): the split falls at day 4.
    const replay = readFileSync(join(dir, 'trades_20250802.jsonl'), 'utf8').trim().split('\n').at(-1)!
    writeFileSync(join(dir, 'trades_20250804.jsonl'), `${replay}\n${readFileSync(join(dir, 'trades_20250804.jsonl'), 'utf8')}`)
    const files = await createTradeLogReader({ dir }).files()
    expect(splitDays(files, new Map(files.map((f) => [f.path, statSync(f.path).size])), 0.6).worker[0]?.day).toBe('20250804')
    const thread = await run(dir, false)
    const worker = await run(dir, true, { splitShare: 0.6 })
    expect(worker.warnings.join('\n')).toMatch(
      /trades_20250804\.jsonl repeats one read before the split; reading the log in this thread instead/,
    )
    expect(worker.result).toEqual(thread.result)
    expect(worker.checkpoint).toEqual(thread.checkpoint)
    expect(worker.diagnostics).toEqual(thread.diagnostics)
    expect(thread.diagnostics.filter((d) => d.code === 'duplicate')).toHaveLength(2)
  })

  it('splits at a day boundary by bytes, and leaves the worker at least one day', () => {
    const files = ['20250801', '20250802', '20250803'].flatMap((day) =>
      ['trades', 'equity'].map((kind) => ({
        path: `/d/${kind}_${day}.jsonl`,
        name: `${kind}_${day}.jsonl`,
        kind,
        day,
        format: 'jsonl' as const,
      })),
    )
    const sizes = new Map(files.map((file, i) => [file.path, 10 * (i + 1)]))
    // Days weigh 30, 70 and 110 bytes of 210.
    expect(splitDays(files, sizes, 0.4).here.map((f) => f.day)).toEqual(['20250801', '20250801'])
    expect(splitDays(files, sizes, 0.5).here.map((f) => f.day)).toEqual(['20250801', '20250801', '20250802', '20250802'])
    expect(splitDays(files, sizes, 1).worker.map((f) => f.day)).toEqual(['20250803', '20250803'])
    expect(splitDays(files, sizes, 0).here).toEqual([])
    expect(SHARE_HERE).toBeGreaterThan(0)
  })

  it('random logs split anywhere: the worker path equals the single-thread path', async () => {
    const fill = fc.record({
      market: fc.constantFrom('KRW-BTC', 'KRW-ETH', 'USDT-XRP'),
      side: fc.constantFrom('buy' as const, 'sell' as const),
      volume: fc.integer({ min: 1, max: 5_000 }).map((n) => (n / 1000).toString()),
      funds: fc.integer({ min: 1, max: 9_000_000 }).map((n) => (n / 100).toString()),
      fee: fc.integer({ min: 0, max: 5_000 }).map((n) => (n / 1000).toString()),
      gapMs: fc.integer({ min: 0, max: 7 * HOUR }),
      decision: fc.boolean(),
    })
    await fc.assert(
      fc.asyncProperty(
        fc.array(fill, { minLength: 0, maxLength: 60 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (fills, share) => {
          const dir = tempDir()
          let at = AUG_1
          const byDay = new Map<string, TradeEntry[]>()
          fills.forEach((f, i) => {
            at += f.gapMs
            const entry = trade(at, {
              market: f.market,
              side: f.side,
              volume: f.volume,
              funds: f.funds,
              fee: f.fee,
              orderId: `o-${i}`,
              ...(f.decision ? { decisionId: `d-${i}` } : {}),
            })
            byDay.set(dayKeyOf(at), [...(byDay.get(dayKeyOf(at)) ?? []), entry])
          })
          for (const [day, entries] of byDay) writeFileSync(join(dir, `trades_${day}.jsonl`), lines(entries))
          const thread = await run(dir, false)
          const worker = await run(dir, true, { splitShare: share })
          expect(worker.warnings).toEqual([])
          // Split when there are two days or more (with one, nothing is closed and one read is all).
          expect(worker.split).toBe(byDay.size > 1)
          expect(worker.result).toEqual(thread.result)
          expect(worker.checkpoint).toEqual(thread.checkpoint)
          expect(worker.refresh).toEqual(thread.refresh)
        },
      ),
      { numRuns: 8 },
    )
  })
})

describe('workerRead.startEarly: the worker starts with the index, off the first result’s path', () => {
  /** Counts starts; resolves `first` with the first worker started. */
  function counting(onStart: (worker: Worker) => void = () => undefined) {
    const started: Worker[] = []
    let resolveFirst: (worker: Worker) => void = () => undefined
    const first = new Promise<Worker>((resolve) => (resolveFirst = resolve))
    const startWorker: PerformanceIndexInternals['startWorker'] = (target, options) => {
      const worker = new Worker(target, options)
      started.push(worker)
      onStart(worker)
      resolveFirst(worker)
      return worker
    }
    return { started, first, startWorker }
  }
  const early = (dir: string, internals: PerformanceIndexInternals, minBytes = 0) =>
    createPerformanceIndex(
      {
        reader: createTradeLogReader({ dir }),
        ...OPTIONS,
        cacheFile: join(dir, '.checkpoint-early.json'),
        workerRead: { minBytes, startEarly: true },
      },
      internals,
    )

  it('a log no checkpoint covers: started when the index is created, then used by the first result', async () => {
    const dir = tempDir()
    writeFlatLog(dir)
    const { started, first, startWorker } = counting()
    const perf = early(dir, { startWorker })
    await first
    expect(started).toHaveLength(1)
    const thread = await run(dir, false)
    expect(await perf.result()).toEqual(thread.result)
    expect(perf.lastRefresh).toMatchObject({ worker: true, workerPart: 'joined' })
    expect(started).toHaveLength(1)
  })

  it('not started with a checkpoint to resume from, or for a log under minBytes', async () => {
    const dir = tempDir()
    writeFlatLog(dir)
    const small = counting()
    const perf = early(dir, { startWorker: small.startWorker }, 1024 * 1024)
    await perf.result()
    expect(small.started).toHaveLength(0)
    // perf wrote .checkpoint-early.json: the next index resumes from it.
    const resumed = counting()
    const again = early(dir, { startWorker: resumed.startWorker })
    await again.result()
    expect(again.lastRefresh?.mode).toBe('checkpoint')
    expect(resumed.started).toHaveLength(0)
  })

  it('ended by the first result when it was not needed (a checkpoint appeared meanwhile)', async () => {
    const dir = tempDir()
    writeFlatLog(dir)
    const { first, startWorker } = counting()
    const perf = early(dir, { startWorker })
    const worker = await first
    const exited = new Promise((resolve) => worker.once('exit', resolve))
    // Another index (a bot's) writes the checkpoint before this one's first result.
    await early(dir, {}, Number.MAX_SAFE_INTEGER).result()
    await perf.result()
    expect(perf.lastRefresh?.mode).toBe('checkpoint')
    expect(perf.lastRefresh?.worker).toBeUndefined()
    await exited
  })

  it('a worker that exits while it waits: the log is read here, with a warning and the same answer', async () => {
    const dir = tempDir()
    writeFlatLog(dir)
    const { first, startWorker } = counting((worker) => void worker.terminate())
    const warnings: string[] = []
    const perf = createPerformanceIndex(
      {
        reader: createTradeLogReader({ dir }),
        ...OPTIONS,
        cacheFile: false,
        onWarning: (message) => warnings.push(message),
        workerRead: { minBytes: 0, startEarly: true },
      },
      { startWorker },
    )
    const worker = await first
    await new Promise((resolve) => worker.once('exit', resolve))
    const thread = await run(dir, false)
    expect(await perf.result()).toEqual(thread.result)
    expect(perf.lastRefresh?.worker).toBeUndefined()
    expect(warnings.join('\n')).toMatch(/read worker exited .*reading the log in this thread instead/)
  })
})

describe('withoutLoaders', () => {
  it('drops the options that load modules into every thread, with their values, and keeps the rest', () => {
    expect(
      withoutLoaders([
        '--import',
        'tsx',
        '--enable-source-maps',
        '--require=./setup.cjs',
        '-r',
        'dotenv/config',
        '--loader',
        'ts-node/esm',
        '--experimental-loader=x.mjs',
        '--max-old-space-size=512',
      ]),
    ).toEqual(['--enable-source-maps', '--max-old-space-size=512'])
  })
})

describe('what crosses the thread', () => {
  const text = fc.string({ unit: 'binary', minLength: 1, maxLength: 8 })
  const fill = fc.record({
    tsMs: fc.integer({ min: AUG_1, max: AUG_1 + 20 * DAY }),
    market: fc.constantFrom('KRW-BTC', 'KRW-ETH'),
    side: fc.constantFrom('buy' as const, 'sell' as const),
    volume: fc.integer({ min: 1, max: 99_999 }).map((n) => (n / 1000).toString()),
    funds: fc.integer({ min: 1, max: 99_999_999 }).map((n) => (n / 100).toString()),
    fee: fc.integer({ min: 0, max: 9_999 }).map((n) => (n / 1000).toString()),
    orderId: fc.oneof(text, fc.constant('a\u0000b')),
    decisionId: fc.option(text, { nil: undefined }),
    reason: fc.option(fc.string(), { nil: undefined }),
  })
  const toTrade = (f: typeof fill extends fc.Arbitrary<infer T> ? T : never) => {
    const { decisionId, reason, ...rest } = f
    return trade(f.tsMs, {
      ...rest,
      ...(decisionId === undefined ? {} : { decisionId }),
      ...(reason === undefined ? {} : { reason }),
    })
  }

  it('packed fills unpack to exactly the fields a tracker reads (separators and missing decisions included)', () => {
    fc.assert(
      fc.property(fc.array(fill, { maxLength: 30 }), (raw) => {
        const entries = raw.map(toTrade)
        expect(unpackEntries(packEntries('trades', entries))).toEqual(entries.map((e) => performanceFields('trades', e)))
      }),
    )
  })

  it('a tracker fed those fields gives the same result and state as one fed the whole entries', () => {
    fc.assert(
      fc.property(fc.array(fill, { maxLength: 40 }), (raw) => {
        const entries = raw.map(toTrade).sort((a, b) => a.tsMs - b.tsMs)
        const snapshot: EquityEntry = {
          ts: new Date(AUG_1).toISOString(),
          tsMs: AUG_1,
          cash: '3',
          positions: [{ market: 'KRW-BTC', volume: '1', price: '123.5', value: '123.5' }],
          total: '1000.25',
        }
        const whole = createPerformanceTracker(OPTIONS)
        const fields = createPerformanceTracker(OPTIONS)
        whole.add(snapshot)
        fields.add(unpackEntries(packEntries('equity', [snapshot]))[0]!)
        for (const entry of entries) whole.add(entry)
        for (const entry of unpackEntries(packEntries('trades', entries))) fields.add(entry)
        expect(fields.result()).toEqual(whole.result())
        expect(fields.state()).toEqual(whole.state())
      }),
    )
  })
})
