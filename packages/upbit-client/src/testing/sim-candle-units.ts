/**
 * Candles of every Upbit unit from one feed: the feed's own candles are the finest the simulator knows, and longer
 * units are built from them the way an exchange does (open of the first, close of the last, extremes, summed
 * volume), over buckets aligned like Upbit's (UTC; weeks from Monday, months and years by the calendar).
 */
import Big from 'big.js'
import type { FeedCandle } from './sim-feed.js'

/** A candle unit from a `/v1/candles/...` path. */
export type CandleUnit =
  | { kind: 'seconds' }
  | { kind: 'minutes'; minutes: number }
  | { kind: 'days' }
  | { kind: 'weeks' }
  | { kind: 'months' }
  | { kind: 'years' }

const MINUTE_UNITS = new Set([1, 3, 5, 10, 15, 30, 60, 240])
const DAY_MS = 86_400_000

/** Parses the unit of a candles path; undefined for a path or minute unit Upbit does not serve. */
export function candleUnitOf(path: string): CandleUnit | undefined {
  const minutes = /^\/v1\/candles\/minutes\/(\d+)$/.exec(path)
  if (minutes) return MINUTE_UNITS.has(Number(minutes[1])) ? { kind: 'minutes', minutes: Number(minutes[1]) } : undefined
  const named = /^\/v1\/candles\/(seconds|days|weeks|months|years)$/.exec(path)?.[1]
  return named ? ({ kind: named } as CandleUnit) : undefined
}

/** Start of the bucket of `unit` that contains `time` (epoch ms). */
export function bucketStart(unit: CandleUnit, time: number): number {
  const date = new Date(time)
  switch (unit.kind) {
    case 'seconds':
      return time - (((time % 1000) + 1000) % 1000)
    case 'minutes': {
      const length = unit.minutes * 60_000
      return time - (((time % length) + length) % length)
    }
    case 'days':
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate())
    case 'weeks': {
      const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate())
      const sinceMonday = (date.getUTCDay() + 6) % 7
      return day - sinceMonday * DAY_MS
    }
    case 'months':
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)
    case 'years':
      return Date.UTC(date.getUTCFullYear(), 0, 1)
  }
}

/** A candle of a unit, built from feed candles. `lastTime` is the start of its newest feed candle. */
export interface UnitCandle extends FeedCandle {
  lastTime: number
}

/**
 * Up to `count` candles of `unit`, newest first, from the feed candles at steps `newest` down to 0 whose start is
 * before `toMs`. The newest bucket may be still forming, as on the exchange.
 */
export function unitCandles(
  unit: CandleUnit,
  candleAt: (step: number) => FeedCandle,
  newest: number,
  count: number,
  toMs: number,
): UnitCandle[] {
  const out: UnitCandle[] = []
  let current: UnitCandle | undefined
  for (let at = newest; at >= 0; at--) {
    const c = candleAt(at)
    if (c.time >= toMs) continue
    const start = bucketStart(unit, c.time)
    if (current && current.time === start) {
      // Walking backwards: this candle is earlier, so it gives the bucket its open.
      current.open = c.open
      if (c.high.gt(current.high)) current.high = c.high
      if (c.low.lt(current.low)) current.low = c.low
      current.volume = current.volume.plus(c.volume)
      continue
    }
    if (out.length === count) break
    current = { open: c.open, high: c.high, low: c.low, close: c.close, volume: new Big(c.volume), time: start, lastTime: c.time }
    out.push(current)
  }
  return out
}
