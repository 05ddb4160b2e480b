/**
 * Issue 18, item 16: cached GETs are answered ahead of Express (`app.serveCached`), through the same gates. Each test
 * runs the real server (fast path in front) and, over the SAME app and services, a second node:http server that only
 * has Express, then asks both the same things. The routes come from `cachedGetAnswers`, the fast path's own table.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTradeLogWriter } from '@tradekit/trade-log'
import jwt from 'jsonwebtoken'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { cachedGetAnswers } from './fast-path.js'
import { writeLogFixture } from './test-support/log-fixture.js'
import { TEST_TOKEN, type TestServer, useServers } from './test-support/test-server.js'

const servers = useServers()
const JWT_SECRET = 'jwt-secret-for-the-fast-path-tests'
const LISTED = 'https://dash.example.com'

/** Values that differ between two answers given a moment apart; their presence is still compared. */
const VOLATILE = new Set(['date', 'ratelimit-remaining', 'ratelimit-reset'])

interface Answer {
  status: number
  headers: Record<string, string>
  body: string
}

/** The fast server, an Express-only server over the same app, and a counter of what the fast path answered. */
async function pair(options: Partial<Parameters<typeof servers.start>[0]> = {}) {
  const dir = servers.tempDir()
  writeLogFixture(dir, { days: 2, tradesPerDay: 6, end: Date.UTC(2025, 7, 10, 23) })
  const fast = await servers.start({
    logDir: dir,
    auth: { token: TEST_TOKEN, jwtSecret: JWT_SECRET },
    cors: { origins: [LISTED] },
    trustProxy: 1,
    ...options,
  })
  const served: string[] = []
  const serveCached = fast.app.serveCached
  fast.app.serveCached = (req, res) => {
    const answered = serveCached(req, res)
    if (answered) served.push(`${req.method} ${req.url}`)
    return answered
  }
  const plain = createServer(fast.app)
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve))
  servers.defer(() => new Promise<void>((resolve) => plain.close(() => resolve())))
  const expressUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`
  const ask = async (base: string, path: string, headers: Record<string, string>, method = 'GET'): Promise<Answer> => {
    const response = await fetch(`${base}${path}`, { method, headers })
    return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() }
  }
  return {
    dir,
    fast,
    served,
    paths: [...cachedGetAnswers(fast.app.services.bots, fast.app.services.cursors).keys()],
    viaFast: (path: string, headers: Record<string, string> = {}, method?: string) => ask(fast.url, path, headers, method),
    viaExpress: (path: string, headers: Record<string, string> = {}, method?: string) => ask(expressUrl, path, headers, method),
  }
}

function comparable(answer: Answer) {
  const headers = Object.fromEntries(
    Object.entries(answer.headers).map(([name, value]) => [name, VOLATILE.has(name) ? '(varies)' : value]),
  )
  return { ...answer, headers }
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const now = () => Math.floor(Date.now() / 1000)

describe('the cached-GET fast path answers exactly as Express does', () => {
  it('every route in its table, with and without a query, from a listed origin, an unlisted one and none', async () => {
    const { paths, served, viaFast, viaExpress } = await pair()
    expect(paths).toEqual(['/api/trades', '/api/decisions', '/api/analysis', '/api/errors', '/api/performance'])
    const queries = ['', '?limit=2', '?limit=2&order=asc', '?bot=all&limit=3', '?limit=0', '?nope=1', '?bot=ghost']
    let client = 0
    for (const path of paths) {
      const extra = path === '/api/performance' ? ['?include=dailyReturns,closedTrades', '?period=week', '?include=x'] : []
      for (const query of [...queries.filter((q) => path !== '/api/performance' || !q.includes('limit')), ...extra]) {
        for (const origin of [LISTED, 'https://evil.example', undefined]) {
          // A client of its own each time, so both answers see the same budget left.
          const headers = {
            ...bearer(TEST_TOKEN),
            'x-forwarded-for': `198.51.100.${++client}`,
            ...(origin ? { origin } : {}),
          }
          const before = served.length
          const fast = await viaFast(`${path}${query}`, headers)
          expect(served.length, `${path}${query} went through the fast path`).toBe(before + 1)
          const express = await viaExpress(`${path}${query}`, { ...headers, 'x-forwarded-for': `198.51.101.${client}` })
          expect(comparable(fast), `${path}${query} from ${origin}`).toEqual(comparable(express))
          expect(fast.headers['x-content-type-options']).toBe('nosniff')
          expect(fast.headers['ratelimit-remaining']).toBe(express.headers['ratelimit-remaining'])
          expect(fast.headers['access-control-allow-origin']).toBe(origin === LISTED ? LISTED : undefined)
        }
      }
    }
    // Both kinds of answer were compared, not only errors.
    expect((await viaFast('/api/trades?limit=2', bearer(TEST_TOKEN))).status).toBe(200)
    expect((await viaFast('/api/trades?limit=0', bearer(TEST_TOKEN))).status).toBe(400)
  })

  it('error: 401 without a token, with a forged, an expired or a too long-lived JWT, on every route, as Express', async () => {
    const { paths, viaFast, viaExpress } = await pair()
    const tokens: Record<string, Record<string, string>> = {
      none: {},
      'not bearer': { authorization: `Basic ${TEST_TOKEN}` },
      'wrong static token': bearer(`${TEST_TOKEN}x`),
      forged: bearer(jwt.sign({ sub: 'eve', exp: now() + 60 }, 'another-secret-entirely-000000000')),
      expired: bearer(jwt.sign({ sub: 'bob', iat: now() - 120, exp: now() - 60 }, JWT_SECRET)),
      'too long-lived': bearer(jwt.sign({ sub: 'bob', exp: now() + 30 * 86_400 }, JWT_SECRET)),
      'alg none': bearer(
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"exp":${now() + 60}}`).toString('base64url')}.`,
      ),
    }
    for (const path of paths) {
      for (const [name, headers] of Object.entries(tokens)) {
        const fast = await viaFast(path, headers)
        expect(fast.status, `${name} on ${path}`).toBe(401)
        expect(fast.headers['www-authenticate']).toBe('Bearer realm="tradekit"')
        expect(fast.body).not.toContain(TEST_TOKEN)
        expect(comparable(fast), `${name} on ${path}`).toEqual(comparable(await viaExpress(path, headers)))
      }
      const valid = bearer(jwt.sign({ sub: 'bob', exp: now() + 600 }, JWT_SECRET))
      expect((await viaFast(path, valid)).status).toBe(200)
    }
  })

  it('error: 429 once the budget is spent: the fast path, Express routes and /ws upgrades spend ONE budget per client', async () => {
    const { fast, served, viaFast, viaExpress } = await pair({ rateLimit: { max: 4, windowMs: 60_000 } })
    const client = { ...bearer(TEST_TOKEN), 'x-forwarded-for': '203.0.113.9' }
    const remaining: string[] = []
    remaining.push((await viaFast('/api/trades?limit=1', client)).headers['ratelimit-remaining']!)
    remaining.push((await viaFast('/api/portfolio', client)).headers['ratelimit-remaining']!)
    remaining.push((await viaFast('/api/performance', client)).headers['ratelimit-remaining']!)
    expect(remaining).toEqual(['3', '2', '1'])
    expect(served).toHaveLength(2)
    const upgraded = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${fast.url.replace('http', 'ws')}/ws`, ['tradekit.v1', `bearer.${TEST_TOKEN}`], {
        headers: { 'x-forwarded-for': '203.0.113.9' },
      })
      socket.on('open', () => {
        socket.close()
        resolve(101)
      })
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      socket.on('error', () => undefined)
    })
    expect(upgraded).toBe(101)
    // The fourth hit was the upgrade: both paths now refuse this client, with the same answer.
    const limitedFast = await viaFast('/api/trades?limit=1', client)
    const limitedExpress = await viaExpress('/api/trades?limit=1', client)
    expect(limitedFast.status).toBe(429)
    expect(limitedFast.headers['retry-after']).toMatch(/^\d+$/)
    expect(JSON.parse(limitedFast.body).error.code).toBe('rate_limited')
    expect(comparable(limitedFast)).toEqual(comparable(limitedExpress))
    expect((await viaFast('/api/portfolio', client)).status).toBe(429)
    // Another client is untouched.
    expect((await viaFast('/api/trades?limit=1', { ...client, 'x-forwarded-for': '203.0.113.10' })).status).toBe(200)
  })

  it('error: a client varying X-Forwarded-For in front of the proxy’s hop spends one budget on the fast path', async () => {
    const { viaFast, viaExpress } = await pair({ rateLimit: { max: 3, windowMs: 60_000 } })
    const statuses = []
    for (const spoofed of ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4']) {
      const headers = { ...bearer(TEST_TOKEN), 'x-forwarded-for': `${spoofed}, 192.0.2.44` }
      statuses.push((await viaFast('/api/trades?limit=1', headers)).status)
    }
    expect(statuses).toEqual([200, 200, 200, 429])
    expect((await viaExpress('/api/trades?limit=1', { ...bearer(TEST_TOKEN), 'x-forwarded-for': '192.0.2.44' })).status).toBe(429)
  })

  it('error: without trustProxy, X-Forwarded-For is ignored on the fast path: every request counts against the socket', async () => {
    const { viaFast } = await pair({ trustProxy: false, rateLimit: { max: 2, windowMs: 60_000 } })
    const statuses = []
    for (const spoofed of ['1.1.1.1', '2.2.2.2', '3.3.3.3']) {
      statuses.push((await viaFast('/api/performance', { ...bearer(TEST_TOKEN), 'x-forwarded-for': spoofed })).status)
    }
    expect(statuses).toEqual([200, 200, 429])
  })

  it('error: a preflight from an unlisted origin is refused (403) and never taken by the fast path; a listed one passes', async () => {
    const { served, viaFast, viaExpress } = await pair()
    const preflight = (origin: string) => ({ origin, 'access-control-request-method': 'GET', 'x-forwarded-for': '192.0.2.5' })
    const refused = await viaFast('/api/trades', preflight('https://evil.example'), 'OPTIONS')
    expect(refused.status).toBe(403)
    expect(JSON.parse(refused.body).error.code).toBe('cors')
    expect(comparable(refused)).toEqual(comparable(await viaExpress('/api/trades', preflight('https://evil.example'), 'OPTIONS')))
    const allowed = await viaFast('/api/trades', preflight(LISTED), 'OPTIONS')
    expect(allowed.status).toBe(204)
    expect(allowed.headers['access-control-allow-origin']).toBe(LISTED)
    expect(served).toEqual([])
  })

  it('other methods, other paths and HEAD go to Express, untouched by the fast path', async () => {
    const { served, viaFast } = await pair()
    expect((await viaFast('/api/trades', bearer(TEST_TOKEN), 'POST')).status).toBe(404)
    expect((await viaFast('/api/trades', bearer(TEST_TOKEN), 'HEAD')).status).toBe(200)
    expect((await viaFast('/api/Trades/', bearer(TEST_TOKEN))).status).toBe(200)
    expect((await viaFast('/api/portfolio', bearer(TEST_TOKEN))).status).toBe(200)
    expect(served).toEqual([])
  })
})

describe('the fast path never serves stale data', () => {
  async function appended(fast: TestServer, dir: string, orderId: string) {
    const socket = new WebSocket(`${fast.url.replace('http', 'ws')}/ws`, ['tradekit.v1', `bearer.${TEST_TOKEN}`])
    servers.defer(() => socket.terminate())
    const seen = new Promise<void>((resolve) =>
      socket.on('message', (data) => {
        if (String(data).includes(orderId)) resolve()
      }),
    )
    await new Promise((resolve) => socket.once('open', resolve))
    const writer = createTradeLogWriter({ dir })
    servers.defer(() => writer.close())
    await writer.append('trades', {
      market: 'KRW-BTC',
      side: 'buy',
      volume: '0.001',
      price: '52000000',
      funds: '52000',
      fee: '26',
      orderId,
      mode: 'paper',
      reason: 'fast path freshness',
    })
    // The server has read the line once it pushes it to live clients.
    await seen
  }

  it('a trade appended to the log is in the very next /api/trades and /api/performance answer', async () => {
    const { dir, fast, served, viaFast } = await pair()
    const before = await viaFast('/api/trades?limit=3', bearer(TEST_TOKEN))
    const figures = JSON.parse((await viaFast('/api/performance', bearer(TEST_TOKEN))).body)
    // Asked twice, so both answers are cached.
    expect((await viaFast('/api/trades?limit=3', bearer(TEST_TOKEN))).body).toBe(before.body)
    await appended(fast, dir, 'fresh-order-1')
    const after = JSON.parse((await viaFast('/api/trades?limit=3', bearer(TEST_TOKEN))).body)
    expect(after.items[0].orderId).toBe('fresh-order-1')
    expect(JSON.parse((await viaFast('/api/performance', bearer(TEST_TOKEN))).body).fills).toBe(figures.fills + 1)
    expect(served.filter((line) => line.includes('/api/trades'))).toHaveLength(3)
  })
})
