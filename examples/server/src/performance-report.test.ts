/**
 * The full report and decision quality over HTTP: `/api/performance` serves trade-log's `performance()` report
 * (every figure, and why the missing ones are missing) and `/api/decisions/quality` its `decisionQuality()`, over
 * the same entries the log holds.
 */
import { createTradeLogReader, decisionQuality, PERFORMANCE_METRICS, performance } from '@tradekit/trade-log'
import { describe, expect, it } from 'vitest'
import { writeLogFixture } from './test-support/log-fixture.js'
import { useServers } from './test-support/test-server.js'

const END = Date.UTC(2025, 7, 10, 23, 59, 59)
const HOUR = 3_600_000
const servers = useServers()

async function fixture(days = 4, tradesPerDay = 8) {
  const dir = servers.tempDir()
  writeLogFixture(dir, { days, tradesPerDay, end: END })
  const reader = createTradeLogReader({ dir })
  const all = async <K extends 'trades' | 'equity' | 'decisions'>(kind: K) =>
    (await reader.readEntries({ kind, limit: 1_000, order: 'asc' })).entries
  return { dir, trades: await all('trades'), equity: await all('equity'), decisions: await all('decisions') }
}
const json = (value: unknown) => JSON.parse(JSON.stringify(value))

describe('GET /api/performance: the full report', () => {
  it('every figure and reason of trade-log performance() over the log, all time and for a window', async () => {
    const { dir, trades, equity } = await fixture()
    const server = await servers.start({ logDir: dir })
    const { closedTrades: _all, dailyReturns: _days, ...expected } = performance([...trades, ...equity])
    const { period, from, to, recentClosedTrades, ...body } = (await server.get('/api/performance')).body
    expect(body).toEqual(json(expected))
    for (const { field } of PERFORMANCE_METRICS) {
      const value = field.split('.').reduce((v: Record<string, unknown>, key) => v[key] as Record<string, unknown>, body)
      expect(value === null, field).toBe(body.reasons[field] !== undefined)
    }
    expect(body.reasons.sharpe).toBe('fewer than 30 daily returns (3)')
    expect(body.buyAndHold[0]).toMatchObject({ market: 'KRW-BTC', firstPrice: trades[0]!.price })

    const window = (await server.get(`/api/performance?period=all&from=${END - 2 * 86_400_000}`)).body
    const inWindow = (entry: { tsMs: number }) => entry.tsMs >= END - 2 * 86_400_000
    const {
      closedTrades: _c,
      dailyReturns: _d,
      ...expectedWindow
    } = performance([...trades.filter(inWindow), ...equity.filter(inWindow)], { keepClosedTrades: 20 })
    const { period: _p, from: _f, to: _t, recentClosedTrades: _r, ...windowBody } = window
    expect(windowBody).toEqual(json(expectedWindow))
  })
})

describe('GET /api/decisions/quality', () => {
  it('is trade-log decisionQuality over the decisions in the range, judged at the horizon asked for', async () => {
    const { dir, trades, equity, decisions } = await fixture()
    const server = await servers.start({ logDir: dir })
    const { status, body } = await server.get('/api/decisions/quality?horizon=4h')
    expect(status).toBe(200)
    expect(body).toEqual(json(decisionQuality(decisions, trades, equity, { horizonMs: 4 * HOUR })))
    // The fixture's rules decider answered every decision, and every decision was filled.
    expect(body.deciders).toHaveLength(1)
    expect(body.deciders[0]).toMatchObject({ provider: 'rules', model: 'rsi-trend-v1', decisions: 32, actedOn: 32 })
    expect(body.total.outcome.evaluated + body.total.outcome.pending).toBe(32)
    expect(body.total.calibration.brier).toEqual(expect.any(Number))
    expect(body.total.reasons['cost.costUsd']).toMatch(/no decision entry carries costUsd/)
  })

  it('defaults to a one-day horizon and narrows the decisions to the period; outcomes may use later prices', async () => {
    const { dir, trades, equity, decisions } = await fixture()
    const server = await servers.start({ logDir: dir })
    const from = END - 86_400_000 - HOUR
    const { body } = await server.get(`/api/decisions/quality?from=${from}`)
    const inRange = decisions.filter((decision) => decision.tsMs >= from)
    expect(body).toEqual(json(decisionQuality(inRange, trades, equity, { horizonMs: 86_400_000 })))
    expect(body.total.decisions).toBe(inRange.length)
  })

  it('error: a horizon that is not a duration is a 400 naming the parameter', async () => {
    const { dir } = await fixture(1, 2)
    const server = await servers.start({ logDir: dir })
    for (const horizon of ['soon', '0m', '400d']) {
      const { status, body } = await server.get(`/api/decisions/quality?horizon=${horizon}`)
      expect(status, horizon).toBe(400)
      expect(body.error.message, horizon).toMatch(/horizon/)
    }
  })
})
