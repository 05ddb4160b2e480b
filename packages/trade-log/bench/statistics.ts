/**
 * The full report over a year of fills (365 days × 1,000), against the `performance()` before it (kept in
 * bench/baseline) in the same run; and a restarted process resuming from a checkpoint.
 */
import { performance as tradePerformance } from '../src/performance.js'
import { createPerformanceTracker } from '../src/performance-tracker.js'
import type { TradeEntry } from '../src/schemas.js'
import { performance as baselinePerformance } from './baseline/performance.js'
import { type Figure, median } from './common.js'

const DAY_MS = 86_400_000

/** A year of fills in two markets with 8-decimal volumes and partial sells, so average costs never reset. */
export function yearOfFills(days = 365, perDay = 1000): TradeEntry[] {
  let seed = 7
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed / 2_147_483_648
  }
  const held = new Map<string, number>()
  const fills: TradeEntry[] = []
  let price = 150_000_000
  const start = Date.UTC(2025, 0, 1)
  for (let n = 0; n < days * perDay; n++) {
    const tsMs = start + Math.floor(n / perDay) * DAY_MS + (n % perDay) * Math.floor(DAY_MS / perDay)
    const market = n % 3 === 0 ? 'KRW-ETH' : 'KRW-BTC'
    price = Math.max(1_000_000, price + Math.round((next() - 0.49) * 200_000))
    const have = held.get(market) ?? 0
    const buy = have < 1_000_000 || next() < 0.55
    // Volumes in satoshi-like units (1e-8); funds = volume × price is then an exact 8-decimal number.
    // A fifth of the sells close the position (a round trip); the others sell part of it.
    const part = next()
    const units = buy ? Math.floor(next() * 2_000_000) + 10_000 : part < 0.2 ? have : Math.max(1, Math.floor(have * part * 0.6))
    held.set(market, have + (buy ? units : -units))
    const funds = (BigInt(units) * BigInt(price)).toString().padStart(9, '0')
    const fundsText = `${funds.slice(0, -8)}.${funds.slice(-8)}`.replace(/\.?0+$/, '')
    const feeUnits = (BigInt(units) * BigInt(price) * 5n) / 10_000n
    const fee = feeUnits.toString().padStart(9, '0')
    fills.push({
      ts: new Date(tsMs).toISOString(),
      tsMs,
      market,
      side: buy ? 'buy' : 'sell',
      volume: (units / 1e8).toFixed(8).replace(/\.?0+$/, ''),
      price: String(price),
      funds: fundsText,
      fee: `${fee.slice(0, -8)}.${fee.slice(-8)}`.replace(/\.?0+$/, ''),
      orderId: `order-${n}`,
      mode: 'paper',
    })
  }
  return fills
}

export function statistics(figures: Figure[]): void {
  const fills = yearOfFills()
  const options = { startingBalance: '100000000000' }
  // Alternating runs of the old performance() (bench/baseline, before the full report) and today's, so both see
  // the same load; the first pair warms the JIT and is not counted. The ratio is of CPU time, which a busy machine
  // disturbs far less than wall time (both are printed).
  const runs: { ours: number; old: number; oursWall: number; oldWall: number }[] = []
  let closed = 0
  const timed = <T>(work: () => T) => {
    const cpu = process.cpuUsage()
    const started = performance.now()
    const value = work()
    const used = process.cpuUsage(cpu)
    return { value, wall: performance.now() - started, cpu: (used.user + used.system) / 1000 }
  }
  for (let run = 0; run < 9; run++) {
    // Which goes first alternates too: the second of a pair collects the first one's garbage.
    const first = run % 2 === 0
    const old = first ? timed(() => baselinePerformance(fills, options)) : undefined
    const ours = timed(() => tradePerformance(fills, options))
    const oldRun = old ?? timed(() => baselinePerformance(fills, options))
    if (ours.value.tradeCount !== oldRun.value.tradeCount || ours.value.realizedPnl !== oldRun.value.realizedPnl) {
      throw new Error('the full report and the old performance() disagree on the figures they share')
    }
    closed = ours.value.tradeCount
    if (run > 0) runs.push({ ours: ours.cpu, old: oldRun.cpu, oursWall: ours.wall, oldWall: oldRun.wall })
  }
  const ours = median(runs.map((r) => r.ours))
  const old = median(runs.map((r) => r.old))
  figures.push({
    name: `performance(): the full report over ${fills.length.toLocaleString('en-US')} fills (365 days × 1,000, 2 markets, partial sells; ${closed.toLocaleString('en-US')} round trips)`,
    ours: `${ours.toFixed(0)} ms CPU (${median(runs.map((r) => r.oursWall)).toFixed(0)} ms wall), medians of ${runs.length}`,
    baseline: `${old.toFixed(0)} ms CPU (${median(runs.map((r) => r.oldWall)).toFixed(0)} ms wall) for the performance() before the full report (bench/baseline), alternating in the same run`,
    ratio: `${(ours / old).toFixed(2)}× CPU (pairs ${runs.map((r) => (r.ours / r.old).toFixed(2)).join(', ')})`,
    goal: '≤ 1.2×',
    pass: ours / old <= 1.2,
  })

  // What a restarted server does with a checkpoint: restore the state saved after day 364 (from JSON text, as
  // read from disk), fold the last day's 1,000 fills and compute the full report.
  const resumeOptions = { ...options, keepClosedTrades: 20 }
  const lastDay = fills.length - 1000
  const saved = createPerformanceTracker(resumeOptions)
  for (let i = 0; i < lastDay; i++) saved.add(fills[i]!)
  const text = JSON.stringify(saved.state())
  const resumes: { wall: number; cpu: number }[] = []
  for (let run = 0; run < 7; run++) {
    const cpu = process.cpuUsage()
    const started = performance.now()
    const tracker = createPerformanceTracker({ ...resumeOptions, state: JSON.parse(text) })
    for (let i = lastDay; i < fills.length; i++) tracker.add(fills[i]!)
    const result = tracker.result()
    const wall = performance.now() - started
    const used = process.cpuUsage(cpu)
    if (run > 0) resumes.push({ wall, cpu: (used.user + used.system) / 1000 })
    if (result.fills !== fills.length) throw new Error('the resumed tracker lost fills')
  }
  const wall = median(resumes.map((r) => r.wall))
  const cpu = median(resumes.map((r) => r.cpu))
  figures.push({
    name: `createPerformanceTracker: restore a ${(text.length / 1024).toFixed(0)} KiB state saved after 364 days, fold the last day (1,000 fills), the full report`,
    ours: `${wall.toFixed(1)} ms wall, ${cpu.toFixed(1)} ms CPU, medians of ${resumes.length}`,
    baseline: `${ours.toFixed(0)} ms CPU for performance() over the whole year (above)`,
    ratio: `${(wall / ours).toFixed(4)}× of it`,
    goal: '< 50 ms (wall; CPU shown for a loaded machine)',
    pass: wall < 50,
  })
}
