import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EXIT, runCli } from './cli-main.js'
import { doctor } from './doctor.js'
import { performance } from './performance.js'
import { createTradeLogReader } from './reader.js'
import { AUG_1, HOUR, trade } from './test-support/entries.js'
import { legacyAnalysis, legacyDay, legacyDayProfit, pythonPrettyArray, tornPrettyArray } from './test-support/legacy-fixtures.js'
import { useTempDir } from './test-support/temp-dir.js'

const tempDir = useTempDir()
const records = legacyDay({ fills: 26, holds: 8 })

function cli(argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const done = runCli(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: {}, cwd: '/' })
  return { done, out: () => out.join(''), err: () => err.join('') }
}

async function read(dir: string, kind: 'trades' | 'decisions') {
  const diagnostics: { code?: string }[] = []
  const reader = createTradeLogReader({ dir, onDiagnostic: (d) => diagnostics.push(d) })
  const entries = []
  for await (const record of reader.stream({ kind })) entries.push(record.entry)
  return { entries, diagnostics }
}

/** Every file in `dir` with its bytes, to compare whole directories. */
const snapshot = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => [name, readFileSync(join(dir, name), 'utf8')]),
  )

function legacyDir() {
  const dir = tempDir()
  writeFileSync(join(dir, 'trades_20250801.json'), pythonPrettyArray(records))
  return dir
}

describe('trade-log convert', () => {
  it('leaves a directory that reads every entry once: 26 fills, the same realized PnL, every hold', async () => {
    const dir = legacyDir()
    const run = cli(['convert', join(dir, 'trades_20250801.json')])
    expect(await run.done).toBe(EXIT.ok)
    const trades = await read(dir, 'trades')
    expect(trades.diagnostics).toEqual([])
    expect(trades.entries).toHaveLength(26)
    expect(performance(trades.entries as never).realizedPnl).toBe(legacyDayProfit(records))
    expect((await read(dir, 'decisions')).entries).toHaveLength(34)
    // The source is kept under a name no reader takes for a log.
    expect(existsSync(join(dir, 'trades_20250801.json'))).toBe(false)
    expect(existsSync(join(dir, 'trades_20250801.json.converted'))).toBe(true)
    const report = await doctor(dir, { searchPaths: [] })
    expect(report.verdict.message).toMatch(/^OK:/)
  })

  it('converts every legacy file of a directory, and a second run changes nothing', async () => {
    const dir = legacyDir()
    writeFileSync(join(dir, 'analysis_20250801.json'), pythonPrettyArray(legacyAnalysis()))
    const first = cli(['convert', dir])
    expect(await first.done).toBe(EXIT.ok)
    const after = snapshot(dir)
    const second = cli(['convert', dir])
    expect(await second.done).toBe(EXIT.ok)
    expect(second.out()).toMatch(/nothing to convert/)
    expect(snapshot(dir)).toEqual(after)
    // Converting a file again (restored by hand next to its outputs) adds nothing either.
    renameSync(join(dir, 'trades_20250801.json.converted'), join(dir, 'trades_20250801.json'))
    const third = cli(['convert', join(dir, 'trades_20250801.json')])
    expect(await third.done).toBe(EXIT.ok)
    expect(snapshot(dir)).toEqual(after)
  })

  it('--remove deletes the source only when every record in it was written elsewhere', async () => {
    const dir = legacyDir()
    const removed = cli(['convert', join(dir, 'trades_20250801.json'), '--remove'])
    expect(await removed.done).toBe(EXIT.ok)
    expect(readdirSync(dir).filter((name) => name.startsWith('trades_20250801.json'))).toEqual([])
    // Holds were written as decisions before the source went.
    expect((await read(dir, 'decisions')).entries.filter((d) => (d as { action: string }).action === 'hold')).toHaveLength(8)

    const torn = tempDir()
    writeFileSync(join(torn, 'trades_20250801.json'), tornPrettyArray(legacyDay({ fills: 10, holds: 0 }), 9))
    const kept = cli(['convert', join(torn, 'trades_20250801.json'), '--remove'])
    expect(await kept.done).toBe(EXIT.problems)
    expect(kept.err()).toMatch(/not removed.*torn/)
    expect(readFileSync(join(torn, 'trades_20250801.json.converted'), 'utf8')).toBe(
      tornPrettyArray(legacyDay({ fills: 10, holds: 0 }), 9),
    )
    expect((await read(torn, 'trades')).entries).toHaveLength(9)
  })

  it('an interrupted convert (outputs written, source still in place) still reads once, and doctor says to finish it', async () => {
    const dir = legacyDir()
    expect(await cli(['convert', join(dir, 'trades_20250801.json')]).done).toBe(EXIT.ok)
    renameSync(join(dir, 'trades_20250801.json.converted'), join(dir, 'trades_20250801.json'))
    expect((await read(dir, 'trades')).entries).toHaveLength(26)
    expect((await read(dir, 'decisions')).entries).toHaveLength(34)
    const report = await doctor(dir, { searchPaths: [] })
    const finding = report.findings.find((f) => f.code === 'conversion-unfinished')
    expect(finding).toMatchObject({ file: 'trades_20250801.json', fix: `trade-log convert ${join(dir, 'trades_20250801.json')}` })
  })

  it('an interrupted convert whose outputs fall on other days (--tz) still reads each entry once', async () => {
    const dir = tempDir()
    const source = join(dir, 'trades_20250801.json')
    // 200 fills from 15:00Z on Aug 1: Aug 2 in Seoul, so --tz Asia/Seoul names the outputs for another day.
    const fills = Array.from({ length: 200 }, (_, i) => ({
      timestamp: new Date(Date.UTC(2025, 7, 1, 15) + i * 120_000).toISOString(),
      action: i % 2 === 0 ? 'buy' : 'sell',
      symbol: 'KRW-BTC',
      amount: 0.001,
      price: 45000000 + i,
      ai_confidence: 0.8,
    }))
    writeFileSync(source, JSON.stringify(fills))
    expect(await cli(['convert', source, '--tz', 'Asia/Seoul']).done).toBe(EXIT.ok)
    expect(existsSync(join(dir, 'trades_20250802.legacy-trades-20250801.jsonl'))).toBe(true)
    renameSync(`${source}.converted`, source)
    const { entries, diagnostics } = await read(dir, 'trades')
    expect(entries).toHaveLength(200)
    expect(diagnostics).toEqual([])
  })

  it('an earlier convert that kept its source: fills are counted once, doctor reports the duplicates, convert settles it', async () => {
    const dir = legacyDir()
    // What the previous convert wrote: the normalized fills in the main JSONL file, the source left in place.
    const fills = (await read(dir, 'trades')).entries.map((entry) => {
      const { legacy: _legacy, decisionId: _decisionId, ...rest } = entry as Record<string, unknown>
      return rest
    })
    writeFileSync(join(dir, 'trades_20250801.jsonl'), fills.map((fill) => `${JSON.stringify(fill)}\n`).join(''))
    const both = await read(dir, 'trades')
    expect(both.entries).toHaveLength(26)
    expect(both.diagnostics.filter((d) => d.code === 'duplicate')).toHaveLength(26)
    const report = await doctor(dir, { searchPaths: [] })
    expect(report.kinds.find((kind) => kind.kind === 'trades')).toMatchObject({ entries: 26, duplicates: 26 })
    expect(report.verdict.message).toMatch(/26 duplicate/)
    const fix = report.findings.find((f) => f.code === 'duplicates')!.fix!
    expect(fix).toBe(`trade-log convert ${join(dir, 'trades_20250801.json')}`)
    expect(await cli(fix.split(' ').slice(1)).done).toBe(EXIT.ok)
    expect((await doctor(dir, { searchPaths: [] })).verdict.message).toMatch(/^OK:/)
    const settled = await read(dir, 'trades')
    expect(settled.entries).toHaveLength(26)
    expect(settled.diagnostics).toEqual([])
  })

  it('never writes into a file it did not create: a day the new bot already logged stays byte for byte', async () => {
    const dir = legacyDir()
    const live = `${JSON.stringify(trade(AUG_1 + 20 * HOUR, { orderId: 'new-bot' }))}\n`
    writeFileSync(join(dir, 'trades_20250801.jsonl'), live)
    expect(await cli(['convert', join(dir, 'trades_20250801.json')]).done).toBe(EXIT.ok)
    expect(readFileSync(join(dir, 'trades_20250801.jsonl'), 'utf8')).toBe(live)
    expect((await read(dir, 'trades')).entries).toHaveLength(27)
  })
})
