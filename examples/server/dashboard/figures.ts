/** Reading figures out of API answers for the KPI cards (no DOM here, so a test can run it on a real answer). */

/** The first of `names` (dotted paths) that `source` holds, neither null nor undefined. */
export function pick(source: unknown, ...names: string[]): unknown {
  if (typeof source !== 'object' || source === null) return undefined
  for (const name of names) {
    let value: unknown = source
    for (const part of name.split('.')) value = (value as Record<string, unknown> | undefined)?.[part]
    if (value !== undefined && value !== null) return value
  }
  return undefined
}

/** trade-log computes Sharpe and Sortino from this many daily returns on (its MIN_DAYS_FOR_RATIOS). */
const MIN_DAYS_FOR_RATIOS = 30

/**
 * Sharpe and Sortino from `/api/performance?include=dailyReturns` as soon as trade-log computes them; before that,
 * how many daily returns they still wait for (not a bare "–" that looks like a fault).
 */
export function ratiosText(performance: unknown): string {
  const sharpe = pick(performance, 'sharpe')
  const sortino = pick(performance, 'sortino')
  const days = ((pick(performance, 'dailyReturns') as unknown[] | undefined) ?? []).length
  if (sharpe === undefined && sortino === undefined && days < MIN_DAYS_FOR_RATIOS) {
    return `Sharpe, Sortino after ${MIN_DAYS_FOR_RATIOS} daily returns (${days} so far)`
  }
  return `Sharpe ${formatNumber(sharpe)} · Sortino ${formatNumber(sortino)}`
}

/** Two decimals, or "–" when there is no finite number. */
export function formatNumber(value: unknown): string {
  const number = Number(value)
  return value === null || value === undefined || !Number.isFinite(number) ? '–' : number.toFixed(2)
}
