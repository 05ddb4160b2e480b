/** Price feeds for the simulator: a list of candles, or a function of the step index. */
import Big from 'big.js'
import { type DecimalInput, toBig } from '../decimal.js'

/** One candle of a feed. `time` is the candle's start in epoch ms (default: derived from the step). */
export interface SimCandle {
  open: DecimalInput
  high: DecimalInput
  low: DecimalInput
  close: DecimalInput
  volume?: DecimalInput
  time?: number
}

/** A feed: candles replayed in order (the last one repeats), or a function returning a candle or a flat price. */
export type SimulatorFeed = readonly SimCandle[] | ((step: number, market: string) => SimCandle | DecimalInput)

/** A candle with exact values. */
export interface FeedCandle {
  open: Big
  high: Big
  low: Big
  close: Big
  volume: Big
  time: number
}

export function flatCandle(price: DecimalInput, time: number): FeedCandle {
  const p = toBig(price)
  return { open: p, high: p, low: p, close: p, volume: new Big(0), time }
}

/** Reads step `step` of a feed. */
export function candleAt(feed: SimulatorFeed, market: string, step: number, startTime: number, intervalMs: number): FeedCandle {
  const time = startTime + step * intervalMs
  const raw = typeof feed === 'function' ? feed(step, market) : feed[Math.min(step, feed.length - 1)]
  if (raw === undefined) throw new Error(`Feed for ${market} is empty`)
  if (typeof raw !== 'object' || raw instanceof Big) return flatCandle(raw as DecimalInput, time)
  const c = raw as SimCandle
  return {
    open: toBig(c.open),
    high: toBig(c.high),
    low: toBig(c.low),
    close: toBig(c.close),
    volume: toBig(c.volume ?? 0),
    time: c.time ?? time,
  }
}
