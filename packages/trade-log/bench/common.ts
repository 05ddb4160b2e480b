import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A trade entry of realistic size (~300 bytes as JSON). */
export function sampleTrade(seq: number, tsMs: number) {
  return {
    ts: new Date(tsMs).toISOString(),
    tsMs,
    market: 'KRW-BTC',
    side: seq % 2 === 0 ? 'buy' : 'sell',
    volume: '0.00123',
    price: '158234000',
    funds: '194627.82',
    fee: '97.31391',
    orderId: `9f0c8a52-3f7b-4c1e-9d0a-${String(seq).padStart(12, '0')}`,
    identifier: `bot-${seq}`,
    decisionId: `d-${seq}`,
    mode: 'paper',
    confidence: 0.87,
  } as const
}

export function scratchDir(name: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `trade-log-bench-${name}-`))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

export interface Figure {
  name: string
  ours: string
  baseline: string
  ratio: string
  goal: string
  /** Undefined for a figure reported for context, with no goal of its own. */
  pass: boolean | undefined
}

export function report(figures: Figure[]): void {
  console.log('')
  for (const figure of figures) {
    console.log(`${figure.pass === undefined ? 'INFO' : figure.pass ? 'PASS' : 'MISS'}  ${figure.name}`)
    console.log(`      ours ${figure.ours}; baseline ${figure.baseline}; ratio ${figure.ratio}; goal ${figure.goal}`)
  }
}
