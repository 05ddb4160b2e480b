import { appendFileSync, mkdirSync, renameSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { FollowedRecord, Follower } from './follow.js'
import { createTradeLogReader } from './reader.js'
import type { TradeEntry } from './schemas.js'
import { AUG_1, DAY, trade } from './test-support/entries.js'
import { useTempDir } from './test-support/temp-dir.js'

const tempDir = useTempDir()
const line = (entry: unknown) => `${JSON.stringify(entry)}\n`
const followers: Follower<unknown>[] = []
afterEach(async () => {
  await Promise.all(followers.splice(0).map((follower) => follower.close()))
})

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
    await new Promise((resolve) => setTimeout(resolve, 60))
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
    expect(diagnostics).toEqual([{ file, line: 1, reason: expect.stringMatching(/not valid JSON/) }])
  })

  it('reports a missing directory once and picks up entries once it appears', async () => {
    const dir = join(tempDir(), 'not-yet')
    const follower = createTradeLogReader({ dir }).follow({ kind: 'trades', pollIntervalMs: 10 })
    const seen = collect(follower)
    const errors: unknown[] = []
    follower.on('error', (error) => errors.push(error))
    await follower.ready
    await new Promise((resolve) => setTimeout(resolve, 80))
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
    await new Promise((resolve) => setTimeout(resolve, 60))
    writeFileSync(file, line(trade(AUG_1, { orderId: 'recreated' })))
    await vi.waitFor(() => expect(seen.map((record) => record.entry.orderId)).toEqual(['recreated']), { timeout: 15_000 })
  })
})
