import { createUpbitClient, createUpbitStreams, type UpbitStreams } from '@tradekit/upbit-client'
import type { Exchange } from './exchange.js'
import { sleep } from './execute-order.js'
import { createUpbitExchange, isExchangeUnreachable, streamUrlFor } from './upbit-exchange.js'

export interface RemotePaperOptions {
  /** The simulator's base URL, on this machine (`paperExchangeUrl`). */
  baseUrl: string
  accessKey: string
  secretKey: string
  market: string
  /** Cycles only start on a candle later than this (the last cycle the durable logs prove), UTC ms. */
  resumeAfter: number | null
  /** How often to ask for a new candle while waiting, ms. */
  pollMs: number
  /** Told once per wait that the bot is waiting for the simulator's next candle (or for the simulator). */
  onWait: (text: string) => void
  /** The client's fetch (tests). Default: global fetch. */
  fetch?: typeof globalThis.fetch
  /** Open the simulator's WebSocket streams (fills from myOrder, the price from the candle stream). Default true. */
  streams?: boolean | undefined
}

export interface RemotePaperSession {
  exchange: Exchange
  baseUrl: string
  /** The streams against the simulator's WebSocket (undefined with `streams: false`). */
  streams: UpbitStreams | undefined
  /** The simulator's time: its current candle, as read by the last `sync` or `beforeCycle`. */
  now(): number
  /** Reads the simulator's current time (start-up, inside the wait for a reachable exchange). */
  sync(): Promise<void>
  /** Waits until the simulator shows a candle after the previous cycle's; false when `signal` aborts first. */
  beforeCycle(signal: AbortSignal): Promise<boolean>
  /** Closes the streams (the simulator is not ours to close). */
  close(): Promise<void>
}

/**
 * Paper trading against an Upbit simulator that runs in another process (`paperExchangeUrl`): the account and
 * its orders live there and outlive the bot, as a real exchange's do, so a restart reconciles against them. The
 * simulator's driver moves its candles on; the bot trades each new candle once, on the simulator's clock.
 */
export function connectRemotePaper(options: RemotePaperOptions): RemotePaperSession {
  const client = createUpbitClient({
    baseUrl: options.baseUrl,
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
  let current: number | null = null
  let lastCycleAt = options.resumeAfter ?? Number.NEGATIVE_INFINITY
  const exchangeTime = async () => {
    const [ticker] = await client.getTicker({ markets: [options.market] })
    if (!ticker) throw new Error(`the simulator at ${options.baseUrl} has no ticker for ${options.market}`)
    return ticker.timestamp
  }
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ')
  const now = () => {
    if (current === null) throw new Error('the remote paper session has not read the simulator clock yet (sync first)')
    return current
  }
  const streams =
    options.streams === false
      ? undefined
      : createUpbitStreams({
          url: streamUrlFor(options.baseUrl),
          accessKey: options.accessKey,
          secretKey: options.secretKey,
          client,
        })
  return {
    // The simulator stamps its frames with its clock, the current candle's time: only a price of this candle counts.
    exchange: createUpbitExchange(client, { streams, streamPrices: [options.market], priceMaxAgeMs: 0, now }),
    baseUrl: options.baseUrl,
    streams,
    now,
    close: async () => streams?.close(),
    async sync() {
      current = await exchangeTime()
    },
    async beforeCycle(signal) {
      let told = ''
      const tell = (text: string) => {
        if (text !== told) options.onWait(text)
        told = text
      }
      while (!signal.aborted) {
        try {
          const at = await exchangeTime()
          if (at > lastCycleAt) {
            current = at
            lastCycleAt = at
            return true
          }
          tell(`waiting for the simulator's next candle after ${iso(lastCycleAt)} UTC`)
        } catch (error) {
          if (!isExchangeUnreachable(error)) throw error
          tell(`waiting for the simulator at ${options.baseUrl}: ${(error as Error).message}`)
        }
        await sleep(options.pollMs, signal)
      }
      return false
    },
  }
}
