/**
 * Two (or more) bots on one Upbit pocket, on one machine, sharing one rate limit through Redis — against the
 * simulator, which counts the exchange groups per pocket across every connection as Upbit does. Nothing reaches
 * Upbit and no key is needed.
 *
 *   pnpm two-bots                        # 2 bots, shared Redis limiter: no 429
 *   pnpm two-bots --limiter memory       # the same bots with per-process limiters: they overshoot and get 429s
 *   pnpm two-bots --bots 4 --cycles 24   # more bots, longer run
 *   REDIS_URL=redis://127.0.0.1:6379 pnpm two-bots   # use your Redis (default: starts Debian's redis-server on a free port)
 *
 * Each bot is its own process (scripts/pocket-bot.ts) running trading cycles through the bot's exchange binding:
 * candles, ticker, orderbook, accounts, a limit order and its cancel, several cycles at once. The limiter of every
 * bot reserves each send slot in Redis (`createRedisLimiterStore` from `@tradekit/upbit-client/redis`, pocket name
 * `demo-pocket`), so together they stay within the pocket's budgets. Kill Redis while it runs (or pass a dead
 * REDIS_URL) to watch the bots fall back to half the budget each, with a warning, and rejoin when it returns.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startUpbitSimulator } from '@tradekit/upbit-client/testing'
import { startRedisServer } from '../../../test-support/redis-server.js'

const { values } = parseArgs({
  // `pnpm two-bots -- --bots 4` hands the script the `--` too: skip it.
  args: process.argv.slice(2).filter((arg, i) => i > 0 || arg !== '--'),
  options: {
    bots: { type: 'string', default: '2' },
    cycles: { type: 'string', default: '12' },
    burst: { type: 'string', default: '4' },
    limiter: { type: 'string', default: 'redis' },
    help: { type: 'boolean', default: false },
  },
})
if (values.help) {
  console.log(
    'usage: pnpm two-bots [--bots 2] [--cycles 12] [--burst 4] [--limiter redis|memory]   (REDIS_URL to use your Redis)',
  )
  process.exit(0)
}
if (values.limiter !== 'redis' && values.limiter !== 'memory') throw new Error('--limiter must be redis or memory')
const bots = Number(values.bots)
if (!Number.isInteger(bots) || bots < 1 || bots > 16) throw new Error('--bots must be a whole number from 1 to 16')

const ownRedis = values.limiter === 'redis' && !process.env.REDIS_URL ? await startRedisServer() : undefined
const redisUrl = process.env.REDIS_URL ?? ownRedis?.url ?? ''
const sim = await startUpbitSimulator({ balances: { KRW: '1000000000' } })
console.log(
  `simulator ${sim.baseUrl} (limits per pocket); limiter: ${values.limiter}${ownRedis ? ` (redis-server on port ${ownRedis.port})` : ''}`,
)

const script = fileURLToPath(new URL('./pocket-bot.ts', import.meta.url))
const runBot = (i: number) =>
  new Promise<Record<string, unknown>>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      env: {
        ...process.env,
        UPBIT_BASE_URL: sim.baseUrl,
        SIM_ACCESS_KEY: sim.accessKey,
        SIM_SECRET_KEY: sim.secretKey,
        POCKET: 'demo-pocket',
        LIMITER: values.limiter,
        REDIS_URL: redisUrl,
        BOT_NAME: `bot-${i + 1}`,
        CYCLES: values.cycles,
        BURST: values.burst,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
    })
    child.once('error', reject)
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}'))
        : reject(new Error(`bot-${i + 1} exited with ${code}`)),
    )
  })

try {
  const results = await Promise.all(Array.from({ length: bots }, (_, i) => runBot(i)))
  for (const result of results) console.log(JSON.stringify(result))
  const byStatus = sim.stats().byStatus
  console.log(`simulator answers by status: ${JSON.stringify(byStatus)}`)
  console.log(
    (byStatus[429] ?? 0) === 0
      ? `no 429: ${bots} bots stayed within the pocket's budgets together`
      : `${byStatus[429]} × 429: the bots overshot the pocket's budgets${values.limiter === 'memory' ? ' (each limiter only knew its own sends)' : ''}`,
  )
} finally {
  await sim.close()
  await ownRedis?.stop()
}
