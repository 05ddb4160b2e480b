import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bucketStart, CANDLE_INTERVALS, pickInterval } from './candle-buckets.js'
import { toCandles } from './candles.js'
import { writeLogFixture } from './test-support/log-fixture.js'
import { useServers } from './test-support/test-server.js'

const H = 3_600_000
const T0 = Date.UTC(2025, 7, 10)

describe('candles from the prices the bot logged', () => {
  it('one candle per bucket with open, high, low, close compared as decimals, not as text', () => {
    const candles = toCandles(
      [
        { tsMs: T0 + 1_000, price: '9000' },
        { tsMs: T0 + 2_000, price: '10000' },
        { tsMs: T0 + 3_000, price: '8500.5' },
        { tsMs: T0 + 4_000, price: '9100' },
        { tsMs: T0 + 3 * H, price: '9200' },
      ],
      H,
    )
    expect(candles).toEqual([
      { time: T0, open: '9000', high: '10000', low: '8500.5', close: '9100', ticks: 4 },
      { time: T0 + 3 * H, open: '9200', high: '9200', low: '9200', close: '9200', ticks: 1 },
    ])
  })

  it('buckets are UTC-aligned and never depend on where the series starts', () => {
    expect(bucketStart(T0 + 90 * 60_000, H)).toBe(T0 + H)
    expect(bucketStart(T0, CANDLE_INTERVALS['1d'])).toBe(T0)
    expect(bucketStart(T0 + CANDLE_INTERVALS['1d'] - 1, CANDLE_INTERVALS['1d'])).toBe(T0)
  })

  it('picks the finest interval that fits the span in the candle budget', () => {
    expect(pickInterval(T0, T0 + 30 * 60_000, 300)).toBe('1m')
    expect(pickInterval(T0, T0 + 5 * 86_400_000, 300)).toBe('1h')
    expect(pickInterval(T0, T0 + 365 * 86_400_000, 300)).toBe('1d')
  })
})

describe('GET /api/candles', () => {
  const servers = useServers()
  it('candles of the prices the bot logged, one per bucket, with the fills as markers; never drawn from fills', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 2, tradesPerDay: 6, end: T0 + 86_400_000 - 1 })
    const app = await servers.start({ logDir: dir })
    const { status, body } = await app.get('/api/candles?market=KRW-BTC')
    expect(status).toBe(200)
    // Two days fit in 300 candles of 15 minutes.
    expect(body).toMatchObject({ market: 'KRW-BTC', interval: '15m', intervalMs: 15 * 60_000, source: 'equity-log' })
    // The fixture logs one equity snapshot per fill, 4 h apart: 12 candles of one tick each.
    expect(body.candles).toHaveLength(12)
    expect(body.fills).toHaveLength(12)
    const equity = (await app.get('/api/equity?points=5000')).body
    expect(body.candles.at(-1).close).toBe(String(Number((await app.get('/api/prices')).body.points.at(-1).price)))
    expect(equity.points).toHaveLength(12)
    for (const name of readdirSync(dir).filter((n) => n.startsWith('equity_'))) rmSync(join(dir, name))
    const bare = await servers.start({ logDir: dir })
    const none = (await bare.get('/api/candles')).body
    expect(none).toMatchObject({ source: 'none', candles: [] })
    expect((await app.get('/api/candles?interval=2h')).status).toBe(400)
  })
})
