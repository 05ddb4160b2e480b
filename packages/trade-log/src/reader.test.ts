import { execFileSync } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { isTradeLogError, TradeLogStrictReadError, TradeLogUsageError } from './errors.js'
import { openLogFileBlocking } from './file-source.js'
import { defineEntryKind } from './kinds.js'
import { LEGACY_ASSUMPTIONS } from './legacy.js'
import { createTradeLogReader } from './reader.js'
import { AUG_1, DAY, HOUR, LEGACY_BUY, trade } from './test-support/entries.js'
import { useTempDir } from './test-support/temp-dir.js'
import { createTradeLogWriter } from './writer.js'

const tempDir = useTempDir()
const jsonl = (entries: unknown[]) => entries.map((entry) => `${JSON.stringify(entry)}\n`).join('')

/** Three days of trades, one per hour, plus an instance file on the last day. */
function threeDays(dir: string) {
  const all = []
  for (let day = 0; day < 3; day++) {
    const entries = Array.from({ length: 24 }, (_, hour) =>
      trade(AUG_1 + day * DAY + hour * HOUR, { orderId: `d${day}h${hour}` }),
    )
    writeFileSync(join(dir, `trades_2025080${day + 1}.jsonl`), jsonl(entries))
    all.push(...entries)
  }
  const extra = Array.from({ length: 5 }, (_, i) =>
    trade(AUG_1 + 2 * DAY + i * HOUR + 30 * 60_000, { orderId: `inst${i}`, side: 'sell' }),
  )
  writeFileSync(join(dir, 'trades_20250803.bot-2.jsonl'), jsonl(extra))
  all.push(...extra)
  return all.sort((a, b) => a.tsMs - b.tsMs)
}

describe('readEntries', () => {
  it('pages newest first through every file, merging instance files by time, without gaps or repeats', async () => {
    const dir = tempDir()
    const all = threeDays(dir)
    const reader = createTradeLogReader({ dir })
    const seen: string[] = []
    let cursor: string | undefined
    do {
      const page = await reader.readEntries({ kind: 'trades', limit: 7, ...(cursor ? { cursor } : {}) })
      seen.push(...page.entries.map((entry) => entry.orderId))
      cursor = page.nextCursor ?? undefined
    } while (cursor)
    expect(seen).toEqual(all.map((entry) => entry.orderId).reverse())
  })

  it('pages oldest first too', async () => {
    const dir = tempDir()
    const all = threeDays(dir)
    const reader = createTradeLogReader({ dir })
    const first = await reader.readEntries({ kind: 'trades', order: 'asc', limit: 30 })
    const second = await reader.readEntries({ kind: 'trades', order: 'asc', limit: 100, cursor: first.nextCursor! })
    expect([...first.entries, ...second.entries].map((entry) => entry.orderId)).toEqual(all.map((entry) => entry.orderId))
    expect(second.nextCursor).toBeNull()
  })

  it('opens only the newest files for the newest page', async () => {
    const dir = tempDir()
    for (let day = 0; day < 30; day++) {
      const key = new Date(AUG_1 + day * DAY).toISOString().slice(0, 10).replaceAll('-', '')
      const entries = Array.from({ length: 50 }, (_, i) => trade(AUG_1 + day * DAY + 12 * HOUR + i * 60_000))
      writeFileSync(join(dir, `trades_${key}.jsonl`), jsonl(entries))
    }
    const page = await createTradeLogReader({ dir }).readEntries({ kind: 'trades', limit: 20 })
    expect(page.entries).toHaveLength(20)
    expect(page.entries[0]!.tsMs).toBe(AUG_1 + 29 * DAY + 12 * HOUR + 49 * 60_000)
    // The newest day plus at most the neighbours that could overlap it in another time zone.
    expect(page.filesRead.length).toBeLessThanOrEqual(3)
    expect(page.filesRead[0]).toMatch(/trades_20250830\.jsonl$/)
  })

  it('filters by time range, market and side', async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, 'trades_20250801.jsonl'),
      jsonl([
        trade(AUG_1 + HOUR, { market: 'KRW-ETH' }),
        trade(AUG_1 + 2 * HOUR, { side: 'sell' }),
        trade(AUG_1 + 3 * HOUR),
        trade(AUG_1 + 4 * HOUR),
      ]),
    )
    const reader = createTradeLogReader({ dir })
    const page = await reader.readEntries({
      kind: 'trades',
      market: 'KRW-BTC',
      side: 'buy',
      from: AUG_1,
      to: new Date(AUG_1 + 4 * HOUR),
    })
    expect(page.entries.map((entry) => entry.tsMs)).toEqual([AUG_1 + 3 * HOUR])
    const iso = await reader.readEntries({ kind: 'trades', from: '2025-08-01T02:00:00Z' })
    expect(iso.entries).toHaveLength(3)
  })

  it('tolerates BOM, CRLF, NUL runs and blank lines, and reports each bad line by file and number', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    const good = (hour: number) => JSON.stringify(trade(AUG_1 + hour * HOUR))
    writeFileSync(
      file,
      [
        `\uFEFF${good(1)}\r`, // 1: BOM and CRLF
        '', // 2: blank
        `\0\0\0${good(2)}`, // 3: NUL run left by a crash, then a good line
        '{"ts": "torn', // 4: not JSON
        JSON.stringify({ ...trade(AUG_1), fee: 0.5 }), // 5: wrong type
        '   ', // 6: blank
        `${good(3)}\r`, // 7
        '{"ts":"2025-08-01T04:00', // 8: unterminated tail, a write in flight (the clock says it is still that day)
      ].join('\n'),
    )
    const page = await createTradeLogReader({ dir, now: () => AUG_1 + 5 * HOUR }).readEntries({ kind: 'trades', order: 'asc' })
    expect(page.entries.map((entry) => entry.tsMs)).toEqual([1, 2, 3].map((hour) => AUG_1 + hour * HOUR))
    expect(page.diagnostics).toEqual([
      { file, line: 3, code: 'nul', reason: expect.stringMatching(/3 NUL bytes before the entry/) },
      { file, line: 4, code: 'json', reason: expect.stringMatching(/not valid JSON/) },
      { file, line: 5, code: 'schema', reason: expect.stringMatching(/fee/) },
    ])
  })

  it('error: diagnostics and strict errors never quote the bad line (it may hold a secret)', async () => {
    const dir = tempDir()
    const secret = 'Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig'
    writeFileSync(
      join(dir, 'trades_20250801.jsonl'),
      `{"authorization":"${secret}"\n${JSON.stringify({ ...trade(AUG_1), market: secret })}\n`,
    )
    const page = await createTradeLogReader({ dir }).readEntries({ kind: 'trades' })
    expect(page.diagnostics).toHaveLength(2)
    expect(JSON.stringify(page.diagnostics)).not.toContain('eyJhbGci')
    const error = (await createTradeLogReader({ dir, strict: true })
      .readEntries({ kind: 'trades' })
      .catch((e: unknown) => e)) as TradeLogStrictReadError
    expect(isTradeLogError(error)).toBe(true)
    expect(`${error.message} ${JSON.stringify(error)} ${error.stack}`).not.toContain('eyJhbGci')
  })

  it('reads custom kinds with their own schema', async () => {
    const dir = tempDir()
    const signals = defineEntryKind({ name: 'signals', schema: z.object({ market: z.string(), score: z.number() }) })
    const writer = createTradeLogWriter({ dir, kinds: [signals] })
    await writer.append('signals', { tsMs: AUG_1, market: 'KRW-ETH', score: 0.7 })
    await writer.close()
    appendFileSync(
      join(dir, 'signals_20250801.jsonl'),
      `${JSON.stringify({ ts: '2025-08-01T00:00:00Z', tsMs: AUG_1, market: 'x', score: 'high' })}\n`,
    )
    const page = await createTradeLogReader({ dir, kinds: [signals] }).readEntries({ kind: 'signals' })
    const score: number = page.entries[0]!.score
    expect(score).toBe(0.7)
    expect(page.diagnostics).toEqual([expect.objectContaining({ line: 2, reason: expect.stringMatching(/score/) })])
  })

  it('skips an invalid newest line and still fills the page, validating only what the page needs', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify(trade(AUG_1 + i * HOUR, { orderId: `o${i}` })))
    lines[9] = JSON.stringify({ ...trade(AUG_1 + 9 * HOUR), fee: -1 })
    lines[1] = JSON.stringify({ ...trade(AUG_1 + HOUR), side: 'short' })
    writeFileSync(file, `${lines.join('\n')}\n`)
    const reader = createTradeLogReader({ dir })
    const page = await reader.readEntries({ kind: 'trades', limit: 3 })
    expect(page.entries.map((entry) => entry.orderId)).toEqual(['o8', 'o7', 'o6'])
    // Line 10 had to be checked for this page; line 2 is far older than the page and was not needed.
    expect(page.diagnostics).toEqual([{ file, line: 10, code: 'schema', reason: expect.stringMatching(/fee/) }])
    const rest = await reader.readEntries({ kind: 'trades', limit: 100, cursor: page.nextCursor! })
    expect(rest.entries.map((entry) => entry.orderId)).toEqual(['o5', 'o4', 'o3', 'o2', 'o0'])
    expect(rest.diagnostics).toEqual([{ file, line: 2, code: 'schema', reason: expect.stringMatching(/side/) }])
  })

  it('keeps an unterminated last line that is complete JSON', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'trades_20250801.jsonl'), `${JSON.stringify(trade(AUG_1))}\n${JSON.stringify(trade(AUG_1 + 1))}`)
    const page = await createTradeLogReader({ dir }).readEntries({ kind: 'trades' })
    expect(page.entries).toHaveLength(2)
    expect(page.diagnostics).toEqual([])
  })

  it('error: strict mode throws at the first bad line with its position', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'trades_20250801.jsonl'), `${JSON.stringify(trade(AUG_1))}\nnot json\n`)
    const reader = createTradeLogReader({ dir, strict: true })
    const error = await reader.readEntries({ kind: 'trades' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TradeLogStrictReadError)
    expect(error).toMatchObject({ line: 2, file: join(dir, 'trades_20250801.jsonl'), code: 'strict_read' })
    // Without strict the same file reads fine.
    expect((await reader.readEntries({ kind: 'trades', strict: false })).entries).toHaveLength(1)
  })

  it("reads the old bot's JSON array files and reports what it assumed", async () => {
    const dir = tempDir()
    // Entry shape from the old bot's operations note (shared/context/README.md).
    writeFileSync(
      join(dir, 'trades_20250801.json'),
      JSON.stringify([
        LEGACY_BUY,
        { timestamp: '2025-08-01T12:05:00Z', action: 'hold', symbol: 'KRW-BTC', amount: 0, price: 45010000, ai_confidence: 0.5 },
        {
          timestamp: '2025-08-01T13:00:00',
          action: 'sell',
          symbol: 'KRW-BTC',
          amount: 0.001,
          price: 45500000,
          ai_confidence: 0.7,
        },
      ]),
    )
    const page = await createTradeLogReader({ dir }).readEntries({ kind: 'trades', order: 'asc' })
    expect(page.entries.map((entry) => [entry.side, entry.volume, entry.price, entry.funds])).toEqual([
      ['buy', '0.001', '45000000', '45000'],
      ['sell', '0.001', '45500000', '45500'],
    ])
    expect(page.assumed).toEqual(expect.arrayContaining([LEGACY_ASSUMPTIONS.fee, LEGACY_ASSUMPTIONS.utc]))
    // The hold is a decision, not a bad line (legacy.test.ts reads it as one).
    expect(page.diagnostics).toEqual([])
  })

  it("reads an old bot's record on a JSONL line between entries as the fill it stands for", async () => {
    const dir = tempDir()
    const before = trade(AUG_1 + HOUR, { orderId: 'before' })
    const after = trade(AUG_1 + 13 * HOUR, { orderId: 'after' })
    writeFileSync(
      join(dir, 'trades_20250801.jsonl'),
      `${JSON.stringify(before)}\n${JSON.stringify(LEGACY_BUY)}\n${JSON.stringify(after)}\n`,
    )
    const expected = [
      ['before', before.side, before.volume, before.price, before.tsMs],
      ['legacy:trades_20250801.jsonl:2', 'buy', '0.001', '45000000', Date.parse(LEGACY_BUY.timestamp)],
      ['after', after.side, after.volume, after.price, after.tsMs],
    ]
    const reader = createTradeLogReader({ dir })
    const page = await reader.readEntries({ kind: 'trades', order: 'asc' })
    expect(page.entries.map((entry) => [entry.orderId, entry.side, entry.volume, entry.price, entry.tsMs])).toEqual(expected)
    expect(page.assumed).toContain(LEGACY_ASSUMPTIONS.fee)
    expect(page.diagnostics).toEqual([])
    // The stream validates every line on its way in (readEntries validates only the entries it returns).
    const diagnostics: unknown[] = []
    const streamed = []
    const streaming = createTradeLogReader({ dir, onDiagnostic: (diagnostic) => diagnostics.push(diagnostic) })
    for await (const record of streaming.stream({ kind: 'trades' })) {
      streamed.push([record.entry.orderId, record.entry.side, record.entry.volume, record.entry.price, record.entry.tsMs])
    }
    expect(streamed).toEqual(expected)
    expect(diagnostics).toEqual([])
  })

  it('error: a malformed cursor or limit is a usage error', async () => {
    const dir = tempDir()
    const reader = createTradeLogReader({ dir })
    await expect(reader.readEntries({ kind: 'trades', cursor: 'nope' })).rejects.toBeInstanceOf(TradeLogUsageError)
    await expect(reader.readEntries({ kind: 'trades', limit: 0 })).rejects.toBeInstanceOf(TradeLogUsageError)
    await expect(reader.readEntries({ kind: 'nope' as 'trades' })).rejects.toThrow(/known kinds/)
  })
})

describe('stream', () => {
  it('yields every entry oldest first, merged across instance files, with cursors that resume', async () => {
    const dir = tempDir()
    const all = threeDays(dir)
    const reader = createTradeLogReader({ dir })
    const records = []
    for await (const record of reader.stream({ kind: 'trades' })) records.push(record)
    expect(records.map((record) => record.entry.orderId)).toEqual(all.map((entry) => entry.orderId))
    const rest = []
    for await (const record of reader.stream({ kind: 'trades', cursor: records[40]!.cursor })) rest.push(record.entry.orderId)
    expect(rest).toEqual(all.slice(41).map((entry) => entry.orderId))
  })

  it('reads lines spanning chunk boundaries and skips oversized lines', async () => {
    const dir = tempDir()
    mkdirSync(dir, { recursive: true })
    const file = join(dir, 'trades_20250801.jsonl')
    const reasons = 'é'.repeat(200_000)
    const entries = Array.from({ length: 20 }, (_, i) => trade(AUG_1 + i, { reason: reasons }))
    writeFileSync(file, jsonl(entries))
    appendFileSync(file, `${JSON.stringify(trade(AUG_1 + 100, { reason: 'x'.repeat(3 * 1024 * 1024) }))}\n`)
    appendFileSync(file, jsonl([trade(AUG_1 + 101)]))
    const diagnostics: unknown[] = []
    const reader = createTradeLogReader({ dir, onDiagnostic: (d) => diagnostics.push(d) })
    const seen = []
    for await (const record of reader.stream({ kind: 'trades' })) seen.push(record.entry)
    expect(seen).toHaveLength(21)
    expect(seen.slice(0, 20).every((entry) => entry.reason === reasons)).toBe(true)
    expect(diagnostics).toEqual([{ file, line: 21, code: 'too-long', reason: expect.stringMatching(/longer than/) }])
  })

  it.skipIf(!existsSync('/proc/self/fd'))('a stream stopped early closes its file, with the read-ahead in flight', async () => {
    const dir = tempDir()
    mkdirSync(dir, { recursive: true })
    // Several read chunks' worth, so a read is in flight when the consumer stops.
    writeFileSync(join(dir, 'trades_20250801.jsonl'), jsonl(Array.from({ length: 2000 }, (_, i) => trade(AUG_1 + i))))
    const openFds = () => readdirSync('/proc/self/fd').length
    const before = openFds()
    const reader = createTradeLogReader({ dir })
    let seen = 0
    for await (const _record of reader.stream({ kind: 'trades' })) {
      if (++seen === 3) {
        expect(openFds()).toBe(before + 1)
        break
      }
    }
    expect(openFds()).toBe(before)
    // Every entry is still there for the next reader.
    let all = 0
    for await (const _record of reader.stream({ kind: 'trades' })) all++
    expect(all).toBe(2000)
  })
})

describe('reading ahead: the next day is opened while this one is read', () => {
  const tempDir = useTempDir()
  const openFds = () => readdirSync('/proc/self/fd').length

  it.skipIf(!existsSync('/proc/self/fd'))('a stream stopped early closes the day it opened ahead, too', async () => {
    const dir = tempDir()
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'trades_20250801.jsonl'), jsonl(Array.from({ length: 500 }, (_, i) => trade(AUG_1 + i))))
    writeFileSync(join(dir, 'trades_20250802.jsonl'), jsonl(Array.from({ length: 500 }, (_, i) => trade(AUG_1 + DAY + i))))
    const before = openFds()
    const reader = createTradeLogReader({ dir })
    let seen = 0
    for await (const _record of reader.stream({ kind: 'trades' })) {
      if (++seen === 3) {
        // This day's file and the next one's.
        await new Promise((resolve) => setImmediate(resolve))
        expect(openFds()).toBe(before + 2)
        break
      }
    }
    expect(openFds()).toBe(before)
  })

  it.skipIf(process.platform === 'win32')(
    'a day that cannot be opened fails the stream when it is reached, after the days before it, and not when the consumer stops first',
    async () => {
      const dir = tempDir()
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, 'trades_20250801.jsonl'), jsonl(Array.from({ length: 50 }, (_, i) => trade(AUG_1 + i))))
      // A FIFO named like a log: opening it works (non-blocking), reading it as a log does not.
      execFileSync('mkfifo', [join(dir, 'trades_20250802.jsonl')])
      const reader = createTradeLogReader({ dir })
      const seen: number[] = []
      const all = (async () => {
        for await (const record of reader.stream({ kind: 'trades' })) seen.push(record.entry.tsMs)
      })()
      await expect(all).rejects.toThrow(/trades_20250802.jsonl is not a regular file, not a log file/)
      expect(seen).toHaveLength(50)
      let first = 0
      for await (const _record of reader.stream({ kind: 'trades' })) {
        first++
        break
      }
      expect(first).toBe(1)
    },
  )
})

describe('openLogFileBlocking, the worker’s way to open a log file', () => {
  const tempDir = useTempDir()

  it.skipIf(process.platform === 'win32')('opens a file with its size, and fails as the async open does', async () => {
    const dir = tempDir()
    mkdirSync(dir, { recursive: true })
    const file = join(dir, 'trades_20250801.jsonl')
    writeFileSync(file, 'abc\n')
    const opened = openLogFileBlocking(file)!
    const into = Buffer.alloc(16)
    expect([opened.size, (await opened.read(into, 16)).bytesRead, into.toString('utf8', 0, 4)]).toEqual([4, 4, 'abc\n'])
    await opened.close()
    expect(openLogFileBlocking(join(dir, 'gone.jsonl'))).toBeUndefined()
    execFileSync('mkfifo', [join(dir, 'fifo.jsonl')])
    expect(() => openLogFileBlocking(join(dir, 'fifo.jsonl'))).toThrow(/fifo\.jsonl is not a regular file, not a log file/)
    expect(() => openLogFileBlocking(dir)).toThrow(/is a directory, not a log file/)
  })
})
