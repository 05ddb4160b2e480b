/**
 * Issue 18, item 1: /api/portfolio counts the starting balance, and says where it came from (the bot's equity log
 * or the configuration), instead of reporting cumulative PnL as "cash" and "equity".
 */
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { createTradeLogReader, formatDecimal, parseDecimal } from '@tradekit/trade-log'
import { describe, expect, it } from 'vitest'
import { configFromEnv } from './config.js'
import { writeLogFixture } from './test-support/log-fixture.js'
import { TEST_TOKEN, useServers } from './test-support/test-server.js'

const servers = useServers()
const END = Date.UTC(2025, 7, 10, 23, 59, 59)
// The fixture's simulated account starts with 10,000,000 KRW and buys first.
const FIXTURE_START = '10000000'

describe('GET /api/portfolio with the starting balance', () => {
  it('from the bot’s equity log: cash and equity are the account’s, matching its newest snapshot', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 2, tradesPerDay: 7, end: END })
    const app = await servers.start({ logDir: dir })
    const { status, body } = await app.get('/api/portfolio')
    expect(status).toBe(200)
    expect(body.startingBalance).toEqual({ amount: FIXTURE_START, source: 'equity-log', at: expect.any(String) })
    const newest = (await createTradeLogReader({ dir }).readEntries({ kind: 'equity', limit: 1 })).entries[0]!
    expect(formatDecimal(parseDecimal(body.equity))).toBe(formatDecimal(parseDecimal(newest.total)))
    expect(formatDecimal(parseDecimal(body.cash))).toBe(formatDecimal(parseDecimal(newest.cash)))
    expect(Number(body.equity)).toBeGreaterThan(0)
  })

  it('from the configuration when set (it wins over the log), and the source says so', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 1, tradesPerDay: 4, end: END })
    const app = await servers.start({ logDir: dir, startingBalance: '2500000' })
    const { body } = await app.get('/api/portfolio')
    expect(body.startingBalance).toEqual({ amount: '2500000', source: 'configuration', at: null })
    const flow = parseDecimal(body.cash).minus(parseDecimal('2500000'))
    const fromLog = (await app.get('/api/trades?limit=1000&order=asc')).body.items as {
      side: string
      funds: string
      fee: string
    }[]
    const expected = fromLog.reduce(
      (sum, t) => (t.side === 'buy' ? sum.minus(t.funds).minus(t.fee) : sum.plus(t.funds).minus(t.fee)),
      parseDecimal('0'),
    )
    expect(formatDecimal(flow)).toBe(formatDecimal(expected))
  })

  it('unknown (no equity log, nothing configured): cash and equity are null, never a negative account', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 1, tradesPerDay: 4, end: END })
    for (const name of readdirSync(dir).filter((n) => n.startsWith('equity_'))) rmSync(join(dir, name))
    const app = await servers.start({ logDir: dir })
    const { body } = await app.get('/api/portfolio')
    expect(body.startingBalance).toEqual({ amount: null, source: 'unknown', at: null })
    expect(body.cash).toBeNull()
    expect(body.equity).toBeNull()
    expect(body.netCashFlow).toMatch(/^-\d/)
    expect(body.realizedPnl).toEqual(expect.any(String))
  })

  it('STARTING_BALANCE configures it; a value that is not a decimal stops start-up', () => {
    expect(configFromEnv({ API_TOKEN: TEST_TOKEN, STARTING_BALANCE: '1000000' }).startingBalance).toBe('1000000')
    expect(() => configFromEnv({ API_TOKEN: TEST_TOKEN, STARTING_BALANCE: '1e6' })).toThrow(/STARTING_BALANCE/)
  })
})
