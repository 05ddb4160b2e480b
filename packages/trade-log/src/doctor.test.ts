import { execFileSync, spawn } from 'node:child_process'
import { appendFileSync, chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DoctorReport, doctor } from './doctor.js'
import { resolveLogDir } from './resolve-dir.js'
import { buildChildScript } from './test-support/build-child.js'
import { AUG_1, HOUR, trade } from './test-support/entries.js'
import { allowOtherUser, denyOtherUser, isRoot, runAsOtherUser } from './test-support/other-user.js'
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
    expect(report.verdict.message).toMatch(
      /No log directory at .*app\/logs\. Trade logs do exist in .*logs\. Fix: set TRADE_LOG_DIR=/,
    )
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

  it('finds files that look like logs but are named differently, and reads the old bot’s files where they are', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'trades_20250801.json'), JSON.stringify([]))
    // pino-roll's name, and an .ndjson extension, for files of our entries.
    writeFileSync(join(dir, 'trades.20250802.1.jsonl'), jsonl([trade(AUG_1 + 86_400_000)]))
    writeFileSync(join(dir, 'Trades-2025-08-03.ndjson'), jsonl([trade(AUG_1 + 2 * 86_400_000)]))
    writeFileSync(join(dir, 'errors_20250801.log'), '2025-08-01 12:00:00,000 - ERROR - boom\n')
    writeFileSync(join(dir, 'README.md'), '')
    const report = await doctor(dir)
    expect(report.nearMisses.map((miss) => [miss.file, miss.fix])).toEqual([
      ['Trades-2025-08-03.ndjson', `mv ${join(dir, 'Trades-2025-08-03.ndjson')} ${join(dir, 'trades_20250803.jsonl')}`],
      ['trades.20250802.1.jsonl', `mv ${join(dir, 'trades.20250802.1.jsonl')} ${join(dir, 'trades_20250802.1.jsonl')}`],
    ])
    expect(report.kinds.map((kind) => [kind.kind, kind.legacyFiles])).toEqual([
      ['trades', 1],
      ['decisions', 1],
      ['errors', 1],
    ])
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

describe('doctor in the deployments that break', () => {
  let child: { file: string; cleanup: () => void }
  beforeAll(async () => {
    child = await buildChildScript(join(import.meta.dirname, 'test-support/doctor-child.ts'))
  }, 30_000)
  afterAll(() => child.cleanup())
  const asOtherUser = async (mode: string, args: object) =>
    JSON.parse(await runAsOtherUser(child.file, [mode, JSON.stringify(args)])) as Record<string, unknown>

  it(`a file this process cannot read (run as ${isRoot ? 'nobody via setpriv' : 'this user, mode 000'}): named with its fix, never thrown, never OK`, async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'trades_20250801.jsonl'), jsonl([trade(AUG_1)]))
    writeFileSync(join(dir, 'trades_20250802.jsonl'), jsonl([trade(AUG_1 + 86_400_000)]))
    allowOtherUser(dir, true)
    allowOtherUser(join(dir, 'trades_20250801.jsonl'))
    denyOtherUser(join(dir, 'trades_20250802.jsonl'))
    for (const scan of [true, false]) {
      const report = (await asOtherUser('doctor', { dir, options: { scan } })) as unknown as DoctorReport
      expect(report.verdict.ok).toBe(false)
      expect(report.verdict.message).toContain(join(dir, 'trades_20250802.jsonl'))
      expect(report.verdict.message).toMatch(/cannot read.*chmod o\+r/)
    }
    const read = await asOtherUser('read', { dir })
    expect(read).toMatchObject({
      error: {
        name: 'TradeLogIoError',
        code: 'io',
        typed: true,
        message: expect.stringMatching(/cannot read .*trades_20250802\.jsonl.*chmod/),
      },
    })
    const cli = await asOtherUser('cli', { argv: ['doctor', dir] })
    expect(cli).toMatchObject({ code: 1, out: expect.stringMatching(/trades_20250802\.jsonl/) })
  })

  it('a follower that cannot read a file says so with the reader’s typed error, instead of skipping it', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    writeFileSync(file, jsonl([trade(AUG_1)]))
    allowOtherUser(dir, true)
    denyOtherUser(file)
    chmodSync(child.file, 0o644)
    chmodSync(dirname(child.file), 0o755)
    const command = isRoot
      ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath, child.file]
      : [process.execPath, child.file]
    const proc = spawn(command[0]!, [...command.slice(1), 'follow', JSON.stringify({ dir })], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    proc.stdout.on('data', (data: Buffer) => {
      out += data.toString()
      // Once it follows, the file grows: the follower must open it to read the append.
      if (out === 'ready\n') appendFileSync(file, jsonl([trade(AUG_1 + 1)]))
    })
    await new Promise((resolve) => proc.on('exit', resolve))
    const result = JSON.parse(out.split('\n')[1]!) as { error?: { name: string; message: string } }
    expect(result.error).toMatchObject({
      name: 'TradeLogIoError',
      message: expect.stringMatching(/cannot read .*trades_20250801\.jsonl.*chmod o\+r/),
    })
  })

  it('a directory whose trades files hold only another program’s lines is not OK', async () => {
    const dir = tempDir()
    const pino = { level: 30, time: AUG_1, msg: 'hello' }
    writeFileSync(join(dir, 'trades_20250801.jsonl'), jsonl([pino, pino, pino]))
    const report = await doctor(dir, { searchPaths: [] })
    expect(report.verdict.ok).toBe(false)
    expect(report.verdict.message).toMatch(/not one trades entry/i)
    expect(report.kinds[0]).toMatchObject({ entries: 0, badLines: 3 })
  })

  it('a file dated after this host’s clock gets a warning about the clock', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'trades_20250801.jsonl'), jsonl([trade(AUG_1)]))
    writeFileSync(join(dir, 'trades_20270101.jsonl'), jsonl([trade(Date.UTC(2027, 0, 1))]))
    for (const scan of [true, false]) {
      const report = await doctor(dir, { scan, now: () => AUG_1 + 86_400_000 })
      expect(report.verdict.message).toMatch(/^OK with warnings: .*trades_20270101\.jsonl.*clock/)
    }
  })

  it('a dangling symlink is named with its missing target (the usual Docker volume mistake)', async () => {
    const root = tempDir()
    symlinkSync(join(root, 'volume', 'logs'), join(root, 'logs'))
    const report = await doctor(join(root, 'logs'), { searchPaths: [] })
    expect(report.exists).toBe(false)
    expect(report.verdict.message).toContain(
      `${join(root, 'logs')} is a symlink to ${join(root, 'volume', 'logs')}, which does not exist`,
    )
  })

  it('logs one level down (the demo writes demo-*/ folders) are named, with the directory to use', async () => {
    const root = tempDir()
    for (const name of ['demo-20251204-101500', 'demo-20251204-111500']) {
      mkdirSync(join(root, name))
      writeFileSync(join(root, name, 'trades_20250801.jsonl'), jsonl([trade(AUG_1)]))
    }
    const report = await doctor(root, { searchPaths: [] })
    expect(report.verdict.ok).toBe(false)
    expect(report.candidates).toEqual([join(root, 'demo-20251204-101500'), join(root, 'demo-20251204-111500')])
    expect(report.verdict.message).toMatch(/no log files directly in .*, but 2 folders inside it hold logs.*demo-20251204-111500/)
  })

  it('another app’s log that only looks dated is left alone (no convert suggested)', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'trades_20250801.jsonl'), jsonl([trade(AUG_1)]))
    writeFileSync(join(dir, 'app.2026-12-04.1.log'), 'GET / 200\n')
    const report = await doctor(dir)
    expect(report.findings).toEqual([])
    expect(report.verdict.message).toMatch(/^OK:/)
  })

  it('a FIFO or directory named like a log neither hangs nor throws', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'trades_20250801.jsonl'), jsonl([trade(AUG_1)]))
    execFileSync('mkfifo', [join(dir, 'trades_20250802.jsonl')])
    mkdirSync(join(dir, 'trades_20250803.jsonl'))
    const report = await doctor(dir)
    expect(report.findings.filter((f) => f.code === 'not-a-file').map((f) => f.file)).toEqual([
      'trades_20250802.jsonl',
      'trades_20250803.jsonl',
    ])
  })

  it('time-zone advice names settings that exist: doctor --tz and the reader’s timeZone', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'trades_20250801.jsonl'), jsonl([trade(AUG_1 - 4 * HOUR), trade(AUG_1 - HOUR)]))
    const report = await doctor(dir, { timeZone: 'UTC' })
    const finding = report.findings.find((f) => f.code === 'zone-mismatch')!
    expect(finding.fix).toBe(
      `trade-log doctor ${dir} --tz Asia/Seoul (the writer's zone; use the same timeZone for the reader and performance())`,
    )
    expect(finding.action).toEqual({ type: 'option', option: 'timeZone', value: 'Asia/Seoul' })
  })

  it('doctor and validate read an 48 MB line in bounded memory, as the reader does', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    const big = 48 * 1024 * 1024
    writeFileSync(file, `${jsonl([trade(AUG_1)])}{"reason":"${'x'.repeat(big)}"}\n${jsonl([trade(AUG_1 + 1)])}`)
    const empty = tempDir()
    allowOtherUser(empty, true)
    allowOtherUser(dir, true)
    allowOtherUser(file)
    const idle = (await asOtherUser('doctor', { dir: empty })).rssMb as number
    const report = await asOtherUser('doctor', { dir })
    expect(report).toMatchObject({ kinds: [{ entries: 2, badLines: 1 }] })
    const validate = await asOtherUser('cli', { argv: ['validate', file] })
    expect(validate).toMatchObject({ code: 1, out: expect.stringMatching(/:2: line longer than 1048576 bytes/) })
    // The line is skipped, not held: the peak stays far below the line's size.
    expect((report.rssMb as number) - idle).toBeLessThan(24)
    expect((validate.rssMb as number) - idle).toBeLessThan(24)
  }, 120_000)
})
