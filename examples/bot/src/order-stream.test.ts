import { createUpbitClient, createUpbitStreams, type UpbitStreams } from '@tradekit/upbit-client'
import { startUpbitSimulator, type UpbitSimulator } from '@tradekit/upbit-client/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { executeOrder } from './execute-order.js'
import { createUpbitExchange } from './upbit-exchange.js'

let sim: UpbitSimulator | undefined
let streams: UpbitStreams | undefined
afterEach(async () => {
  await streams?.close()
  await sim?.close()
})

async function setup(secretKey?: string) {
  sim = await startUpbitSimulator({ markets: { 'KRW-BTC': () => '100000000' }, balances: { KRW: '10000000' } })
  const client = createUpbitClient({ baseUrl: sim.baseUrl, accessKey: sim.accessKey, secretKey: sim.secretKey })
  streams = createUpbitStreams({ url: sim.wsUrl, accessKey: sim.accessKey, secretKey: secretKey ?? sim.secretKey, client })
  streams.on('error', () => {})
  const exchange = createUpbitExchange(client, streams)
  return { exchange, sim }
}

const TEN_MINUTES = 600_000

describe('fills from the myOrder stream, REST polling as the fallback', { timeout: 60_000 }, () => {
  it('a resting order that fills wakes the wait at its myOrder event, not after the poll interval', async () => {
    const { exchange, sim } = await setup()
    const filling = executeOrder(
      exchange,
      { market: 'KRW-BTC', side: 'bid', ord_type: 'limit', price: '99000000', volume: '0.001', identifier: 'stream-fill-1' },
      { place: (r) => exchange.createOrder(r), timeoutMs: TEN_MINUTES, pollMs: TEN_MINUTES, onShutdown: 'finish' },
    )
    // Once the stream listed the order as waiting, the price crosses it.
    await new Promise<void>((resolve) => streams!.on('myOrder', (e) => e.state === 'wait' && resolve()))
    sim.setPrice('KRW-BTC', '98000000')
    const { outcome, fills, order } = await filling
    expect(outcome).toBe('settled')
    expect(order.state).toBe('done')
    // The gap fills at the open, the better price.
    expect(fills.map((f) => `${f.volume}@${f.price}`)).toEqual(['0.001@98000000'])
  })

  it('an event that arrived before the wait began wakes it at once; a wait after it waits for the next one', async () => {
    const { exchange, sim } = await setup()
    await streams!.subscribe('myOrder').confirmed()
    const waiting = new Promise<void>((resolve) =>
      streams!.on('myOrder', (e) => e.identifier === 'stream-fill-2' && e.state === 'wait' && resolve()),
    )
    const placed = await exchange.createOrder({
      market: 'KRW-BTC',
      side: 'bid',
      ord_type: 'limit',
      price: '99000000',
      volume: '0.001',
      identifier: 'stream-fill-2',
    })
    await waiting
    await exchange.orderChanged!(placed.uuid, TEN_MINUTES) // the `wait` event, already in
    const next = exchange.orderChanged!(placed.uuid, TEN_MINUTES)
    sim.setPrice('KRW-BTC', '98000000') // trade, done
    await next
    expect((await exchange.getOrder(placed.uuid)).state).toBe('done')
  })

  it('without a working stream (the upgrade refused), the order still settles by polling', async () => {
    const { exchange, sim } = await setup('not-the-secret')
    const filling = executeOrder(
      exchange,
      { market: 'KRW-BTC', side: 'bid', ord_type: 'limit', price: '99000000', volume: '0.001', identifier: 'stream-fill-3' },
      { place: (r) => exchange.createOrder(r), timeoutMs: TEN_MINUTES, pollMs: 50, onShutdown: 'finish' },
    )
    sim.setPrice('KRW-BTC', '98000000')
    expect((await filling).outcome).toBe('settled')
    expect(sim.streams.stats().refused[401]).toBeGreaterThanOrEqual(1)
  })
})
