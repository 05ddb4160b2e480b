/**
 * Figures of a series of daily returns that are ratios, computed on numbers (money never passes through here):
 * the geometric annual return and beta against a benchmark. Definitions in `conventions.ts`.
 */
import { PERIODS_PER_YEAR } from './conventions.js'

/** A ratio rounded to 8 decimals as the reported number (no `-0`). */
export const roundRatio = (value: number): number => Number(value.toFixed(8)) || 0

/** (Π (1 + r))^(365 / n) − 1, or null when some 1 + r ≤ 0 (the equity fell to 0 or below) or there are no returns. */
export function annualisedReturn(returns: readonly number[]): number | null {
  if (returns.length === 0) return null
  let logSum = 0
  for (const r of returns) {
    if (!(1 + r > 0)) return null
    logSum += Math.log1p(r)
  }
  return Math.expm1((logSum * PERIODS_PER_YEAR) / returns.length)
}

/** cov(r, b) / var(b) with sample (n − 1) moments, or null when b does not vary or there are fewer than 2 pairs. */
export function betaOf(returns: readonly number[], benchmark: readonly number[]): number | null {
  const n = Math.min(returns.length, benchmark.length)
  if (n < 2) return null
  // Equal values can still leave a variance of a few ulps after the mean's rounding: test equality instead.
  let varies = false
  for (let i = 1; i < n && !varies; i++) varies = benchmark[i] !== benchmark[0]
  if (!varies) return null
  let meanR = 0
  let meanB = 0
  for (let i = 0; i < n; i++) {
    meanR += returns[i]!
    meanB += benchmark[i]!
  }
  meanR /= n
  meanB /= n
  let cov = 0
  let varB = 0
  for (let i = 0; i < n; i++) {
    const db = benchmark[i]! - meanB
    cov += (returns[i]! - meanR) * db
    varB += db * db
  }
  return cov / varB
}
