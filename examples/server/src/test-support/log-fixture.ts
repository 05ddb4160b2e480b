/**
 * Writes realistic trade-log directories for the tests, the browser test and the benchmark: daily
 * `<kind>_YYYYMMDD.jsonl` files in the format `@tradekit/trade-log` writes (one JSON object per line), with a
 * seeded price path, so every run produces the same files and the expected figures can be computed.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createRandom } from '../../../shared/seeded-random.js'

export const DAY_MS = 86_400_000

export interface FixtureOptions {
  /** Days of files, ending on the day of `end`. */
  days: number
  /** Fills per day, spread evenly, alternating buy and sell of `volume`. */
  tradesPerDay: number
  /** Epoch ms inside the last day. Default: now. */
  end?: number
  market?: string
  /** Also write one decision per fill and one equity snapshot per fill. Default `true`. */
  withDecisions?: boolean
  /** Seed of the price path. Default `7`. */
  seed?: number
}

export interface FixtureSummary {
  dir: string
  trades: number
  firstTradeMs: number
  lastTradeMs: number
  market: string
}

const pad = (value: number) => String(value).padStart(2, '0')
export const dayKeyUtc = (ms: number) => {
  const date = new Date(ms)
  return `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}`
}

/** Price in KRW as a multiple of 20,000, so funds (× 0.001) and fees (× 0.0005) stay short exact decimals. */
function priceStep(k: number): { price: string; funds: string; fee: string } {
  return { price: String(k * 20_000), funds: String(k * 20), fee: String(k / 100) }
}

/** One fill as `@tradekit/trade-log` stores it. */
export function tradeEntry(tsMs: number, side: 'buy' | 'sell', k: number, n: number, market = 'KRW-BTC') {
  return {
    ts: new Date(tsMs).toISOString(),
    tsMs,
    market,
    side,
    volume: '0.001',
    ...priceStep(k),
    orderId: `order-${tsMs}-${n}`,
    identifier: `id-${tsMs}-${n}`,
    decisionId: `decision-${tsMs}-${n}`,
    mode: 'paper' as const,
    reason: side === 'buy' ? 'RSI oversold, trend up' : 'take profit at resistance',
    confidence: 0.7,
  }
}

export function writeLogFixture(dir: string, options: FixtureOptions): FixtureSummary {
  mkdirSync(dir, { recursive: true })
  const market = options.market ?? 'KRW-BTC'
  const next = createRandom(options.seed ?? 7)
  const end = options.end ?? Date.now()
  const lastDayStart = end - (end % DAY_MS)
  const step = Math.floor(DAY_MS / Math.max(1, options.tradesPerDay))
  let k = 2_500 // 50,000,000 KRW
  let n = 0
  let cash = 10_000_000
  let held = 0
  let firstTradeMs = Number.NaN
  let lastTradeMs = Number.NaN
  for (let day = options.days - 1; day >= 0; day--) {
    const dayStart = lastDayStart - day * DAY_MS
    const trades: string[] = []
    const decisions: string[] = []
    const equity: string[] = []
    for (let i = 0; i < options.tradesPerDay; i++) {
      const tsMs = Math.min(dayStart + i * step + 1_000, dayStart + DAY_MS - 1)
      if (tsMs > end) break
      k = Math.max(1_000, k + Math.round((next() - 0.48) * 40))
      const side = n % 2 === 0 ? 'buy' : 'sell'
      const entry = tradeEntry(tsMs, side, k, n, market)
      trades.push(JSON.stringify(entry))
      if (Number.isNaN(firstTradeMs)) firstTradeMs = tsMs
      lastTradeMs = tsMs
      const value = k * 20
      cash += side === 'buy' ? -value - k / 100 : value - k / 100
      held += side === 'buy' ? 1 : -1
      if (options.withDecisions ?? true) {
        decisions.push(
          JSON.stringify({
            ts: entry.ts,
            tsMs,
            decisionId: entry.decisionId,
            market,
            provider: 'rules',
            model: 'rsi-trend-v1',
            action: side,
            confidence: 0.7,
            size: side === 'buy' ? entry.funds : '0.001',
            reason: entry.reason,
            price: entry.price,
            indicators: { price: k * 20_000, rsi14: side === 'buy' ? 28 : 71 },
            mode: 'paper',
          }),
        )
        const positionValue = held * k * 20
        equity.push(
          JSON.stringify({
            ts: entry.ts,
            tsMs,
            cash: String(Math.round(cash * 100) / 100),
            positions: [{ market, volume: String(held / 1000), price: entry.price, value: String(positionValue) }],
            total: String(Math.round((cash + positionValue) * 100) / 100),
            mode: 'paper',
          }),
        )
      }
      n++
    }
    const key = dayKeyUtc(dayStart)
    const write = (kind: string, lines: string[]) => {
      if (lines.length > 0) writeFileSync(join(dir, `${kind}_${key}.jsonl`), `${lines.join('\n')}\n`)
    }
    write('trades', trades)
    write('decisions', decisions)
    write('equity', equity)
  }
  return { dir, trades: n, firstTradeMs, lastTradeMs, market }
}
