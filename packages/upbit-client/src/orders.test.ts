import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createUpbitClient } from './client.js'
import {
  UpbitInsufficientFundsError,
  UpbitOrderUnknownError,
  UpbitRequestError,
  UpbitServerError,
  UpbitValidationError,
} from './errors.js'
import { type SimulatorFault, startUpbitSimulator, type UpbitSimulator } from './testing/index.js'

let sim: UpbitSimulator
beforeEach(async () => {
  sim = await startUpbitSimulator({ markets: { 'KRW-BTC': () => '100000000' }, balances: { KRW: '10000000' } })
})
afterEach(() => sim.close())

const clientFor = (extra: Parameters<typeof createUpbitClient>[0] = {}) =>
  createUpbitClient({
    baseUrl: sim.baseUrl,
    accessKey: sim.accessKey,
    secretKey: sim.secretKey,
    // Long enough never to fire on a loaded machine: only the hung-answer case below times out.
    timeoutMs: 30_000,
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
    ...extra,
  })

/**
 * A fetch whose POST /v1/orders reaches the simulator (the order is created) but whose answer never arrives, so the
 * client's timeout, however late it fires on a busy machine, always finds the order created and unanswered. Other
 * requests pass through without the timeout signal: the lookups that follow must not time out instead.
 */
const unansweredOrderPost: typeof fetch = async (input, init) => {
  const method = init?.method ?? (input instanceof Request ? input.method : 'GET')
  const url = new URL(input instanceof Request ? input.url : input)
  if (method !== 'POST' || url.pathname !== '/v1/orders') return fetch(input, { ...init, signal: null })
  await (await fetch(input, { ...init, signal: null })).text()
  return new Promise<Response>((_resolve, reject) => {
    const signal = init?.signal
    if (signal?.aborted) return reject(signal.reason)
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
}

const limitBid = { market: 'KRW-BTC', side: 'bid', ordType: 'limit', price: '90000000', volume: '0.001' } as const

describe('create order: exactly one order after any failure point', () => {
  const post = { method: 'POST', path: '/v1/orders' } as const
  const faults: Array<[string, SimulatorFault[], { timeoutMs?: number; fetch?: typeof fetch }]> = [
    ['connection reset before Upbit processed it', [{ ...post, kind: 'reset-before' }], {}],
    ['connection reset after Upbit created it (response lost)', [{ ...post, kind: 'reset-after' }], {}],
    ['500 before processing', [{ ...post, kind: 'status-before', status: 500 }], {}],
    ['503 after the order was created', [{ ...post, kind: 'status-after', status: 503 }], {}],
    ['timeout while the order was being created', [], { timeoutMs: 50, fetch: unansweredOrderPost }],
    [
      '502 before processing, then the resend is reset after creating',
      [
        { ...post, kind: 'status-before', status: 502 },
        { ...post, kind: 'reset-after' },
      ],
      {},
    ],
  ]

  it.each(faults)('%s', async (_label, injected, extra) => {
    for (const fault of injected) sim.injectFault(fault)
    const client = clientFor(extra)
    const order = await client.createOrder({ ...limitBid, identifier: 'bot-1' })
    expect(order.identifier).toBe('bot-1')
    expect(sim.orders()).toHaveLength(1)
    expect(sim.orders()[0]!.uuid).toBe(order.uuid)
  })

  it('resends with the same identifier only when Upbit says the order does not exist', async () => {
    sim.injectFault({ method: 'POST', path: '/v1/orders', kind: 'status-before', status: 502, times: 2 })
    const order = await clientFor().createOrder(limitBid)
    expect(order.identifier).toMatch(/^tk-[0-9a-f-]{36}$/)
    expect(sim.orders().map((o) => o.identifier)).toEqual([order.identifier])
  })

  it('a lookup that itself fails is retried, and still exactly one order exists', async () => {
    sim.injectFault({ method: 'POST', path: '/v1/orders', kind: 'reset-after' })
    sim.injectFault({ method: 'GET', path: '/v1/order', kind: 'reset-before' })
    const order = await clientFor().createOrder(limitBid)
    expect(sim.orders()).toHaveLength(1)
    expect(order.uuid).toBe(sim.orders()[0]!.uuid)
  })

  it('error: when Upbit cannot be asked, UpbitOrderUnknownError names the identifier and nothing is resent', async () => {
    sim.injectFault({ method: 'POST', path: '/v1/orders', kind: 'reset-after' })
    sim.injectFault({ method: 'GET', path: '/v1/order', kind: 'status-before', status: 500, times: 10 })
    const error = await clientFor()
      .createOrder({ ...limitBid, identifier: 'bot-x' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpbitOrderUnknownError)
    expect((error as UpbitOrderUnknownError).identifier).toBe('bot-x')
    expect((error as UpbitOrderUnknownError).cause).toBeInstanceOf(UpbitServerError)
    expect(sim.orders()).toHaveLength(1)
  })

  it('error: a definite rejection (insufficient funds) is not retried and creates nothing', async () => {
    const error = await clientFor()
      .createOrder({ ...limitBid, volume: '1' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpbitInsufficientFundsError)
    expect(sim.orders()).toHaveLength(0)
    expect(sim.stats().byStatus[400]).toBe(1)
  })

  it('error: an identifier the caller reuses is refused by Upbit and reported, leaving the first order alone', async () => {
    const client = clientFor()
    await client.createOrder({ ...limitBid, identifier: 'same' })
    await client.cancelOrder({ identifier: 'same' })
    const error = await client.createOrder({ ...limitBid, identifier: 'same', price: '91000000' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpbitValidationError)
    expect((error as UpbitValidationError).errorName).toBe('duplicate_identifier')
    expect(sim.orders()).toHaveLength(1)
    expect(sim.orders()[0]!.price).toBe('90000000')
  })

  it('after a lost response, the duplicate-identifier answer to the resend resolves to the existing order', async () => {
    // Reset after creating, then the lookup is reset before processing (GET retries), then found.
    sim.injectFault({ method: 'POST', path: '/v1/orders', kind: 'reset-after' })
    sim.injectFault({ method: 'GET', path: '/v1/order', kind: 'status-before', status: 404 })
    const order = await clientFor().createOrder({ ...limitBid, identifier: 'race' })
    expect(order.identifier).toBe('race')
    expect(sim.orders()).toHaveLength(1)
  })
})

describe('cancel order', () => {
  it('is idempotent: cancelling twice returns the cancelled order', async () => {
    const client = clientFor()
    const order = await client.createOrder(limitBid)
    await client.cancelOrder({ uuid: order.uuid })
    const again = await client.cancelOrder({ uuid: order.uuid })
    expect(again.state).toBe('cancel')
    expect(sim.orders()[0]!.state).toBe('cancel')
  })

  it('a cancel whose response was lost is retried and resolves to the cancelled order', async () => {
    const client = clientFor()
    const order = await client.createOrder(limitBid)
    sim.injectFault({ method: 'DELETE', path: '/v1/order', kind: 'reset-after' })
    const cancelled = await client.cancelOrder({ identifier: order.identifier! })
    expect(cancelled.uuid).toBe(order.uuid)
    expect(sim.orders()[0]!.state).toBe('cancel')
    expect(sim.accounts().find((a) => a.currency === 'KRW')).toMatchObject({ balance: '10000000', locked: '0' })
  })

  it('error: cancelling a filled order still fails', async () => {
    const client = clientFor()
    const order = await client.createOrder({ ...limitBid, price: '100000000' })
    expect(order.state).toBe('done')
    await expect(client.cancelOrder({ uuid: order.uuid })).rejects.toThrow(/order_not_found/)
  })
})

describe('checks before sending', () => {
  it('error: an off-tick price is refused locally with both valid neighbours, costing no order request', async () => {
    const client = clientFor()
    const error = await client.createOrder({ ...limitBid, price: '90000500' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpbitRequestError)
    expect((error as Error).message).toContain('use 90000000 or 90001000')
    expect(sim.orders()).toHaveLength(0)
  })

  it('error: a total under the minimum from orders/chance is refused locally', async () => {
    const error = await clientFor()
      .createOrder({ market: 'KRW-BTC', side: 'bid', ordType: 'price', price: '4999' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpbitRequestError)
    expect((error as Error).message).toContain('under the KRW-BTC minimum of 5000')
  })

  // Upbit: a KRW order's total must be at least 5,000 KRW; a market sell gives only a volume, so the client prices it
  // at the best bid (the simulator's book for KRW-BTC at 100,000,000 has its best bid there).
  it.each([
    ['market sell', { market: 'KRW-BTC', side: 'ask', ordType: 'market', volume: '0.00004' }],
    ['best ask', { market: 'KRW-BTC', side: 'ask', ordType: 'best', timeInForce: 'ioc', volume: '0.00004' }],
  ] as const)('error: a %s worth under 5,000 KRW at the best bid is refused locally, naming the estimate', async (_, order) => {
    sim.setBalance('BTC', '1')
    const error = await clientFor()
      .createOrder(order)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpbitRequestError)
    expect((error as UpbitRequestError).code).toBe('order_check')
    expect((error as Error).message).toContain('selling 0.00004 at the best bid 100000000 comes to about 4000')
    expect((error as Error).message).toContain('under the KRW-BTC minimum of 5000')
    expect(sim.orders()).toHaveLength(0)
  })

  it('a market sell worth at least 5,000 KRW at the best bid is sent and filled', async () => {
    sim.setBalance('BTC', '1')
    const order = await clientFor().createOrder({ market: 'KRW-BTC', side: 'ask', ordType: 'market', volume: '0.00005' })
    expect(order.side).toBe('ask')
    expect(sim.orders()).toHaveLength(1)
  })

  it('a market sell is not blocked when the order book cannot be read: Upbit decides', async () => {
    sim.setBalance('BTC', '1')
    sim.injectFault({ method: 'GET', path: '/v1/orderbook', kind: 'status-before', status: 500, times: 10 })
    const order = await clientFor().createOrder({ market: 'KRW-BTC', side: 'ask', ordType: 'market', volume: '0.00005' })
    expect(order.side).toBe('ask')
    expect(sim.orders()).toHaveLength(1)
    expect(sim.stats().byStatus[500]).toBeGreaterThan(0) // the book really was unreadable
  })

  it("with orderChecks 'table' (no quotes read), Upbit's own check rejects the small market sell", async () => {
    sim.setBalance('BTC', '1')
    const error = await clientFor({ orderChecks: 'table' })
      .createOrder({ market: 'KRW-BTC', side: 'ask', ordType: 'market', volume: '0.00004' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpbitValidationError)
    expect((error as UpbitValidationError).errorName).toBe('under_min_total_ask')
  })

  it('with checks off, Upbit itself rejects an off-tick price with invalid_price_bid', async () => {
    const error = await clientFor({ orderChecks: false })
      .createOrder({ ...limitBid, price: '90000500' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpbitValidationError)
    expect((error as UpbitValidationError).errorName).toBe('invalid_price_bid')
  })

  it.each([
    [{ market: 'KRW-BTC', side: 'ask', ordType: 'market', volume: '0.1', price: '1' }, 'takes no price'],
    [{ market: 'KRW-BTC', side: 'bid', ordType: 'best', price: '10000' }, "needs timeInForce 'ioc' or 'fok'"],
    [
      { market: 'KRW-BTC', side: 'bid', ordType: 'limit', price: '1', volume: '1', timeInForce: 'post_only', smpType: 'reduce' },
      'post_only',
    ],
  ])('error: malformed order %o is refused locally', async (order, message) => {
    await expect(clientFor().createOrder(order as never)).rejects.toThrow(message)
    expect(sim.stats().byStatus[201]).toBeUndefined()
  })
})
