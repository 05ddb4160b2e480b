import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EXIT, runCli } from './cli-main.js'
import { doctor } from './doctor.js'
import { LEGACY_ASSUMPTIONS } from './legacy.js'
import { performance } from './performance.js'
import { createTradeLogReader } from './reader.js'
import type { DecisionEntry, ErrorEntry, TradeEntry } from './schemas.js'
import {
  legacyAnalysis,
  legacyDay,
  legacyDayProfit,
  legacyErrorLog,
  pythonArray,
  pythonLines,
  pythonPrettyArray,
  tornPrettyArray,
} from './test-support/legacy-fixtures.js'
import { useTempDir } from './test-support/temp-dir.js'

const tempDir = useTempDir()

async function all<K extends 'trades' | 'decisions' | 'errors'>(dir: string, kind: K, options: { timeZone?: string } = {}) {
  const diagnostics: { file: string; line: number; reason: string; code?: string }[] = []
  const reader = createTradeLogReader({ dir, ...options, onDiagnostic: (d) => diagnostics.push(d) })
  const entries: (K extends 'trades' ? TradeEntry : K extends 'decisions' ? DecisionEntry : ErrorEntry)[] = []
  for await (const record of reader.stream({ kind })) entries.push(record.entry as never)
  return { entries, diagnostics }
}

function cli(argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const done = runCli(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: {}, cwd: '/' })
  return { done, out: () => out.join(''), err: () => err.join('') }
}

const formats = [
  ['json.dump (one line, ASCII)', pythonArray],
  ['json.dump indent=2, ensure_ascii=False', pythonPrettyArray],
  ['one json.dumps per line', pythonLines],
] as const

describe.each(formats)("the old bot's trades_YYYYMMDD.json written as %s", (_name, write) => {
  const records = legacyDay({ fills: 26, holds: 8 })

  it('hold records come back as decisions with legacy provenance, never as bad lines', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'trades_20250801.json'), write(records))
    const trades = await all(dir, 'trades')
    expect(trades.entries).toHaveLength(26)
    expect(trades.diagnostics).toEqual([])
    const decisions = await all(dir, 'decisions')
    expect(decisions.diagnostics).toEqual([])
    // Every record of the old bot was a decision; buy and sell ones were also fills.
    expect(decisions.entries).toHaveLength(34)
    const holds = decisions.entries.filter((entry) => entry.action === 'hold')
    expect(holds).toHaveLength(8)
    expect(holds[0]).toMatchObject({
      market: 'KRW-BTC',
      provider: 'legacy',
      confidence: 0.5,
      legacy: { file: 'trades_20250801.json', record: expect.any(Number) },
    })
    // The fill points at the decision that caused it, as a new bot's fills do.
    const firstFill = trades.entries[0]!
    expect(decisions.entries.find((d) => d.decisionId === firstFill.decisionId)).toMatchObject({ action: 'buy' })
    expect(firstFill).toMatchObject({ legacy: { file: 'trades_20250801.json', record: 1 } })
  })

  it('validate exits 0 on the clean file and doctor counts no bad lines', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.json')
    writeFileSync(file, write(records))
    const run = cli(['validate', file])
    expect(await run.done).toBe(EXIT.ok)
    expect(run.out()).toMatch(/0 bad line/)
    const report = await doctor(dir, { searchPaths: [] })
    const trades = report.kinds.find((kind) => kind.kind === 'trades')!
    expect(trades).toMatchObject({ entries: 26, badLines: 0 })
    expect(report.kinds.find((kind) => kind.kind === 'decisions')).toMatchObject({ entries: 34, badLines: 0 })
  })

  it('statistics over the file count each fill once', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'trades_20250801.json'), write(records))
    const { entries } = await all(dir, 'trades')
    const stats = performance(entries)
    expect(stats.fills).toBe(26)
    expect(stats.realizedPnl).toBe(legacyDayProfit(records))
  })
})

describe("the old bot's analysis_YYYYMMDD.json", () => {
  it('is read as decisions (provider legacy), and a record without a decision is reported as not supported', async () => {
    const dir = tempDir()
    const file = join(dir, 'analysis_20250801.json')
    writeFileSync(file, pythonPrettyArray(legacyAnalysis()))
    const { entries, diagnostics } = await all(dir, 'decisions')
    expect(entries.map((entry) => [entry.action, entry.confidence])).toEqual([
      ['buy', 0.85],
      ['hold', 0.55],
    ])
    expect(entries[0]).toMatchObject({
      provider: 'legacy',
      reason: 'RSI 과매도 구간, 반등 기대',
      indicators: { current_price: '45000000', rsi: 28.4 },
      legacy: { file: 'analysis_20250801.json', record: 1 },
    })
    expect(entries[1]).toMatchObject({ model: 'gpt-4o', reason: 'no clear trend', indicators: { volume_24h: 1234.5 } })
    expect(diagnostics).toEqual([
      { file, line: expect.any(Number), code: 'unsupported', reason: expect.stringMatching(/no buy, sell or hold decision/) },
    ])
  })

  it('doctor calls it read (not misnamed) and its fix, convert, works', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'analysis_20250801.json'), pythonPrettyArray(legacyAnalysis()))
    const report = await doctor(dir, { searchPaths: [] })
    expect(report.nearMisses).toEqual([])
    expect(report.kinds.find((kind) => kind.kind === 'decisions')).toMatchObject({ entries: 2, badLines: 0 })
    const run = cli(['convert', join(dir, 'analysis_20250801.json')])
    expect(await run.done).toBe(EXIT.ok)
    const after = await all(dir, 'decisions')
    expect(after.entries.map((entry) => entry.action)).toEqual(['buy', 'hold'])
  })
})

describe("the old bot's errors_YYYYMMDD.log (plain text)", () => {
  it('is read as error entries, one per timestamped line, with continuation lines kept', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'errors_20250801.log'), legacyErrorLog())
    const { entries, diagnostics } = await all(dir, 'errors')
    expect(diagnostics).toEqual([])
    expect(entries.map((entry) => [entry.ts, entry.level, entry.message.split('\n')[0]])).toEqual([
      ['2025-08-01T12:00:01.123Z', 'error', 'Upbit API error: 429 Too Many Requests'],
      ['2025-08-01T12:05:00.002Z', 'warn', 'AI response took 12.3s, retrying'],
      ['2025-08-01T12:07:30.500Z', 'error', 'Unhandled exception in main loop'],
      ['2025-08-01T13:00:00.000Z', 'fatal', 'Bot stopped'],
    ])
    expect(entries[2]!.message).toContain("KeyError: 'price'")
    expect(entries[0]).toMatchObject({ source: 'trading_bot', legacy: { file: 'errors_20250801.log', record: 1 } })
  })

  it("reads the logging module's local times in the reader's timeZone", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'errors_20250801.log'), legacyErrorLog())
    const { entries } = await all(dir, 'errors', { timeZone: 'Asia/Seoul' })
    expect(entries[0]!.ts).toBe('2025-08-01T12:00:01.123+09:00')
    expect(entries[0]!.tsMs).toBe(Date.UTC(2025, 7, 1, 3, 0, 1, 123))
  })

  it('doctor counts its entries and convert writes them as JSONL', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'errors_20250801.log'), legacyErrorLog())
    const report = await doctor(dir, { searchPaths: [] })
    expect(report.nearMisses).toEqual([])
    expect(report.kinds.find((kind) => kind.kind === 'errors')).toMatchObject({ entries: 4, badLines: 0 })
    const run = cli(['convert', join(dir, 'errors_20250801.log')])
    expect(await run.done).toBe(EXIT.ok)
    expect((await all(dir, 'errors')).entries).toHaveLength(4)
  })
})

describe('a legacy JSON array torn by a crash during json.dump', () => {
  it('gives back every complete element and reports the torn remainder', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.json')
    const records = legacyDay({ fills: 30, holds: 0 })
    writeFileSync(file, tornPrettyArray(records, 29))
    const { entries, diagnostics } = await all(dir, 'trades')
    expect(entries).toHaveLength(29)
    expect(entries.at(-1)!.tsMs).toBe(Date.parse(records[28]!.timestamp))
    expect(diagnostics).toEqual([{ file, line: expect.any(Number), code: 'torn', reason: expect.stringMatching(/torn/) }])
    const run = cli(['validate', file])
    expect(await run.done).toBe(EXIT.problems)
    expect(run.out()).toMatch(/29 valid entries, 1 bad line/)
  })
})

describe('naive legacy timestamps', () => {
  it("are read in the reader's timeZone, and the assumption says which", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'trades_20250801.json'), pythonArray(legacyDay({ fills: 2, holds: 0, naive: true })))
    const utc = await createTradeLogReader({ dir }).readEntries({ kind: 'trades', order: 'asc' })
    expect(utc.entries[0]!.ts).toBe('2025-08-01T00:00:00.250Z')
    expect(utc.assumed).toContain(LEGACY_ASSUMPTIONS.utc)
    const seoul = await createTradeLogReader({ dir, timeZone: 'Asia/Seoul' }).readEntries({ kind: 'trades', order: 'asc' })
    expect(seoul.entries[0]!.tsMs).toBe(Date.UTC(2025, 6, 31, 15, 0, 0, 250))
    expect(seoul.assumed).toContain('timestamps without an offset read as Asia/Seoul time (reader timeZone)')
  })
})
