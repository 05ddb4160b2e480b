import { describe, expect, it } from 'vitest'
import { downsample, inRange, rangeOf } from './series.js'

const entries = [10, 20, 20, 30, 40].map((tsMs, i) => ({ tsMs, market: i === 3 ? 'KRW-ETH' : 'KRW-BTC' }))

describe('series helpers', () => {
  it('inRange keeps [from, to) and the market, by binary search on sorted entries', () => {
    expect(inRange(entries, { period: 'all', from: 20, to: 40, market: undefined }).map((e) => e.tsMs)).toEqual([20, 20, 30])
    expect(inRange(entries, { period: 'all', from: undefined, to: undefined, market: 'KRW-ETH' })).toEqual([entries[3]])
    expect(inRange(entries, { period: 'all', from: 41, to: undefined, market: undefined })).toEqual([])
  })

  it('downsample keeps the first and the last point and at most max points', () => {
    const points = Array.from({ length: 1000 }, (_, i) => i)
    const kept = downsample(points, 10)
    expect(kept).toHaveLength(10)
    expect(kept[0]).toBe(0)
    expect(kept.at(-1)).toBe(999)
    expect(downsample([1, 2], 10)).toEqual([1, 2])
  })

  it('rangeOf narrows a named period by an explicit from', () => {
    const now = Date.now()
    const week = rangeOf({ period: 'week' })
    expect(week.from).toBeGreaterThanOrEqual(now - 7 * 86_400_000 - 1_000)
    expect(rangeOf({ period: 'all', from: 5 }).from).toBe(5)
    expect(rangeOf({ period: 'all' }).from).toBeUndefined()
    expect(rangeOf({ period: 'day', from: now + 1_000 }).from).toBe(now + 1_000)
  })
})
