import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../cli-main.js'
import { convertLegacy, legacySources } from '../convert.js'
import { createTradeLogReader } from '../reader.js'
import { AUG_1, HOUR, trade } from '../test-support/entries.js'
import { legacyAnalysis, legacyDay, legacyErrorLog, pythonPrettyArray } from '../test-support/legacy-fixtures.js'
import { usePostgres } from '../test-support/postgres.js'
import { useTempDir } from '../test-support/temp-dir.js'
import { createTradeLogWriter } from '../writer.js'
import { importLogDirectory } from './import.js'
import { createPostgresTradeLogReader } from './reader.js'

const postgres = usePostgres()
const tempDir = useTempDir()
const KINDS = ['trades', 'decisions', 'errors', 'equity'] as const

/** A directory as a real bot leaves it: day files of every kind, the old bot's files, and one already converted. */
async function mixedDirectory(): Promise<string> {
  const dir = tempDir()
  const writer = createTradeLogWriter({ dir })
  for (let i = 0; i < 30; i++) await writer.append('trades', trade(AUG_1 + 2 * 86_400_000 + i * HOUR, { orderId: `n-${i}` }))
  await writer.append('errors', { tsMs: AUG_1 + 3 * 86_400_000, message: 'exchange timeout', level: 'warn' })
  await writer.close()
  writeFileSync(join(dir, 'trades_20250801.json'), pythonPrettyArray(legacyDay({ fills: 10, holds: 3 })))
  writeFileSync(join(dir, 'analysis_20250801.json'), pythonPrettyArray(legacyAnalysis()))
  writeFileSync(join(dir, 'errors_20250801.log'), legacyErrorLog())
  // The next day converted with `trade-log convert`: its source is set aside, the JSONL output is what is read.
  writeFileSync(join(dir, 'trades_20250802.json'), pythonPrettyArray(legacyDay({ fills: 6, holds: 1, day: '2025-08-02' })))
  await convertLegacy(await legacySources([join(dir, 'trades_20250802.json')]), { timeZone: 'UTC', out: () => {}, err: () => {} })
  return dir
}

async function everything(read: (kind: (typeof KINDS)[number]) => Promise<unknown[]>) {
  return Object.fromEntries(await Promise.all(KINDS.map(async (kind) => [kind, await read(kind)])))
}

describe('trade-log import', () => {
  it('copies day files, the old bot’s files and converted ones; the database then reads as the directory does; again inserts nothing', async () => {
    const dir = await mixedDirectory()
    const url = `${await postgres.database()}#alpha`
    const first = await importLogDirectory({ url, dir })
    expect(first.kinds['trades']).toMatchObject({ read: 46, inserted: 46, alreadyPresent: 0, legacy: 16 })
    expect(first.kinds['decisions']!.inserted).toBeGreaterThan(0)
    expect(first.kinds['errors']!.inserted).toBe(5)
    const files = createTradeLogReader({ dir })
    const database = createPostgresTradeLogReader({ url })
    const fromFiles = await everything(async (kind) => (await files.readEntries({ kind, limit: 1000, order: 'asc' })).entries)
    const fromDatabase = await everything(
      async (kind) => (await database.readEntries({ kind, limit: 1000, order: 'asc' })).entries,
    )
    // Same entries (inside one millisecond the database orders by key, so compare as sets per kind).
    for (const kind of KINDS) {
      const key = (entry: unknown) => JSON.stringify(entry)
      expect(new Set((fromDatabase[kind] as unknown[]).map(key)), kind).toEqual(new Set((fromFiles[kind] as unknown[]).map(key)))
      expect((fromDatabase[kind] as unknown[]).length, kind).toBe((fromFiles[kind] as unknown[]).length)
    }
    const again = await importLogDirectory({ url, dir })
    for (const kind of KINDS) expect(again.kinds[kind]!.inserted, kind).toBe(0)
    expect(again.kinds['trades']!.alreadyPresent).toBe(46)
    await database.close()
  })

  it('the CLI: counts per kind, the password never printed, a usage error without a database', async () => {
    const dir = await mixedDirectory()
    const url = new URL(`${await postgres.database()}#beta`)
    url.password = 'do-not-print-me'
    const out: string[] = []
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t), env: {}, cwd: dir }
    expect(await runCli(['import', dir, '--database', url.href], io)).toBe(0)
    expect(out.join('')).toMatch(/importing .* into postgres:\/\/postgres@127\.0\.0\.1:\d+\/\w+#beta\n/)
    expect(out.join('')).toContain("trades: 46 read (16 from the old bot's files), 46 inserted, 0 already there")
    out.length = 0
    expect(await runCli(['import', dir], { ...io, env: { TRADE_LOG_URL: url.href } })).toBe(0)
    expect(out.join('')).toContain("trades: 46 read (16 from the old bot's files), 0 inserted, 46 already there")
    expect(out.join('')).not.toContain('do-not-print-me')
    out.length = 0
    expect(await runCli(['import', dir], io)).toBe(2)
    expect(out.join('')).toMatch(/import needs the database/)
  })
})
