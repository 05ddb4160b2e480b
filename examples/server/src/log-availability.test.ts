/**
 * Issue 18, items 12 and 13: the page cache is bounded by bytes, and while the log directory is missing every data
 * route answers the same way (503 saying since when), then recovers when it is back.
 */
import { existsSync, renameSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { LOG_ROUTES } from './routes/log-routes.js'
import { STATS_ROUTES } from './routes/stats-routes.js'
import { writeLogFixture } from './test-support/log-fixture.js'
import { useServers } from './test-support/test-server.js'

const servers = useServers()
const END = Date.UTC(2025, 7, 10, 23, 59, 59)

const cacheBytes = (metrics: string) => Number(/^tradelog_page_cache_bytes (\d+)/m.exec(metrics)?.[1] ?? Number.NaN)

describe('item 12: page cache bounded by bytes', () => {
  it('many distinct large queries never hold more than the budget, and every answer is still right', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 2, tradesPerDay: 300, end: END })
    const budget = 256 * 1024
    const app = await servers.start({ logDir: dir, pageCacheBytes: budget })
    let largest = 0
    for (let limit = 200; limit < 260; limit++) {
      const reply = await app.get(`/api/trades?limit=${limit}`)
      expect(reply.status).toBe(200)
      expect(reply.body.items).toHaveLength(limit)
      largest = Math.max(largest, reply.text.length)
      const held = cacheBytes((await app.get('/metrics')).text)
      expect(held).toBeLessThanOrEqual(budget)
    }
    // 60 pages of ~70 kB were served: far more than the budget, so the cache must have dropped some.
    expect(largest * 60).toBeGreaterThan(budget * 4)
    expect(cacheBytes((await app.get('/metrics')).text)).toBeGreaterThan(0)
  })
})

describe('item 13: a missing log directory gets one consistent answer', () => {
  const paths = [...LOG_ROUTES, ...STATS_ROUTES].map((route) => `/api${route}`)

  it('every log and statistics route answers 503 with since when, and all answer 200 again once it is back', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 2, tradesPerDay: 6, end: END })
    // No rate limit: the test polls until the directory check notices.
    const app = await servers.start({ logDir: dir, rateLimit: false })
    // Warm every route, so the statistics are held in memory (what made them answer 200 before).
    for (const path of paths) expect((await app.get(path)).status, path).toBe(200)
    renameSync(dir, `${dir}-moved`)
    servers.defer(() => {
      if (existsSync(`${dir}-moved`)) renameSync(`${dir}-moved`, dir)
    })
    // The directory check is cached for a moment: wait until the first route notices, then all must agree.
    while ((await app.get('/api/performance')).status === 200) await new Promise((resolve) => setTimeout(resolve, 20))
    for (const path of paths) {
      const reply = await app.get(path)
      expect(reply.status, path).toBe(503)
      expect(reply.body.error, path).toMatchObject({
        code: 'unavailable',
        message: expect.stringMatching(/trade-log directory cannot be read/),
        stale: true,
        unavailableSince: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      })
      expect(reply.text, path).not.toContain(dir)
    }
    renameSync(`${dir}-moved`, dir)
    while ((await app.get('/api/performance')).status === 503) await new Promise((resolve) => setTimeout(resolve, 20))
    for (const path of paths) expect((await app.get(path)).status, path).toBe(200)
  })
})
