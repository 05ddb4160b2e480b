import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createUpbitClient } from './client.js'
import { UpbitConnectionError } from './errors.js'
import { startUpbitSimulator, type UpbitSimulator } from './testing/index.js'

let sim: UpbitSimulator
beforeEach(async () => {
  sim = await startUpbitSimulator({
    markets: { 'KRW-BTC': () => '100000000', 'KRW-ETH': () => '5000000' },
    balances: { KRW: '10000000', ETH: '1' },
  })
})
afterEach(() => sim.close())

const clientFor = (extra: Parameters<typeof createUpbitClient>[0] = {}) =>
  createUpbitClient({ baseUrl: sim.baseUrl, accessKey: sim.accessKey, secretKey: sim.secretKey, ...extra })
const bid = (price: string, identifier?: string) =>
  ({ market: 'KRW-BTC', side: 'bid', ordType: 'limit', price, volume: '0.001', ...(identifier ? { identifier } : {}) }) as const

describe('exchange flows against the simulator', () => {
  it('signs with HS512 when configured, and the simulator accepts it', async () => {
    const accounts = await clientFor({ jwtAlgorithm: 'HS512' }).getAccounts()
    expect(accounts.map((a) => a.currency).sort()).toEqual(['ETH', 'KRW'])
  })

  it('orders/chance reports fees, minimums and balances as decimal strings', async () => {
    const chance = await clientFor().getOrderChance({ market: 'KRW-BTC' })
    expect(chance).toMatchObject({
      bid_fee: '0.0005',
      market: { bid: { min_total: '5000' } },
      bid_account: { balance: '10000000' },
    })
  })

  it('testOrder validates without placing anything', async () => {
    const client = clientFor()
    const checked = await client.testOrder(bid('90000000'))
    expect(checked.market).toBe('KRW-BTC')
    expect(sim.orders()).toHaveLength(0)
    expect(sim.accounts().find((a) => a.currency === 'KRW')?.locked).toBe('0')
  })

  it('lists open orders, looks them up by identifiers, replaces one and batch-cancels the rest', async () => {
    const client = clientFor()
    await client.createOrder(bid('90000000', 'a'))
    await client.createOrder(bid('91000000', 'b'))
    await client.createOrder({
      market: 'KRW-ETH',
      side: 'ask',
      ordType: 'limit',
      price: '6000000',
      volume: '0.5',
      identifier: 'c',
    })
    expect((await client.getOpenOrders({ states: ['wait'] })).map((o) => o.identifier).sort()).toEqual(['a', 'b', 'c'])
    expect((await client.getOrdersByIds({ identifiers: ['a', 'c'] })).map((o) => o.identifier).sort()).toEqual(['a', 'c'])

    const replaced = await client.cancelAndNewOrder({
      prevOrderIdentifier: 'a',
      newOrdType: 'limit',
      newPrice: '89000000',
      newVolume: 'remain_only',
      newIdentifier: 'a2',
    })
    expect(replaced.new_order_identifier).toBe('a2')
    expect((await client.getOrder({ identifier: 'a2' })).price).toBe('89000000')

    const byIds = await client.cancelOrdersByIds({ identifiers: ['b', 'missing'] })
    expect(byIds.success.count).toBe(1)
    expect(byIds.failed.count).toBe(1)

    const rest = await client.cancelOpenOrders({ cancelSide: 'all', pairs: ['KRW-BTC'] })
    expect(rest.success.orders.map((o) => o.identifier)).toEqual(['a2'])
    expect((await client.getOpenOrders()).map((o) => o.identifier)).toEqual(['c'])
    const closed = await client.getClosedOrders({ market: 'KRW-BTC', states: ['cancel'] })
    expect(closed.map((o) => o.identifier).sort()).toEqual(['a', 'a2', 'b'])
  })

  it('a burst far over the budget queues instead of failing', async () => {
    const client = clientFor()
    const results = await Promise.all(Array.from({ length: 25 }, () => client.getTicker({ markets: ['KRW-BTC'] })))
    expect(results).toHaveLength(25)
    expect(sim.stats().byStatus[200]).toBe(25)
    // The schedule itself is proven in rate-limiter.test.ts; here a starved CI box may see a stray 429, never a ban.
    expect(sim.stats().byStatus[418]).toBeUndefined()
  })

  it('wallet status and API keys need keys and answer typed lists', async () => {
    const client = clientFor()
    expect((await client.getWalletStatus()).map((w) => w.currency)).toContain('BTC')
    expect((await client.getApiKeys())[0]!.access_key).toBe(sim.accessKey)
    await expect(
      createUpbitClient({ baseUrl: sim.baseUrl, accessKey: undefined, secretKey: undefined }).getApiKeys(),
    ).rejects.toThrow(/needs API keys/)
  })

  it('error: a server that is gone gives UpbitConnectionError after the GET retries, naming the URL', async () => {
    const client = clientFor({ retry: { retries: 1, minDelayMs: 1 } })
    await sim.close()
    const error = await client.getAccounts().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpbitConnectionError)
    expect((error as Error).message).toContain(`${sim.baseUrl}/v1/accounts`)
    expect(JSON.stringify(error)).not.toContain(sim.secretKey)
    sim = await startUpbitSimulator() // afterEach closes it
  })
})
