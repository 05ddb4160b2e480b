// Frozen copy of src/drawdown.ts as of commit 02ed8e9 (before issue 21's full report): the bench's baseline for
// "the full report costs at most 1.2x the old performance()", and the version-1 tracker a checkpoint test needs.
// Never edit it to follow src/.
/**
 * Maximum drawdown as a fold: one point at a time, a few BigInt comparisons each, so a tracker can carry it
 * across calls (and across processes, in its state).
 */
import { divRound, formatUnits, pow10 } from '../../src/decimal.js'

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
}

/** The drawdown figures, with amounts as decimal strings. */
export interface DrawdownFigures {
  absolute: string
  peakAt: number | null
  troughAt: number | null
  /** The relative drawdown in units of 10^-decimals (rounded half-even), or null. */
  relativeUnits: bigint | null
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

/**
 * Adds a point. A point beats the absolute drawdown when it is below `peak − best`, and for one peak the relative
 * drawdown is largest at the lowest point after it, so there is one division per closed peak, none per point.
 */
export function addDrawdownPoint(state: DrawdownState, point: DrawdownPoint): void {
  if (!state.peak || point.equity > state.peak.equity) {
    state.bestRel = closePeak(state)
    state.peak = point
    state.trough = null
    state.threshold = state.best ? point.equity - (state.best.peak.equity - state.best.trough.equity) : point.equity
    if (!state.anyPositivePeak) state.anyPositivePeak = point.equity > 0n
    return
  }
  if (point.equity < (state.trough ?? state.peak).equity) state.trough = point
  if (point.equity < state.threshold) {
    state.best = { peak: state.peak, trough: point }
    state.threshold = point.equity
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
    relativePeakAt: bestRel ? bestRel.peak.at : null,
    relativeTroughAt: bestRel ? bestRel.trough.at : null,
  }
}
