import { toBig } from '@tradekit/upbit-client'
import type { CycleReport } from './cycle.js'

const krw = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

/** One line per cycle that a person can read at a glance. */
export function formatStatusLine(report: CycleReport): string {
  const time = new Date(report.at).toISOString().slice(0, 16).replace('T', ' ')
  const proposed = report.proposed
  const said = `${report.provider} ${proposed.action}${proposed.action === 'hold' ? '' : ` ${(proposed.size * 100).toFixed(0)}%`} (conf ${proposed.confidence.toFixed(2)})`
  const fallback = report.fallback ? ` [fallback: ${report.fallback}]` : ''
  const blocked = report.clamps.length > 0 ? ` [limits: ${report.clamps.join(', ')}]` : ''
  let did = 'HOLD'
  if (report.execution) {
    const { fills, outcome } = report.execution
    const volume = fills.reduce((sum, f) => sum.plus(toBig(f.volume)), toBig(0))
    const side = report.decision.action.toUpperCase()
    did =
      fills.length === 0
        ? `${side} not filled (${outcome})`
        : `${side} ${volume.toFixed(8)} @ ${krw.format(Number(fills.at(-1)!.price))}`
    if (outcome !== 'settled') did += ` (${outcome}: rest cancelled)`
  }
  const pnl = Number(report.dailyPnl)
  return `${time} ${report.market} ${krw.format(report.price)} | ${said}${fallback}${blocked} -> ${did} | pos ${report.position} | equity ${krw.format(Number(report.equity))} KRW (today ${pnl >= 0 ? '+' : ''}${krw.format(pnl)})`
}
