import { readdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createTradeLogWriter } from '@tradekit/trade-log'
import { describe, expect, it } from 'vitest'
import { writeLogFixture } from './test-support/log-fixture.js'
import { useServers } from './test-support/test-server.js'

const servers = useServers()

describe('GET /health', () => {
  it('without a token: only the status', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 1, tradesPerDay: 2 })
    const app = await servers.start({ logDir: dir })
    const reply = await app.get('/health', { token: null })
    expect(reply.status).toBe(200)
    expect(reply.body).toEqual({ status: 'ready' })
  })

  it('with a token: the log directory, the bot and Electron Cash in detail', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 1, tradesPerDay: 2, end: Date.now() - 86_400_000 })
    // The bot's latest cycle, written the way the bot writes it.
    const writer = createTradeLogWriter({ dir })
    await writer.append('decisions', {
      market: 'KRW-BTC',
      provider: 'rules',
      model: 'v1',
      action: 'hold',
      confidence: 0.5,
      reason: 'flat',
    })
    await writer.close()
    const app = await servers.start({ logDir: dir })
    const reply = await app.get('/health')
    expect(reply.status).toBe(200)
    expect(reply.body.status).toBe('ready')
    expect(reply.body.checks.logDir).toMatchObject({ status: 'ok', dir })
    expect(reply.body.checks.bot).toMatchObject({ status: 'ok', lastCycleAt: expect.any(String) })
    expect(reply.body.checks.electronCash).toMatchObject({ status: 'disabled' })
  })

  it('error: a wrong token is 401, not the minimal answer', async () => {
    const dir = servers.tempDir()
    const app = await servers.start({ logDir: dir })
    expect((await app.get('/health', { token: 'wrong-token-000000000' })).status).toBe(401)
  })

  it('a missing log directory: 503, and the detail names the absolute path and what to do', async () => {
    const dir = join(servers.tempDir(), 'logs-that-do-not-exist')
    const app = await servers.start({ logDir: dir })
    const minimal = await app.get('/health', { token: null })
    expect(minimal.status).toBe(503)
    expect(minimal.body).toEqual({ status: 'unavailable' })
    const detailed = await app.get('/health')
    expect(detailed.status).toBe(503)
    expect(detailed.body.reasons.join(' ')).toContain(dir)
    expect(detailed.body.reasons.join(' ')).toMatch(/No log directory at/)
    expect(detailed.body.checks.logDir.status).toBe('down')
    // The API says the directory is unreadable without giving the path away.
    const trades = await app.get('/api/trades')
    expect(trades.status).toBe(503)
    expect(trades.body.error.message).toMatch(/GET \/health/)
    expect(trades.text).not.toContain(dir)
    for (const path of ['/api/performance', '/api/portfolio', '/api/equity', '/api/daily', '/api/prices']) {
      const reply = await app.get(path)
      expect(reply.status).toBe(503)
      expect(reply.text).not.toContain(dir)
    }
  })

  it('a path that is a file, not a directory: 503 saying so', async () => {
    const file = join(servers.tempDir(), 'trades.jsonl')
    writeFileSync(file, '')
    const app = await servers.start({ logDir: file })
    const detailed = await app.get('/health')
    expect(detailed.status).toBe(503)
    expect(detailed.body.checks.logDir.summary).toMatch(/not a directory/)
  })

  it('a directory with no logs, or misnamed ones: the verdict says what it found', async () => {
    const dir = servers.tempDir()
    writeFileSync(join(dir, 'trades_20250801.json.bak'), '[]')
    const app = await servers.start({ logDir: dir })
    const detailed = await app.get('/health')
    expect(detailed.body.checks.logDir.status).not.toBe('ok')
    expect(detailed.body.checks.bot.status).toBe('warn')
    expect(detailed.body.checks.bot.summary).toMatch(/no bot cycle/)
  })

  it('a stale bot is a warning with its age, not an outage', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 1, tradesPerDay: 2, end: Date.now() - 3 * 3_600_000 })
    // The bot stopped writing three hours ago.
    const threeHoursAgo = new Date(Date.now() - 3 * 3_600_000)
    for (const name of readdirSync(dir)) utimesSync(join(dir, name), threeHoursAgo, threeHoursAgo)
    const app = await servers.start({ logDir: dir, botStaleAfterMs: 60_000 })
    const detailed = await app.get('/health')
    expect(detailed.status).toBe(200)
    expect(detailed.body.checks.bot).toMatchObject({ status: 'warn', summary: expect.stringMatching(/stale after 60 s/) })
  })

  it('a bot replaying old history is alive: liveness comes from when it wrote, not from the time in the entry', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 1, tradesPerDay: 2, end: Date.UTC(2025, 8, 9, 23) })
    const app = await servers.start({ logDir: dir, botStaleAfterMs: 60_000 })
    const detailed = await app.get('/health')
    expect(detailed.body.checks.bot).toMatchObject({ status: 'ok', lastCycleAt: expect.stringMatching(/^2025-09-09T/) })
  })
})
