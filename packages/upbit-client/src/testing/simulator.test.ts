import { createHash, randomUUID } from 'node:crypto'
import jwt from 'jsonwebtoken'
import { afterEach, describe, expect, it } from 'vitest'
import { createUpbitClient } from '../client.js'
import { UpbitAuthError } from '../errors.js'
import { parseRemainingReq } from '../remaining-req.js'
import { startUpbitSimulator, type UpbitSimulator } from './index.js'

let sim: UpbitSimulator
afterEach(() => sim?.close())

const sha512 = (text: string) => createHash('sha512').update(text).digest('hex')

async function rawGet(path: string, query: string, claims: Record<string, unknown>, secret = sim.secretKey) {
  const token = jwt.sign(claims, secret, { algorithm: 'HS256', noTimestamp: true })
  const response = await fetch(`${sim.baseUrl}${path}${query ? `?${query}` : ''}`, {
    headers: { authorization: `Bearer ${token}` },
  })
  return { status: response.status, body: (await response.json()) as { error?: { name: string } } }
}

describe('authentication like Upbit', () => {
  it('accepts an exact query_hash over the decoded query and rejects an encoded one with invalid_query_payload', async () => {
    sim = await startUpbitSimulator()
    const query =
      'market=KRW-BTC&states%5B%5D=done&start_time=2026-01-01T00%3A00%3A00%2B09%3A00&end_time=2026-01-02T00%3A00%3A00Z'
    const decoded = 'market=KRW-BTC&states[]=done&start_time=2026-01-01T00:00:00+09:00&end_time=2026-01-02T00:00:00Z'
    const good = await rawGet('/v1/orders/closed', query, {
      access_key: sim.accessKey,
      nonce: randomUUID(),
      query_hash: sha512(decoded),
      query_hash_alg: 'SHA512',
    })
    expect(good.status).toBe(200)
    const encodedHash = await rawGet('/v1/orders/closed', query, {
      access_key: sim.accessKey,
      nonce: randomUUID(),
      query_hash: sha512(query),
      query_hash_alg: 'SHA512',
    })
    expect(encodedHash).toEqual({ status: 401, body: { error: { name: 'invalid_query_payload', message: expect.any(String) } } })
  })

  it('rejects a wrong secret (jwt_verification), an unknown key, a missing token and a reused nonce', async () => {
    sim = await startUpbitSimulator()
    const nonce = randomUUID()
    expect((await rawGet('/v1/accounts', '', { access_key: sim.accessKey, nonce }, 'wrong')).body.error?.name).toBe(
      'jwt_verification',
    )
    expect((await rawGet('/v1/accounts', '', { access_key: 'other', nonce: randomUUID() })).body.error?.name).toBe(
      'invalid_access_key',
    )
    expect((await fetch(`${sim.baseUrl}/v1/accounts`)).status).toBe(401)
    expect((await rawGet('/v1/accounts', '', { access_key: sim.accessKey, nonce })).status).toBe(200)
    expect(await rawGet('/v1/accounts', '', { access_key: sim.accessKey, nonce })).toMatchObject({
      status: 401,
      body: { error: { name: 'nonce_used' } },
    })
  })

  it('the client with wrong keys gets UpbitAuthError without the secret or token in it', async () => {
    sim = await startUpbitSimulator()
    const secretKey = 'definitely-not-the-secret-key'
    let token = ''
    const client = createUpbitClient({
      baseUrl: sim.baseUrl,
      accessKey: sim.accessKey,
      secretKey,
      fetch: (input, init) => {
        token = new Headers(init?.headers).get('authorization') ?? ''
        return fetch(input, init)
      },
    })
    const error = await client.getAccounts().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpbitAuthError)
    expect((error as UpbitAuthError).errorName).toBe('jwt_verification')
    const serialized = `${JSON.stringify(error)} ${(error as Error).message} ${(error as Error).stack}`
    expect(token).toMatch(/^Bearer ey/)
    expect(serialized).not.toContain(secretKey)
    expect(serialized).not.toContain(token.slice(7))
  })
})

describe('rate limits', () => {
  it('answers Remaining-Req on every response and 429 in plain text past the budget', async () => {
    sim = await startUpbitSimulator({ rateLimit: { budgets: { ticker: { limit: 3, intervalMs: 60_000 } } } })
    const answers = []
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${sim.baseUrl}/v1/ticker?markets=KRW-BTC`)
      answers.push({
        status: response.status,
        remaining: parseRemainingReq(response.headers.get('remaining-req')),
        text: await response.text(),
      })
    }
    expect(answers.map((a) => a.remaining?.sec)).toEqual([2, 1, 0, 0])
    expect(answers[0]!.remaining?.group).toBe('ticker')
    expect(answers[3]).toMatchObject({ status: 429, text: 'Too many API requests.' })
  })

  it('does not ban for the 429s of one burst already in flight (within the grace period)', async () => {
    sim = await startUpbitSimulator({ rateLimit: { budgets: { market: { limit: 1, intervalMs: 60_000 } }, banAfter429s: 2 } })
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () => fetch(`${sim.baseUrl}/v1/market/all`).then((r) => r.status)),
    )
    expect(statuses.sort()).toEqual([200, 429, 429, 429, 429, 429])
    expect(sim.stats().byStatus[418]).toBeUndefined()
  })

  it('bans with 418 and a stated duration after repeated 429s', async () => {
    sim = await startUpbitSimulator({
      rateLimit: { budgets: { market: { limit: 1, intervalMs: 60_000 } }, banAfter429s: 2, banGraceMs: 0, banMs: 90_000 },
    })
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${sim.baseUrl}/v1/market/all`)).status)
    expect(statuses).toEqual([200, 429, 418, 418])
    const banned = await fetch(`${sim.baseUrl}/v1/market/all`)
    expect(Number(banned.headers.get('retry-after'))).toBeGreaterThan(80)
    expect(await banned.text()).toMatch(/Blocked for \d+ seconds/)
  })
})

describe('paper trading', () => {
  const candles = [
    { open: '100000000', high: '100500000', low: '99500000', close: '100000000' },
    { open: '100000000', high: '100200000', low: '98900000', close: '99000000' },
    { open: '99000000', high: '101500000', low: '99000000', close: '101000000' },
  ]

  it('fills a resting limit bid when a later candle trades through it, charging 0.05% KRW fee', async () => {
    sim = await startUpbitSimulator({ markets: { 'KRW-BTC': candles }, balances: { KRW: '1000000' } })
    const client = createUpbitClient({ baseUrl: sim.baseUrl, accessKey: sim.accessKey, secretKey: sim.secretKey })
    const order = await client.createOrder({
      market: 'KRW-BTC',
      side: 'bid',
      ordType: 'limit',
      price: '99000000',
      volume: '0.005',
    })
    expect(order.state).toBe('wait')
    // 0.005 × 99,000,000 = 495,000 reserved, plus 247.5 fee
    expect(sim.accounts()).toContainEqual(expect.objectContaining({ currency: 'KRW', balance: '504752.5', locked: '495247.5' }))
    sim.advance()
    const filled = await client.getOrder({ uuid: order.uuid })
    expect(filled).toMatchObject({ state: 'done', executed_volume: '0.005', paid_fee: '247.5', executed_funds: '495000' })
    expect(filled.trades).toHaveLength(1)
    const accounts = await client.getAccounts()
    expect(accounts.find((a) => a.currency === 'KRW')).toMatchObject({ balance: '504752.5', locked: '0' })
    expect(accounts.find((a) => a.currency === 'BTC')).toMatchObject({ balance: '0.005', avg_buy_price: '99000000' })
  })

  it('market buy spends the total plus fee and market sell returns proceeds minus fee', async () => {
    sim = await startUpbitSimulator({ markets: { 'KRW-BTC': candles }, balances: { KRW: '1000000' } })
    const client = createUpbitClient({ baseUrl: sim.baseUrl, accessKey: sim.accessKey, secretKey: sim.secretKey })
    await client.createOrder({ market: 'KRW-BTC', side: 'bid', ordType: 'price', price: '500000' })
    expect(sim.accounts()).toEqual([
      expect.objectContaining({ currency: 'KRW', balance: '499750', locked: '0' }),
      expect.objectContaining({ currency: 'BTC', balance: '0.005' }),
    ])
    sim.advance(2)
    await client.createOrder({ market: 'KRW-BTC', side: 'ask', ordType: 'market', volume: '0.005' })
    // 0.005 × 101,000,000 = 505,000 − 252.5 fee
    expect(sim.accounts().find((a) => a.currency === 'KRW')?.balance).toBe('1004497.5')
  })

  it('serves candles, ticker, orderbook and instruments from the feed', async () => {
    sim = await startUpbitSimulator({ markets: { 'KRW-BTC': candles } })
    sim.advance(2)
    const client = createUpbitClient({ baseUrl: sim.baseUrl })
    const served = await client.getCandles({ market: 'KRW-BTC', unit: 1, count: 5 })
    expect(served.map((c) => c.trade_price)).toEqual([101000000, 99000000, 100000000])
    expect((await client.getTicker({ markets: ['KRW-BTC'] }))[0]).toMatchObject({ trade_price: 101000000, change: 'RISE' })
    expect((await client.getOrderbook({ markets: ['KRW-BTC'] }))[0]!.orderbook_units[0]).toMatchObject({ ask_price: 101001000 })
    expect((await client.getOrderbookInstruments({ markets: ['KRW-BTC'] }))[0]!.tick_size).toBe('1000')
    sim.setPrice('KRW-BTC', '4321')
    expect((await client.getTicker({ markets: ['KRW-BTC'] }))[0]!.trade_price).toBe(4321)
  })

  it('error: an order beyond the balance is refused with insufficient_funds_bid and nothing is locked', async () => {
    sim = await startUpbitSimulator({ balances: { KRW: '10000' } })
    const client = createUpbitClient({ baseUrl: sim.baseUrl, accessKey: sim.accessKey, secretKey: sim.secretKey })
    await expect(client.createOrder({ market: 'KRW-BTC', side: 'bid', ordType: 'price', price: '10000' })).rejects.toMatchObject({
      errorName: 'insufficient_funds_bid',
    })
    expect(sim.accounts()).toEqual([expect.objectContaining({ currency: 'KRW', balance: '10000', locked: '0' })])
  })
})
