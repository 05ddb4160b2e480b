/**
 * Issue 18, item 4: the Sharpe and Sortino KPI shows the figures as soon as trade-log computes them (30 daily
 * returns), and until then says how many it waits for. Run on real /api/performance answers.
 */
import { MIN_DAYS_FOR_RATIOS } from '@tradekit/trade-log'
import { describe, expect, it } from 'vitest'
import { ratiosText } from '../dashboard/figures.js'
import { writeLogFixture } from './test-support/log-fixture.js'
import { useServers } from './test-support/test-server.js'

const servers = useServers()
const END = Date.UTC(2025, 7, 10, 23, 59, 59)
const PATH = '/api/performance?include=dailyReturns'

describe('the Sharpe and Sortino KPI', () => {
  it('with enough daily returns: both figures, as the API computed them, never "–"', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: MIN_DAYS_FOR_RATIOS + 10, tradesPerDay: 4, end: END })
    const app = await servers.start({ logDir: dir })
    const { status, body } = await app.get(PATH)
    expect(status).toBe(200)
    expect(body.dailyReturns.length).toBeGreaterThanOrEqual(MIN_DAYS_FOR_RATIOS)
    expect(body.sharpe).toEqual(expect.any(Number))
    expect(body.sortino).toEqual(expect.any(Number))
    expect(ratiosText(body)).toBe(`Sharpe ${body.sharpe.toFixed(2)} · Sortino ${body.sortino.toFixed(2)}`)
  })

  it('with fewer daily returns: how many so far, not a bare "–"', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 5, tradesPerDay: 4, end: END })
    const app = await servers.start({ logDir: dir })
    const { body } = await app.get(PATH)
    expect(body.sharpe).toBeNull()
    expect(ratiosText(body)).toBe(`Sharpe, Sortino after 30 daily returns (${body.dailyReturns.length} so far)`)
  })

  it('enough days but a ratio trade-log could not compute (returns that do not vary): "–" for that one only', () => {
    const days = Array.from({ length: MIN_DAYS_FOR_RATIOS }, (_, i) => ({ date: `2025-01-${i + 1}`, return: 0 }))
    expect(ratiosText({ sharpe: null, sortino: 1.234, dailyReturns: days })).toBe('Sharpe – · Sortino 1.23')
    expect(ratiosText({ sharpe: null, sortino: null, dailyReturns: days })).toBe('Sharpe – · Sortino –')
  })
})
