/**
 * The point-in-time rule: a context's `asOf` is its decision time, and nothing in it may be stamped later. A
 * backtest that hands the decider a candle closing after the decision, or news published after it, would let the
 * model see the future; the decider refuses such a context before any request is sent.
 */
import type { MarketContext } from './context.js'
import { DeciderError, LookAheadError } from './errors.js'

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** The length of a timeframe label such as `'15m'`, `'1h'`, `'4h'`, `'1d'` or `'1w'`; undefined for other labels. */
export function timeframeMs(label: string): number | undefined {
  const match = /^(\d+)(m|h|d|w)$/.exec(label)
  if (!match) return undefined
  const length = Number(match[1]) * UNIT_MS[match[2]!]!
  return length > 0 ? length : undefined
}

/** One stamped piece of the context: where it is and when it became known. */
interface Stamp {
  field: string
  at: number
  what: string
}

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms))

/** Every stamp in the context: candle opens and closes (or `updatedAt`), news, past decisions and fills. */
function stampsOf(context: MarketContext, provider: string): Stamp[] {
  const stamps: Stamp[] = []
  for (const [timeframe, candles] of Object.entries(context.candles)) {
    const length = timeframeMs(timeframe)
    candles.forEach((candle, index) => {
      const field = `candles[${JSON.stringify(timeframe)}][${index}]`
      stamps.push({ field, at: candle.time, what: 'opens' })
      if (candle.updatedAt !== undefined) {
        stamps.push({ field, at: candle.updatedAt, what: 'was last updated' })
      } else if (length === undefined) {
        throw new DeciderError(
          `The market context's ${field} has no updatedAt and its timeframe ${JSON.stringify(timeframe)} does not say when it closes; name timeframes like '15m', '1h', '1d' or stamp each candle with updatedAt.`,
          { code: 'invalid_context', provider },
        )
      } else {
        stamps.push({ field, at: candle.time + length, what: 'closes' })
      }
    })
  }
  context.news?.forEach((item, index) => {
    if (item.publishedAt !== undefined) stamps.push({ field: `news[${index}]`, at: item.publishedAt, what: 'was published' })
  })
  context.recentDecisions?.forEach((item, index) => {
    stamps.push({ field: `recentDecisions[${index}]`, at: item.at, what: 'was taken' })
  })
  context.recentFills?.forEach((item, index) => {
    stamps.push({ field: `recentFills[${index}]`, at: item.at, what: 'was filled' })
  })
  return stamps
}

/**
 * Throws `LookAheadError` for the first piece of data stamped after `context.asOf`. A candle counts as known at its
 * close (open time + timeframe) unless it carries `updatedAt`, the time of its last update, for a candle still
 * forming at the decision time.
 */
export function assertPointInTime(context: MarketContext, provider: string): void {
  for (const stamp of stampsOf(context, provider)) {
    if (stamp.at > context.asOf) {
      throw new LookAheadError(
        `Look-ahead refused: ${stamp.field} ${stamp.what} at ${iso(stamp.at)}, after the decision time asOf ${iso(context.asOf)}. Pass only data known at asOf (a candle still forming carries updatedAt); no request was sent.`,
        { provider, field: stamp.field, stampedAt: stamp.at, asOf: context.asOf },
      )
    }
  }
}

/** The newest stamp in the context (≤ asOf once checked): the data cut-off a replay fingerprint records. */
export function dataCutoff(context: MarketContext, provider: string): number {
  return stampsOf(context, provider).reduce((latest, stamp) => Math.max(latest, stamp.at), Number.NEGATIVE_INFINITY)
}

/**
 * For live data only: stamps each candle still forming at `asOf` (it closes later) with `updatedAt: asOf`, which
 * is true when the feed serves data as of now, as an exchange's current candle is. A backtest must not use this to
 * silence the rule: serve only closed candles, or stamp a forming one with the time its data really end.
 */
export function markFormingCandles<T extends { time: number; updatedAt?: number | undefined }>(
  candles: readonly T[],
  timeframe: string,
  asOf: number,
): T[] {
  const length = timeframeMs(timeframe)
  return candles.map((candle) =>
    candle.updatedAt === undefined && (length === undefined || candle.time + length > asOf) && candle.time <= asOf
      ? { ...candle, updatedAt: asOf }
      : candle,
  )
}
