import { createTradeLogWriter } from '@tradekit/trade-log'
import { describe, expect, it } from 'vitest'
import type { ExchangeOrder } from './exchange.js'
import { openOrderJournal } from './order-journal.js'
import { restoreState } from './restore-state.js'
import { useTempDirs } from './test-support/bot-setup.js'

const tempDir = useTempDirs()
const DAY1 = Date.parse('2025-09-10T00:00:00Z')
const HOUR = 3_600_000

const decision = (tsMs: number, action: 'buy' | 'sell' | 'hold') => ({
  tsMs,
  market: 'KRW-BTC',
  provider: 'rules',
  model: 'sma',
  action,
  confidence: 0.6,
  reason: action,
})
const fill = (tsMs: number, side: 'buy' | 'sell', volume: string, price: string, funds: string, fee: string, id: string) => ({
  tsMs,
  market: 'KRW-BTC',
  side,
  volume,
  price,
  funds,
  fee,
  orderId: `uuid-${id}`,
  identifier: `tk-${id}`,
  mode: 'paper' as const,
})
const intent = (tsMs: number, id: string) => ({
  event: 'intent' as const,
  tsMs,
  identifier: `tk-${id}`,
  market: 'KRW-BTC',
  decisionId: id,
  side: 'buy' as const,
  ordType: 'price',
  price: '100000',
})

async function writeLog(dir: string) {
  const writer = createTradeLogWriter({ dir })
  const journal = await openOrderJournal(dir)
  // Day 1: buy, sell, buy (journaled and filled).
  await journal.append({ event: 'day-start', tsMs: DAY1 + HOUR, day: '2025-09-10', equity: '1000000' })
  await journal.append(intent(DAY1 + 1 * HOUR, 'a'))
  await writer.append('decisions', decision(DAY1 + 1 * HOUR, 'buy'))
  await writer.append('trades', fill(DAY1 + 1 * HOUR, 'buy', '0.001', '140000000', '140000', '70', 'a'))
  await writer.append('equity', { tsMs: DAY1 + 1 * HOUR, cash: '859930', positions: [], total: '999930' })
  await journal.append(intent(DAY1 + 2 * HOUR, 'b'))
  await writer.append('trades', fill(DAY1 + 2 * HOUR, 'sell', '0.001', '150000000', '150000', '75', 'b'))
  await writer.append('decisions', decision(DAY1 + 3 * HOUR, 'hold'))
  await journal.append(intent(DAY1 + 4 * HOUR, 'c'))
  await writer.append('trades', fill(DAY1 + 4 * HOUR, 'buy', '0.0005', '150000000', '75000', '37.5', 'c'))
  // Day 2: no day-start in the journal (an older log): the first equity snapshot is the baseline.
  await writer.append('equity', { tsMs: DAY1 + 25 * HOUR, cash: '934817.5', positions: [], total: '1010000' })
  await writer.append('equity', { tsMs: DAY1 + 26 * HOUR, cash: '934817.5', positions: [], total: '1004000' })
  await journal.append(intent(DAY1 + 26 * HOUR, 'd'))
  await writer.append('trades', fill(DAY1 + 26 * HOUR, 'buy', '0.0002', '150000000', '30000', '15', 'd'))
  // Two more buy decisions today that never became orders (no intent): they must not count.
  await writer.append('decisions', decision(DAY1 + 27 * HOUR, 'buy'))
  await writer.append('decisions', decision(DAY1 + 27.5 * HOUR, 'buy'))
  await writer.close()
  await journal.close()
}

describe('state rebuilt from the durable logs', () => {
  it('position and cash flow come from every fill, exactly; fills are counted per exchange order', async () => {
    const dir = tempDir()
    await writeLog(dir)
    const restored = await restoreState(dir, ['KRW-BTC'])
    expect(restored.positions).toEqual({ 'KRW-BTC': '0.0007' })
    // −140070 + 149925 − 75037.5 − 30015
    expect(restored.quoteFlow).toBe('-95197.5')
    expect(restored.fills).toBe(4)
    expect(restored.intents).toBe(4)
    expect(restored.logged.get('uuid-d')).toEqual({ count: 1, volume: '0.0002', identifier: 'tk-d' })
    // The last cycle the durable logs prove: the decisions (buffered) do not move it.
    expect(restored.lastActivityAt).toBe(DAY1 + 26 * HOUR)
  })

  it("today's orders, cooldown and PnL baseline come from the journal, the fills and the exchange, never the decisions", async () => {
    const dir = tempDir()
    await writeLog(dir)
    const restored = await restoreState(dir, ['KRW-BTC'])
    const day2 = restored.stateAt(DAY1 + 28 * HOUR)
    expect(day2.ordersToday).toBe(1)
    expect(day2.dayStartEquity).toBe('1010000')
    expect(day2.lastTradeAt).toBe(DAY1 + 26 * HOUR)
    expect(day2.recentDecisions.get('KRW-BTC')?.at(-1)).toMatchObject({ action: 'buy', at: DAY1 + 27.5 * HOUR })

    // The exchange reports one more order of ours today that no log has (and one the log already knows).
    const onExchange = (identifier: string, at: number) =>
      ({ identifier, created_at: new Date(at).toISOString(), uuid: `uuid-${identifier}` }) as ExchangeOrder
    const withExchange = restored.stateAt(DAY1 + 28 * HOUR, [
      onExchange('tk-e', DAY1 + 27 * HOUR),
      onExchange('tk-d', DAY1 + 26 * HOUR),
    ])
    expect(withExchange.ordersToday).toBe(2)
    expect(withExchange.lastTradeAt).toBe(DAY1 + 27 * HOUR)

    const day3 = restored.stateAt(DAY1 + 50 * HOUR)
    expect(day3.ordersToday).toBe(0)
    expect(day3.dayStartEquity).toBeNull()
  })

  it('an intent alone counts: the order may have been sent just before a crash', async () => {
    const dir = tempDir()
    const journal = await openOrderJournal(dir)
    await journal.append({ event: 'day-start', tsMs: DAY1 + HOUR, day: '2025-09-10', equity: '990000' })
    await journal.append(intent(DAY1 + 2 * HOUR, 'x'))
    await journal.close()
    const state = (await restoreState(dir, ['KRW-BTC'])).stateAt(DAY1 + 3 * HOUR)
    expect(state).toMatchObject({ ordersToday: 1, lastTradeAt: DAY1 + 2 * HOUR, dayStartEquity: '990000' })
  })

  it('an empty folder is a fresh start', async () => {
    const restored = await restoreState(tempDir(), ['KRW-BTC'])
    expect(restored).toMatchObject({ positions: { 'KRW-BTC': '0' }, quoteFlow: '0', fills: 0, lastActivityAt: null })
    expect(restored.stateAt(DAY1)).toMatchObject({ ordersToday: 0, lastTradeAt: null, dayStartEquity: null })
  })
})
