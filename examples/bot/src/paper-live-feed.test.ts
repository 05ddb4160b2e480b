import { createScriptedDecider } from '@tradekit/ai-decider/testing'
import { createTradeLogWriter } from '@tradekit/trade-log'
import { createUpbitClient } from '@tradekit/upbit-client'
import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBot } from './bot.js'
import { createBotLog } from './bot-log.js'
import { createBotState } from './bot-state.js'
import { startPaperSession } from './paper.js'
import { decision, silentLogger, useTempDirs } from './test-support/bot-setup.js'
import { readKind } from './test-support/log-files.js'
import { testLimits, testSettings } from './test-support/replay-cycle.js'

// Upbit's public API as msw serves it (shapes from Upbit's docs, see upbit-client's schemas); the simulator
// on 127.0.0.1 is let through, anything else fails the test.
let price = 151_000_000
const candle = (i: number) => ({
  market: 'KRW-BTC',
  candle_date_time_utc: new Date(Date.UTC(2026, 10, 22, 0) - i * 3_600_000).toISOString().slice(0, 19),
  candle_date_time_kst: new Date(Date.UTC(2026, 10, 22, 9) - i * 3_600_000).toISOString().slice(0, 19),
  opening_price: price,
  high_price: price,
  low_price: price,
  trade_price: price,
  timestamp: Date.UTC(2026, 10, 22, 0) - i * 3_600_000,
  candle_acc_trade_price: 1,
  candle_acc_trade_volume: 1,
  unit: 60,
})
const upbit = setupServer(
  http.get('https://api.upbit.com/v1/ticker', () =>
    HttpResponse.json([
      {
        market: 'KRW-BTC',
        trade_price: price,
        opening_price: price,
        high_price: price,
        low_price: price,
        prev_closing_price: price,
        change: 'EVEN',
        timestamp: 1,
      },
    ]),
  ),
  http.get('https://api.upbit.com/v1/candles/minutes/:unit', ({ request }) => {
    const count = Number(new URL(request.url).searchParams.get('count'))
    return HttpResponse.json(Array.from({ length: count }, (_, i) => candle(i)))
  }),
  http.get('https://api.upbit.com/v1/orderbook', () =>
    HttpResponse.json([
      {
        market: 'KRW-BTC',
        timestamp: 1,
        total_ask_size: 1,
        total_bid_size: 1,
        orderbook_units: [{ ask_price: price + 1000, bid_price: price, ask_size: 1, bid_size: 1 }],
      },
    ]),
  ),
)
beforeAll(() =>
  upbit.listen({
    onUnhandledRequest(request, print) {
      if (new URL(request.url).hostname !== '127.0.0.1') print.error()
    },
  }),
)
afterAll(() => upbit.close())
const tempDir = useTempDirs()

describe('paper trading on Upbit live prices (BOT_PAPER_FEED=upbit, the demo with UPBIT_* keys)', () => {
  it('reads the market from Upbit and fills on the simulator at Upbit’s last price; nothing is sent to Upbit but public reads', async () => {
    const sent: string[] = []
    upbit.events.on('request:start', ({ request }) =>
      sent.push(`${request.method} ${new URL(request.url).host}${new URL(request.url).pathname}`),
    )
    const session = await startPaperSession({
      market: 'KRW-BTC',
      feed: 'upbit',
      candleFile: '',
      balances: { KRW: '1000000' },
      liveClient: createUpbitClient({ accessKey: undefined, secretKey: undefined }),
    })
    try {
      const dir = tempDir()
      const bot = createBot({
        markets: ['KRW-BTC'],
        intervalMs: 1,
        maxCycles: 2,
        settings: testSettings,
        exchange: session.exchange,
        decider: createScriptedDecider([decision('buy', 0.1), decision('hold', 0)]),
        limits: testLimits,
        log: createBotLog(createTradeLogWriter({ dir })),
        logger: silentLogger,
        state: createBotState(Date.now()),
        beforeCycle: async () => {
          price += 1000
          return session.beforeCycle()
        },
        onStatus: () => {},
      })
      const summary = await bot.run()
      expect(summary.reports[0]!.price).toBe(151_001_000)
      const [order] = session.simulator.orders()
      expect(order).toMatchObject({ side: 'bid', state: 'done' })
      expect(readKind(dir, 'trades')[0]).toMatchObject({ price: '151001000', orderId: order!.uuid })
      const upbitCalls = sent.filter((call) => call.includes('api.upbit.com'))
      expect(upbitCalls.length).toBeGreaterThan(0)
      const publicRead = /^GET api\.upbit\.com\/v1\/(ticker|candles\/minutes\/\d+|orderbook)$/
      expect(upbitCalls.filter((call) => !publicRead.test(call))).toEqual([])
    } finally {
      await session.close()
    }
  })
})
