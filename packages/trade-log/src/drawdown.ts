/**
 * Maximum drawdown and the time spent under water, as a fold: one point at a time, a few BigInt comparisons each,
 * so a tracker can carry it across calls (and across processes, in its state).
 */
import { divRound, formatUnits, pow10 } from './decimal.js'

/** One point of an equity curve, equity in units of the owner's scale. */
export interface DrawdownPoint {
  at: number
  equity: bigint
}

/** The fold's state. Points are never mutated, so several fields may share one. */
export interface DrawdownState {
  peak: DrawdownPoint | null
  trough: DrawdownPoint | null
  /** A point below this beats the best absolute drawdown so far. */
  threshold: bigint
  best: { peak: DrawdownPoint; trough: DrawdownPoint } | null
  bestRel: { peak: DrawdownPoint; trough: DrawdownPoint } | null
  anyPositivePeak: boolean
  /** Time of the first point. */
  firstAt: number | null
  /** Last time the curve stood at its running peak (a drawdown period starts there). */
  atPeakSince: number | null
  /** Lowest point since the curve left its peak, or null while at the peak. */
  low: bigint | null
  /** Drawdown periods closed by a recovery to the peak. */
  periods: number
  /** Σ of their relative depths (peak − low) / peak, as numbers; see `depthUnknown`. */
  depthSum: number
  /** A period started from a peak at or below 0, which has no relative depth. */
  depthUnknown: boolean
  /** Σ and max of their durations (peak to recovery), ms. */
  durationSum: number
  durationMax: number
}

/** The drawdown figures, with amounts as decimal strings. */
export interface DrawdownFigures {
  absolute: string
  peakAt: number | null
  troughAt: number | null
  /** The relative drawdown in units of 10^-decimals (rounded half-even), or null. */
  relativeUnits: bigint | null
  /** The same as a number, to 20 decimals before the conversion (for ratios of it such as Calmar). */
  relativeNumber: number | null
  relativePeakAt: number | null
  relativeTroughAt: number | null
}

export const emptyDrawdown = (): DrawdownState => ({
  peak: null,
  trough: null,
  threshold: 0n,
  best: null,
  bestRel: null,
  anyPositivePeak: false,
  firstAt: null,
  atPeakSince: null,
  low: null,
  periods: 0,
  depthSum: 0,
  depthUnknown: false,
  durationSum: 0,
  durationMax: 0,
})

// The relative drawdown as big.js divides: 20 decimals, rounded half-up. Ties between peaks are decided on that
// rounded value, as before, so the first of two equal drawdowns wins.
const REL_DP = 20
const relOf = (peak: DrawdownPoint, trough: DrawdownPoint) =>
  divRound((peak.equity - trough.equity) * pow10(REL_DP), peak.equity, 'half-up')

/** `bestRel` once the current peak is closed (its lowest point after it is final). */
function closePeak(state: DrawdownState): DrawdownState['bestRel'] {
  const { peak, trough, bestRel } = state
  if (!peak || !trough || peak.equity <= 0n) return bestRel
  return !bestRel || relOf(peak, trough) > relOf(bestRel.peak, bestRel.trough) ? { peak, trough } : bestRel
}

/** Relative depth of a period from `peak` down to `low`, or undefined when the peak is at or below 0. */
function depthOf(peak: bigint, low: bigint): number | undefined {
  return peak > 0n ? Number(divRound((peak - low) * pow10(REL_DP), peak, 'half-up')) / 10 ** REL_DP : undefined
}

/**
 * Adds a point. A point beats the absolute drawdown when it is below `peak − best`, and for one peak the relative
 * drawdown is largest at the lowest point after it, so there is one division per closed peak, none per point.
 * A point at or above the peak ends the drawdown period under way (a recovery) and starts the clock again.
 * The point's object is made only when the state keeps it (a new peak, trough or best drawdown): most points of a
 * long curve are none of those.
 */
export function addDrawdownPoint(state: DrawdownState, at: number, equity: bigint): void {
  state.firstAt ??= at
  const { peak } = state
  if (!peak || equity >= peak.equity) {
    if (state.low !== null && peak) {
      const depth = depthOf(peak.equity, state.low)
      if (depth === undefined) state.depthUnknown = true
      else state.depthSum += depth
      const duration = at - state.atPeakSince!
      state.periods++
      state.durationSum += duration
      if (duration > state.durationMax) state.durationMax = duration
      state.low = null
    }
    state.atPeakSince = at
  } else if (state.low === null || equity < state.low) {
    state.low = equity
  }
  if (!peak || equity > peak.equity) {
    state.bestRel = closePeak(state)
    state.peak = { at, equity }
    state.trough = null
    state.threshold = state.best ? equity - (state.best.peak.equity - state.best.trough.equity) : equity
    if (!state.anyPositivePeak) state.anyPositivePeak = equity > 0n
    return
  }
  let point: DrawdownPoint | undefined
  if (equity < (state.trough ?? peak).equity) {
    point = { at, equity }
    state.trough = point
  }
  if (equity < state.threshold) {
    state.best = { peak, trough: point ?? { at, equity } }
    state.threshold = equity
  }
}

/** The figures so far, without changing the state. */
export function drawdownFigures(state: DrawdownState, scale: number, decimals: number): DrawdownFigures {
  const { best } = state
  const bestRel = closePeak(state)
  return {
    absolute: best ? formatUnits(best.peak.equity - best.trough.equity, scale, decimals) : '0',
    peakAt: best ? best.peak.at : null,
    troughAt: best ? best.trough.at : null,
    relativeUnits: bestRel
      ? divRound(relOf(bestRel.peak, bestRel.trough), pow10(REL_DP - decimals))
      : state.anyPositivePeak
        ? 0n
        : null,
    relativeNumber: bestRel ? Number(relOf(bestRel.peak, bestRel.trough)) / 10 ** REL_DP : state.anyPositivePeak ? 0 : null,
    relativePeakAt: bestRel ? bestRel.peak.at : null,
    relativeTroughAt: bestRel ? bestRel.trough.at : null,
  }
}

/** The time-under-water figures at `endMs`, counting a drawdown still under way as a period that ends there. */
export interface UnderwaterFigures {
  /** Drawdown periods, the one under way included. */
  periods: number
  /** Longest period, ms (0 without any). */
  maxDurationMs: number
  /** Mean period, ms; null without any. */
  averageDurationMs: number | null
  /** Mean relative depth of the periods; null without any, or when one started from a peak at or below 0. */
  averageDepth: number | null
  depthUnknown: boolean
  /** Share of the time from the first point to `endMs` spent below the peak; null for an empty span. */
  underwaterShare: number | null
}

export function underwaterFigures(state: DrawdownState, endMs: number): UnderwaterFigures {
  let { periods, depthSum, depthUnknown, durationSum, durationMax } = state
  if (state.low !== null && state.peak && state.atPeakSince !== null) {
    const depth = depthOf(state.peak.equity, state.low)
    if (depth === undefined) depthUnknown = true
    else depthSum += depth
    const duration = Math.max(0, endMs - state.atPeakSince)
    periods++
    durationSum += duration
    if (duration > durationMax) durationMax = duration
  }
  const span = state.firstAt === null ? 0 : endMs - state.firstAt
  return {
    periods,
    maxDurationMs: durationMax,
    averageDurationMs: periods > 0 ? durationSum / periods : null,
    averageDepth: periods > 0 && !depthUnknown ? depthSum / periods : null,
    depthUnknown,
    underwaterShare: span > 0 ? Math.min(1, durationSum / span) : null,
  }
}
