import { createScriptedDecider } from '@tradekit/ai-decider/testing'
import { createUpbitStreams } from '@tradekit/upbit-client'
import { startUpbitSimulator, type UpbitSimulator } from '@tradekit/upbit-client/testing'
import { describe, expect, it } from 'vitest'
import { startBot } from './app.js'
import { loadConfig } from './config.js'
import { decision, silentLogger, useTempDirs } from './test-support/bot-setup.js'
import { readKind } from './test-support/log-files.js'

const tempDir = useTempDirs()
const LIMITS_FILE = new URL('../risk-limits.example.json', import.meta.url).pathname

/** Live mode against the simulator standing in for Upbit, with the example limits file. */
function liveEnv(simulator: UpbitSimulator, dir: string, extra: Record<string, string>): Record<string, string> {
  return {
    BOT_MODE: 'live',
    BOT_RISK_LIMITS_FILE: LIMITS_FILE,
    UPBIT_BASE_URL: simulator.baseUrl,
    UPBIT_ACCESS_KEY: simulator.accessKey,
    UPBIT_SECRET_KEY: simulator.secretKey,
    TRADE_LOG_DIR: dir,
    ...extra,
  }
}

describe('live mode, rehearsed against the simulator (UPBIT_BASE_URL)', () => {
  it('with keys, --live and a limits file it prints the limits before the first order and trades within them', async () => {
    const simulator = await startUpbitSimulator({ markets: { 'KRW-BTC': () => '150000000' }, balances: { KRW: '2000000' } })
    try {
      const dir = tempDir()
      const { config, secrets } = loadConfig({
        env: liveEnv(simulator, dir, { BOT_MAX_CYCLES: '2', BOT_INTERVAL_MS: '10', BOT_ORDER_POLL_MS: '10' }),
      })
      const output: string[] = []
      const running = await startBot({
        config,
        secrets,
        live: true,
        logger: silentLogger,
        // The model wants everything; the limits file allows 100,000 KRW per order and 20% of equity.
        decider: createScriptedDecider([decision('buy', 1, 0.95), decision('buy', 1, 0.95)]),
        onBanner: (text) => output.push(text),
        onStatus: (line) => output.push(line),
      })
      await running.run()
      expect(output[0]).toMatch(/^mode LIVE \(REAL MONEY on http:\/\/127\.0\.0\.1:\d+\)/)
      expect(output[0]).toMatch(/max order +100000 KRW[\s\S]*daily loss limit +30000 KRW/)
      expect(output.slice(1).every((line) => !line.includes('risk limits'))).toBe(true)

      const orders = simulator.orders()
      // The second buy is blocked by the one-hour cooldown of the limits file.
      expect(orders).toHaveLength(1)
      expect(orders[0]!.price).toBe('100000')
      const trades = readKind(dir, 'trades')
      expect(trades).toHaveLength(1)
      expect(trades[0]).toMatchObject({ mode: 'live', orderId: orders[0]!.uuid, volume: orders[0]!.executed_volume })
      const decisions = readKind(dir, 'decisions')
      expect(decisions.map((d) => d['action'])).toEqual(['buy', 'hold'])
      expect(decisions[1]!['clamps']).toEqual([expect.objectContaining({ rule: 'cooldown' })])
    } finally {
      await simulator.close()
    }
  })

  it('a resting limit order settles from the myOrder stream (GET /order is not polled while the stream is up)', {
    timeout: 120_000,
  }, async () => {
    const simulator = await startUpbitSimulator({ markets: { 'KRW-BTC': () => '150000000' }, balances: { KRW: '2000000' } })
    // The test's own view of the account's orders, to move the price once the bot's order rests.
    const watcher = createUpbitStreams({ url: simulator.wsUrl, accessKey: simulator.accessKey, secretKey: simulator.secretKey })
    try {
      const dir = tempDir()
      const { config, secrets } = loadConfig({
        env: liveEnv(simulator, dir, {
          BOT_MAX_CYCLES: '1',
          BOT_ORDER_TYPE: 'limit',
          BOT_LIMIT_OFFSET_TICKS: '5', // below the price: it rests
          // Polling would take ten minutes: an order that settles sooner settled from its stream events.
          BOT_ORDER_POLL_MS: '600000',
          BOT_ORDER_TIMEOUT_MS: '600000',
        }),
      })
      const running = await startBot({
        config,
        secrets,
        live: true,
        logger: silentLogger,
        decider: createScriptedDecider([decision('buy', 1, 0.95)]),
        onBanner: () => {},
        onStatus: () => {},
      })
      await running.streams!.subscribe('myOrder').confirmed()
      const resting = new Promise<void>((resolve) =>
        watcher.subscribe('myOrder').on('data', (e) => e.state === 'wait' && resolve()),
      )
      const ran = running.run()
      await resting
      simulator.setPrice('KRW-BTC', '149000000')
      expect((await ran).cycles).toBe(1)

      const [order] = simulator.orders()
      expect(order).toMatchObject({ ord_type: 'limit', state: 'done' })
      const trades = readKind(dir, 'trades')
      expect(trades.map((t) => [t['orderId'], t['price'], t['volume'], t['fee']])).toEqual([
        [order!.uuid, '149000000', order!.executed_volume, order!.paid_fee],
      ])
    } finally {
      await watcher.close()
      await simulator.close()
    }
  })
})
