/**
 * Issue 18, items 8–11 and 14: behind a reverse proxy and under abuse. Every test runs the real server on
 * 127.0.0.1 port 0 and plays the proxy itself (it connects from 127.0.0.1 and writes X-Forwarded-For).
 */
import { MemoryStore } from 'express-rate-limit'
import jwt from 'jsonwebtoken'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createApp } from './app.js'
import { configFromEnv } from './config.js'
import { ServerConfigError } from './errors.js'
import { writeLogFixture } from './test-support/log-fixture.js'
import { TEST_TOKEN, useServers } from './test-support/test-server.js'

const servers = useServers()

async function server(options: Partial<Parameters<typeof servers.start>[0]> = {}) {
  const dir = servers.tempDir()
  writeLogFixture(dir, { days: 1, tradesPerDay: 4, end: Date.UTC(2025, 7, 10, 23) })
  return servers.start({ logDir: dir, ...options })
}

/** Status of a /ws upgrade (101 when it opens). */
function upgrade(url: string, headers: Record<string, string> = {}, token = TEST_TOKEN) {
  return new Promise<number>((resolve) => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/ws`, ['tradekit.v1', `bearer.${token}`], { headers })
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    socket.on('open', () => {
      socket.close()
      resolve(101)
    })
    socket.on('error', () => undefined)
  })
}

describe('item 8: TRUST_PROXY is a hop count or an address list, never everything', () => {
  it('error: trustProxy true / TRUST_PROXY=true is refused at start with what to set instead', () => {
    expect(() => createApp({ auth: { token: TEST_TOKEN }, trustProxy: true as never })).toThrow(ServerConfigError)
    expect(() => configFromEnv({ API_TOKEN: TEST_TOKEN, TRUST_PROXY: 'true' })).toThrow(
      /TRUST_PROXY=true .*trusts every address in X-Forwarded-For.*number of proxies/,
    )
  })

  it('TRUST_PROXY takes a hop count or a list of addresses; a wrong entry stops start-up naming it', () => {
    expect(configFromEnv({ API_TOKEN: TEST_TOKEN, TRUST_PROXY: '1' }).trustProxy).toBe(1)
    expect(configFromEnv({ API_TOKEN: TEST_TOKEN, TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
    ])
    expect(configFromEnv({ API_TOKEN: TEST_TOKEN, TRUST_PROXY: 'false' }).trustProxy).toBe(false)
    expect(() => configFromEnv({ API_TOKEN: TEST_TOKEN, TRUST_PROXY: '10.0.0.300' })).toThrow(/TRUST_PROXY/)
    expect(() => configFromEnv({ API_TOKEN: TEST_TOKEN, TRUST_PROXY: '0x1' })).toThrow(/TRUST_PROXY/)
  })

  it('behind one proxy, a client varying X-Forwarded-For still spends one budget (its real address)', async () => {
    const app = await server({ trustProxy: 1, rateLimit: { max: 3, windowMs: 60_000 } })
    // nginx appends the address it saw; whatever the client wrote comes before it.
    const through = (spoofed: string) =>
      app.get('/api/trades?limit=1', { headers: { 'x-forwarded-for': `${spoofed}, 203.0.113.9` } })
    for (const spoofed of ['1.1.1.1', '2.2.2.2', '3.3.3.3']) expect((await through(spoofed)).status).toBe(200)
    expect((await through('4.4.4.4')).status).toBe(429)
    // Another real client behind the same proxy has its own budget.
    expect((await app.get('/api/trades?limit=1', { headers: { 'x-forwarded-for': '198.51.100.7' } })).status).toBe(200)
  })

  it('with an address list, only the listed proxy may speak for clients', async () => {
    const app = await server({ trustProxy: ['127.0.0.1'], rateLimit: { max: 2, windowMs: 60_000 } })
    const from = (client: string) => app.get('/api/trades?limit=1', { headers: { 'x-forwarded-for': client } })
    expect((await from('203.0.113.1')).status).toBe(200)
    expect((await from('203.0.113.1')).status).toBe(200)
    expect((await from('203.0.113.1')).status).toBe(429)
    expect((await from('203.0.113.2')).status).toBe(200)
  })
})

describe('item 9: /ws upgrades are keyed like HTTP behind a proxy', () => {
  it('upgrades of other clients behind the proxy do not spend a new client’s budget', async () => {
    const app = await server({ trustProxy: 1, rateLimit: { max: 2, windowMs: 60_000 } })
    for (const client of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']) {
      expect(await upgrade(app.url, { 'x-forwarded-for': client })).toBe(101)
    }
    expect(await upgrade(app.url, { 'x-forwarded-for': '203.0.113.5' })).toBe(101)
  })

  it('one client’s HTTP requests and upgrades share its budget (same key on both paths)', async () => {
    const app = await server({ trustProxy: 1, rateLimit: { max: 2, windowMs: 60_000 } })
    const headers = { 'x-forwarded-for': '203.0.113.9' }
    expect((await app.get('/api/trades?limit=1', { headers })).status).toBe(200)
    expect(await upgrade(app.url, headers)).toBe(101)
    expect(await upgrade(app.url, headers)).toBe(429)
    expect((await app.get('/api/trades?limit=1', { headers })).status).toBe(429)
  })
})

describe('rate-limit store is pluggable (issue 19 adds Redis)', () => {
  it('a given store counts HTTP requests and upgrades under one key per client', async () => {
    const keys: string[] = []
    const store = new MemoryStore()
    const increment = store.increment.bind(store)
    store.increment = (key) => {
      keys.push(key)
      return increment(key)
    }
    const app = await server({ trustProxy: 1, rateLimit: { max: 10, windowMs: 60_000, store } })
    const headers = { 'x-forwarded-for': '203.0.113.9' }
    expect((await app.get('/api/trades?limit=1', { headers })).status).toBe(200)
    expect(await upgrade(app.url, headers)).toBe(101)
    expect(keys).toEqual(['203.0.113.9', '203.0.113.9'])
  })
})

describe('item 10: CORS_ORIGINS applies to /ws', () => {
  it('an origin listed for the API may open /ws; another origin gets 403', async () => {
    const app = await server({ cors: { origins: ['https://dash.example.com'] } })
    expect(await upgrade(app.url, { origin: 'https://dash.example.com' })).toBe(101)
    expect(await upgrade(app.url, { origin: 'https://evil.example' })).toBe(403)
  })
})

describe('item 11: malformed percent-encoding is a 400', () => {
  it.each(['/api/payments/%ZZ', '/api/payments/%E0%A4%A'])('error: GET %s is 400 bad_request, not a 500', async (path) => {
    const app = await server()
    const reply = await app.get(path)
    expect(reply.status).toBe(400)
    expect(reply.body.error).toEqual({ code: 'bad_request', message: expect.stringMatching(/percent-encoding/) })
  })
})

describe('item 14: strict input', () => {
  it.each([
    ['/api/trades?from=2025-02-30', /not a calendar date/],
    ['/api/trades?limit=0x10', /whole number in decimal digits/],
    ['/api/equity?points=1e3', /whole number in decimal digits/],
    ['/api/prices?points=0x10', /whole number in decimal digits/],
    ['/api/daily?to=2025-08-01T25:00Z', /not a valid time of day/],
  ])('error: %s is a 400', async (path, message) => {
    const app = await server()
    const reply = await app.get(path)
    expect(reply.status).toBe(400)
    expect(reply.body.error.message).toMatch(message)
  })

  it('error: a POST body that is not JSON is 415 with what to send', async () => {
    const app = await server()
    const reply = await app.post('/api/payments', null, { raw: 'amountSats=1000', headers: { 'content-type': 'text/plain' } })
    expect(reply.status).toBe(415)
    expect(reply.body.error).toEqual({
      code: 'unsupported_media_type',
      message: expect.stringMatching(/Content-Type: application\/json/),
    })
  })

  it('error: a JWT living longer than the configured maximum is refused; a short one is accepted', async () => {
    const secret = 'jwt-secret-for-the-server-test'
    const app = await server({ auth: { jwtSecret: secret, jwtMaxLifetimeSeconds: 3_600 } })
    const short = jwt.sign({ sub: 'dash' }, secret, { algorithm: 'HS256', expiresIn: 600 })
    expect((await app.get('/api/trades?limit=1', { token: short })).status).toBe(200)
    const long = jwt.sign({ sub: 'dash' }, secret, { algorithm: 'HS256', expiresIn: 86_400 * 365 })
    const reply = await app.get('/api/trades?limit=1', { token: long })
    expect(reply.status).toBe(401)
    expect(reply.body.error.message).toMatch(/lifetime.*3600 s/)
    expect(reply.text).not.toContain(long)
  })

  it('JWT_MAX_LIFETIME_SECONDS configures it (default one day)', () => {
    expect(configFromEnv({ JWT_SECRET: 'x'.repeat(32) }).auth.jwtMaxLifetimeSeconds).toBe(86_400)
    expect(configFromEnv({ JWT_SECRET: 'x'.repeat(32), JWT_MAX_LIFETIME_SECONDS: '900' }).auth.jwtMaxLifetimeSeconds).toBe(900)
    expect(() => configFromEnv({ JWT_SECRET: 'x'.repeat(32), JWT_MAX_LIFETIME_SECONDS: '0x10' })).toThrow(
      /JWT_MAX_LIFETIME_SECONDS/,
    )
  })
})
