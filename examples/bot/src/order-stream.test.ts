import { createTradeLogWriter } from '@tradekit/trade-log'
import {
  createUpbitClient,
  createUpbitStreams,
  type MyOrderEvent,
  type StreamEventMap,
  type UpbitStreams,
} from '@tradekit/upbit-client'
import { startUpbitSimulator, type UpbitSimulator } from '@tradekit/upbit-client/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createBotLog } from './bot-log.js'
import type { Exchange, OrderRequest } from './exchange.js'
import { executeOrder } from './execute-order.js'
import { fillsFromOrder } from './fills.js'
import { createOrderDesk, type OrderMeta } from './order-desk.js'
import { createMemoryJournal } from './order-journal.js'
import { orderFromEvents } from './order-stream.js'
import { restoreState } from './restore-state.js'
import { useTempDirs } from './test-support/bot-setup.js'
import { readKind } from './test-support/log-files.js'
import { startTcpGate, type TcpGate } from './test-support/tcp-gate.js'
import { createUpbitExchange, streamUrlFor } from './upbit-exchange.js'

const tempDir = useTempDirs()
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface Setup {
  sim: UpbitSimulator
  gate: TcpGate
  streams: UpbitStreams
  exchange: Exchange
  /** REST calls the exchange made, by path (`/v1/order`, `/v1/ticker`, ...). */
  calls: Map<string, number>
}

/**
 * The simulator (KRW-BTC at 100,000,000), a REST client straight to it, and streams through a TCP gate the test
 * shuts to take the streams down while REST keeps working.
 */
async function setup(options: { secretKey?: string; gateOpen?: boolean } = {}): Promise<Setup> {
  const sim = await startUpbitSimulator({ markets: { 'KRW-BTC': () => '100000000' }, balances: { KRW: '10000000' } })
  cleanups.push(() => sim.close())
  const gate = await startTcpGate(sim.baseUrl)
  cleanups.push(() => gate.close())
  if (options.gateOpen === false) gate.shut()
  const calls = new Map<string, number>()
  const client = createUpbitClient({
    baseUrl: sim.baseUrl,
    accessKey: sim.accessKey,
    secretKey: sim.secretKey,
    hooks: {
      onRequest: ({ url }) => {
        const path = new URL(url).pathname
        calls.set(path, (calls.get(path) ?? 0) + 1)
      },
    },
  })
  const streams = createUpbitStreams({
    url: streamUrlFor(gate.url),
    accessKey: sim.accessKey,
    secretKey: options.secretKey ?? sim.secretKey,
    client,
    reconnect: { minDelayMs: 20, maxDelayMs: 100, rateLimitedDelayMs: 50 },
  })
  cleanups.push(() => streams.close())
  streams.on('error', () => {})
  const exchange = createUpbitExchange(client, { streams, streamPrices: ['KRW-BTC'] })
  return { sim, gate, streams, exchange, calls }
}

/** The next event of a type that passes `test`. */
function next<T extends 'myOrder' | 'candle.1m' | 'ticker'>(
  streams: UpbitStreams,
  type: T,
  test: (event: StreamEventMap[T]) => boolean = () => true,
) {
  return new Promise<void>((resolve) => {
    const listener = (event: StreamEventMap[T]) => {
      if (!test(event)) return
      streams.off(type, listener as never)
      resolve()
    }
    streams.on(type, listener as never)
  })
}

/** The next time a connection reaches `state`. */
const reaches = (streams: UpbitStreams, connection: 'public' | 'private', state: 'closed' | 'confirmed') =>
  new Promise<void>((resolve) => {
    const listener = (change: { connection: string; state: string }) => {
      if (change.connection !== connection || change.state !== state) return
      streams.off('state', listener)
      resolve()
    }
    streams.on('state', listener)
  })

const restingBuy = (identifier: string, price = '99000000'): OrderRequest => ({
  market: 'KRW-BTC',
  side: 'bid',
  ord_type: 'limit',
  price,
  volume: '0.001',
  identifier,
})
const meta = (identifier: string): OrderMeta => ({ market: 'KRW-BTC', identifier, decisionId: identifier, reason: 'test' })
const waitingOn = (identifier: string) => (e: MyOrderEvent) => e.identifier === identifier && e.state === 'wait'
const POLL_MS = 20
const TEN_MINUTES = 600_000

/** Places a resting buy through executeOrder; once the exchange has accepted it, the price crosses it. */
async function restThenFill(sim: UpbitSimulator, exchange: Exchange, identifier: string) {
  let accepted: () => void = () => {}
  const placed = new Promise<void>((resolve) => {
    accepted = resolve
  })
  const place = async (request: OrderRequest) => {
    const order = await exchange.createOrder(request)
    accepted()
    return order
  }
  const filling = executeOrder(exchange, restingBuy(identifier), {
    place,
    timeoutMs: TEN_MINUTES,
    pollMs: POLL_MS,
    onShutdown: 'finish',
  })
  await placed
  sim.setPrice('KRW-BTC', '98000000')
  return filling
}

describe('fills from the myOrder stream, GET /order polling only while it is down', { timeout: 60_000 }, () => {
  it('orders settle from their myOrder events, with no GET /order, and give the fills GET /order gives', async () => {
    const { sim, streams, exchange, calls } = await setup()
    await streams.subscribe('myOrder').confirmed()
    const options = { place: exchange.createOrder, timeoutMs: TEN_MINUTES, pollMs: POLL_MS, onShutdown: 'finish' as const }

    // A resting limit order: once the stream listed it as waiting, the price crosses it.
    const resting = executeOrder(exchange, restingBuy('stream-1'), options)
    await next(streams, 'myOrder', waitingOn('stream-1'))
    sim.setPrice('KRW-BTC', '98000000')
    const limit = await resting
    // A second one, placed after the first filled: each wait follows its own order's events.
    const again = executeOrder(exchange, restingBuy('stream-2', '97000000'), options)
    await next(streams, 'myOrder', waitingOn('stream-2'))
    sim.setPrice('KRW-BTC', '96000000')
    const second = await again

    expect(calls.get('/v1/order') ?? 0).toBe(0)
    expect([limit, second].map((r) => [r.outcome, r.order.state])).toEqual([
      ['settled', 'done'],
      ['settled', 'done'],
    ])
    // The gap fills at the open, the better price.
    expect([limit, second].map((r) => r.fills.map((f) => `${f.volume}@${f.price}`))).toEqual([
      ['0.001@98000000'],
      ['0.001@96000000'],
    ])
    for (const { order, fills } of [limit, second]) {
      expect(fills).toEqual(fillsFromOrder(await exchange.getOrder(order.uuid)))
    }
  })

  it('the stream goes down while an order waits: it settles by polling; the copy the reconnect reconciles logs no fill twice', async () => {
    const { sim, gate, streams, exchange, calls } = await setup()
    await streams.subscribe('myOrder').confirmed()
    const dir = tempDir()
    const log = createBotLog(createTradeLogWriter({ dir }))
    const desk = createOrderDesk({ exchange, journal: createMemoryJournal(), log, mode: 'paper', pollMs: POLL_MS, now: Date.now })
    const request = restingBuy('tk-down-1')
    const filling = executeOrder(exchange, request, {
      place: (r) => desk.place(r, meta(r.identifier)),
      timeoutMs: TEN_MINUTES,
      pollMs: POLL_MS,
      onShutdown: 'finish',
    })
    await next(streams, 'myOrder', waitingOn('tk-down-1'))
    const down = reaches(streams, 'private', 'closed')
    gate.shut()
    await down
    sim.setPrice('KRW-BTC', '98000000') // fills while nobody listens
    const polled = await filling
    expect(polled.outcome).toBe('settled')
    expect(calls.get('/v1/order')).toBeGreaterThanOrEqual(1)
    expect(await desk.record(polled.order, meta(request.identifier))).toHaveLength(1)

    // Back up: reconciliation delivers the missed trade and done; the stream now has the same order.
    const reconciled = new Promise<{ events: number }>((resolve) => streams.once('reconciled', resolve))
    gate.open()
    expect((await reconciled).events).toBe(2)
    const streamed = await exchange.settledFromStream!(polled.order.uuid, 0)
    if (typeof streamed !== 'object') throw new Error(`the stream did not rebuild the order: ${streamed}`)
    expect(fillsFromOrder(streamed)).toEqual(polled.fills)

    // Both sources through the desk, in this process and in a restarted one: the fill is in the log once.
    expect(await desk.record(streamed, meta(request.identifier))).toEqual([])
    await log.close()
    const restarted = createOrderDesk({
      exchange,
      journal: createMemoryJournal(),
      log: createBotLog(createTradeLogWriter({ dir })),
      mode: 'paper',
      pollMs: POLL_MS,
      now: Date.now,
      logged: (await restoreState(dir, ['KRW-BTC'])).logged,
    })
    expect(await restarted.record(streamed, meta(request.identifier))).toEqual([])
    expect(readKind(dir, 'trades').map((t) => [t['orderId'], t['volume'], t['price']])).toEqual([
      [polled.order.uuid, '0.001', '98000000'],
    ])
  })

  it('an order sent before the stream was ever confirmed settles by REST, even once the stream is up', async () => {
    const { sim, gate, streams, exchange, calls } = await setup({ gateOpen: false })
    const result = await restThenFill(sim, exchange, 'early-1')
    expect(result.outcome).toBe('settled')
    expect(calls.get('/v1/order')).toBeGreaterThanOrEqual(1)
    gate.open()
    await streams.subscribe('myOrder').confirmed()
    // Its events before the first confirmation are not reconciled (only gaps after it are): the stream cannot say.
    expect(await exchange.settledFromStream!(result.order.uuid, 0)).toBe('rest')
  })

  it('without a working stream (the upgrade refused), the order still settles by polling', async () => {
    const { sim, exchange, calls } = await setup({ secretKey: 'not-the-secret' })
    expect((await restThenFill(sim, exchange, 'refused-1')).outcome).toBe('settled')
    expect(calls.get('/v1/order')).toBeGreaterThanOrEqual(1)
    expect(sim.streams.stats().refused[401]).toBeGreaterThanOrEqual(1)
  })

  it('the price comes from the candle stream while it is up (the same context GET /ticker gives), from GET /ticker while it is down', async () => {
    const { sim, gate, streams, exchange, calls } = await setup()
    const restOnly = createUpbitExchange(
      createUpbitClient({ baseUrl: sim.baseUrl, accessKey: sim.accessKey, secretKey: sim.secretKey }),
    )
    const moved = Promise.all([
      next(streams, 'candle.1m', (e) => e.trade_price === '101000000'),
      next(streams, 'ticker', (e) => e.trade_price === '101000000'),
    ])
    await Promise.all([
      streams.subscribe('candle.1m', { codes: ['KRW-BTC'] }).confirmed(),
      streams.subscribe('ticker', { codes: ['KRW-BTC'] }).confirmed(),
    ])
    sim.setPrice('KRW-BTC', '101000000')
    await moved
    const streamed = await exchange.ticker('KRW-BTC')
    expect(calls.get('/v1/ticker') ?? 0).toBe(0)
    expect(streamed.price).toBe(101_000_000)
    expect(streamed).toEqual(await restOnly.ticker('KRW-BTC'))

    const down = reaches(streams, 'public', 'closed')
    gate.shut()
    await down
    expect((await exchange.ticker('KRW-BTC')).price).toBe(101_000_000)
    expect(calls.get('/v1/ticker')).toBe(1)
  })
})

describe('an order rebuilt from its myOrder events', () => {
  const event = (over: Partial<MyOrderEvent>): MyOrderEvent =>
    ({
      type: 'myOrder',
      code: 'KRW-BTC',
      uuid: 'o-1',
      ask_bid: 'BID',
      order_type: 'price',
      state: 'trade',
      trade_uuid: null,
      price: null,
      volume: null,
      executed_volume: null,
      executed_funds: null,
      paid_fee: null,
      identifier: 'tk-1',
      trade_timestamp: null,
      order_timestamp: Date.parse('2026-01-01T00:00:00Z'),
      reconciled: false,
      ...over,
    }) as MyOrderEvent
  const fill = (id: string, price: string, volume: string, ms: number) =>
    event({ state: 'trade', trade_uuid: id, price, volume, trade_timestamp: ms })
  const done = (over: Partial<MyOrderEvent> = {}) =>
    event({ state: 'done', executed_volume: '0.3', executed_funds: '30000.1', paid_fee: '15.00005', ...over })
  const t0 = Date.parse('2026-01-01T00:00:01.250Z')

  it('takes its fills from the trade events, in the order GET /order would give them, whatever order they came in', () => {
    const a = fill('b-trade', '100000', '0.1', t0)
    const b = fill('a-trade', '100000.5', '0.2', t0 + 100) // same second: the trade id decides
    const order = orderFromEvents(done(), [a, b])!
    expect(order).toMatchObject({ uuid: 'o-1', state: 'done', side: 'bid', executed_volume: '0.3', paid_fee: '15.00005' })
    const fills = fillsFromOrder(order)
    expect(fills).toEqual(fillsFromOrder(orderFromEvents(done(), [b, a])!))
    expect(fills.map((f) => [f.volume, f.funds, f.at])).toEqual([
      ['0.2', '20000.1', '2026-01-01T00:00:01.000Z'],
      ['0.1', '10000', '2026-01-01T00:00:01.000Z'],
    ])
  })

  it('refuses (GET /order decides) when the events do not add up to the final totals, or the order did not end', () => {
    const fills = [fill('t-1', '100000', '0.1', t0), fill('t-2', '100000.5', '0.2', t0)]
    expect(orderFromEvents(done(), fills.slice(0, 1))).toBeUndefined() // a fill missing
    expect(orderFromEvents(done({ executed_volume: '0.4' }), fills)).toBeUndefined()
    expect(orderFromEvents(done({ executed_funds: '30000' }), fills)).toBeUndefined()
    expect(orderFromEvents(done({ paid_fee: null }), fills)).toBeUndefined()
    expect(orderFromEvents(done({ state: 'prevented' }), fills)).toBeUndefined()
    expect(orderFromEvents(done({ state: 'cancel' }), fills)?.state).toBe('cancel')
  })
})
