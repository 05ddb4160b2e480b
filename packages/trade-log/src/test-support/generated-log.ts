/**
 * A large, deterministic log for the golden tests: two markets whose prices walk at random, fills with 8-decimal
 * volumes, 0.05 % fees, partial and full sells, and (optionally) equity snapshots every few hours that value the
 * account at the prices of the moment. Amounts are computed in BigInt units so every string is exact.
 */
import type { EquityEntry, TradeEntry } from '../schemas.js'

const HOUR = 3_600_000
const E8 = 100_000_000n

const decimal = (units: bigint, places = 8) => {
  const negative = units < 0n
  const digits = (negative ? -units : units).toString().padStart(places + 1, '0')
  const text = `${digits.slice(0, -places)}.${digits.slice(-places)}`.replace(/\.?0+$/, '')
  return negative ? `-${text}` : text
}

export interface GeneratedLog {
  fills: TradeEntry[]
  snapshots: EquityEntry[]
  startingBalance: string
}

export function generatedLog(options: { seed: number; days: number; fillsPerDay: number; start: number }): GeneratedLog {
  let seed = options.seed
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed / 2_147_483_648
  }
  const markets = ['KRW-BTC', 'KRW-ETH'] as const
  const price = new Map<string, bigint>([
    ['KRW-BTC', 150_000_000n],
    ['KRW-ETH', 5_000_000n],
  ])
  const held = new Map<string, bigint>(markets.map((m) => [m, 0n]))
  const startCash = 100_000_000n * E8
  let cash = startCash
  const fills: TradeEntry[] = []
  const snapshots: EquityEntry[] = []
  const stepMs = Math.floor((24 * HOUR) / options.fillsPerDay)
  let n = 0
  for (let day = 0; day < options.days; day++) {
    for (let k = 0; k < options.fillsPerDay; k++, n++) {
      const tsMs = options.start + day * 24 * HOUR + k * stepMs + Math.floor(next() * 1000)
      for (const market of markets) {
        const p = price.get(market)!
        price.set(market, p + (p * BigInt(Math.round((next() - 0.495) * 2_000))) / 100_000n)
      }
      const market = markets[n % 3 === 0 ? 1 : 0]
      const p = price.get(market)!
      const have = held.get(market)!
      const buy = have === 0n || next() < 0.5
      // Volume in units of 1e-8: buys of up to ~2 million KRW; sells of part or all of the position.
      const volume = buy
        ? BigInt(Math.floor(next() * 1_000_000) + 1_000) * (market === 'KRW-BTC' ? 1n : 30n)
        : next() < 0.3
          ? have
          : (have * BigInt(Math.floor(next() * 90) + 5)) / 100n || have
      const funds = volume * p // units of 1e-8 KRW
      const fee = (funds * 5n) / 10_000n
      held.set(market, buy ? have + volume : have - volume)
      cash += buy ? -funds - fee : funds - fee
      fills.push({
        ts: new Date(tsMs).toISOString(),
        tsMs,
        market,
        side: buy ? 'buy' : 'sell',
        volume: decimal(volume),
        price: p.toString(),
        funds: decimal(funds),
        fee: decimal(fee),
        orderId: `gen-${n}`,
        mode: 'paper',
      })
      if (k % 5 === 4) {
        const at = tsMs + 1
        const positions = markets.map((m) => ({
          market: m,
          volume: decimal(held.get(m)!),
          price: price.get(m)!.toString(),
          value: decimal(held.get(m)! * price.get(m)!),
        }))
        const total = cash + markets.reduce((sum, m) => sum + held.get(m)! * price.get(m)!, 0n)
        snapshots.push({
          ts: new Date(at).toISOString(),
          tsMs: at,
          cash: decimal(cash),
          positions,
          total: decimal(total),
          mode: 'paper',
        })
      }
    }
  }
  return { fills, snapshots, startingBalance: decimal(startCash) }
}
