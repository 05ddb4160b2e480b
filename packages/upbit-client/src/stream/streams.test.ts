import { afterEach, describe, expect, it } from 'vitest'
import { createUpbitClient } from '../client.js'
import { UpbitAuthError, UpbitStreamOverflowError } from '../errors.js'
import { startUpbitSimulator, type UpbitSimulator } from '../testing/index.js'
import { createUpbitStreams, type UpbitStreams } from './streams.js'
import { nextConfirmation } from './test-support.js'
import type { CandleEvent, MyAssetEvent, MyOrderEvent, StreamEvent, StreamFormat, TickerEvent } from './types.js'

let sim: UpbitSimulator | undefined
let streams: UpbitStreams | undefined
afterEach(async () => {
  await streams?.close()
  await sim?.close()
  streams = undefined
  sim = undefined
})

/** Waits until `check` passes, polling on events rather than time (no timing assertion). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (check()) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error(`never happened: ${what}`)
}

async function startStreams(s: UpbitSimulator, options: Parameters<typeof createUpbitStreams>[0] = {}) {
  const client = createUpbitClient({ baseUrl: s.baseUrl, accessKey: s.accessKey, secretKey: s.secretKey, orderChecks: 'table' })
  const st = createUpbitStreams({
    url: s.wsUrl,
    accessKey: s.accessKey,
    secretKey: s.secretKey,
    client,
    reconnect: { minDelayMs: 20, maxDelayMs: 200, rateLimitedDelayMs: 50 },
    ...options,
  })
  return { client, streams: st }
}

describe('streams against the simulator', { timeout: 60_000 }, () => {
  it('all four formats decode to the same typed events, with decimal strings for money', async () => {
    sim = await startUpbitSimulator({ markets: { 'KRW-BTC': (step) => String(100_000_000 + step * 1000) } })
    const seen: Record<string, StreamEvent[]> = {}
    const all: UpbitStreams[] = []
    const confirmations: Promise<void>[] = []
    for (const format of ['DEFAULT', 'SIMPLE', 'JSON_LIST', 'SIMPLE_LIST'] as StreamFormat[]) {
      const { streams: st } = await startStreams(sim, { format })
      all.push(st)
      const list: StreamEvent[] = []
      seen[format] = list
      for (const type of ['ticker', 'trade', 'orderbook', 'candle.1m'] as const) {
        const sub = st.subscribe(type, { codes: ['KRW-BTC'] })
        sub.on('data', (e) => list.push(e))
        confirmations.push(sub.confirmed())
      }
    }
    await Promise.all(confirmations)
    await until(() => Object.values(seen).every((l) => l.length >= 4), 'snapshots in every format')
    sim.advance()
    await until(
      () => Object.values(seen).every((l) => l.filter((e) => e.stream_type === 'REALTIME').length >= 4),
      'realtime in every format',
    )
    await Promise.all(all.map((s) => s.close()))
    const normalise = (l: StreamEvent[]) =>
      l.map((e) => ({ ...e, timestamp: 0 })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
    expect(normalise(seen.SIMPLE!)).toEqual(normalise(seen.DEFAULT!))
    expect(normalise(seen.JSON_LIST!)).toEqual(normalise(seen.DEFAULT!))
    expect(normalise(seen.SIMPLE_LIST!)).toEqual(normalise(seen.DEFAULT!))
    const ticker = seen.DEFAULT!.find((e): e is TickerEvent => e.type === 'ticker' && e.stream_type === 'REALTIME')!
    expect(ticker.trade_price).toBe('100001000')
    expect(typeof ticker.trade_price).toBe('string')
    expect(ticker.code).toBe('KRW-BTC')
  })

  it('myOrder and myAsset decode to the same typed events in all four formats', async () => {
    sim = await startUpbitSimulator({ balances: { KRW: '10000000' } })
    const seen: Record<string, Array<MyOrderEvent | MyAssetEvent>> = {}
    const all: UpbitStreams[] = []
    let client: ReturnType<typeof createUpbitClient> | undefined
    for (const format of ['DEFAULT', 'SIMPLE', 'JSON_LIST', 'SIMPLE_LIST'] as StreamFormat[]) {
      const started = await startStreams(sim, { format })
      client = started.client
      all.push(started.streams)
      const list: Array<MyOrderEvent | MyAssetEvent> = []
      seen[format] = list
      const orders = started.streams.subscribe('myOrder')
      const assets = started.streams.subscribe('myAsset')
      orders.on('data', (e) => list.push(e))
      assets.on('data', (e) => list.push(e))
      await Promise.all([orders.confirmed(), assets.confirmed()])
    }
    await client!.createOrder({ market: 'KRW-BTC', side: 'bid', ordType: 'price', price: '10000' })
    const done = (l: Array<MyOrderEvent | MyAssetEvent>) =>
      l.some((e) => e.type === 'myOrder' && e.state === 'done') && l.some((e) => e.type === 'myAsset')
    await until(() => Object.values(seen).every(done), 'wait, trade, done and a balance in every format')
    await Promise.all(all.map((s) => s.close()))
    const normalise = (l: Array<MyOrderEvent | MyAssetEvent>) =>
      l.map((e) => ({ ...e, timestamp: 0 })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
    for (const format of ['SIMPLE', 'JSON_LIST', 'SIMPLE_LIST']) {
      expect(normalise(seen[format]!), format).toEqual(normalise(seen.DEFAULT!))
    }
    const trade = seen.SIMPLE_LIST!.find((e): e is MyOrderEvent => e.type === 'myOrder' && e.state === 'trade')!
    expect(trade.volume).toBe('0.0001')
    expect(trade.trade_uuid).toBeTruthy()
    const asset = seen.SIMPLE!.find((e): e is MyAssetEvent => e.type === 'myAsset')!
    expect(asset.assets.find((a) => a.currency === 'KRW')?.balance).toBe('9989995')
  })

  it('candles are upserted by start time: repeats replace, the previous candle arriving first is kept', async () => {
    sim = await startUpbitSimulator({ markets: { 'KRW-BTC': (step) => String(100_000_000 + step * 1000) } })
    sim.advance(3)
    const { streams: st } = await startStreams(sim)
    streams = st
    const sub = st.subscribe('candle.3m', { codes: ['KRW-BTC'] })
    const received: CandleEvent[] = []
    sub.on('data', (c) => received.push(c))
    await sub.confirmed()
    await until(() => received.length >= 2, 'snapshot candles')
    // The 3-minute bucket of steps 0–2 came before the forming one of step 3; advancing repeats the forming bucket.
    sim.advance()
    sim.advance()
    await until(() => received.length >= 4, 'repeated candles')
    const series = st.candles('candle.3m', 'KRW-BTC')
    expect(received.length).toBeGreaterThan(series.length)
    expect(series.map((c) => c.candle_date_time_utc)).toEqual(['2026-01-01T00:00:00', '2026-01-01T00:03:00'])
    expect(series[1]!.trade_price).toBe('100005000')
    expect(series[0]!.trade_price).toBe('100002000')
  })

  it('myOrder: wait, trade, done and cancel from the simulator fills, and myAsset balances, on one private connection', async () => {
    sim = await startUpbitSimulator({ balances: { KRW: '10000000' } })
    const { client, streams: st } = await startStreams(sim)
    streams = st
    const orders = st.subscribe('myOrder')
    const assets = st.subscribe('myAsset')
    const events: MyOrderEvent[] = []
    const balances: string[] = []
    orders.on('data', (e) => events.push(e))
    assets.on('data', (e) => balances.push(...e.assets.map((a) => `${a.currency}:${a.balance}`)))
    await Promise.all([orders.confirmed(), assets.confirmed()])
    expect(sim.streams.stats().open).toBe(1)
    const resting = await client.createOrder({
      market: 'KRW-BTC',
      side: 'bid',
      ordType: 'limit',
      price: '90000000',
      volume: '0.001',
    })
    await client.cancelOrder({ uuid: resting.uuid })
    const filled = await client.createOrder({ market: 'KRW-BTC', side: 'bid', ordType: 'price', price: '10000' })
    await until(() => events.length >= 5, 'five order events')
    expect(events.map((e) => [e.uuid, e.state, e.reconciled])).toEqual([
      [resting.uuid, 'wait', false],
      [resting.uuid, 'cancel', false],
      [filled.uuid, 'wait', false],
      [filled.uuid, 'trade', false],
      [filled.uuid, 'done', false],
    ])
    expect(events[3]!.trade_uuid).toBeTruthy()
    expect(events[3]!.volume).toBe('0.0001')
    expect(balances).toContain('KRW:9989995')
  })

  it('no order event is lost: orders that changed while disconnected are emitted once, marked reconciled, before live ones', async () => {
    sim = await startUpbitSimulator({ balances: { KRW: '100000000' } })
    const { client, streams: st } = await startStreams(sim, {
      reconnect: { minDelayMs: 20, maxDelayMs: 50, rateLimitedDelayMs: 50 },
    })
    streams = st
    const sub = st.subscribe('myOrder')
    const events: MyOrderEvent[] = []
    sub.on('data', (e) => events.push(e))
    await sub.confirmed()
    const live = await client.createOrder({
      market: 'KRW-BTC',
      side: 'bid',
      ordType: 'limit',
      price: '90000000',
      volume: '0.001',
    })
    await until(() => events.length === 1, 'live wait')
    // Disconnected: upgrades refused for a while, and meanwhile one order fills, one is placed, one is cancelled.
    sim.streams.refuseUpgrades(3)
    sim.streams.drop('private')
    await until(() => sim!.streams.stats().refused[429] >= 1, 'a refused reconnect')
    sim.setPrice('KRW-BTC', '89000000') // fills `live`
    const placed = await client.createOrder({
      market: 'KRW-BTC',
      side: 'bid',
      ordType: 'limit',
      price: '80000000',
      volume: '0.001',
    })
    await client.cancelOrder({ uuid: placed.uuid })
    const resting = await client.createOrder({
      market: 'KRW-BTC',
      side: 'bid',
      ordType: 'limit',
      price: '70000000',
      volume: '0.001',
    })
    const reconciled = new Promise((resolve) => st.once('reconciled', resolve))
    await reconciled
    const after = await client.createOrder({ market: 'KRW-BTC', side: 'bid', ordType: 'price', price: '10000' })
    await until(() => events.some((e) => e.uuid === after.uuid && e.state === 'done'), 'live events after reconciliation')
    const key = (e: { uuid: string; state: string; trade_uuid: string | null }) => `${e.uuid}:${e.state}:${e.trade_uuid ?? ''}`
    expect(events.map(key).sort()).toEqual(sim.streams.orderEvents().map(key).sort())
    expect(new Set(events.map(key)).size).toBe(events.length)
    // Per order, in order; REST times have whole seconds, so orders of the same second come in any order.
    const gap = (uuid: string) => events.filter((e) => e.reconciled && e.uuid === uuid).map((e) => e.state)
    expect(gap(live.uuid)).toEqual(['trade', 'done'])
    expect(gap(placed.uuid)).toEqual(['wait', 'cancel'])
    expect(gap(resting.uuid)).toEqual(['wait'])
    expect(events.filter((e) => e.reconciled)).toHaveLength(5)
    // Reconciled events come before any live event of the new connection.
    const firstAfter = events.findIndex((e) => e.uuid === after.uuid)
    expect(events.slice(firstAfter).every((e) => !e.reconciled)).toBe(true)
  })

  it('myAsset after a reconnect: balances that changed while disconnected arrive as one reconciled event, none when nothing changed', async () => {
    sim = await startUpbitSimulator({ balances: { KRW: '10000000' } })
    const client = createUpbitClient({ baseUrl: sim.baseUrl, accessKey: sim.accessKey, secretKey: sim.secretKey })
    // Counts GET /v1/accounts and says when an answer reached the streams.
    let accountCalls = 0
    let beforeAnswer: (() => Promise<unknown>) | undefined
    let answered: () => void = () => {}
    const snapshot = new Promise<void>((resolve) => {
      answered = resolve
    })
    const watched = {
      ...client,
      getAccounts: async () => {
        accountCalls++
        await beforeAnswer?.()
        const accounts = await client.getAccounts()
        setImmediate(answered) // after the streams' own continuation has applied it
        return accounts
      },
    }
    const { streams: st } = await startStreams(sim, { client: watched })
    streams = st
    const assets = st.subscribe('myAsset')
    const events: MyAssetEvent[] = []
    assets.on('data', (e) => events.push(e))
    await assets.confirmed()
    await snapshot // the balances the book starts from
    expect(accountCalls).toBe(1)

    // A reconnect with nothing changed: reconciled, but no myAsset event.
    const quiet = new Promise<{ assets: number }>((resolve) => st.once('reconciled', resolve))
    sim.streams.drop('private')
    expect((await quiet).assets).toBe(0)
    expect(accountCalls).toBe(2)
    expect(events).toHaveLength(0)

    // Disconnected (upgrades refused for a while), and meanwhile a market buy moves KRW and BTC.
    sim.streams.refuseUpgrades(2)
    sim.streams.drop('private')
    await until(() => sim!.streams.stats().refused[429] >= 1, 'a refused reconnect')
    await client.createOrder({ market: 'KRW-BTC', side: 'bid', ordType: 'price', price: '100000' })
    const changed = new Promise<{ assets: number }>((resolve) => st.once('reconciled', resolve))
    expect((await changed).assets).toBe(2)
    const rest = await client.getAccounts()
    const held = (currency: string) => rest.find((a) => a.currency === currency)!
    expect(events).toHaveLength(1)
    expect(events[0]!.reconciled).toBe(true)
    expect(events[0]!.assets.map((a) => [a.currency, a.balance, a.locked]).sort()).toEqual(
      ['BTC', 'KRW'].map((c) => [c, held(c).balance, held(c).locked]),
    )
    expect(events[0]!.assets.find((a) => a.currency === 'KRW')!.balance).toBe('9899950')

    // A live event on the new connection while its reconciliation asks REST waits for the reconciled one.
    beforeAnswer = () => client.createOrder({ market: 'KRW-BTC', side: 'bid', ordType: 'price', price: '100000' })
    const third = new Promise<{ assets: number }>((resolve) => st.once('reconciled', resolve))
    sim.streams.drop('private')
    expect((await third).assets).toBe(2)
    const krw = (e: MyAssetEvent) => e.assets.find((a) => a.currency === 'KRW')?.balance
    await until(() => events.slice(2).some((e) => krw(e) === '9799900'), 'the held live myAsset events')
    // The buy's own frames (lock, fill) came live, after the reconciled one.
    expect(events[1]!.reconciled).toBe(true)
    expect(krw(events[1]!)).toBe('9799900')
    expect(events.slice(2).every((e) => !e.reconciled)).toBe(true)
  })

  it('error: a wrong secret gets 401 on the private upgrade, an UpbitAuthError without key or token', async () => {
    sim = await startUpbitSimulator()
    const st = createUpbitStreams({ url: sim.wsUrl, accessKey: sim.accessKey, secretKey: 'not-the-secret' })
    streams = st
    const sub = st.subscribe('myOrder')
    const error = await sub.confirmed().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpbitAuthError)
    expect((error as UpbitAuthError).status).toBe(401)
    expect(JSON.stringify((error as UpbitAuthError).toJSON())).not.toContain('not-the-secret')
    expect(sim.streams.stats().refused[401]).toBe(1)
  })

  it('after a forced disconnect every subscription is confirmed again with LIST_SUBSCRIPTIONS; no Origin header, 0 rejected messages', async () => {
    sim = await startUpbitSimulator({ markets: { 'KRW-BTC': () => '100000000', 'KRW-ETH': () => '5000000' } })
    const { streams: st } = await startStreams(sim)
    streams = st
    const subs = [
      st.subscribe('ticker', { codes: ['KRW-BTC', 'KRW-ETH'] }),
      st.subscribe('orderbook', { codes: ['KRW-BTC'] }),
      st.subscribe('candle.1m', { codes: ['KRW-ETH'] }),
      st.subscribe('myOrder'),
      st.subscribe('myAsset'),
    ]
    await Promise.all(subs.map((s) => s.confirmed()))
    for (let round = 0; round < 3; round++) {
      const again = nextConfirmation(st, ['public', 'private'])
      sim.streams.drop()
      await again
      await Promise.all(subs.map((s) => s.confirmed()))
    }
    const stats = sim.streams.stats()
    expect(stats.connections).toBe(8)
    expect(stats.withOrigin).toBe(0)
    expect(stats.rejectedMessages).toBe(0)
    expect(st.isConfirmed('public') && st.isConfirmed('private')).toBe(true)
  })

  it('a stalled server (no frames, no pongs) is detected by the ping and the connection replaced', async () => {
    sim = await startUpbitSimulator()
    const { streams: st } = await startStreams(sim, { pingIntervalMs: 50, pongTimeoutMs: 50 })
    streams = st
    const sub = st.subscribe('ticker', { codes: ['KRW-BTC'] })
    await sub.confirmed()
    const again = nextConfirmation(st, ['public'])
    sim.streams.stall(true)
    await until(() => sim!.streams.stats().open === 0 || sim!.streams.stats().connections > 1, 'the stalled connection dropped')
    sim.streams.stall(false)
    await again
    expect(sim.streams.stats().connections).toBeGreaterThanOrEqual(2)
  })

  it('slow consumers: tickers drop the oldest (counted), myOrder fails with UpbitStreamOverflowError instead of dropping', async () => {
    sim = await startUpbitSimulator({
      markets: { 'KRW-BTC': (step) => String(100_000_000 + step * 1000) },
      balances: { KRW: '100000000' },
    })
    const { client, streams: st } = await startStreams(sim)
    streams = st
    const tickers = st.subscribe('ticker', { codes: ['KRW-BTC'] })
    const orders = st.subscribe('myOrder')
    await Promise.all([tickers.confirmed(), orders.confirmed()])
    const tickerIterator = tickers.iterate({ bufferSize: 3 }) as AsyncIterableIterator<TickerEvent> & { dropped: number }
    const orderIterator = orders.iterate({ bufferSize: 2 })
    let count = 0
    tickers.on('data', () => count++)
    for (let i = 0; i < 10; i++) sim.advance()
    await until(() => count >= 10, 'ten tickers')
    expect(tickerIterator.dropped).toBe(7)
    expect((await tickerIterator.next()).value?.trade_price).toBe('100008000')
    await client.createOrder({ market: 'KRW-BTC', side: 'bid', ordType: 'price', price: '10000' })
    const error = await (async () => {
      try {
        for (;;) await orderIterator.next()
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(UpbitStreamOverflowError)
  })

  it('async iterators end with the AbortSignal', async () => {
    sim = await startUpbitSimulator({ markets: { 'KRW-BTC': (step) => String(100_000_000 + step * 1000) } })
    const { streams: st } = await startStreams(sim)
    streams = st
    const sub = st.subscribe('ticker', { codes: ['KRW-BTC'] })
    await sub.confirmed()
    const controller = new AbortController()
    const prices: string[] = []
    const loop = (async () => {
      for await (const ticker of sub.iterate({ signal: controller.signal })) {
        prices.push(ticker.trade_price)
        if (prices.length === 2) controller.abort(new Error('enough'))
        sim!.advance()
      }
    })()
    sim.advance()
    await expect(loop).rejects.toThrow('enough')
    expect(prices).toHaveLength(2)
    expect(sub.queues.size).toBe(0)
  })
})
