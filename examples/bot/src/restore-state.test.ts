import { createTradeLogWriter } from '@tradekit/trade-log'
import { describe, expect, it } from 'vitest'
import { restoreState } from './restore-state.js'
import { useTempDirs } from './test-support/bot-setup.js'

const tempDir = useTempDirs()
const DAY1 = Date.parse('2025-09-10T00:00:00Z')
const HOUR = 3_600_000

async function writeLog(dir: string) {
  const writer = createTradeLogWriter({ dir })
  const decision = (tsMs: number, action: 'buy' | 'sell' | 'hold') => ({
    tsMs,
    market: 'KRW-BTC',
    provider: 'rules',
    model: 'sma',
    action,
    confidence: 0.6,
    reason: action,
  })
  const fill = (tsMs: number, side: 'buy' | 'sell', volume: string, price: string, funds: string, fee: string) => ({
    tsMs,
    market: 'KRW-BTC',
    side,
    volume,
    price,
    funds,
    fee,
    orderId: `o-${tsMs}`,
    mode: 'paper' as const,
  })
  // Day 1: buy, sell, buy. Day 2: one buy so far; the day started at 1,010,000 KRW of equity.
  await writer.append('decisions', decision(DAY1 + 1 * HOUR, 'buy'))
  await writer.append('trades', fill(DAY1 + 1 * HOUR, 'buy', '0.001', '140000000', '140000', '70'))
  await writer.append('equity', { tsMs: DAY1 + 1 * HOUR, cash: '859930', positions: [], total: '999930' })
  await writer.append('decisions', decision(DAY1 + 2 * HOUR, 'sell'))
  await writer.append('trades', fill(DAY1 + 2 * HOUR, 'sell', '0.001', '150000000', '150000', '75'))
  await writer.append('decisions', decision(DAY1 + 3 * HOUR, 'hold'))
  await writer.append('decisions', decision(DAY1 + 4 * HOUR, 'buy'))
  await writer.append('trades', fill(DAY1 + 4 * HOUR, 'buy', '0.0005', '150000000', '75000', '37.5'))
  await writer.append('equity', { tsMs: DAY1 + 25 * HOUR, cash: '934817.5', positions: [], total: '1010000' })
  await writer.append('equity', { tsMs: DAY1 + 26 * HOUR, cash: '934817.5', positions: [], total: '1004000' })
  await writer.append('decisions', decision(DAY1 + 26 * HOUR, 'buy'))
  await writer.append('trades', fill(DAY1 + 26 * HOUR, 'buy', '0.0002', '150000000', '30000', '15'))
  await writer.close()
}

describe('state rebuilt from the trade log', () => {
  it('position and cash flow come from every fill, exactly', async () => {
    const dir = tempDir()
    await writeLog(dir)
    const restored = await restoreState(dir, ['KRW-BTC'])
    expect(restored.positions).toEqual({ 'KRW-BTC': '0.0007' })
    // −140070 + 149925 − 75037.5 − 30015
    expect(restored.quoteFlow).toBe('-95197.5')
    expect(restored.fills).toBe(4)
    expect(restored.lastDecisionAt).toBe(DAY1 + 26 * HOUR)
  })

  it("today's order count and PnL baseline survive a restart; a new day starts fresh", async () => {
    const dir = tempDir()
    await writeLog(dir)
    const restored = await restoreState(dir, ['KRW-BTC'])
    const day2 = restored.stateAt(DAY1 + 27 * HOUR)
    expect(day2.ordersToday).toBe(1)
    expect(day2.dayStartEquity).toBe('1010000')
    expect(day2.lastTradeAt).toBe(DAY1 + 26 * HOUR)
    const day1 = restored.stateAt(DAY1 + 5 * HOUR)
    expect(day1.ordersToday).toBe(3)
    expect(day1.dayStartEquity).toBe('999930')
    const day3 = restored.stateAt(DAY1 + 50 * HOUR)
    expect(day3.ordersToday).toBe(0)
    expect(day3.dayStartEquity).toBeNull()
  })

  it('an empty folder is a fresh start', async () => {
    const restored = await restoreState(tempDir(), ['KRW-BTC'])
    expect(restored).toMatchObject({ positions: { 'KRW-BTC': '0' }, quoteFlow: '0', fills: 0, lastDecisionAt: null })
    expect(restored.stateAt(DAY1).ordersToday).toBe(0)
  })
})
