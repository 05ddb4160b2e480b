import { createUpbitClient, createUpbitStreams, type UpbitClient, type UpbitStreams } from '@tradekit/upbit-client'
import { startUpbitSimulator, type UpbitSimulator } from '@tradekit/upbit-client/testing'
import { type Candle, readCandleFile } from './candles.js'
import { ConfigError } from './config.js'
import type { Exchange } from './exchange.js'
import { createUpbitExchange } from './upbit-exchange.js'

/** Candles of history the bot sees before its first replayed cycle (Upbit serves at most 200 per call). */
export const HISTORY_CANDLES = 200

export interface PaperSessionOptions {
  market: string
  /** `file`: replay `candleFile`, one candle per cycle. `upbit`: follow Upbit's live public prices. */
  feed: 'file' | 'upbit'
  candleFile: string
  /** Balances of the simulated account, e.g. `{ KRW: '1000000', BTC: '0.01' }`. */
  balances: Record<string, string>
  /** Replay only: resume after this time (the last decision logged), UTC ms. */
  resumeAfter?: number | null | undefined
  /** Options for the real Upbit client used for public prices when `feed` is `upbit` (tests inject `fetch`). */
  liveClient?: UpbitClient | undefined
  /**
   * Open the simulator's WebSocket streams: fills from myOrder (GET /order polled only while it is down) and, when
   * replaying, the price from the candle stream. Default true.
   */
  streams?: boolean | undefined
}

export interface PaperSession {
  exchange: Exchange
  simulator: UpbitSimulator
  /** The streams against the simulator's WebSocket (undefined with `streams: false`). */
  streams: UpbitStreams | undefined
  /** The session's clock: the current candle's time when replaying, wall time when following Upbit. */
  now: () => number
  /** Before each cycle: moves the replay one candle on (false at the end) or pulls the latest live price. */
  beforeCycle: () => Promise<boolean>
  close(): Promise<void>
}

/**
 * Paper trading: the upbit-client simulator (real HTTP on 127.0.0.1, JWT-signed requests, the KRW fee, tick
 * and minimum checks) holds the account and fills the orders; prices come from a candle file or from Upbit.
 */
export async function startPaperSession(options: PaperSessionOptions): Promise<PaperSession> {
  return options.feed === 'upbit' ? startLiveFed(options) : startReplay(options)
}

async function startReplay(options: PaperSessionOptions): Promise<PaperSession> {
  const candles = await readCandleFile(options.candleFile)
  const feed = candles.map((c: Candle) => ({
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
    time: c.timestamp,
  }))
  let start = Math.min(HISTORY_CANDLES, candles.length - 1)
  if (options.resumeAfter != null) {
    const next = candles.findIndex((c) => c.timestamp > options.resumeAfter!)
    if (next === -1) {
      throw new ConfigError(
        `paper replay: the trade log already covers the whole candle file (${options.candleFile}); point TRADE_LOG_DIR at a new folder to start over`,
        'tradeLogDir',
      )
    }
    start = Math.max(start, next)
  }
  const simulator = await startUpbitSimulator({
    markets: { [options.market]: feed },
    balances: options.balances,
    clock: () => candles[simulator.step]!.timestamp,
  })
  simulator.advance(start)
  const client = createUpbitClient({ baseUrl: simulator.baseUrl, accessKey: simulator.accessKey, secretKey: simulator.secretKey })
  const now = () => candles[simulator.step]!.timestamp
  const streams = options.streams === false ? undefined : simulatorStreams(simulator, client)
  let first = true
  return {
    // The simulator stamps its frames with its clock, the current candle's time: only a price of this candle counts.
    exchange: createUpbitExchange(client, { streams, streamPrices: [options.market], priceMaxAgeMs: 0, now }),
    simulator,
    streams,
    now,
    async beforeCycle() {
      if (first) {
        first = false
        return true
      }
      if (simulator.step + 1 >= candles.length) return false
      simulator.advance()
      return true
    },
    close: () => closeSession(simulator, streams),
  }
}

async function startLiveFed(options: PaperSessionOptions): Promise<PaperSession> {
  // Public quotation calls need no keys; the live client never signs anything or places an order.
  const live = options.liveClient ?? createUpbitClient({ accessKey: undefined, secretKey: undefined })
  const [ticker] = await live.getTicker({ markets: [options.market] })
  if (!ticker) throw new Error(`Upbit returned no ticker for ${options.market}`)
  const simulator = await startUpbitSimulator({
    markets: { [options.market]: () => String(ticker.trade_price) },
    balances: options.balances,
  })
  const client = createUpbitClient({ baseUrl: simulator.baseUrl, accessKey: simulator.accessKey, secretKey: simulator.secretKey })
  const streams = options.streams === false ? undefined : simulatorStreams(simulator, client)
  const paper = createUpbitExchange(client, { streams })
  const market = createUpbitExchange(live)
  return {
    // Market data from Upbit (REST); the account and the fills (myOrder stream) from the simulator at Upbit's last price.
    exchange: { ...paper, candles: market.candles, ticker: market.ticker, orderbook: market.orderbook },
    simulator,
    streams,
    now: Date.now,
    async beforeCycle() {
      const [latest] = await live.getTicker({ markets: [options.market] })
      if (latest) simulator.setPrice(options.market, String(latest.trade_price))
      return true
    },
    close: () => closeSession(simulator, streams),
  }
}

/** Streams against the simulator's WebSocket, with its keys; reconciliation after a reconnect asks it through `client`. */
function simulatorStreams(simulator: UpbitSimulator, client: UpbitClient): UpbitStreams {
  return createUpbitStreams({ url: simulator.wsUrl, accessKey: simulator.accessKey, secretKey: simulator.secretKey, client })
}

async function closeSession(simulator: UpbitSimulator, streams: UpbitStreams | undefined): Promise<void> {
  await streams?.close()
  await simulator.close()
}
