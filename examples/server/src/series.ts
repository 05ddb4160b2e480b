/** Time windows and series helpers shared by the statistics routes. */
import { periodStart, type StatsQuery } from './query.js'

export interface StatsRange {
  period: StatsQuery['period']
  /** Inclusive start, epoch ms; undefined for no lower bound. */
  from: number | undefined
  /** Exclusive end, epoch ms; undefined for no upper bound. */
  to: number | undefined
  market: string | undefined
}

/** The time window of a statistics query: a named period counted back from now, narrowed by `from`/`to`. */
export function rangeOf(query: {
  period: StatsQuery['period']
  from?: number | undefined
  to?: number | undefined
  market?: string | undefined
}): StatsRange {
  const start = periodStart(query.period, Date.now())
  const from = Math.max(query.from ?? Number.NEGATIVE_INFINITY, start ?? Number.NEGATIVE_INFINITY)
  return {
    period: query.period,
    from: Number.isFinite(from) ? from : undefined,
    to: query.to,
    market: query.market,
  }
}

/** Evenly thins a series to at most `max` points, always keeping the last one. */
export function downsample<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points
  const step = points.length / (max - 1)
  const kept: T[] = []
  for (let i = 0; i < max - 1; i++) kept.push(points[Math.floor(i * step)]!)
  kept.push(points[points.length - 1]!)
  return kept
}

/** Index of the first entry at or after `ms` in entries sorted by time. */
export function lowerBound(entries: readonly { tsMs: number }[], ms: number): number {
  let low = 0
  let high = entries.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (entries[mid]!.tsMs < ms) low = mid + 1
    else high = mid
  }
  return low
}

/** Entries in `[from, to)` (and of `market`), without copying more than the slice. */
export function inRange<T extends { tsMs: number; market?: unknown }>(entries: readonly T[], range: StatsRange): T[] {
  const start = range.from === undefined ? 0 : lowerBound(entries, range.from)
  const end = range.to === undefined ? entries.length : lowerBound(entries, range.to)
  const slice = entries.slice(start, end)
  return range.market === undefined ? slice : slice.filter((entry) => entry.market === range.market)
}
