import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createDuplicateFilter, fillIdentity } from './duplicates.js'
import { AUG_1, trade } from './test-support/entries.js'

const RECENT = 32

/** A fill: one of a few times and one of a few orders, so repeats and near-repeats are common. */
const fill = fc
  .record({ time: fc.integer({ min: 0, max: 6 }), order: fc.integer({ min: 0, max: 3 }), volume: fc.constantFrom('1', '2') })
  .map(({ time, order, volume }) => trade(AUG_1 + time, { orderId: `order-${order}`, volume }))

/**
 * What the filter promises: an entry repeats an earlier returned one with the same time and identity if that one is
 * among the last RECENT returned entries, or has the latest time seen so far (every entry of that time is kept).
 */
function reference(entries: ReturnType<typeof trade>[]): (number | undefined)[] {
  const kept: { index: number; tsMs: number; identity: string }[] = []
  let latest = Number.NEGATIVE_INFINITY
  return entries.map((entry, index) => {
    const identity = fillIdentity(entry)
    const twin = kept.find(
      (earlier, at) =>
        earlier.tsMs === entry.tsMs && earlier.identity === identity && (at >= kept.length - RECENT || earlier.tsMs === latest),
    )
    latest = Math.max(latest, entry.tsMs)
    if (twin) return twin.index
    kept.push({ index, tsMs: entry.tsMs, identity })
    return undefined
  })
}

function run(entries: ReturnType<typeof trade>[]): (number | undefined)[] {
  const filter = createDuplicateFilter('trades')
  return entries.map((entry, index) => filter.check(entry, 'trades_20250801.jsonl', index)?.line)
}

describe('duplicate filter', () => {
  it('entries in time order: every repeat is found, whatever lies between, and nothing else', () => {
    fc.assert(
      fc.property(fc.array(fill, { maxLength: 300 }), (entries) => {
        const ordered = [...entries].sort((a, b) => a.tsMs - b.tsMs)
        const found = run(ordered)
        expect(found.map((at) => at !== undefined)).toEqual(reference(ordered).map((at) => at !== undefined))
        found.forEach((at, index) => {
          if (at !== undefined) expect(fillIdentity(ordered[at]!)).toBe(fillIdentity(ordered[index]!))
        })
      }),
      { numRuns: 300 },
    )
  })

  it('entries out of order: repeats of the latest time or among the last 32 entries are found, nothing else', () => {
    fc.assert(
      fc.property(fc.array(fill, { maxLength: 300 }), (entries) => {
        const found = run(entries)
        const expected = reference(entries)
        expect(found.map((at) => at !== undefined)).toEqual(expected.map((at) => at !== undefined))
        found.forEach((at, index) => {
          if (at === undefined) return
          expect(entries[at]!.tsMs).toBe(entries[index]!.tsMs)
          expect(fillIdentity(entries[at]!)).toBe(fillIdentity(entries[index]!))
        })
      }),
      { numRuns: 300 },
    )
  })

  it('keeps the first entry of a long run of one time after it has left the ring', () => {
    const first = trade(AUG_1, { orderId: 'first' })
    const others = Array.from({ length: 3 * RECENT }, (_, i) => trade(AUG_1, { orderId: `other-${i}` }))
    const filter = createDuplicateFilter('trades')
    for (const [index, entry] of [first, ...others].entries()) expect(filter.check(entry, 'a', index)).toBeUndefined()
    expect(filter.check({ ...first }, 'a', 999)).toEqual({ file: 'a', line: 0 })
  })

  it("a new time starting where the ring wraps does not inherit the previous time's first entry", () => {
    // The previous run's first entry sits exactly in the slot the next time's first entry takes.
    const first = trade(AUG_1, { orderId: 'x' })
    const sameTime = Array.from({ length: RECENT - 1 }, (_, i) => trade(AUG_1, { orderId: `other-${i}` }))
    const filter = createDuplicateFilter('trades')
    for (const [index, entry] of [first, ...sameTime, trade(AUG_1 + 1, { orderId: 'y' })].entries()) {
      expect(filter.check(entry, 'a', index)).toBeUndefined()
    }
    expect(filter.check(trade(AUG_1 + 1, { orderId: 'x' }), 'a', 100)).toBeUndefined()
  })

  it('a fill equal but for its time is not a repeat', () => {
    const filter = createDuplicateFilter('trades')
    expect(filter.check(trade(AUG_1, { orderId: 'x' }), 'a', 1)).toBeUndefined()
    expect(filter.check(trade(AUG_1 + 1, { orderId: 'x' }), 'a', 2)).toBeUndefined()
    expect(filter.check(trade(AUG_1, { orderId: 'x' }), 'a', 3)).toEqual({ file: 'a', line: 1 })
  })
})
