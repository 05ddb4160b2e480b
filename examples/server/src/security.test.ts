import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import jwt from 'jsonwebtoken'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { errorHandler } from './http-middleware.js'
import { writeLogFixture } from './test-support/log-fixture.js'
import { TEST_TOKEN, useServers } from './test-support/test-server.js'

const servers = useServers()

async function server(options: Parameters<typeof servers.start>[0] extends infer O ? Partial<O> : never = {}) {
  const dir = servers.tempDir()
  writeLogFixture(dir, { days: 1, tradesPerDay: 4, end: Date.UTC(2025, 7, 10, 23) })
  return servers.start({ logDir: dir, ...options })
}

const API_ROUTES = [
  '/api/trades',
  '/api/decisions',
  '/api/analysis',
  '/api/errors',
  '/api/portfolio',
  '/api/performance',
  '/api/equity',
  '/api/daily',
  '/api/prices',
  '/api/wallet',
  '/api/payments/abc',
]

describe('authentication', () => {
  it.each(API_ROUTES)('error: GET %s without a token is 401 with WWW-Authenticate', async (path) => {
    const app = await server()
    const reply = await app.get(path, { token: null })
    expect(reply.status).toBe(401)
    expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect(reply.body.error).toEqual({ code: 'unauthorized', message: expect.stringMatching(/Missing bearer token/) })
  })

  it('error: a wrong token is 401 and the reply does not echo it', async () => {
    const app = await server()
    const reply = await app.get('/api/trades', { token: 'guessed-token-value-42' })
    expect(reply.status).toBe(401)
    expect(reply.text).not.toContain('guessed-token-value-42')
  })

  it('error: POST /api/payments without a token is 401 before the body is read', async () => {
    const app = await server()
    const reply = await app.post('/api/payments', { amountSats: 1000 }, { token: null })
    expect(reply.status).toBe(401)
  })

  it('accepts an HS256 JWT with expiry and refuses an expired one with the time it expired', async () => {
    const secret = 'jwt-secret-for-the-server-test'
    const app = await server({ auth: { jwtSecret: secret } })
    const good = jwt.sign({ sub: 'dashboard' }, secret, { algorithm: 'HS256', expiresIn: 60 })
    expect((await app.get('/api/trades', { token: good })).status).toBe(200)
    const expired = jwt.sign({ sub: 'dashboard', exp: Math.floor(Date.now() / 1000) - 10 }, secret, { algorithm: 'HS256' })
    const reply = await app.get('/api/trades', { token: expired })
    expect(reply.status).toBe(401)
    expect(reply.body.error.message).toMatch(/Token expired at/)
  })

  it('/metrics needs the token unless made public', async () => {
    const app = await server()
    expect((await app.get('/metrics', { token: null })).status).toBe(401)
    const ok = await app.get('/metrics')
    expect(ok.status).toBe(200)
    expect(ok.text).toContain('http_request_duration_seconds_bucket')
    expect(ok.text).toContain('ws_clients')
    const open = await server({ publicMetrics: true })
    expect((await open.get('/metrics', { token: null })).status).toBe(200)
  })
})

describe('CORS', () => {
  it('sends no CORS headers by default, and refuses preflights from unknown origins', async () => {
    const app = await server()
    const simple = await app.get('/api/trades', { headers: { origin: 'https://evil.example' } })
    expect(simple.headers.get('access-control-allow-origin')).toBeNull()
    const preflight = await fetch(`${app.url}/api/trades`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    })
    expect(preflight.status).toBe(403)
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('allows exactly the configured origins', async () => {
    const app = await server({ cors: { origins: ['https://dash.example.com'] } })
    const preflight = await fetch(`${app.url}/api/trades`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://dash.example.com',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://dash.example.com')
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/)
    const get = await app.get('/api/trades', { headers: { origin: 'https://dash.example.com' } })
    expect(get.headers.get('access-control-allow-origin')).toBe('https://dash.example.com')
    expect(get.headers.get('vary')).toMatch(/Origin/)
    // A browser script may read the budget headers only when they are exposed.
    expect(get.headers.get('access-control-expose-headers')).toMatch(/RateLimit-Remaining/)
    expect(get.headers.get('access-control-expose-headers')).toMatch(/Retry-After/)
    const other = await app.get('/api/trades', { headers: { origin: 'https://dash.example.com.evil.example' } })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('limits', () => {
  it('rate limit: the request after the budget is 429 with Retry-After; other clients are counted apart', async () => {
    const app = await server({ rateLimit: { max: 3, windowMs: 60_000, keyOf: (req) => String(req.headers['x-client'] ?? 'a') } })
    for (let i = 0; i < 3; i++) expect((await app.get('/api/trades', { headers: { 'x-client': 'a' } })).status).toBe(200)
    const limited = await app.get('/api/trades', { headers: { 'x-client': 'a' } })
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(limited.body.error.code).toBe('rate_limited')
    expect((await app.get('/api/trades', { headers: { 'x-client': 'b' } })).status).toBe(200)
  })

  it('rate limit: every answer tells the client its budget in RateLimit-* headers', async () => {
    const app = await server({ rateLimit: { max: 5, windowMs: 60_000 } })
    const first = await app.get('/api/trades')
    const second = await app.get('/api/trades')
    expect(first.headers.get('ratelimit-limit')).toBe('5')
    expect(first.headers.get('ratelimit-remaining')).toBe('4')
    expect(second.headers.get('ratelimit-remaining')).toBe('3')
    expect(Number(second.headers.get('ratelimit-reset'))).toBeGreaterThan(0)
    expect(Number(second.headers.get('ratelimit-reset'))).toBeLessThanOrEqual(60)
  })

  it('rate limit: turned off, no budget headers are sent and nothing is counted', async () => {
    const app = await server({ rateLimit: false })
    for (let i = 0; i < 3; i++) expect((await app.get('/api/trades')).headers.get('ratelimit-limit')).toBeNull()
  })

  it('rate limit: unauthenticated guessing is throttled too', async () => {
    const app = await server({ rateLimit: { max: 2, windowMs: 60_000 } })
    await app.get('/api/trades', { token: 'guess-1-xxxxxxxxxxxx' })
    await app.get('/api/trades', { token: 'guess-2-xxxxxxxxxxxx' })
    expect((await app.get('/api/trades', { token: TEST_TOKEN })).status).toBe(429)
  })

  it('rate limit: WebSocket upgrades share the budget, so /ws cannot be used to guess tokens', async () => {
    const app = await server({ rateLimit: { max: 2, windowMs: 60_000 } })
    const upgrade = (token: string) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(`${app.url.replace('http', 'ws')}/ws`, ['tradekit.v1', `bearer.${token}`])
        socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
        socket.on('open', () => {
          socket.close()
          resolve(101)
        })
        socket.on('error', () => undefined)
      })
    expect(await upgrade('guess-1-xxxxxxxxxxxx')).toBe(401)
    expect(await upgrade('guess-2-xxxxxxxxxxxx')).toBe(401)
    expect(await upgrade(TEST_TOKEN)).toBe(429)
  })

  it('body size: a body over the limit is 413 with our message, not the parser’s', async () => {
    const app = await server({ bodyLimit: '1kb' })
    const reply = await app.post('/api/payments', null, { raw: JSON.stringify({ memo: 'x'.repeat(4_000) }) })
    expect(reply.status).toBe(413)
    expect(reply.body.error).toEqual({ code: 'payload_too_large', message: 'Request body is larger than the server accepts.' })
  })

  it('headers: no x-powered-by, nosniff, frame denial and a strict CSP', async () => {
    const app = await server()
    const reply = await app.get('/api/trades')
    expect(reply.headers.get('x-powered-by')).toBeNull()
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff')
    expect(reply.headers.get('x-frame-options')).toBe('DENY')
    expect(reply.headers.get('content-security-policy')).toMatch(/default-src 'self'/)
  })

  it('unknown routes are a JSON 404', async () => {
    const app = await server()
    const reply = await app.get('/api/nothing-here')
    expect(reply.status).toBe(404)
    expect(reply.body.error.code).toBe('not_found')
  })
})

describe('errors never leak', () => {
  it('an unexpected error is a bare 500: no stack, no path, no secret; the details go to the log only', async () => {
    const lines: string[] = []
    const logger = pino({ level: 'error' }, { write: (line: string) => lines.push(line) })
    const app = express()
    app.get('/boom', () => {
      throw new Error("ENOENT: no such file, open '/srv/secret/trades.jsonl' password=hunter2")
    })
    app.use(errorHandler(logger))
    const server = createServer(app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    servers.defer(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/boom`)
    const text = await response.text()
    expect(response.status).toBe(500)
    expect(JSON.parse(text)).toEqual({
      error: { code: 'internal', message: 'Internal server error: the details are in the server log.' },
    })
    for (const leak of ['/srv/secret', 'hunter2', 'ENOENT', 'at ']) expect(text).not.toContain(leak)
    expect(lines.join('')).toContain('/srv/secret')
  })

  it('no request reads outside the log directory: crafted cursors and markets are refused', async () => {
    const app = await server()
    const crafted = Buffer.from(JSON.stringify([0, '../../../../etc/passwd', 1])).toString('base64url')
    for (const path of [
      `/api/trades?cursor=${crafted}`,
      `/api/trades?cursor=${crafted}.AAAAAAAAAAAAAAAAAAAAAA`,
      '/api/trades?market=..%2F..%2Fetc',
      '/api/prices?market=%2Fetc%2Fpasswd',
    ]) {
      const reply = await app.get(path)
      expect(reply.status).toBe(400)
      expect(reply.text).not.toContain('root:')
    }
  })
})
