/**
 * Issue 18, item 17: one server over several log directories, one per bot: `?bot=<id>` on every route, `bot=all`
 * merging the lists, `GET /api/bots` for the combined figures, events tagged with their bot, health per bot.
 */
import { join } from 'node:path'
import { createTradeLogReader, createTradeLogWriter, formatDecimal, parseDecimal } from '@tradekit/trade-log'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { configFromEnv } from './config.js'
import { LOG_ROUTES } from './routes/log-routes.js'
import { STATS_ROUTES } from './routes/stats-routes.js'
import { writeLogFixture } from './test-support/log-fixture.js'
import { TEST_TOKEN, useServers } from './test-support/test-server.js'
import type { HubMessage } from './ws-hub.js'

const servers = useServers()
const END = Date.UTC(2025, 7, 10, 23, 59, 59)

async function twoBots() {
  const alpha = servers.tempDir('bot-alpha-')
  const beta = servers.tempDir('bot-beta-')
  // Different trade times (6 vs 7 a day) and price paths, so the merged order interleaves them.
  writeLogFixture(alpha, { days: 2, tradesPerDay: 6, end: END, seed: 1 })
  writeLogFixture(beta, { days: 2, tradesPerDay: 7, end: END, seed: 2 })
  const app = await servers.start({
    logDir: alpha,
    bots: [
      { id: 'alpha', logDir: alpha },
      { id: 'beta', logDir: beta, startingBalance: '5000000' },
    ],
    rateLimit: false,
  })
  return { app, alpha, beta }
}

const orderIds = (body: { items: { orderId: string }[] }) => body.items.map((item) => item.orderId)

describe('several bots on one server', () => {
  it('every route takes ?bot=; without it the first bot answers; an unknown bot is a 404 naming the known ones', async () => {
    const { app, alpha, beta } = await twoBots()
    const newest = async (dir: string) =>
      (await createTradeLogReader({ dir }).readEntries({ kind: 'trades', limit: 3 })).entries.map((t) => t.orderId)
    expect(orderIds((await app.get('/api/trades?limit=3&bot=beta')).body)).toEqual(await newest(beta))
    expect(orderIds((await app.get('/api/trades?limit=3')).body)).toEqual(await newest(alpha))
    for (const route of [...LOG_ROUTES, ...STATS_ROUTES]) {
      expect((await app.get(`/api${route}?bot=beta`)).status, route).toBe(200)
      const unknown = await app.get(`/api${route}?bot=gamma`)
      expect(unknown.status, route).toBe(404)
      expect(unknown.body.error.message, route).toMatch(/No bot "gamma".*alpha, beta/)
    }
    expect((await app.get('/api/portfolio?bot=beta')).body.startingBalance).toMatchObject({ source: 'configuration' })
    expect((await app.get('/api/performance?bot=beta')).body.fills).toBe(14)
    expect((await app.get('/api/performance?bot=all')).status).toBe(400)
  })

  it('bot=all merges every bot’s trades newest first, tagged, and its cursor walks each exactly once', async () => {
    const { app } = await twoBots()
    const seen: { bot: string; orderId: string; tsMs: number }[] = []
    let cursor: string | null = null
    do {
      const query: string = `/api/trades?bot=all&limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
      const { status, body } = await app.get(query)
      expect(status).toBe(200)
      seen.push(...body.items)
      cursor = body.nextCursor
    } while (cursor)
    expect(seen).toHaveLength(12 + 14)
    expect(new Set(seen.map((t) => `${t.bot}/${t.orderId}`)).size).toBe(26)
    expect(seen.filter((t) => t.bot === 'alpha')).toHaveLength(12)
    const times = seen.map((t) => t.tsMs)
    expect(times).toEqual([...times].sort((a, b) => b - a))
    const asc = await app.get('/api/decisions?bot=all&order=asc&limit=1000')
    expect(asc.body.items).toHaveLength(26)
    expect(asc.body.items[0].tsMs).toBeLessThanOrEqual(asc.body.items[25].tsMs)
  })

  it('GET /api/bots: each bot’s figures and their money totals', async () => {
    const { app } = await twoBots()
    const { status, body } = await app.get('/api/bots')
    expect(status).toBe(200)
    expect(body.bots.map((bot: { id: string }) => bot.id)).toEqual(['alpha', 'beta'])
    const [alpha, beta] = await Promise.all([app.get('/api/portfolio?bot=alpha'), app.get('/api/portfolio?bot=beta')])
    expect(body.bots[1]).toMatchObject({ startingBalance: '5000000', equity: beta.body.equity, fills: 14 })
    expect(body.total.equity).toBe(formatDecimal(parseDecimal(alpha.body.equity).plus(parseDecimal(beta.body.equity))))
    expect(body.total.fills).toBe(26)
  })

  it('live events name their bot', async () => {
    const { app, beta } = await twoBots()
    const socket = new WebSocket(`${app.url.replace('http', 'ws')}/ws`, ['tradekit.v1', `bearer.${TEST_TOKEN}`])
    servers.defer(() => socket.terminate())
    const received: HubMessage[] = []
    const trade = new Promise<HubMessage>((resolve, reject) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as HubMessage
        received.push(message)
        if (message.type === 'trade') resolve(message)
      })
      const fail = (why: string) => () => reject(new Error(`${why} before the trade; received ${JSON.stringify(received)}`))
      socket.once('error', fail('socket error'))
      socket.once('close', fail('socket closed'))
    })
    trade.catch(() => undefined)
    await new Promise((resolve, reject) => {
      socket.once('message', resolve)
      socket.once('error', reject)
    })
    const writer = createTradeLogWriter({ dir: beta })
    servers.defer(() => writer.close())
    await writer.append('trades', {
      market: 'KRW-BTC',
      side: 'buy',
      volume: '0.001',
      price: '50000000',
      funds: '50000',
      fee: '25',
      orderId: 'beta-live',
      mode: 'paper',
    })
    expect(await trade).toMatchObject({ type: 'trade', bot: 'beta', data: { orderId: 'beta-live' } })
  })

  it('health reports each bot; one missing directory makes the server unready and names that bot', async () => {
    const alpha = servers.tempDir('bot-alpha-')
    writeLogFixture(alpha, { days: 1, tradesPerDay: 2, end: END })
    const missing = join(servers.tempDir(), 'not-here')
    const app = await servers.start({
      logDir: alpha,
      bots: [
        { id: 'alpha', logDir: alpha },
        { id: 'beta', logDir: missing },
      ],
    })
    const health = await app.get('/health')
    expect(health.status).toBe(503)
    expect(health.body.checks.logDir.status).toBe('down')
    expect(health.body.checks.logDir.summary).toMatch(/^beta: /)
    expect(health.body.checks.logDir.bots.alpha.status).toBe('ok')
    expect((await app.get('/api/trades?bot=alpha')).status).toBe(200)
    expect((await app.get('/api/trades?bot=beta')).status).toBe(503)
  })

  it('BOTS and STARTING_BALANCE configure it; mistakes stop start-up naming the variable', () => {
    const config = configFromEnv({
      API_TOKEN: TEST_TOKEN,
      BOTS: 'alpha=/srv/alpha/logs, beta=/srv/beta/logs',
      STARTING_BALANCE: 'alpha=1000000,beta=500000',
    })
    expect(config.bots).toEqual([
      { id: 'alpha', logDir: '/srv/alpha/logs', startingBalance: '1000000' },
      { id: 'beta', logDir: '/srv/beta/logs', startingBalance: '500000' },
    ])
    expect(() => configFromEnv({ API_TOKEN: TEST_TOKEN, BOTS: 'Alpha=/x' })).toThrow(/BOTS/)
    expect(() => configFromEnv({ API_TOKEN: TEST_TOKEN, BOTS: 'a=/x', TRADE_LOG_DIR: '/y' })).toThrow(/TRADE_LOG_DIR and BOTS/)
    expect(() => configFromEnv({ API_TOKEN: TEST_TOKEN, BOTS: 'a=/x', STARTING_BALANCE: 'b=1' })).toThrow(/"b"/)
  })
})
