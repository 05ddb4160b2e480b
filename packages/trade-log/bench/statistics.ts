/**
 * `performance()` over a year of fills (365 days × 1,000), against the least any exact statistic must do with the
 * same entries: iterate them and parse their three decimal strings with big.js.
 */
import { parseDecimal } from '../src/decimal.js'
import { performance as tradePerformance } from '../src/performance.js'
import { createPerformanceTracker } from '../src/performance-tracker.js'
import type { TradeEntry } from '../src/schemas.js'
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
  const runs: { ours: number; parse: number }[] = []
  let closed = 0
  let parsed = 0
  for (let run = 0; run < 3; run++) {
    let started = performance.now()
    for (const fill of fills) {
      parsed += parseDecimal(fill.volume).c.length + parseDecimal(fill.funds).c.length + parseDecimal(fill.fee).c.length
    }
    const parse = performance.now() - started
    started = performance.now()
    const result = tradePerformance(fills, { startingBalance: '100000000000' })
    runs.push({ ours: performance.now() - started, parse })
    closed = result.tradeCount
  }
  if (parsed === 0) throw new Error('the baseline parsed nothing')
  const ours = median(runs.map((r) => r.ours))
  const parse = median(runs.map((r) => r.parse))
  figures.push({
    name: `performance() over ${fills.length.toLocaleString('en-US')} fills (365 days × 1,000, 2 markets, partial sells; ${closed.toLocaleString('en-US')} round trips)`,
    ours: `${ours.toFixed(0)} ms median of 3`,
    baseline: `${parse.toFixed(0)} ms to iterate the same fills and parse volume, funds and fee with big.js`,
    ratio: `${(ours / parse).toFixed(1)}× the parse`,
    // Issue 5 sets no goal for this: the < 200 ms cold goal is the server's /api/performance, measured in its bench.
    goal: 'none here (context for the server’s < 200 ms cold /api/performance)',
    pass: undefined,
  })

  // What a restarted server does with a checkpoint: restore the state saved after day 364 (from JSON text, as
  // read from disk) and fold the last day's 1,000 fills, against folding the whole year again.
  const options = { startingBalance: '100000000000', keepClosedTrades: 20 }
  const lastDay = fills.length - 1000
  const saved = createPerformanceTracker(options)
  for (let i = 0; i < lastDay; i++) saved.add(fills[i]!)
  const text = JSON.stringify(saved.state())
  const resumes: number[] = []
  for (let run = 0; run < 5; run++) {
    const started = performance.now()
    const tracker = createPerformanceTracker({ ...options, state: JSON.parse(text) })
    for (let i = lastDay; i < fills.length; i++) tracker.add(fills[i]!)
    const result = tracker.result()
    resumes.push(performance.now() - started)
    if (result.fills !== fills.length) throw new Error('the resumed tracker lost fills')
  }
  const resume = median(resumes)
  figures.push({
    name: `createPerformanceTracker: restore a ${(text.length / 1024).toFixed(0)} KiB state saved after 364 days, fold the last day (1,000 fills), result()`,
    ours: `${resume.toFixed(1)} ms median of 5`,
    baseline: `${ours.toFixed(0)} ms for performance() over the whole year (above)`,
    ratio: `${(resume / ours).toFixed(4)}× of it`,
    goal: 'none here (what a restarted server does; its goal is < 200 ms cold)',
    pass: undefined,
  })
}
