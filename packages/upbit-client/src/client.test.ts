import { createHash } from 'node:crypto'
import jwt from 'jsonwebtoken'
import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createUpbitClient, type UpbitClientOptions } from './client.js'
import {
  type UpbitApiError,
  UpbitAuthError,
  UpbitBanError,
  UpbitInsufficientFundsError,
  UpbitNotFoundError,
  UpbitRateLimitError,
  UpbitRequestError,
  UpbitResponseError,
  UpbitServerError,
  UpbitTimeoutError,
  UpbitValidationError,
} from './errors.js'
import { createUpbitHandlers, upbitFixtures } from './testing/index.js'

const API = 'https://api.upbit.com'
const SECRET = 'super-secret-key-never-logged'
const server = setupServer()
beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' })
})
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const fast = { retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 }, rateLimit: { backoffMs: 1 } } satisfies UpbitClientOptions
const client = (extra: UpbitClientOptions = {}) =>
  createUpbitClient({ accessKey: 'ak', secretKey: SECRET, orderChecks: 'table', ...fast, ...extra })

/** Records every request and answers `body`. */
function capture(body: unknown = []) {
  const seen: Array<{ method: string; url: URL; body: string; auth: string | null }> = []
  server.use(
    http.all(`${API}/v1/*`, async ({ request }) => {
      seen.push({
        method: request.method,
        url: new URL(request.url),
        body: await request.text(),
        auth: request.headers.get('authorization'),
      })
      return HttpResponse.json(body as object)
    }),
  )
  return seen
}

describe('public endpoints', () => {
  it('work without keys against the msw handlers', async () => {
    server.use(...(await createUpbitHandlers()))
    const anonymous = createUpbitClient({ accessKey: undefined, secretKey: undefined })
    const candles = await anonymous.getCandles({ market: 'KRW-BTC', unit: 1, count: 3 })
    expect(candles).toHaveLength(3)
    expect(candles[0]!.trade_price).toBe(upbitFixtures.candle.trade_price)
    expect((await anonymous.getMarkets()).map((m) => m.market)).toEqual(['KRW-BTC', 'KRW-ETH'])
  })

  it.each([
    [
      '/v1/candles/seconds',
      'market=KRW-BTC',
      (c: ReturnType<typeof client>) => c.getCandles({ market: 'KRW-BTC', unit: 'seconds' }),
    ],
    [
      '/v1/candles/minutes/240',
      'market=KRW-BTC&count=200',
      (c: ReturnType<typeof client>) => c.getCandles({ market: 'KRW-BTC', unit: 240, count: 200 }),
    ],
    [
      '/v1/candles/days',
      'market=KRW-BTC&converting_price_unit=KRW',
      (c: ReturnType<typeof client>) => c.getCandles({ market: 'KRW-BTC', unit: 'days', convertingPriceUnit: 'KRW' }),
    ],
    [
      '/v1/candles/years',
      'market=KRW-BTC&to=2026-01-01T00%3A00%3A00.000Z',
      (c: ReturnType<typeof client>) => c.getCandles({ market: 'KRW-BTC', unit: 'years', to: new Date(Date.UTC(2026, 0, 1)) }),
    ],
    [
      '/v1/trades/ticks',
      'market=KRW-BTC&count=500&days_ago=2',
      (c: ReturnType<typeof client>) => c.getTrades({ market: 'KRW-BTC', count: 500, daysAgo: 2 }),
    ],
    [
      '/v1/ticker',
      'markets=KRW-BTC%2CKRW-ETH',
      (c: ReturnType<typeof client>) => c.getTicker({ markets: ['KRW-BTC', 'KRW-ETH'] }),
    ],
    [
      '/v1/ticker/all',
      'quote_currencies=KRW%2CBTC',
      (c: ReturnType<typeof client>) => c.getTickersByQuote({ quoteCurrencies: ['KRW', 'BTC'] }),
    ],
    [
      '/v1/orderbook',
      'markets=KRW-BTC&level=10000&count=15',
      (c: ReturnType<typeof client>) => c.getOrderbook({ markets: ['KRW-BTC'], level: 10000, count: 15 }),
    ],
    [
      '/v1/orderbook/instruments',
      'markets=KRW-BTC',
      (c: ReturnType<typeof client>) => c.getOrderbookInstruments({ markets: ['KRW-BTC'] }),
    ],
    ['/v1/market/all', 'is_details=true', (c: ReturnType<typeof client>) => c.getMarkets({ isDetails: true })],
  ])('sends GET %s?%s unsigned', async (path, query, call) => {
    const seen = capture([])
    await call(client())
    expect(seen).toHaveLength(1)
    expect(seen[0]!.url.pathname).toBe(path)
    expect(seen[0]!.url.search.slice(1)).toBe(query)
    expect(seen[0]!.auth).toBeNull()
  })
})

describe('exchange endpoints', () => {
  const verify = (auth: string | null) => jwt.verify(auth!.slice(7), SECRET, { algorithms: ['HS256'] }) as Record<string, string>
  const sha512 = (text: string) => createHash('sha512').update(text).digest('hex')
  type C = ReturnType<typeof client>

  it.each([
    ['GET', '/v1/accounts', '', (c: C) => c.getAccounts()],
    [
      'GET',
      '/v1/orders/open',
      'market=KRW-BTC&states[]=wait&states[]=watch&limit=100',
      (c: C) => c.getOpenOrders({ market: 'KRW-BTC', states: ['wait', 'watch'], limit: 100 }),
    ],
    [
      'GET',
      '/v1/orders/closed',
      'states[]=done&states[]=cancel&start_time=2026-11-15T00:00:00+09:00&end_time=2026-11-22T00:00:00+09:00',
      (c: C) =>
        c.getClosedOrders({
          states: ['done', 'cancel'],
          startTime: '2026-11-15T00:00:00+09:00',
          endTime: '2026-11-22T00:00:00+09:00',
        }),
    ],
    ['GET', '/v1/orders/uuids', 'uuids[]=u1&uuids[]=u2', (c: C) => c.getOrdersByIds({ uuids: ['u1', 'u2'] })],
    ['DELETE', '/v1/orders/uuids', 'identifiers[]=a&identifiers[]=b', (c: C) => c.cancelOrdersByIds({ identifiers: ['a', 'b'] })],
    [
      'DELETE',
      '/v1/orders/open',
      'cancel_side=bid&pairs=KRW-BTC,KRW-ETH&count=300',
      (c: C) => c.cancelOpenOrders({ cancelSide: 'bid', pairs: ['KRW-BTC', 'KRW-ETH'], count: 300 }),
    ],
    ['GET', '/v1/withdraws', 'currency=BTC&txids[]=t1', (c: C) => c.getWithdraws({ currency: 'BTC', txids: ['t1'] })],
    ['GET', '/v1/deposits', 'state=ACCEPTED', (c: C) => c.getDeposits({ state: 'ACCEPTED' })],
    ['GET', '/v1/status/wallet', '', (c: C) => c.getWalletStatus()],
    ['GET', '/v1/api_keys', '', (c: C) => c.getApiKeys()],
    ['GET', '/v1/withdraws/coin_addresses', '', (c: C) => c.getWithdrawAddresses()],
    ['GET', '/v1/travel_rule/vasps', '', (c: C) => c.getTravelRuleVasps()],
  ])('%s %s hashes exactly the string it sends', async (method, path, hashString, call) => {
    const seen = capture(method === 'DELETE' ? { success: { count: 0, orders: [] }, failed: { count: 0, orders: [] } } : [])
    await call(client())
    const request = seen[0]!
    expect(request.method).toBe(method)
    expect(request.url.pathname).toBe(path)
    const decoded = request.url.search
      .slice(1)
      .split('&')
      .filter(Boolean)
      .map((p) => p.split('=').map(decodeURIComponent).join('='))
      .join('&')
    expect(decoded).toBe(hashString)
    const claims = verify(request.auth)
    if (hashString === '') expect(claims.query_hash).toBeUndefined()
    else expect(claims).toMatchObject({ query_hash: sha512(hashString), query_hash_alg: 'SHA512', access_key: 'ak' })
  })

  it('POST withdraw sends a JSON body with decimal strings and hashes its keys in order', async () => {
    const seen = capture({ uuid: 'w', currency: 'BTC', state: 'submitting', created_at: 'x', amount: '0.0000001', fee: '0' })
    await client().withdrawCoin({ currency: 'BTC', netType: 'BTC', amount: 1e-7, address: 'bc1q' })
    expect(seen[0]!.body).toBe('{"currency":"BTC","net_type":"BTC","amount":"0.0000001","address":"bc1q"}')
    expect(verify(seen[0]!.auth).query_hash).toBe(sha512('currency=BTC&net_type=BTC&amount=0.0000001&address=bc1q'))
  })

  it('cancel_and_new sends prev/new fields in documented order', async () => {
    const seen = capture({ ...upbitFixtures.order, new_order_uuid: 'n1' })
    const result = await client().cancelAndNewOrder({
      prevOrderUuid: 'p1',
      newOrdType: 'limit',
      newPrice: '1000',
      newVolume: 'remain_only',
    })
    expect(result.new_order_uuid).toBe('n1')
    expect(JSON.parse(seen[0]!.body)).toEqual({
      prev_order_uuid: 'p1',
      new_ord_type: 'limit',
      new_volume: 'remain_only',
      new_price: '1000',
    })
  })

  it('createOrder always sends an identifier and keeps decimals as strings', async () => {
    const seen = capture(upbitFixtures.order)
    const order = await client().createOrder({
      market: 'KRW-BTC',
      side: 'bid',
      ordType: 'limit',
      price: 100_000_000,
      volume: 0.0001,
    })
    expect(order.price).toBe('100000000')
    const body = JSON.parse(seen[0]!.body)
    expect(body).toMatchObject({ market: 'KRW-BTC', side: 'bid', volume: '0.0001', price: '100000000', ord_type: 'limit' })
    expect(body.identifier).toMatch(/^tk-/)
  })

  it('error: an exchange call without keys fails before sending, naming the env variables', async () => {
    const seen = capture([])
    const anonymous = createUpbitClient({ accessKey: undefined, secretKey: undefined })
    vi.stubEnv('UPBIT_ACCESS_KEY', '')
    await expect(anonymous.getAccounts()).rejects.toThrow(/UPBIT_ACCESS_KEY/)
    await expect(anonymous.getAccounts()).rejects.toBeInstanceOf(UpbitRequestError)
    expect(seen).toHaveLength(0)
    vi.unstubAllEnvs()
  })

  it('reads keys from UPBIT_ACCESS_KEY / UPBIT_SECRET_KEY and picks the host from environment', async () => {
    vi.stubEnv('UPBIT_ACCESS_KEY', 'env-ak')
    vi.stubEnv('UPBIT_SECRET_KEY', SECRET)
    const seen: string[] = []
    server.use(
      http.get('https://sg-api.upbit.com/v1/accounts', ({ request }) => {
        seen.push(verify(request.headers.get('authorization')).access_key!)
        return HttpResponse.json([])
      }),
    )
    await createUpbitClient({ environment: 'sg' }).getAccounts()
    expect(seen).toEqual(['env-ak'])
    vi.unstubAllEnvs()
  })
})

describe('errors', () => {
  const answer = (status: number, body: string | object, headers: Record<string, string> = {}) =>
    server.use(
      http.all(`${API}/v1/*`, () =>
        typeof body === 'string' ? new HttpResponse(body, { status, headers }) : HttpResponse.json(body, { status, headers }),
      ),
    )
  const err = (name: string | number, message = 'm') => ({ error: { name, message } })

  it.each([
    [401, err('jwt_verification'), UpbitAuthError],
    [401, err('no_authorization_i_p'), UpbitAuthError],
    [401, err('no_authorization_ip'), UpbitAuthError],
    [401, err('expired_access_key'), UpbitAuthError],
    [401, err('nonce_used'), UpbitAuthError],
    [401, err('invalid_query_payload'), UpbitAuthError],
    [403, err('out_of_scope'), UpbitAuthError],
    [400, err('validation_error'), UpbitValidationError],
    [400, err('invalid_price_ask'), UpbitValidationError],
    [400, err('under_min_total_bid'), UpbitValidationError],
    [400, err('insufficient_funds_bid'), UpbitInsufficientFundsError],
    [404, err(404, 'Code not found'), UpbitNotFoundError],
    [404, err('order_not_found'), UpbitNotFoundError],
  ])('%i %o becomes the matching subclass with the Upbit name kept', async (status, body, type) => {
    answer(status, body)
    const error = await client()
      .getAccounts()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(type)
    expect((error as UpbitApiError).errorName).toBe(body.error.name)
    expect((error as UpbitApiError).status).toBe(status)
    expect((error as Error).message).toContain('https://api.upbit.com/v1/accounts')
  })

  it('error: 5xx on a GET is retried, then UpbitServerError carries the Remaining-Req state', async () => {
    let calls = 0
    server.use(
      http.get(`${API}/v1/ticker`, () => {
        calls++
        return HttpResponse.json(err('server_error'), {
          status: 503,
          headers: { 'remaining-req': 'group=ticker; min=1800; sec=7' },
        })
      }),
    )
    const error = await client()
      .getTicker({ markets: ['KRW-BTC'] })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpbitServerError)
    expect((error as UpbitServerError).remaining).toEqual({ group: 'ticker', sec: 7, min: 1800 })
    expect(calls).toBe(3)
  })

  it('a plain-text 429 backs off and the retried call succeeds', async () => {
    let calls = 0
    server.use(
      http.get(`${API}/v1/ticker`, () =>
        ++calls < 3 ? new HttpResponse('Too many API requests.', { status: 429 }) : HttpResponse.json([upbitFixtures.ticker]),
      ),
    )
    const retries: string[] = []
    const tickers = await client({ hooks: { onRetry: (info) => retries.push(info.error.code) } }).getTicker({
      markets: ['KRW-BTC'],
    })
    expect(tickers[0]!.market).toBe('KRW-BTC')
    expect(retries).toEqual(['rate_limit', 'rate_limit'])
  })

  it('error: 429 that never stops ends in UpbitRateLimitError after a bounded number of tries', async () => {
    let calls = 0
    server.use(
      http.get(`${API}/v1/ticker`, () => {
        calls++
        return new HttpResponse('Too many API requests.', { status: 429 })
      }),
    )
    const error = await client({ rateLimit: { backoffMs: 1, maxRetries429: 3 } })
      .getTicker({ markets: ['KRW-BTC'] })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpbitRateLimitError)
    expect((error as UpbitRateLimitError).upbitMessage).toBe('Too many API requests.')
    expect(calls).toBe(4)
  })

  it('error: 418 stops the group with the ban duration; other groups keep working', async () => {
    let tickerCalls = 0
    server.use(
      http.get(`${API}/v1/ticker`, () => {
        tickerCalls++
        return new HttpResponse('Too many API requests. Blocked for 120 seconds.', { status: 418 })
      }),
      http.get(`${API}/v1/market/all`, () => HttpResponse.json([])),
    )
    const c = client()
    const error = await c.getTicker({ markets: ['KRW-BTC'] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpbitBanError)
    expect((error as UpbitBanError).banMs).toBe(120_000)
    expect(c.bannedUntil('ticker')).toBe((error as UpbitBanError).bannedUntil)
    await expect(c.getTicker({ markets: ['KRW-BTC'] })).rejects.toBeInstanceOf(UpbitBanError)
    expect(tickerCalls).toBe(1)
    await expect(c.getMarkets()).resolves.toEqual([])
  })

  it('error: a slow response becomes UpbitTimeoutError', async () => {
    server.use(http.get(`${API}/v1/market/all`, () => new Promise(() => {})))
    const error = await client({ timeoutMs: 30, retry: { retries: 0 } })
      .getMarkets()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpbitTimeoutError)
    expect((error as UpbitTimeoutError).timeoutMs).toBe(30)
  })

  it('error: a response of the wrong shape becomes UpbitResponseError naming the field', async () => {
    server.use(http.get(`${API}/v1/accounts`, () => HttpResponse.json([{ currency: 'KRW', balance: 1 }])))
    await expect(client().getAccounts()).rejects.toThrow(UpbitResponseError)
    await expect(client().getAccounts()).rejects.toThrow(/0\.balance/)
  })

  it.each([
    ['a ticker without trade_price', [{ ...upbitFixtures.ticker, trade_price: undefined }], /0\.trade_price/],
    ['a ticker whose price is a string', [{ ...upbitFixtures.ticker, trade_price: '1' }], /0\.trade_price: .*number/],
    ['a ticker with an unknown change', [{ ...upbitFixtures.ticker, change: 'UP' }], /0\.change/],
    ['an object where a list belongs', { ...upbitFixtures.ticker }, /\(root\)/],
  ])('error: %s is rejected with UpbitResponseError naming the field and URL', async (_, body, field) => {
    server.use(http.get(`${API}/v1/ticker`, () => HttpResponse.json(body)))
    const error = await client()
      .getTicker({ markets: ['KRW-BTC'] })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpbitResponseError)
    expect((error as Error).message).toMatch(field)
    expect((error as Error).message).toContain(`${API}/v1/ticker?markets=KRW-BTC`)
  })

  it('error: a body that is not JSON becomes UpbitResponseError quoting its start', async () => {
    server.use(http.get(`${API}/v1/ticker`, () => new HttpResponse('<html>maintenance</html>', { status: 200 })))
    const error = await client()
      .getTicker({ markets: ['KRW-BTC'] })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpbitResponseError)
    expect((error as Error).message).toContain('body is not JSON (<html>maintenance</html>)')
  })

  it('a per-call signal aborts the call', async () => {
    server.use(http.get(`${API}/v1/market/all`, () => new Promise(() => {})))
    const controller = new AbortController()
    const pending = client().getMarkets({}, { signal: controller.signal })
    controller.abort(new Error('user stopped'))
    await expect(pending).rejects.toThrow('user stopped')
  })
})

describe('secrets never leak', () => {
  it('hook payloads, errors and toJSON carry neither the secret key nor the JWT', async () => {
    let token = ''
    server.use(
      http.get(`${API}/v1/accounts`, ({ request }) => {
        token = request.headers.get('authorization')!.slice(7)
        return HttpResponse.json(err401, { status: 401 })
      }),
    )
    const err401 = { error: { name: 'jwt_verification', message: 'Failed to verify Jwt token.' } }
    const payloads: unknown[] = []
    const hooks = {
      onRequest: (p: unknown) => payloads.push(p),
      onResponse: (p: unknown) => payloads.push(p),
      onError: (p: unknown) => payloads.push(p),
      onRetry: (p: unknown) => payloads.push(p),
    }
    const error = await client({ hooks })
      .getAccounts()
      .catch((e: unknown) => e)
    expect(payloads.length).toBeGreaterThanOrEqual(3)
    expect(token.length).toBeGreaterThan(50)
    const everything = [
      JSON.stringify(payloads),
      JSON.stringify(error),
      (error as Error).message,
      (error as Error).stack,
      String(error),
      JSON.stringify((error as UpbitApiError).toJSON()),
    ].join('\n')
    expect(everything).not.toContain(SECRET)
    expect(everything).not.toContain(token)
    expect(everything).not.toMatch(/Bearer/)
  })
})
