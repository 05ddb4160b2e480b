/**
 * One bot process of `two-bots-one-pocket.ts`: trading cycles through the bot's own exchange binding
 * (`createUpbitExchange`), against the simulator, with a rate limiter whose budgets live in Redis (or in memory,
 * to show what happens without sharing). Prints one JSON line with what it did and what Upbit answered.
 *
 * Environment: UPBIT_BASE_URL, SIM_ACCESS_KEY, SIM_SECRET_KEY, POCKET, LIMITER ('redis' | 'memory'),
 * REDIS_URL (with LIMITER=redis), BOT_NAME, CYCLES, BURST.
 */
import { createUpbitClient, type LimiterStore, UpbitRateLimitError } from '@tradekit/upbit-client'
import { createRedisLimiterStore } from '@tradekit/upbit-client/redis'
import { Redis } from 'ioredis'
import { createUpbitExchange } from '../src/upbit-exchange.js'

const env = (name: string, fallback?: string) => {
  const value = process.env[name] ?? fallback
  if (value === undefined) throw new Error(`pocket-bot: ${name} is not set (run it through two-bots-one-pocket.ts).`)
  return value
}
const name = env('BOT_NAME', 'bot')
const cycles = Number(env('CYCLES', '10'))
const burst = Number(env('BURST', '4'))
const limiter = env('LIMITER', 'redis')

let redis: Redis | undefined
let store: (LimiterStore & { close(): Promise<void> }) | undefined
if (limiter === 'redis') {
  redis = new Redis(env('REDIS_URL'))
  store = createRedisLimiterStore({
    redis,
    pocket: env('POCKET'),
    onStatus: (event) => console.error(`${name}: ${event.message}`),
  })
}

let status429 = 0
const client = createUpbitClient({
  baseUrl: env('UPBIT_BASE_URL'),
  accessKey: env('SIM_ACCESS_KEY'),
  secretKey: env('SIM_SECRET_KEY'),
  orderChecks: 'table',
  rateLimit: store ? { store } : {},
  hooks: {
    onResponse: (info) => {
      if (info.status === 429) {
        status429++
        console.error(`${name}: 429 in group ${info.group}`)
      }
    },
  },
})
const exchange = createUpbitExchange(client)

/** One trading cycle: market data, the account, then a resting bid far below the market and its cancel. */
async function cycle(i: number): Promise<void> {
  await exchange.candles('KRW-BTC', 1, 60)
  const { price } = await exchange.ticker('KRW-BTC')
  await exchange.orderbook('KRW-BTC')
  await exchange.accounts()
  const bid = String(Math.floor((price * 0.5) / 1000) * 1000)
  const order = await exchange.createOrder({
    market: 'KRW-BTC',
    side: 'bid',
    ord_type: 'limit',
    price: bid,
    volume: '0.0001',
    identifier: `${name}-${process.pid}-${i}`,
  })
  await exchange.cancelOrder(order.uuid)
}

const started = performance.now()
let failed = 0
let rateLimited = 0
for (let done = 0; done < cycles; done += burst) {
  // A burst: several cycles at once, as a bot reacting to a signal on several fronts would.
  const results = await Promise.allSettled(Array.from({ length: Math.min(burst, cycles - done) }, (_, k) => cycle(done + k)))
  for (const result of results) {
    if (result.status === 'fulfilled') continue
    failed++
    if (result.reason instanceof UpbitRateLimitError) rateLimited++
    console.error(`${name}: ${(result.reason as Error).message}`)
  }
}
const seconds = (performance.now() - started) / 1000
console.log(JSON.stringify({ name, limiter, cycles, failed, rateLimited, status429, seconds: Number(seconds.toFixed(2)) }))
await store?.close()
redis?.disconnect()
