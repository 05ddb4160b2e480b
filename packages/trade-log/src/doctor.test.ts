import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { doctor } from './doctor.js'
import { resolveLogDir } from './resolve-dir.js'
import { AUG_1, HOUR, trade } from './test-support/entries.js'
import { useTempDir } from './test-support/temp-dir.js'

const tempDir = useTempDir()
const jsonl = (entries: unknown[]) => entries.map((entry) => `${JSON.stringify(entry)}\n`).join('')

describe('resolveLogDir', () => {
  it('prefers the explicit option, then TRADE_LOG_DIR, then ./logs, and logs the choice', () => {
    const logged: string[] = []
    const log = (message: string) => logged.push(message)
    expect(resolveLogDir('/data/a', { env: { TRADE_LOG_DIR: '/data/b' }, cwd: '/app', log })).toMatchObject({
      dir: '/data/a',
      source: 'option',
    })
    expect(resolveLogDir(undefined, { env: { TRADE_LOG_DIR: '/data/b' }, cwd: '/app', log })).toMatchObject({
      dir: '/data/b',
      source: 'env',
    })
    const fallback = resolveLogDir(undefined, { env: {}, cwd: '/app', log })
    expect(fallback).toMatchObject({ dir: '/app/logs', source: 'default' })
    expect(fallback.reason).toMatch(/neither a dir option nor TRADE_LOG_DIR/)
    expect(logged).toEqual([
      expect.stringContaining('using /data/a'),
      expect.stringContaining('using /data/b (from TRADE_LOG_DIR'),
      expect.stringContaining('using /app/logs'),
    ])
  })

  it('resolves a relative TRADE_LOG_DIR against the working directory and says so', () => {
    const result = resolveLogDir(undefined, { env: { TRADE_LOG_DIR: 'shared/logs' }, cwd: '/srv/bot', log: false })
    expect(result.dir).toBe('/srv/bot/shared/logs')
    expect(result.reason).toMatch(/relative.*prefer an absolute path/)
  })
})

describe('doctor', () => {
  it('says what to do when the directory does not exist, and where logs actually are', async () => {
    const root = tempDir()
    const real = join(root, 'logs')
    mkdirSync(real)
    writeFileSync(join(real, 'trades_20250801.jsonl'), jsonl([trade(AUG_1)]))
    const report = await doctor(join(root, 'app', 'logs'), { searchPaths: [real] })
    expect(report).toMatchObject({ exists: false, readable: false, candidates: [real] })
    expect(report.verdict.ok).toBe(false)
    expect(report.verdict.message).toMatch(/No log directory at .*app\/logs\. Trade logs do exist in .*logs\. Set TRADE_LOG_DIR/)
  })

  it('summarises files per kind with ranges, sizes and bad lines', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'trades_20250801.jsonl'), jsonl([trade(AUG_1 + HOUR), trade(AUG_1 + 2 * HOUR)]))
    writeFileSync(join(dir, 'trades_20250803.jsonl'), `${jsonl([trade(AUG_1 + 2 * 86_400_000)])}garbage\n`)
    writeFileSync(join(dir, 'trades_20250803.bot-2.jsonl'), jsonl([trade(AUG_1 + 2 * 86_400_000 + 1)]))
    writeFileSync(
      join(dir, 'errors_20250801.jsonl'),
      jsonl([{ ts: '2025-08-01T00:00:00Z', tsMs: AUG_1, level: 'error', message: 'x' }]),
    )
    const report = await doctor(dir, { now: () => Date.now() })
    expect(report).toMatchObject({ exists: true, readable: true, writable: true })
    const trades = report.kinds.find((kind) => kind.kind === 'trades')
    expect(trades).toMatchObject({
      files: 3,
      instanceFiles: 1,
      firstDay: '2025-08-01',
      lastDay: '2025-08-03',
      entries: 4,
      badLines: 1,
    })
    expect(trades!.bytes).toBeGreaterThan(0)
    expect(report.verdict.ok).toBe(true)
    expect(report.verdict.message).toMatch(/^OK with warnings: 3 trades, 1 errors file\(s\).*1 bad line/)
  })

  it('finds files that look like logs but are named differently', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'trades_20250801.json'), JSON.stringify([]))
    writeFileSync(join(dir, 'trades.20250802.1.jsonl'), '')
    writeFileSync(join(dir, 'errors_20250801.log'), 'boom\n')
    writeFileSync(join(dir, 'README.md'), '')
    const report = await doctor(dir)
    expect(report.nearMisses.map((miss) => miss.file).sort()).toEqual([
      'errors_20250801.log',
      'trades.20250802.1.jsonl',
      'trades_20250801.json',
    ])
    expect(report.nearMisses.find((miss) => miss.file === 'trades.20250802.1.jsonl')!.fix).toBe('rename to trades_20250802.jsonl')
    expect(report.nearMisses.find((miss) => miss.file === 'trades_20250801.json')!.fix).toMatch(/trade-log convert/)
  })

  it('notices file names dated in another time zone', async () => {
    const dir = tempDir()
    // 20:00Z–23:00Z on Jul 31 is Aug 1 in Seoul: a KST writer names this file 20250801.
    writeFileSync(join(dir, 'trades_20250801.jsonl'), jsonl([trade(AUG_1 - 4 * HOUR), trade(AUG_1 - HOUR)]))
    const report = await doctor(dir, { timeZone: 'UTC' })
    expect(report.nearMisses).toEqual([
      {
        file: 'trades_20250801.jsonl',
        reason: expect.stringMatching(/other days in UTC; the name matches Asia\/Seoul/),
        fix: expect.stringMatching(/Asia\/Seoul/),
      },
    ])
    expect((await doctor(dir, { timeZone: 'Asia/Seoul' })).nearMisses).toEqual([])
  })

  it('reports an empty directory as not OK', async () => {
    const report = await doctor(tempDir(), { searchPaths: [] })
    expect(report.verdict).toEqual({ ok: false, message: expect.stringMatching(/has no trade-log files/) })
  })

  it.skipIf(process.getuid?.() === 0)('reports a directory it cannot read', async () => {
    const dir = tempDir()
    chmodSync(dir, 0o000)
    try {
      const report = await doctor(dir)
      expect(report).toMatchObject({ exists: true, readable: false })
      expect(report.verdict.message).toMatch(/cannot read/)
    } finally {
      chmodSync(dir, 0o700)
    }
  })
})
