import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { performance } from '../performance.js'
import { createPerformanceIndex } from '../performance-checkpoint.js'
import type { EquityEntry, TradeEntry } from '../schemas.js'
import { AUG_1, DAY, HOUR, trade } from '../test-support/entries.js'
import { usePostgres } from '../test-support/postgres.js'
import { createPostgresTradeLogReader } from './reader.js'
import { createPostgresTradeLogWriter } from './writer.js'

const postgres = usePostgres()

/** Four days of round trips: buy, then sell 1% higher, a few hours apart. */
function roundTrips(days: number): TradeEntry[] {
  const fills: TradeEntry[] = []
  for (let day = 0; day < days; day++) {
    for (let trip = 0; trip < 3; trip++) {
      const at = AUG_1 + day * DAY + trip * 4 * HOUR
      const price = 45_000_000 + day * 100_000 + trip * 10_000
      fills.push(trade(at, { orderId: `b-${day}-${trip}`, side: 'buy', price: String(price), funds: String(price / 1000) }))
      const sell = price + 450_000
      fills.push(trade(at + HOUR, { orderId: `s-${day}-${trip}`, side: 'sell', price: String(sell), funds: String(sell / 1000) }))
    }
  }
  return fills
}

describe('trade-log on PostgreSQL: the performance index', () => {
  it('equals performance() of every entry, resumes from its checkpoint in the database, and recomputes after a late fill', async () => {
    const url = await postgres.database()
    const fills = roundTrips(4)
    const writer = createPostgresTradeLogWriter({ url })
    for (const fill of fills) await writer.append('trades', fill)
    const reader = createPostgresTradeLogReader({ url })
    const first = createPerformanceIndex({ reader, timeZone: 'UTC' })
    const expected = performance(fills as (TradeEntry | EquityEntry)[], { timeZone: 'UTC', keepClosedTrades: 20 })
    expect(await first.result()).toEqual(expected)
    expect(first.lastRefresh).toMatchObject({ mode: 'full', checkpointDay: '20250803' })
    expect(first.cacheFile).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/\w+#tradekit\/main#performance-[0-9a-f]{12}\.json$/)

    // A new process (server replica) resumes from the checkpoint row and reads only the open day.
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    const saved = await client.query('SELECT count(*)::int AS n FROM tradekit.trade_log_checkpoints')
    expect(saved.rows[0].n).toBe(1)
    const second = createPerformanceIndex({ reader: createPostgresTradeLogReader({ url }), timeZone: 'UTC' })
    expect(await second.result()).toEqual(expected)
    expect(second.lastRefresh).toMatchObject({ mode: 'checkpoint', entriesRead: 6 })

    // Another writer's late fill on a closed day: the checkpoint no longer matches, everything is read again.
    const late = trade(AUG_1 + DAY + 20 * HOUR, { orderId: 'late', side: 'buy', price: '45000000', funds: '45000' })
    await writer.append('trades', late)
    const third = createPerformanceIndex({ reader: createPostgresTradeLogReader({ url }), timeZone: 'UTC' })
    expect(await third.result()).toEqual(performance([...fills, late], { timeZone: 'UTC', keepClosedTrades: 20 }))
    expect(third.lastRefresh?.mode).toBe('full')
    await client.end()
    await writer.close()
    await reader.close()
  })
})
