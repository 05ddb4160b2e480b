/**
 * The performance report and decision quality cards. The figures, their labels and units are trade-log's
 * `PERFORMANCE_METRICS` (report-figures.test.ts keeps this list equal to it; the dashboard does not bundle the
 * package). A figure the API could not compute shows "–" and the API's reason, never a number.
 */
import type { DecisionQualityResponse } from '../src/api-types.js'
import { money, ratio } from './format.js'

type Unit = 'time' | 'duration' | 'money' | 'ratio' | 'count'

/** Every figure of `/api/performance`, in trade-log's order. */
export const REPORT_FIGURES: readonly { field: string; label: string; unit: Unit }[] = [
  { field: 'start', label: 'Start', unit: 'time' },
  { field: 'end', label: 'End', unit: 'time' },
  { field: 'durationMs', label: 'Duration', unit: 'duration' },
  { field: 'exposure', label: 'Exposure Time', unit: 'ratio' },
  { field: 'equityStart', label: 'Equity Start', unit: 'money' },
  { field: 'equityFinal', label: 'Equity Final', unit: 'money' },
  { field: 'equityPeak', label: 'Equity Peak', unit: 'money' },
  { field: 'fees', label: 'Commissions', unit: 'money' },
  { field: 'totalReturn', label: 'Return', unit: 'ratio' },
  { field: 'buyAndHoldReturn', label: 'Buy & Hold Return', unit: 'ratio' },
  { field: 'annualReturn', label: 'Return (Ann.)', unit: 'ratio' },
  { field: 'annualVolatility', label: 'Volatility (Ann.)', unit: 'ratio' },
  { field: 'cagr', label: 'CAGR', unit: 'ratio' },
  { field: 'sharpe', label: 'Sharpe Ratio', unit: 'ratio' },
  { field: 'sortino', label: 'Sortino Ratio', unit: 'ratio' },
  { field: 'calmar', label: 'Calmar Ratio', unit: 'ratio' },
  { field: 'alpha', label: 'Alpha', unit: 'ratio' },
  { field: 'beta', label: 'Beta', unit: 'ratio' },
  { field: 'maxDrawdown.relative', label: 'Max. Drawdown', unit: 'ratio' },
  { field: 'maxDrawdown.absolute', label: 'Max. Drawdown (money)', unit: 'money' },
  { field: 'averageDrawdown', label: 'Avg. Drawdown', unit: 'ratio' },
  { field: 'maxDrawdownDurationMs', label: 'Max. Drawdown Duration', unit: 'duration' },
  { field: 'averageDrawdownDurationMs', label: 'Avg. Drawdown Duration', unit: 'duration' },
  { field: 'timeUnderWater', label: 'Time under water', unit: 'ratio' },
  { field: 'fills', label: '# Fills', unit: 'count' },
  { field: 'tradeCount', label: '# Trades', unit: 'count' },
  { field: 'openTrades', label: '# Open Trades', unit: 'count' },
  { field: 'wins', label: '# Wins', unit: 'count' },
  { field: 'losses', label: '# Losses', unit: 'count' },
  { field: 'draws', label: '# Breakeven', unit: 'count' },
  { field: 'winRate', label: 'Win Rate', unit: 'ratio' },
  { field: 'bestTrade', label: 'Best Trade', unit: 'ratio' },
  { field: 'worstTrade', label: 'Worst Trade', unit: 'ratio' },
  { field: 'averageTrade', label: 'Avg. Trade', unit: 'ratio' },
  { field: 'maxTradeDurationMs', label: 'Max. Trade Duration', unit: 'duration' },
  { field: 'averageTradeDurationMs', label: 'Avg. Trade Duration', unit: 'duration' },
  { field: 'realizedPnl', label: 'Realized PnL', unit: 'money' },
  { field: 'profitFactor', label: 'Profit Factor', unit: 'ratio' },
  { field: 'expectancy', label: 'Expectancy', unit: 'money' },
  { field: 'expectancyRatio', label: 'Expectancy Ratio', unit: 'ratio' },
  { field: 'payoffRatio', label: 'Payoff Ratio', unit: 'ratio' },
  { field: 'sqn', label: 'SQN', unit: 'ratio' },
  { field: 'kelly', label: 'Kelly Criterion', unit: 'ratio' },
]

/** Ratios shown as plain numbers; every other ratio is a share or a return, shown in percent. */
const PLAIN_RATIOS = new Set(['sharpe', 'sortino', 'calmar', 'beta', 'profitFactor', 'expectancyRatio', 'payoffRatio', 'sqn'])

const valueAt = (source: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | null | undefined)?.[key], source)

/** `3d 4h`, `5h 12m`, `40s`. */
export function duration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`
  const minutes = Math.round(ms / 60_000)
  const days = Math.floor(minutes / 1440)
  const hours = Math.floor((minutes % 1440) / 60)
  if (days > 0) return `${days}d ${hours}h`
  return `${hours}h ${minutes % 60}m`
}

function display(field: string, unit: Unit, value: unknown, quote: string): string {
  if (value === null || value === undefined) return '–'
  switch (unit) {
    case 'time':
      return String(value).slice(0, 16).replace('T', ' ')
    case 'duration':
      return duration(Number(value))
    case 'money':
      return money(String(value), quote)
    case 'count':
      return String(value)
    case 'ratio':
      return PLAIN_RATIOS.has(field) ? Number(value).toFixed(2) : ratio(Number(value))
  }
}

/** Fills `#report-list` with every figure of a performance answer. */
export function renderReport(list: HTMLElement, performance: unknown, quote: string): void {
  const reasons = (valueAt(performance, 'reasons') ?? {}) as Record<string, string>
  list.replaceChildren(
    ...REPORT_FIGURES.map(({ field, label, unit }) => {
      const value = valueAt(performance, field)
      const item = document.createElement('div')
      item.className = 'figure'
      item.dataset['field'] = field
      item.dataset['value'] = JSON.stringify(value ?? null)
      const name = document.createElement('dt')
      name.textContent = label
      const shown = document.createElement('dd')
      shown.textContent = display(field, unit, value, quote)
      item.append(name, shown)
      const reason = reasons[field]
      if (value === null && reason) {
        const why = document.createElement('small')
        why.className = 'why'
        why.textContent = reason
        item.append(why)
        item.title = reason
      }
      return item
    }),
  )
}

const cell = (row: HTMLTableRowElement, label: string, text: string, value?: unknown) => {
  const td = row.insertCell()
  td.textContent = text
  td.dataset['label'] = label
  td.className = label === 'Decider' ? '' : 'num'
  if (value !== undefined) td.dataset['value'] = JSON.stringify(value)
  return td
}

type Quality = DecisionQualityResponse['total']

function qualityRow(row: HTMLTableRowElement, q: Quality, name: string) {
  const perDecision = q.cost.perDecisionUsd
  cell(row, 'Decider', name)
  cell(row, 'Decisions', String(q.decisions), q.decisions)
  cell(row, 'Acted on', String(q.actedOn), q.actedOn)
  cell(row, 'Held', String(q.held), q.held)
  const fallbacks = cell(row, 'Fallbacks', String(q.fallbacks), q.fallbacks)
  fallbacks.title = q.fallbackReasons.map((f) => `${f.reason} × ${f.count}`).join(', ')
  cell(row, 'Hit rate', ratio(q.outcome.hitRate), q.outcome.hitRate).title = q.reasons['outcome.hitRate'] ?? ''
  cell(row, 'Mean return', ratio(q.outcome.meanReturn), q.outcome.meanReturn)
  cell(row, 'Brier', q.calibration.brier === null ? '–' : q.calibration.brier.toFixed(3), q.calibration.brier).title =
    q.reasons['calibration.brier'] ?? ''
  cell(row, '$ / decision', perDecision === null ? '–' : `$${Number(perDecision).toFixed(4)}`, perDecision).title =
    q.reasons['cost.perDecisionUsd'] ?? ''
}

/** Fills the decision quality table, its calibration table and hint. */
export function renderQuality(
  elements: { table: HTMLTableElement; calibration: HTMLTableElement; hint: HTMLElement },
  quality: DecisionQualityResponse,
): void {
  const rows = quality.deciders.map((decider) => {
    const row = document.createElement('tr')
    row.dataset['decider'] = `${decider.provider}/${decider.model}`
    qualityRow(row, decider, `${decider.provider} · ${decider.model}`)
    return row
  })
  elements.table.tBodies[0]!.replaceChildren(...rows)
  const total = document.createElement('tr')
  qualityRow(total, quality.total, 'All')
  elements.table.tFoot!.replaceChildren(total)
  const buckets = quality.total.calibration.buckets.filter((bucket) => bucket.decisions > 0)
  elements.calibration.tBodies[0]!.replaceChildren(
    ...buckets.map((bucket) => {
      const row = document.createElement('tr')
      cell(row, 'Confidence', `${ratio(bucket.from)}–${ratio(bucket.to)}`)
      cell(row, 'Decisions', String(bucket.decisions), bucket.decisions)
      cell(row, 'Mean conf.', ratio(bucket.meanConfidence), bucket.meanConfidence)
      cell(row, 'Hit rate', ratio(bucket.hitRate), bucket.hitRate)
      return row
    }),
  )
  const hours = quality.horizonMs / 3_600_000
  elements.hint.textContent = `judged ${hours % 24 === 0 ? `${hours / 24}d` : `${hours}h`} later · ${quality.total.calibration.evaluated} calls calibrated`
}
