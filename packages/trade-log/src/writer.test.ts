import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { isTradeLogError, TradeLogIoError, TradeLogLockError, TradeLogValidationError } from './errors.js'
import { buildChildScript } from './test-support/build-child.js'
import { AUG_1, HOUR, trade } from './test-support/entries.js'
import { useTempDir } from './test-support/temp-dir.js'
import { createTradeLogWriter } from './writer.js'

const tempDir = useTempDir()
const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean)

describe('createTradeLogWriter', () => {
  it('appends JSON.stringify(entry) + newline to <kind>_YYYYMMDD.jsonl', async () => {
    const dir = tempDir()
    const writer = createTradeLogWriter({ dir })
    const stored = await writer.append('trades', trade(AUG_1 + HOUR))
    await writer.append('trades', trade(AUG_1 + 2 * HOUR, { side: 'sell' }))
    await writer.close()
    const text = readFileSync(join(dir, 'trades_20250801.jsonl'), 'utf8')
    expect(text.startsWith(`${JSON.stringify(stored)}\n`)).toBe(true)
    expect(lines(join(dir, 'trades_20250801.jsonl')).map((line) => JSON.parse(line).side)).toEqual(['buy', 'sell'])
  })

  it('names files by the day in the configured time zone and rotates at its midnight', async () => {
    const dir = tempDir()
    const writer = createTradeLogWriter({ dir, timeZone: 'Asia/Seoul' })
    // 14:59:59Z is 23:59:59 KST on Aug 1; 15:00Z is 00:00 KST on Aug 2.
    await writer.append('trades', { ...trade(0), ts: undefined, tsMs: Date.UTC(2025, 7, 1, 14, 59, 59) })
    await writer.append('trades', { ...trade(0), ts: undefined, tsMs: Date.UTC(2025, 7, 1, 15) })
    await writer.close()
    expect(
      readdirSync(dir)
        .filter((name) => name.endsWith('.jsonl'))
        .sort(),
    ).toEqual(['trades_20250801.jsonl', 'trades_20250802.jsonl'])
    expect(JSON.parse(lines(join(dir, 'trades_20250802.jsonl'))[0]!).ts).toBe('2025-08-02T00:00:00.000+09:00')
  })

  it('rotates by the clock when entries carry no timestamp', async () => {
    const dir = tempDir()
    let now = Date.UTC(2025, 7, 1, 23, 59)
    const writer = createTradeLogWriter({ dir, now: () => now })
    const { ts: _ts, tsMs: _tsMs, ...fields } = trade(0)
    await writer.append('trades', fields)
    now += 2 * 60_000
    await writer.append('trades', fields)
    await writer.close()
    expect(lines(join(dir, 'trades_20250801.jsonl'))).toHaveLength(1)
    expect(lines(join(dir, 'trades_20250802.jsonl'))).toHaveLength(1)
  })

  it('error: an invalid entry rejects with a typed error and writes nothing', async () => {
    const dir = tempDir()
    const writer = createTradeLogWriter({ dir })
    await writer.append('trades', trade(AUG_1))
    const size = statSync(join(dir, 'trades_20250801.jsonl')).size
    await expect(writer.append('trades', { ...trade(AUG_1), price: 45000000 as never })).rejects.toBeInstanceOf(
      TradeLogValidationError,
    )
    await expect(writer.append('trades', { ...trade(AUG_1 + 86_400_000), side: 'short' as never })).rejects.toThrow(/side/)
    await writer.close()
    expect(statSync(join(dir, 'trades_20250801.jsonl')).size).toBe(size)
    expect(existsSync(join(dir, 'trades_20250802.jsonl'))).toBe(false)
  })

  it('buffers decisions until flush, and close() leaves everything on disk', async () => {
    const dir = tempDir()
    const writer = createTradeLogWriter({ dir, flushIntervalMs: 3_600_000 })
    const decision = {
      tsMs: AUG_1,
      market: 'KRW-BTC',
      provider: 'offline',
      model: 'rules',
      action: 'hold',
      confidence: 0.5,
      reason: 'flat',
    } as const
    await writer.append('decisions', decision)
    const file = join(dir, 'decisions_20250801.jsonl')
    expect(existsSync(file) ? readFileSync(file, 'utf8') : '').toBe('')
    await writer.flush()
    expect(lines(file)).toHaveLength(1)
    await writer.append('decisions', decision)
    await writer.close()
    expect(lines(file)).toHaveLength(2)
    await expect(writer.append('decisions', decision)).rejects.toBeInstanceOf(TradeLogIoError)
  })

  it('writes a full buffer at once, so the buffer stays bounded', async () => {
    const dir = tempDir()
    const writer = createTradeLogWriter({
      dir,
      maxBufferBytes: 1000,
      flushIntervalMs: 3_600_000,
      durability: { trades: 'buffered' },
    })
    for (let i = 0; i < 10; i++) await writer.append('trades', trade(AUG_1 + i))
    const onDisk = lines(join(dir, 'trades_20250801.jsonl')).length
    expect(onDisk).toBeGreaterThan(0)
    expect(onDisk).toBeLessThan(10)
    await writer.close()
    expect(lines(join(dir, 'trades_20250801.jsonl'))).toHaveLength(10)
  })

  it('error: a directory that cannot be created is a typed error naming the path', async () => {
    const parent = tempDir()
    writeFileSync(join(parent, 'a-file'), '')
    const writer = createTradeLogWriter({ dir: join(parent, 'a-file', 'logs') })
    const error = await writer.append('trades', trade(AUG_1)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TradeLogIoError)
    expect((error as TradeLogIoError).message).toMatch(/Could not create the log directory .*a-file\/logs/)
    await writer.close()
  })

  it('flushes buffered kinds on its timer', async () => {
    const dir = tempDir()
    const writer = createTradeLogWriter({ dir, flushIntervalMs: 10 })
    await writer.append('errors', { tsMs: AUG_1, message: 'timeout talking to the exchange' })
    await vi.waitFor(() => expect(lines(join(dir, 'errors_20250801.jsonl'))).toHaveLength(1), { timeout: 15_000 })
    await writer.close()
  })
})

describe('after a crash', () => {
  it('cuts a torn last line before appending, so the next entry is not glued onto it', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    const first = `${JSON.stringify(trade(AUG_1))}\n`
    writeFileSync(file, `${first}{"ts":"2025-08-01T00:00:01.000Z","tsMs":17`)
    const writer = createTradeLogWriter({ dir })
    await writer.append('trades', trade(AUG_1 + 2))
    await writer.close()
    expect(lines(file).map((line) => JSON.parse(line).tsMs)).toEqual([AUG_1, AUG_1 + 2])
  })

  it('keeps a last line that is complete JSON and only lacks its newline', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    writeFileSync(file, JSON.stringify(trade(AUG_1)))
    const writer = createTradeLogWriter({ dir })
    await writer.append('trades', trade(AUG_1 + 2))
    await writer.close()
    expect(lines(file).map((line) => JSON.parse(line).tsMs)).toEqual([AUG_1, AUG_1 + 2])
  })
})

describe('one writer per file', () => {
  it('gives a second writer of the same kind its own instance file', async () => {
    const dir = tempDir()
    const first = createTradeLogWriter({ dir })
    const second = createTradeLogWriter({ dir })
    await first.append('trades', trade(AUG_1))
    await second.append('trades', trade(AUG_1 + 1))
    expect(second.currentFiles()['trades']).toMatch(/trades_20250801\.[A-Za-z0-9-]+\.jsonl$/)
    await Promise.all([first.close(), second.close()])
    expect(readdirSync(dir).filter((name) => name.endsWith('.jsonl'))).toHaveLength(2)
  })

  it('error: refuses a second writer when asked to, naming the holder', async () => {
    const dir = tempDir()
    const first = createTradeLogWriter({ dir })
    await first.append('trades', trade(AUG_1))
    const second = createTradeLogWriter({ dir, onConflict: 'refuse' })
    const error = await second.append('trades', trade(AUG_1)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TradeLogLockError)
    expect((error as TradeLogLockError).holder.pid).toBe(process.pid)
    expect((error as TradeLogLockError).message).toMatch(/onConflict/)
    await first.close()
    // Once the first writer closed, the lock is free.
    await second.append('trades', trade(AUG_1 + 1))
    expect(second.currentFiles()['trades']).toBe(join(dir, 'trades_20250801.jsonl'))
    await second.close()
  })

  it('takes over a lock holding our own pid from before this process started (a restarted container)', async () => {
    const dir = tempDir()
    const before = new Date(Date.now() - process.uptime() * 1000 - 60_000).toISOString()
    writeFileSync(join(dir, '.trades.lock'), JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: before }))
    const writer = createTradeLogWriter({ dir, onConflict: 'refuse' })
    await writer.append('trades', trade(AUG_1))
    await writer.close()
  })

  it('error: a lock error names the holder and serializes without secrets', async () => {
    const dir = tempDir()
    const first = createTradeLogWriter({ dir })
    await first.append('trades', trade(AUG_1))
    const error = (await createTradeLogWriter({ dir, onConflict: 'refuse' })
      .append('trades', trade(AUG_1))
      .catch((e: unknown) => e)) as TradeLogLockError
    expect(isTradeLogError(error)).toBe(true)
    expect(error.toJSON()).toEqual({ name: 'TradeLogLockError', code: 'lock', message: expect.stringContaining('.trades.lock') })
    await first.close()
  })

  it('takes over a stale lock left by a process that died', async () => {
    const dir = tempDir()
    const dead = spawnSync(process.execPath, ['-e', '']).pid!
    writeFileSync(join(dir, '.trades.lock'), JSON.stringify({ pid: dead, hostname: hostname(), startedAt: 'x', token: 't' }))
    const writer = createTradeLogWriter({ dir, onConflict: 'refuse' })
    await writer.append('trades', trade(AUG_1))
    expect(writer.currentFiles()['trades']).toBe(join(dir, 'trades_20250801.jsonl'))
    await writer.close()
    expect(existsSync(join(dir, '.trades.lock'))).toBe(false)
  })

  it('treats a lock from another host as live until its heartbeat is older than staleLockMs', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, '.trades.lock'), JSON.stringify({ pid: 1, hostname: 'other-container', startedAt: 'x' }))
    const fresh = createTradeLogWriter({ dir, onConflict: 'refuse' })
    await expect(fresh.append('trades', trade(AUG_1))).rejects.toBeInstanceOf(TradeLogLockError)
    const later = createTradeLogWriter({ dir, onConflict: 'refuse', staleLockMs: 60_000, now: () => Date.now() + 120_000 })
    await later.append('trades', { ...trade(AUG_1) })
    await Promise.all([fresh.close(), later.close()])
  })
})

describe('signals', () => {
  let child: { file: string; cleanup: () => void }
  beforeAll(async () => {
    child = await buildChildScript(join(import.meta.dirname, 'test-support/writer-child.ts'))
  }, 30_000)
  afterAll(() => child.cleanup())

  it('flushes buffered entries at beforeExit when handleSignals is set and close() was never called', async () => {
    const dir = tempDir()
    const proc = spawn(process.execPath, [child.file, dir, 'buffered-exit', '7'], { stdio: ['ignore', 'ignore', 'inherit'] })
    const code = await new Promise<number | null>((resolve) => proc.on('exit', (exitCode) => resolve(exitCode)))
    expect(code).toBe(0)
    expect(lines(join(dir, 'decisions_20250801.jsonl'))).toHaveLength(7)
  })

  it('flushes buffered entries on SIGTERM when handleSignals is set, then still exits by the signal', async () => {
    const dir = tempDir()
    const proc = spawn(process.execPath, [child.file, dir, 'buffered-term', '25'], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((resolve) => proc.stdout.on('data', (data: Buffer) => data.toString().includes('ready') && resolve()))
    expect(existsSync(join(dir, 'decisions_20250801.jsonl')) ? lines(join(dir, 'decisions_20250801.jsonl')) : []).toHaveLength(0)
    const exit = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)))
    proc.kill('SIGTERM')
    expect(await exit).toBe('SIGTERM')
    expect(lines(join(dir, 'decisions_20250801.jsonl')).map((line) => JSON.parse(line).reason)).toEqual(
      Array.from({ length: 25 }, (_, i) => `seq ${i}`),
    )
  })
})
