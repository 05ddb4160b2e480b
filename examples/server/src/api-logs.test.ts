import { appendFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createTradeLogReader, formatDecimal, parseDecimal, performance, portfolio } from '@tradekit/trade-log'
import { describe, expect, it } from 'vitest'
import { DAY_MS, dayKeyUtc, writeLogFixture } from './test-support/log-fixture.js'
import { useServers } from './test-support/test-server.js'

const END = Date.UTC(2025, 7, 10, 23, 59, 59)
const servers = useServers()

async function fixtureServer(days = 3, tradesPerDay = 10) {
  const dir = servers.tempDir()
  const summary = writeLogFixture(dir, { days, tradesPerDay, end: END })
  const server = await servers.start({ logDir: dir })
  return { dir, summary, server }
}

describe('GET /api/trades, /api/decisions, /api/analysis, /api/errors', () => {
  it('returns the newest trades first with a limit', async () => {
    const { server, summary } = await fixtureServer()
    const { status, body } = await server.get('/api/trades?limit=5')
    expect(status).toBe(200)
    expect(body.items).toHaveLength(5)
    expect(body.items[0].tsMs).toBe(summary.lastTradeMs)
    const times = body.items.map((item: { tsMs: number }) => item.tsMs)
    expect(times).toEqual([...times].sort((a, b) => b - a))
    expect(body.nextCursor).toEqual(expect.any(String))
    expect(body.skippedLines).toBe(0)
  })

  it('walks every trade exactly once through the cursor', async () => {
    const { server, summary } = await fixtureServer(3, 10)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const { body } = await server.get(`/api/trades?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      seen.push(...body.items.map((item: { orderId: string }) => item.orderId))
      cursor = body.nextCursor
    } while (cursor)
    expect(seen).toHaveLength(summary.trades)
    expect(new Set(seen).size).toBe(summary.trades)
  })

  it('filters by side, market and time range (from inclusive, to exclusive)', async () => {
    const { server, dir } = await fixtureServer(3, 10)
    const all = (await createTradeLogReader({ dir }).readEntries({ kind: 'trades', limit: 1_000 })).entries
    const sells = await server.get('/api/trades?side=sell&limit=1000')
    expect(sells.body.items.length).toBe(all.filter((trade) => trade.side === 'sell').length)
    expect(sells.body.items.every((item: { side: string }) => item.side === 'sell')).toBe(true)
    const dayStart = END - (END % DAY_MS) - DAY_MS
    const range = await server.get(`/api/trades?from=${new Date(dayStart).toISOString()}&to=${dayStart + DAY_MS}&limit=1000`)
    expect(range.body.items.length).toBe(all.filter((trade) => trade.tsMs >= dayStart && trade.tsMs < dayStart + DAY_MS).length)
    expect(range.body.items.length).toBeGreaterThan(0)
    const other = await server.get('/api/trades?market=KRW-ETH')
    expect(other.body.items).toEqual([])
  })

  it('serves decisions with their reasons, under both names', async () => {
    const { server } = await fixtureServer()
    const decisions = await server.get('/api/decisions?limit=3')
    const analysis = await server.get('/api/analysis?limit=3')
    expect(decisions.status).toBe(200)
    expect(decisions.body.items[0]).toMatchObject({
      provider: 'rules',
      reason: expect.any(String),
      action: expect.stringMatching(/buy|sell/),
    })
    expect(analysis.body).toEqual(decisions.body)
  })

  it('serves errors and counts skipped lines without failing the query', async () => {
    const { server, dir } = await fixtureServer(1, 2)
    const file = join(dir, `errors_${dayKeyUtc(END)}.jsonl`)
    writeFileSync(
      file,
      `${JSON.stringify({ ts: new Date(END).toISOString(), tsMs: END, level: 'error', message: 'order timed out', source: 'exchange' })}\n`,
    )
    appendFileSync(file, '{"this is": "not an error entry"}\n')
    const { status, body } = await server.get('/api/errors')
    expect(status).toBe(200)
    expect(body.items).toEqual([expect.objectContaining({ message: 'order timed out' })])
    expect(body.skippedLines).toBe(1)
    const metrics = await server.get('/metrics')
    // Counted by every reader that met the line (the page, and the live follower since the file was written after start).
    const counted = /tradelog_read_diagnostics_total\{kind="errors",reason="[a-z_]+"\} (\d+)/.exec(metrics.text)
    expect(Number(counted?.[1])).toBeGreaterThanOrEqual(1)
  })

  it.each([
    ['/api/trades?limit=0', /query parameter limit/],
    ['/api/trades?side=long', /query parameter side/],
    ['/api/trades?from=yesterday', /query parameter from/],
    ['/api/trades?symbol=KRW-BTC', /unknown query parameter "symbol"/],
    ['/api/trades?market=..%2F..%2Fetc%2Fpasswd', /query parameter market/],
    ['/api/trades?cursor=WyIuLi8uLi9ldGMvcGFzc3dkIiwwXQ', /cursor/],
    ['/api/decisions?from=2025-08-02&to=2025-08-01', /from must not be after to/],
  ])('error: %s is a 400 with a precise message', async (path, message) => {
    const { server } = await fixtureServer(1, 2)
    const { status, body } = await server.get(path)
    expect(status).toBe(400)
    expect(body.error.code).toBe('bad_request')
    expect(body.error.message).toMatch(message)
  })
})

describe('statistics', () => {
  it('GET /api/performance matches trade-log performance() over the same entries', async () => {
    const { server, dir } = await fixtureServer(3, 10)
    const reader = createTradeLogReader({ dir })
    const trades = (await reader.readEntries({ kind: 'trades', limit: 1_000, order: 'asc' })).entries
    const equity = (await reader.readEntries({ kind: 'equity', limit: 1_000, order: 'asc' })).entries
    const expected = performance([...trades, ...equity])
    const { status, body } = await server.get('/api/performance')
    expect(status).toBe(200)
    expect(body).toMatchObject({
      period: 'all',
      tradeCount: expected.tradeCount,
      fills: 30,
      realizedPnl: expected.realizedPnl,
      fees: expected.fees,
      winRate: expected.winRate,
      maxDrawdown: expected.maxDrawdown,
    })
    expect(body.tradeCount).toBe(15)
  })

  it('GET /api/performance?period=day only counts the last day', async () => {
    const { server } = await fixtureServer(3, 10)
    const { body } = await server.get(`/api/performance?period=day&to=${END}`)
    expect(body.period).toBe('day')
    expect(body.fills).toBeLessThan(30)
    const bad = await server.get('/api/performance?period=decade')
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toMatch(/query parameter period/)
  })

  it('GET /api/portfolio marks positions at the latest logged price', async () => {
    const { server, dir } = await fixtureServer(1, 5)
    const reader = createTradeLogReader({ dir })
    const trades = (await reader.readEntries({ kind: 'trades', limit: 1_000, order: 'asc' })).entries
    const last = trades.at(-1)!
    const expected = portfolio(trades, { 'KRW-BTC': last.price })
    const { status, body } = await server.get('/api/portfolio')
    expect(status).toBe(200)
    expect(body).toMatchObject({
      realizedPnl: expected.realizedPnl,
      netCashFlow: expected.cash,
      unrealizedPnl: expected.unrealizedPnl,
    })
    expect(body.positions[0]).toMatchObject({ market: 'KRW-BTC', volume: '0.001', markPrice: last.price })
  })

  it('GET /api/equity returns the bot’s snapshots, /api/daily one row per day with its fills', async () => {
    const { server } = await fixtureServer(3, 10)
    const equity = await server.get('/api/equity?points=10')
    expect(equity.body.source).toBe('equity-log')
    expect(equity.body.points).toHaveLength(10)
    expect(equity.body.points[0]).toEqual({ tsMs: expect.any(Number), total: expect.stringMatching(/^-?\d+(\.\d+)?$/) })
    const daily = await server.get('/api/daily')
    expect(daily.body.days.map((day: { trades: number }) => day.trades)).toEqual([10, 10, 10])
    expect(daily.body.days[2].date).toBe(new Date(END).toISOString().slice(0, 10))
    // Each day holds 5 round trips (buy then sell); their profits sum to the day's PnL.
    const trades = (await server.get('/api/trades?limit=1000&order=asc')).body.items
    const lastDay = trades.slice(20)
    let expected = parseDecimal('0')
    for (let i = 0; i < lastDay.length; i += 2) {
      const [buy, sell] = [lastDay[i], lastDay[i + 1]]
      expected = expected.plus(sell.funds).minus(sell.fee).minus(buy.funds).minus(buy.fee)
    }
    expect(daily.body.days[2].pnl).toBe(formatDecimal(expected))
    expect(daily.body.days[2].equity).toEqual(expect.stringMatching(/^\d+(\.\d+)?$/))
  })

  it('GET /api/prices gives the price line and the fills as markers', async () => {
    const { server } = await fixtureServer(1, 6)
    const { body } = await server.get('/api/prices?market=KRW-BTC')
    expect(body.market).toBe('KRW-BTC')
    expect(body.points).toHaveLength(6)
    expect(body.fills.map((fill: { side: string }) => fill.side)).toEqual(['buy', 'sell', 'buy', 'sell', 'buy', 'sell'])
  })

  it('a repeated request with nothing changed is served from the cache, and an append invalidates it', async () => {
    const { server, dir } = await fixtureServer(2, 4)
    const first = await server.get('/api/performance')
    const again = await server.get('/api/performance')
    expect(again.body).toEqual(first.body)
    const file = join(dir, `trades_${dayKeyUtc(END)}.jsonl`)
    appendFileSync(
      file,
      `${JSON.stringify({ ts: new Date(END - 1000).toISOString(), tsMs: END - 1000, market: 'KRW-BTC', side: 'buy', volume: '0.001', price: '50000000', funds: '50000', fee: '25', orderId: 'late', mode: 'paper' })}\n`,
    )
    // Visible once the follower (or the once-a-second file check) notices the append.
    let after = await server.get('/api/performance')
    while (after.body.fills === first.body.fills) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      after = await server.get('/api/performance')
    }
    expect(after.body.fills).toBe(first.body.fills + 1)
    const newest = await server.get('/api/trades?limit=1')
    expect(newest.body.items[0].orderId).toBe('late')
  })
})

describe('lean performance answer (issue 18 item 16)', () => {
  it('the headline figures by default; daily returns and round trips only when asked with include=', async () => {
    const { server } = await fixtureServer(3, 10)
    const lean = await server.get('/api/performance')
    expect(lean.body).not.toHaveProperty('dailyReturns')
    expect(lean.body).not.toHaveProperty('recentClosedTrades')
    expect(lean.body).toMatchObject({ fills: 30, tradeCount: 15, sharpe: null, maxDrawdown: expect.any(Object) })
    const full = await server.get('/api/performance?include=dailyReturns,closedTrades')
    // Three days make two day-over-day returns.
    expect(full.body.dailyReturns).toHaveLength(2)
    expect(full.body.recentClosedTrades).toHaveLength(15)
    expect({ ...full.body, dailyReturns: undefined, recentClosedTrades: undefined }).toEqual({
      ...lean.body,
      dailyReturns: undefined,
      recentClosedTrades: undefined,
    })
    expect(lean.text.length).toBeLessThan(full.text.length / 2)
    const bad = await server.get('/api/performance?include=everything')
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toMatch(/query parameter include/)
  })
})
