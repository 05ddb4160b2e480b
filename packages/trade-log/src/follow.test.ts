import { appendFileSync, mkdirSync, renameSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { FollowedRecord, Follower } from './follow.js'
import { createTradeLogReader } from './reader.js'
import type { TradeEntry } from './schemas.js'
import { AUG_1, DAY, HOUR, trade } from './test-support/entries.js'
import { useTempDir } from './test-support/temp-dir.js'

const tempDir = useTempDir()
const line = (entry: unknown) => `${JSON.stringify(entry)}\n`
const followers: Follower<unknown>[] = []
afterEach(async () => {
  await Promise.all(followers.splice(0).map((follower) => follower.close()))
})

/** Resolves once `count` checks of the files have finished: with 2, one ran wholly after this call. */
function polls(follower: Follower<TradeEntry>, count = 2): Promise<void> {
  return new Promise((resolve) => {
    let left = count
    const onPolled = () => {
      if (--left > 0) return
      follower.off('polled', onPolled)
      resolve()
    }
    follower.on('polled', onPolled)
  })
}

function collect(follower: Follower<TradeEntry>) {
  followers.push(follower as Follower<unknown>)
  const seen: FollowedRecord<TradeEntry>[] = []
  follower.on('entry', (record) => seen.push(record))
  return seen
}

describe.each([
  ['watching', true],
  ['polling only', false],
])('follow (%s)', (_name, watch) => {
  it('delivers only entries appended after start, across a day rotation', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    writeFileSync(file, line(trade(AUG_1, { orderId: 'old' })))
    const follower = createTradeLogReader({ dir }).follow({ kind: 'trades', watch, pollIntervalMs: 20 })
    const seen = collect(follower)
    await follower.ready
    expect(follower.watching).toBe(watch)
    appendFileSync(file, line(trade(AUG_1 + 1, { orderId: 'a' })))
    await vi.waitFor(() => expect(seen.map((record) => record.entry.orderId)).toEqual(['a']), { timeout: 15_000 })
    writeFileSync(join(dir, 'trades_20250802.jsonl'), line(trade(AUG_1 + DAY, { orderId: 'next-day' })))
    await vi.waitFor(() => expect(seen.map((record) => record.entry.orderId)).toEqual(['a', 'next-day']), { timeout: 15_000 })
    expect(seen[0]!.line).toBe(2)
  })

  it('delivers a late fill appended to a day file more than a day older than the newest', async () => {
    const dir = tempDir()
    for (let day = 1; day <= 5; day++) {
      writeFileSync(join(dir, `trades_2025080${day}.jsonl`), line(trade(AUG_1 + (day - 1) * DAY, { orderId: `d${day}` })))
    }
    const follower = createTradeLogReader({ dir }).follow({ kind: 'trades', watch, pollIntervalMs: 20 })
    const seen = collect(follower)
    await follower.ready
    appendFileSync(join(dir, 'trades_20250801.jsonl'), line(trade(AUG_1 + HOUR, { orderId: 'late' })))
    await vi.waitFor(() => expect(seen.map((record) => record.entry.orderId)).toEqual(['late']), { timeout: 15_000 })
    expect(seen[0]).toMatchObject({ line: 2, file: join(dir, 'trades_20250801.jsonl') })
    // And the cursor it carries resumes where the reader would.
    const page = await createTradeLogReader({ dir }).readEntries({ kind: 'trades', cursor: seen[0]!.cursor, order: 'asc' })
    expect(page.entries.map((entry) => entry.orderId)).toEqual(['d2', 'd3', 'd4', 'd5'])
  })

  it('a backfill of 40 day files appearing between two polls: all 400 entries, once each, in time order', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'trades_20251001.jsonl'), line(trade(Date.UTC(2025, 9, 1), { orderId: 'newest-before' })))
    const follower = createTradeLogReader({ dir }).follow({ kind: 'trades', watch, pollIntervalMs: 50 })
    const seen = collect(follower)
    await follower.ready
    // Written synchronously: the follower (same event loop) cannot poll in between.
    const expected: string[] = []
    for (let day = 0; day < 40; day++) {
      const start = AUG_1 + day * DAY
      const key = new Date(start).toISOString().slice(0, 10).replaceAll('-', '')
      const entries = Array.from({ length: 10 }, (_, i) => trade(start + i * HOUR, { orderId: `b${day}-${i}` }))
      writeFileSync(join(dir, `trades_${key}.jsonl`), entries.map(line).join(''))
      expected.push(...entries.map((entry) => entry.orderId))
    }
    await vi.waitFor(() => expect(seen).toHaveLength(400), { timeout: 15_000 })
    expect(seen.map((record) => record.entry.orderId)).toEqual(expected)
  })

  it('appends landing in many files over many polls are each delivered once, each file in order', async () => {
    const dir = tempDir()
    const days = Array.from({ length: 12 }, (_, day) =>
      new Date(AUG_1 + day * DAY).toISOString().slice(0, 10).replaceAll('-', ''),
    )
    for (const key of days) writeFileSync(join(dir, `trades_${key}.jsonl`), '')
    const follower = createTradeLogReader({ dir }).follow({ kind: 'trades', watch, pollIntervalMs: 20 })
    const seen = collect(follower)
    await follower.ready
    const sent: string[] = []
    for (let round = 0; round < 8; round++) {
      for (const [index, key] of days.entries()) {
        if ((index + round) % 3 === 0) continue
        const id = `r${round}-${key}`
        appendFileSync(join(dir, `trades_${key}.jsonl`), line(trade(AUG_1 + index * DAY + round * HOUR, { orderId: id })))
        sent.push(id)
      }
      // Each round lands in another check of the files.
      await polls(follower, 1)
    }
    // A last append after all the others: once it is delivered, every earlier one was seen by that same check.
    appendFileSync(join(dir, `trades_${days[0]}.jsonl`), line(trade(AUG_1 + 20 * HOUR, { orderId: 'sentinel' })))
    await vi.waitFor(() => expect(seen.map((record) => record.entry.orderId)).toContain('sentinel'), { timeout: 15_000 })
    const ids = seen.map((record) => record.entry.orderId)
    expect([...ids].sort()).toEqual([...sent, 'sentinel'].sort())
    for (const key of days) {
      const inFile = seen.filter((record) => record.file.endsWith(`trades_${key}.jsonl`)).map((record) => record.line)
      expect(inFile).toEqual([...inFile].sort((a, b) => a - b))
    }
  })

  it('a line appended twice is delivered once and reported as a duplicate, as the reader does', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    writeFileSync(file, '')
    const follower = createTradeLogReader({ dir }).follow({ kind: 'trades', watch, pollIntervalMs: 20 })
    const seen = collect(follower)
    const diagnostics: { code: string }[] = []
    follower.on('diagnostic', (d) => diagnostics.push(d))
    await follower.ready
    const fill = line(trade(AUG_1, { orderId: 'twice' }))
    appendFileSync(file, fill)
    await polls(follower)
    appendFileSync(file, `${fill}${line(trade(AUG_1 + 1, { orderId: 'after' }))}`)
    await vi.waitFor(() => expect(seen.map((record) => record.entry.orderId)).toEqual(['twice', 'after']), { timeout: 15_000 })
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'duplicate', line: 2 })])
  })

  it('re-reads a torn line once it is complete, exactly once', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    writeFileSync(file, '')
    const follower = createTradeLogReader({ dir }).follow({ kind: 'trades', watch, pollIntervalMs: 20 })
    const seen = collect(follower)
    const diagnostics: unknown[] = []
    follower.on('diagnostic', (d) => diagnostics.push(d))
    await follower.ready
    const text = line(trade(AUG_1, { orderId: 'torn' }))
    appendFileSync(file, text.slice(0, 40))
    // A whole check after the append has seen the half line (and kept it for later).
    await polls(follower)
    expect(seen).toEqual([])
    appendFileSync(file, text.slice(40))
    appendFileSync(file, line(trade(AUG_1 + 1, { orderId: 'after' })))
    await vi.waitFor(() => expect(seen.map((record) => record.entry.orderId)).toEqual(['torn', 'after']), { timeout: 15_000 })
    expect(diagnostics).toEqual([])
  })

  it('starts again at 0 after truncation and follows a replaced file', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    writeFileSync(file, line(trade(AUG_1, { orderId: 'x1' })) + line(trade(AUG_1 + 1, { orderId: 'x2' })))
    const follower = createTradeLogReader({ dir }).follow({ kind: 'trades', watch, pollIntervalMs: 20 })
    const seen = collect(follower)
    await follower.ready
    truncateSync(file, 0)
    appendFileSync(file, line(trade(AUG_1 + 2, { orderId: 'after-truncate' })))
    await vi.waitFor(() => expect(seen.map((record) => record.entry.orderId)).toContain('after-truncate'), { timeout: 15_000 })
    const replacement = join(dir, 'replacement.tmp')
    writeFileSync(replacement, line(trade(AUG_1 + 3, { orderId: 'replaced' })))
    renameSync(replacement, file)
    await vi.waitFor(() => expect(seen.map((record) => record.entry.orderId)).toEqual(['after-truncate', 'replaced']), {
      timeout: 15_000,
    })
  })
})

describe('follow', () => {
  it('resumes right after a cursor, then keeps following', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    writeFileSync(file, ['a', 'b', 'c'].map((id, i) => line(trade(AUG_1 + i, { orderId: id }))).join(''))
    const reader = createTradeLogReader({ dir })
    const page = await reader.readEntries({ kind: 'trades', order: 'asc', limit: 1 })
    const follower = reader.follow({ kind: 'trades', from: page.nextCursor!, pollIntervalMs: 20 })
    const seen = collect(follower)
    await follower.ready
    appendFileSync(file, line(trade(AUG_1 + 3, { orderId: 'd' })))
    await vi.waitFor(() => expect(seen.map((record) => record.entry.orderId)).toEqual(['b', 'c', 'd']), { timeout: 15_000 })
    // A cursor from follow resumes too.
    const again = reader.follow({ kind: 'trades', from: seen[1]!.cursor, pollIntervalMs: 20 })
    const rest = collect(again)
    await again.ready
    await vi.waitFor(() => expect(rest.map((record) => record.entry.orderId)).toEqual(['d']), { timeout: 15_000 })
  })

  it('resumed from a cursor, it delivers what sorts after it: a late fill appended while no follower ran is not delivered (the documented limit), one appended after the resume is', async () => {
    const dir = tempDir()
    for (let day = 1; day <= 5; day++) {
      writeFileSync(join(dir, `trades_2025080${day}.jsonl`), line(trade(AUG_1 + (day - 1) * DAY, { orderId: `d${day}` })))
    }
    const reader = createTradeLogReader({ dir })
    const newest = await reader.readEntries({ kind: 'trades', limit: 1 })
    const cursor = newest.nextCursor!
    // No follower runs: a late fill lands in the first day's file. It is older than the cursor's entry.
    appendFileSync(join(dir, 'trades_20250801.jsonl'), line(trade(AUG_1 + HOUR, { orderId: 'missed' })))
    const follower = reader.follow({ kind: 'trades', from: cursor, pollIntervalMs: 20 })
    const seen = collect(follower)
    await follower.ready
    await polls(follower)
    expect(seen).toEqual([])
    appendFileSync(join(dir, 'trades_20250801.jsonl'), line(trade(AUG_1 + 2 * HOUR, { orderId: 'late' })))
    // And in the cursor's own file (read from its start to find the cursor): an append older than the cursor is new.
    appendFileSync(join(dir, 'trades_20250805.jsonl'), line(trade(AUG_1 + 3 * DAY, { orderId: 'late-in-cursor-file' })))
    await vi.waitFor(() => expect(seen.map((record) => record.entry.orderId).sort()).toEqual(['late', 'late-in-cursor-file']), {
      timeout: 15_000,
    })
    // The reader has both: a consumer that must not miss one re-reads the range (fills are counted once by identity).
    const all: string[] = []
    for await (const { entry } of reader.stream({ kind: 'trades' })) all.push(entry.orderId)
    expect(all).toContain('missed')
  })

  it('is an async iterator that ends on close, and reports bad lines as diagnostics', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    writeFileSync(file, '')
    const follower = createTradeLogReader({ dir }).follow({ kind: 'trades', pollIntervalMs: 20 })
    followers.push(follower as Follower<unknown>)
    const diagnostics: unknown[] = []
    follower.on('diagnostic', (d) => diagnostics.push(d))
    await follower.ready
    appendFileSync(file, `not json\n${line(trade(AUG_1, { orderId: 'ok' }))}`)
    const ids: string[] = []
    for await (const record of follower) {
      ids.push(record.entry.orderId)
      break
    }
    expect(ids).toEqual(['ok'])
    expect(diagnostics).toEqual([{ file, line: 1, code: 'json', reason: expect.stringMatching(/not valid JSON/) }])
  })

  it('reports a missing directory once and picks up entries once it appears', async () => {
    const dir = join(tempDir(), 'not-yet')
    const follower = createTradeLogReader({ dir }).follow({ kind: 'trades', pollIntervalMs: 10 })
    const seen = collect(follower)
    const errors: unknown[] = []
    follower.on('error', (error) => errors.push(error))
    await follower.ready
    // Its first look found no directory, and said so once.
    expect(errors).toEqual([expect.objectContaining({ code: 'ENOENT' })])
    await polls(follower)
    mkdirSync(dir)
    writeFileSync(join(dir, 'trades_20250801.jsonl'), line(trade(AUG_1, { orderId: 'late' })))
    await vi.waitFor(() => expect(seen.map((record) => record.entry.orderId)).toEqual(['late']), { timeout: 15_000 })
    expect(errors).toEqual([expect.objectContaining({ code: 'ENOENT' })])
    // The directory watcher starts once the directory exists.
    expect(follower.watching).toBe(true)
  })

  it('keeps going when the file disappears and a new one appears', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    writeFileSync(file, '')
    const follower = createTradeLogReader({ dir }).follow({ kind: 'trades', watch: false, pollIntervalMs: 20 })
    const seen = collect(follower)
    await follower.ready
    unlinkSync(file)
    // A whole check after the removal has noticed it.
    await polls(follower)
    writeFileSync(file, line(trade(AUG_1, { orderId: 'recreated' })))
    await vi.waitFor(() => expect(seen.map((record) => record.entry.orderId)).toEqual(['recreated']), { timeout: 15_000 })
  })
})
