/**
 * Issue 20: the server chooses its trade log by configuration. With TRADE_LOG_DIR (or a BOTS entry) set to a
 * postgres:// URL it reads the log from PostgreSQL through the same routes; two replicas on one database answer
 * alike, and an entry a bot appends reaches both.
 */
import { createPostgresTradeLogWriter, importLogDirectory } from '@tradekit/trade-log/postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PostgresServer, startPostgresServer } from '../../../test-support/postgres-server.js'
import { configFromEnv } from './config.js'
import { LOG_ROUTES } from './routes/log-routes.js'
import { STATS_ROUTES } from './routes/stats-routes.js'
import { writeLogFixture } from './test-support/log-fixture.js'
import { useServers } from './test-support/test-server.js'

const servers = useServers()
let postgres: PostgresServer
beforeAll(async () => {
  postgres = await startPostgresServer()
}, 60_000)
afterAll(() => postgres?.stop())

const END = Date.UTC(2025, 7, 10, 23, 59, 59)
/** Cursors are opaque and differ between backends; everything else must be the same. */
const withoutCursor = (body: unknown) =>
  JSON.parse(JSON.stringify(body, (key, value) => (key === 'nextCursor' ? typeof value : value)))

describe('the server on a PostgreSQL trade log', () => {
  it('TRADE_LOG_DIR=postgres://…#bot: every route answers as over the files it was imported from; two replicas alike', async () => {
    const dir = servers.tempDir('pg-source-')
    writeLogFixture(dir, { days: 3, tradesPerDay: 8, end: END, seed: 3 })
    const url = `${await postgres.createDatabase()}#alpha`
    const report = await importLogDirectory({ url, dir })
    expect(report.kinds['trades']).toMatchObject({ read: 24, inserted: 24 })
    const config = configFromEnv({ TRADE_LOG_DIR: url, API_TOKEN: 'x'.repeat(32) })
    expect(config.logDir).toBe(url)
    const files = await servers.start({ logDir: dir, rateLimit: false })
    // Replicas share CURSOR_SECRET, so a cursor from one is good on the other (a load balancer may alternate).
    const replica = () => servers.start({ logDir: url, rateLimit: false, cursorSecret: 'replica-cursor-secret-0123456789abcdef' })
    const replicas = [await replica(), await replica()]
    for (const route of [...LOG_ROUTES, ...STATS_ROUTES]) {
      const expected = await files.get(`/api${route}`)
      expect(expected.status, route).toBe(200)
      for (const replica of replicas) {
        const got = await replica.get(`/api${route}`)
        expect(got.status, route).toBe(200)
        expect(withoutCursor(got.body), route).toEqual(withoutCursor(expected.body))
      }
    }
    // A page, then the next one with the cursor of either replica: the same entries, each once.
    const first = await replicas[0]!.get('/api/trades?limit=5')
    const second = await replicas[1]!.get(`/api/trades?limit=5&cursor=${encodeURIComponent(first.body.nextCursor)}`)
    expect(second.status).toBe(200)
    const fromFiles = await files.get('/api/trades?limit=10')
    expect([...first.body.items, ...second.body.items]).toEqual(fromFiles.body.items)

    // A bot appends: both replicas serve it.
    const writer = createPostgresTradeLogWriter({ url })
    const fill = await writer.append('trades', {
      tsMs: END + 60_000,
      market: 'KRW-BTC',
      side: 'buy',
      volume: '0.001',
      price: '45000000',
      funds: '45000',
      fee: '22.5',
      orderId: 'appended-by-a-bot',
      mode: 'paper',
    })
    await writer.close()
    for (const replica of replicas) {
      for (;;) {
        const newest = await replica.get('/api/trades?limit=1')
        if (newest.body.items[0]?.orderId === fill.orderId) break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    const health = await replicas[0]!.get('/health')
    expect(JSON.stringify(health.body)).not.toContain('password')
  })

  it('error: a database that cannot be reached is a 503 on the data routes, not a crash', async () => {
    const server = await servers.start({ logDir: 'postgres://postgres@127.0.0.1:1/nowhere#alpha', rateLimit: false })
    const reply = await server.get('/api/trades')
    expect(reply.status).toBe(503)
  })
})
