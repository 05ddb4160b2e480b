/**
 * Candle intervals and buckets, shared by the server (which builds candles from the prices the bot logged) and the
 * dashboard (which extends the newest candle from live events): both must cut time the same way, or the live chart
 * would drift from what a reload shows. No imports, so the browser bundle takes it as is.
 */
export const CANDLE_INTERVALS = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
} as const
export type CandleInterval = keyof typeof CANDLE_INTERVALS

/** Start of the bucket holding `tsMs` (UTC-aligned, so a day candle is a UTC day). */
export function bucketStart(tsMs: number, intervalMs: number): number {
  return tsMs - (((tsMs % intervalMs) + intervalMs) % intervalMs)
}

/** The finest interval that shows `[firstMs, lastMs]` in at most `maxCandles` candles; the coarsest if none does. */
export function pickInterval(firstMs: number, lastMs: number, maxCandles: number): CandleInterval {
  const names = Object.keys(CANDLE_INTERVALS) as CandleInterval[]
  for (const name of names) {
    const size = CANDLE_INTERVALS[name]
    if ((bucketStart(lastMs, size) - bucketStart(firstMs, size)) / size + 1 <= maxCandles) return name
  }
  return names.at(-1)!
}
