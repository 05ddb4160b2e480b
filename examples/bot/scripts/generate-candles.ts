/**
 * Generates the bundled SYNTHETIC KRW-BTC hourly candles (data/krw-btc-1h.csv). Not real market data.
 *
 * Model: a regime-switching random walk. Four regimes (calm, bull, bear, turbulent) each have an annualized
 * drift and volatility in the range BTC has shown; the regime changes by a Markov chain whose stay
 * probabilities give mean durations of days to weeks. Each hour is simulated in six sub-steps (so highs and
 * lows come from a path, not from the close), with rare jumps for fat tails. Volume follows the size of the
 * move, the regime and the Korean trading day. Prices are rounded to Upbit's 1,000 KRW tick.
 *
 * The float maths here only drives the model: every value written is an exact decimal string.
 *
 * Usage: tsx scripts/generate-candles.ts [--seed 20250901] [--start 2025-09-01] [--days 182] [--price 140000000] [--out data/krw-btc-1h.csv]
 */
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createRandom } from '../../shared/seeded-random.js'
import { type Candle, formatCandleCsv } from '../src/candles.js'

const HOURS_PER_YEAR = 24 * 365
const SUB_STEPS = 6
const TICK = 1000

interface Regime {
  name: string
  /** Annualized drift of log price. */
  drift: number
  /** Annualized volatility of log price. */
  volatility: number
  /** Mean time spent in the regime, hours. */
  meanHours: number
  /** Multiplies the base volume. */
  volume: number
}

const REGIMES: readonly Regime[] = [
  { name: 'calm', drift: 0.05, volatility: 0.35, meanHours: 24 * 10, volume: 0.8 },
  { name: 'bull', drift: 1.2, volatility: 0.5, meanHours: 24 * 7, volume: 1.2 },
  { name: 'bear', drift: -1.3, volatility: 0.6, meanHours: 24 * 5, volume: 1.3 },
  { name: 'turbulent', drift: 0, volatility: 1.0, meanHours: 24 * 2, volume: 2 },
]

// Re-exported: the crash tests draw their plans from the same generator.
export { createRandom }

function createGaussian(random: () => number): () => number {
  return () => {
    const u = Math.max(random(), Number.EPSILON)
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
  }
}

export interface GenerateOptions {
  seed: number
  start: string
  days: number
  price: number
}

export function generateCandles(options: GenerateOptions): { candles: Candle[]; regimes: string[] } {
  const random = createRandom(options.seed)
  const gaussian = createGaussian(random)
  const hours = options.days * 24
  const startMs = Date.parse(`${options.start}T00:00:00Z`)
  const candles: Candle[] = []
  const regimes: string[] = []
  let regime = REGIMES[0]!
  let logPrice = Math.log(options.price)
  for (let hour = 0; hour < hours; hour++) {
    if (random() < 1 / regime.meanHours) {
      const others = REGIMES.filter((r) => r !== regime)
      regime = others[Math.floor(random() * others.length)]!
    }
    const sigma = regime.volatility / Math.sqrt(HOURS_PER_YEAR * SUB_STEPS)
    const mu = regime.drift / (HOURS_PER_YEAR * SUB_STEPS) - (sigma * sigma) / 2
    const open = roundToTick(Math.exp(logPrice))
    let high = open
    let low = open
    let moved = 0
    for (let step = 0; step < SUB_STEPS; step++) {
      const jump = random() < 0.002 ? gaussian() * sigma * 8 : 0
      const change = mu + sigma * gaussian() + jump
      logPrice += change
      moved += Math.abs(change)
      const price = Math.exp(logPrice)
      high = Math.max(high, roundToTick(price, 'up'))
      low = Math.min(low, roundToTick(price, 'down'))
    }
    const close = roundToTick(Math.exp(logPrice))
    const timestamp = startMs + hour * 3_600_000
    const kstHour = (new Date(timestamp).getUTCHours() + 9) % 24
    const daytime = kstHour >= 9 && kstHour <= 23 ? 1.2 : 0.7
    const volume = 110 * regime.volume * daytime * (1 + 60 * moved) * Math.exp(0.35 * gaussian())
    candles.push({
      time: new Date(timestamp).toISOString().replace('.000Z', 'Z'),
      timestamp,
      open: String(open),
      high: String(Math.max(high, open, close)),
      low: String(Math.min(low, open, close)),
      close: String(close),
      volume: volume.toFixed(8),
    })
    regimes.push(regime.name)
  }
  return { candles, regimes }
}

function roundToTick(price: number, direction: 'up' | 'down' | 'nearest' = 'nearest'): number {
  const round = direction === 'up' ? Math.ceil : direction === 'down' ? Math.floor : Math.round
  return round(price / TICK) * TICK
}

function describe(candles: readonly Candle[]): string {
  const closes = candles.map((c) => Number(c.close))
  const returns = closes.slice(1).map((c, i) => Math.log(c / closes[i]!))
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length
  const variance = returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1)
  let peak = closes[0]!
  let drawdown = 0
  for (const c of closes) {
    peak = Math.max(peak, c)
    drawdown = Math.max(drawdown, 1 - c / peak)
  }
  return [
    `${candles.length} hourly candles ${candles[0]!.time} .. ${candles.at(-1)!.time}`,
    `first close ${closes[0]} KRW, last close ${closes.at(-1)} KRW, min ${Math.min(...closes)}, max ${Math.max(...closes)}`,
    `annualized volatility ${(Math.sqrt(variance * HOURS_PER_YEAR) * 100).toFixed(1)}%, max drawdown ${(drawdown * 100).toFixed(1)}%`,
  ].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    // `pnpm … generate-candles -- --seed 7` passes the `--` through: drop it so the flags after it still count.
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: {
      seed: { type: 'string', default: '20250901' },
      start: { type: 'string', default: '2025-09-01' },
      days: { type: 'string', default: '182' },
      price: { type: 'string', default: '140000000' },
      out: { type: 'string', default: new URL('../data/krw-btc-1h.csv', import.meta.url).pathname },
    },
  })
  const { candles } = generateCandles({
    seed: Number(values.seed),
    start: values.start,
    days: Number(values.days),
    price: Number(values.price),
  })
  // A relative --out is the caller's: under `pnpm --filter` the command runs in examples/bot, INIT_CWD is where it was typed.
  const out = resolve(process.env['INIT_CWD'] ?? process.cwd(), values.out)
  writeFileSync(out, formatCandleCsv(candles))
  console.log(`wrote ${out} (SYNTHETIC data, seed ${values.seed})\n${describe(candles)}`)
}
