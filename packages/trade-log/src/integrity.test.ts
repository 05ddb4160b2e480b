import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EXIT, runCli } from './cli-main.js'
import { doctor } from './doctor.js'
import { TradeLogValidationError } from './errors.js'
import { MAX_LINE_BYTES } from './lines.js'
import { performance } from './performance.js'
import { createPerformanceIndex } from './performance-checkpoint.js'
import { createTradeLogReader } from './reader.js'
import type { TradeEntry } from './schemas.js'
import { AUG_1, DAY, HOUR, trade } from './test-support/entries.js'
import { useTempDir } from './test-support/temp-dir.js'
import { createTradeLogWriter } from './writer.js'

const tempDir = useTempDir()
const line = (entry: unknown) => `${JSON.stringify(entry)}\n`
/** A clock a week after the files' day: 2025-08-01 is a past day, nothing will append to it. */
const LATER = () => AUG_1 + 7 * DAY

function cli(argv: string[]) {
  const out: string[] = []
  const done = runCli(argv, { stdout: (t) => out.push(t), stderr: () => {}, env: {}, cwd: '/' })
  return { done, out: () => out.join('') }
}

async function readAll(dir: string, now = LATER) {
  const diagnostics: { file: string; line: number; reason: string; code?: string }[] = []
  const reader = createTradeLogReader({ dir, now, onDiagnostic: (d) => diagnostics.push(d) })
  const entries: TradeEntry[] = []
  for await (const record of reader.stream({ kind: 'trades' })) entries.push(record.entry)
  return { entries, diagnostics }
}

describe('torn tails', () => {
  const torn = `${line(trade(AUG_1))}${line(trade(AUG_1 + HOUR))}{"ts":"2025-08-01T02:00:00.000Z","tsMs":1754`

  it("are reported in a past day's file (nothing appends to it again): reader, validate and doctor", async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    writeFileSync(file, torn)
    const { entries, diagnostics } = await readAll(dir)
    expect(entries).toHaveLength(2)
    expect(diagnostics).toEqual([{ file, line: 3, code: 'torn', reason: expect.stringMatching(/torn.*no newline/) }])
    const run = cli(['validate', file])
    expect(await run.done).toBe(EXIT.problems)
    expect(run.out()).toContain(`${file}:3:`)
    const report = await doctor(dir, { now: LATER, searchPaths: [] })
    expect(report.kinds[0]).toMatchObject({ entries: 2, badLines: 1, tornTails: 1 })
  })

  it("are not reported in today's file, where a write may be in flight", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'trades_20250801.jsonl'), torn)
    const { entries, diagnostics } = await readAll(dir, () => AUG_1 + 3 * HOUR)
    expect(entries).toHaveLength(2)
    expect(diagnostics).toEqual([])
  })
})

describe('NUL bytes', () => {
  it('a line of NUL bytes is reported, not dropped as if blank', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    writeFileSync(
      file,
      Buffer.concat([Buffer.from(line(trade(AUG_1))), Buffer.alloc(512), Buffer.from(`\n${line(trade(AUG_1 + 1))}`)]),
    )
    const { entries, diagnostics } = await readAll(dir)
    expect(entries).toHaveLength(2)
    expect(diagnostics).toEqual([{ file, line: 2, code: 'nul', reason: expect.stringMatching(/512 NUL bytes/) }])
    expect(await cli(['validate', file]).done).toBe(EXIT.problems)
  })

  it('an entry after a NUL run (a crash, then the next append) is read, and the run reported', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    writeFileSync(file, Buffer.concat([Buffer.alloc(4096), Buffer.from(line(trade(AUG_1)))]))
    const { entries, diagnostics } = await readAll(dir)
    expect(entries).toHaveLength(1)
    expect(diagnostics).toEqual([{ file, line: 1, code: 'nul', reason: expect.stringMatching(/4096 NUL bytes/) }])
  })
})

describe('invalid UTF-8', () => {
  it('a line whose bytes are not UTF-8 is reported, never returned with U+FFFD in it', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    const good = Buffer.from(line(trade(AUG_1)))
    const broken = Buffer.from(line(trade(AUG_1 + 1, { reason: 'caf\u00e9' })))
    // Replace the two bytes of "é" with one 0xFF.
    const at = broken.indexOf(Buffer.from('\u00e9'))
    const bad = Buffer.concat([broken.subarray(0, at), Buffer.from([0xff]), broken.subarray(at + 2)])
    writeFileSync(file, Buffer.concat([good, bad]))
    const { entries, diagnostics } = await readAll(dir)
    expect(entries.map((entry) => entry.tsMs)).toEqual([AUG_1])
    expect(diagnostics).toEqual([{ file, line: 2, code: 'utf8', reason: expect.stringMatching(/not valid UTF-8/) }])
    const run = cli(['validate', file])
    expect(await run.done).toBe(EXIT.problems)
    const page = await createTradeLogReader({ dir, now: LATER }).readEntries({ kind: 'trades' })
    expect(JSON.stringify(page.entries)).not.toContain('\ufffd')
  })

  it('a real U+FFFD written as UTF-8 is an ordinary character', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'trades_20250801.jsonl'), line(trade(AUG_1, { reason: 'x\ufffdy' })))
    const { entries, diagnostics } = await readAll(dir)
    expect(entries[0]!.reason).toBe('x\ufffdy')
    expect(diagnostics).toEqual([])
  })
})

describe('duplicate lines', () => {
  const fills = [
    trade(AUG_1, { side: 'buy', volume: '1', price: '100', funds: '100', fee: '0', orderId: 'a' }),
    trade(AUG_1 + HOUR, { side: 'sell', volume: '1', price: '110', funds: '110', fee: '0', orderId: 'b' }),
  ]

  it('are reported, returned once, and a fill is counted once by its identity', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    // The sell line appended twice, and the whole file appended to itself (cat day >> day).
    const once = fills.map(line).join('')
    writeFileSync(file, `${once}${line(fills[1])}${once}`)
    const { entries, diagnostics } = await readAll(dir)
    expect(entries.map((entry) => entry.orderId)).toEqual(['a', 'b'])
    expect(diagnostics.map((d) => [d.line, d.code])).toEqual([
      [3, 'duplicate'],
      [4, 'duplicate'],
      [5, 'duplicate'],
    ])
    expect(diagnostics[0]!.reason).toMatch(/same fill as .*trades_20250801\.jsonl:2/)
    expect(performance(entries).realizedPnl).toBe('10')
    const report = await doctor(dir, { now: LATER, searchPaths: [] })
    expect(report.kinds[0]).toMatchObject({ entries: 2, duplicates: 3, badLines: 0 })
    expect(await cli(['validate', file]).done).toBe(EXIT.problems)
  })

  it('paging returns each fill once, also when a duplicate sits across a page boundary', async () => {
    const dir = tempDir()
    const entries = Array.from({ length: 6 }, (_, i) => trade(AUG_1 + i * HOUR, { orderId: `o${i}` }))
    writeFileSync(join(dir, 'trades_20250801.jsonl'), [...entries, entries[2], entries[2]].map(line).join(''))
    const reader = createTradeLogReader({ dir, now: LATER })
    for (const order of ['asc', 'desc'] as const) {
      const seen: string[] = []
      let cursor: string | undefined
      do {
        const page = await reader.readEntries({ kind: 'trades', order, limit: 1, ...(cursor ? { cursor } : {}) })
        seen.push(...page.entries.map((entry) => entry.orderId))
        cursor = page.nextCursor ?? undefined
      } while (cursor)
      expect(seen.sort()).toEqual(['o0', 'o1', 'o2', 'o3', 'o4', 'o5'])
    }
  })

  it('a day of 100 round trips appended to itself (beyond the reader’s last 32 entries): statistics count each fill once', async () => {
    const dir = tempDir()
    const day = Array.from({ length: 200 }, (_, i) =>
      trade(AUG_1 + i * 60_000, {
        orderId: `o${i}`,
        side: i % 2 ? 'sell' : 'buy',
        volume: '1',
        price: i % 2 ? '110' : '100',
        funds: i % 2 ? '110' : '100',
        fee: '0',
      }),
    )
    const once = day.map(line).join('')
    writeFileSync(join(dir, 'trades_20250801.jsonl'), `${once}${once}`)
    // The reader's stream finds repeats out of time order only among its last 32 entries (README).
    const { entries } = await readAll(dir)
    expect(entries.length).toBeGreaterThan(200)
    const report = performance(entries)
    expect(report).toMatchObject({ fills: 200, tradeCount: 100, realizedPnl: '1000' })
    const index = createPerformanceIndex({ reader: createTradeLogReader({ dir, now: LATER }), cacheFile: false })
    expect(await index.result()).toMatchObject({ fills: 200, tradeCount: 100, realizedPnl: '1000' })
  })

  it('the same fill in two files of a day (a copied instance file) is counted once', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'trades_20250801.jsonl'), fills.map(line).join(''))
    writeFileSync(join(dir, 'trades_20250801.copy.jsonl'), fills.map(line).join(''))
    const { entries, diagnostics } = await readAll(dir)
    expect(entries).toHaveLength(2)
    expect(diagnostics.map((d) => d.code)).toEqual(['duplicate', 'duplicate'])
  })
})

describe('one line-size limit', () => {
  it('error: the writer refuses an entry longer than the limit before acknowledging it, writing nothing', async () => {
    const dir = tempDir()
    const writer = createTradeLogWriter({ dir })
    await writer.append('trades', trade(AUG_1))
    const file = join(dir, 'trades_20250801.jsonl')
    const size = statSync(file).size
    const error = await writer
      .append('trades', trade(AUG_1 + 1, { reason: 'x'.repeat(2 * 1024 * 1024) }))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TradeLogValidationError)
    expect((error as Error).message).toMatch(/nothing was written.*longer than 1048576 bytes/)
    await writer.close()
    expect(statSync(file).size).toBe(size)
  })

  it('an entry right at the limit is acknowledged and read back by the default reader', async () => {
    const dir = tempDir()
    const writer = createTradeLogWriter({ dir })
    const base = JSON.stringify(trade(AUG_1 + 1, { reason: '' })).length
    const stored = await writer.append('trades', trade(AUG_1 + 1, { reason: 'y'.repeat(MAX_LINE_BYTES - base) }))
    await writer.close()
    const file = join(dir, 'trades_20250801.jsonl')
    expect(readFileSync(file).length).toBe(MAX_LINE_BYTES + 1)
    const { entries, diagnostics } = await readAll(dir)
    expect(diagnostics).toEqual([])
    expect(entries).toEqual([stored])
  })
})
