import { describe, expect, it } from 'vitest'
import { performance } from './performance.js'
import { portfolio } from './portfolio.js'
import type { EquityEntry, TradeEntry } from './schemas.js'
import { AUG_1, DAY, HOUR, trade } from './test-support/entries.js'

const fill = (
  tsMs: number,
  side: 'buy' | 'sell',
  volume: string,
  price: string,
  funds: string,
  fee = '0',
  market = 'KRW-BTC',
): TradeEntry => trade(tsMs, { side, volume, price, funds, fee, market })

const snapshot = (tsMs: number, total: string): EquityEntry => ({
  ts: new Date(tsMs).toISOString(),
  tsMs,
  cash: total,
  positions: [],
  total,
})

describe('portfolio', () => {
  it('tracks average cost like Upbit and splits realized from unrealized (hand-computed)', () => {
    const result = portfolio(
      [
        fill(AUG_1 + 2 * HOUR, 'sell', '1', '300', '300', '1.5'), // out of order on purpose
        fill(AUG_1, 'buy', '2', '100', '200', '1'),
        fill(AUG_1 + HOUR, 'buy', '2', '200', '400', '2'),
      ],
      { 'KRW-BTC': '250' },
      { startingCash: '1000' },
    )
    // cost 201 + 402 = 603 for 4 → avg cost 150.75, avg buy price (fees excluded) 600 / 4 = 150.
    // sell 1 @300: 300 − 1.5 − 150.75 = 147.75 realized; 3 left, cost 452.25; at 250: 750 − 452.25 = 297.75.
    expect(result.positions).toEqual([
      {
        market: 'KRW-BTC',
        volume: '3',
        avgBuyPrice: '150',
        avgCost: '150.75',
        costBasis: '452.25',
        markPrice: '250',
        value: '750',
        realizedPnl: '147.75',
        unrealizedPnl: '297.75',
        fees: '4.5',
        buys: 2,
        sells: 1,
        unmatchedVolume: '0',
      },
    ])
    // 1000 − 201 − 402 + 298.5 = 695.5; equity 695.5 + 750 = 1445.5 = 1000 + 147.75 + 297.75.
    expect(result).toMatchObject({ cash: '695.5', realizedPnl: '147.75', unrealizedPnl: '297.75', fees: '4.5', equity: '1445.5' })
  })

  it('uses average cost, not FIFO (buy 100, buy 200, sell 1 at 150 realizes 0)', () => {
    const result = portfolio(
      [
        fill(AUG_1, 'buy', '1', '100', '100'),
        fill(AUG_1 + 1, 'buy', '1', '200', '200'),
        fill(AUG_1 + 2, 'sell', '1', '150', '150'),
      ],
      { 'KRW-BTC': '150' },
    )
    expect(result.positions[0]).toMatchObject({ realizedPnl: '0', unrealizedPnl: '0', costBasis: '150' })
  })

  it('sums exactly where floats drift', () => {
    const fills = Array.from({ length: 10 }, (_, i) => fill(AUG_1 + i, 'buy', '0.1', '1', '0.1', '0.0001'))
    const result = portfolio(fills, {})
    expect(result.positions[0]).toMatchObject({ volume: '1', costBasis: '1.001', fees: '0.001' })
    expect(result.cash).toBe('-1.001')
  })

  it('reports open positions without a price instead of guessing equity', () => {
    const result = portfolio([fill(AUG_1, 'buy', '1', '10', '10', '0', 'KRW-ETH')], new Map([['KRW-BTC', '1']]))
    expect(result).toMatchObject({ missingPrices: ['KRW-ETH'], equity: null, positionsValue: null })
    expect(result.positions[0]).toMatchObject({ unrealizedPnl: null, value: null })
  })

  it('values volume sold beyond what the log shows bought at its sale price', () => {
    const result = portfolio([fill(AUG_1, 'buy', '1', '100', '100'), fill(AUG_1 + 1, 'sell', '3', '110', '330')])
    expect(result.positions[0]).toMatchObject({ volume: '0', realizedPnl: '10', unmatchedVolume: '2' })
  })
})

describe('performance', () => {
  // Four closed round trips and one open one, a day apart (all hand-computed in the assertions).
  const fills = [
    fill(AUG_1, 'buy', '1', '100', '100'),
    fill(AUG_1 + 12 * HOUR, 'sell', '1', '110', '110'), // +10 win
    fill(AUG_1 + DAY, 'buy', '1', '100', '100'),
    fill(AUG_1 + DAY + 12 * HOUR, 'sell', '1', '95', '95'), // −5 loss
    fill(AUG_1 + 2 * DAY, 'buy', '1', '100', '100', '1'),
    fill(AUG_1 + 2 * DAY + 6 * HOUR, 'sell', '1', '101', '101'), // 101 − 101 = 0 draw
    fill(AUG_1 + 3 * DAY, 'buy', '2', '50', '100'),
    fill(AUG_1 + 3 * DAY + 12 * HOUR, 'sell', '2', '40', '80'), // −20 loss
    fill(AUG_1 + 4 * DAY, 'buy', '1', '100', '100'), // still open
  ]
  const now = AUG_1 + 4 * DAY + 12 * HOUR

  it('counts round trips, wins, losses and draws, and derives the ratios', () => {
    const result = performance(fills, { startingBalance: '1000', now, minDaysForRatios: 2 })
    expect(result).toMatchObject({
      tradeCount: 4,
      openTrades: 1,
      fills: 9,
      wins: 1,
      losses: 2,
      draws: 1,
      winRate: 0.25,
      realizedPnl: '-15',
      fees: '1',
      profitFactor: 0.4, // 10 / 25
      expectancy: '-3.75', // −15 / 4
      expectancyRatio: -0.55, // (1 + 10 / 12.5) × 0.25 − 1
      exposure: 0.5, // open 12 + 12 + 6 + 12 + 12 = 54 h of 108 h
    })
    expect(result.closedTrades[2]).toMatchObject({ profit: '0', entryValue: '101', profitRatio: 0 })
  })

  it('measures max drawdown on the closed-trade equity curve with dates', () => {
    const result = performance(fills, { startingBalance: '1000', now })
    // 1000 → 1010 (peak, Aug 1 12:00) → 1005 → 1005 → 985 (trough, Aug 4 12:00)
    expect(result.maxDrawdown).toEqual({
      absolute: '25',
      peakAt: '2025-08-01T12:00:00.000Z',
      troughAt: '2025-08-04T12:00:00.000Z',
      relative: 0.02475248, // 25 / 1010
      relativePeakAt: '2025-08-01T12:00:00.000Z',
      relativeTroughAt: '2025-08-04T12:00:00.000Z',
    })
  })

  it('computes daily returns, Sharpe and Sortino with sample deviation and √365', () => {
    const result = performance(fills, { startingBalance: '1000', now, minDaysForRatios: 2 })
    expect(result.equitySource).toBe('realized-pnl')
    expect(result.dailyReturns.map((day) => [day.date, day.equity])).toEqual([
      ['2025-08-01', '1010'],
      ['2025-08-02', '1005'],
      ['2025-08-03', '1005'],
      ['2025-08-04', '985'],
      ['2025-08-05', '985'],
    ])
    // r = [0.01, 1005/1010 − 1, 0, 985/1005 − 1, 0]; mean −0.0029702, sample std 0.0109136,
    // downside deviation √(Σ min(r,0)² / 4) = 0.0101487.
    expect(result.dailyReturns[1]!.return).toBeCloseTo(-0.004950495, 8)
    expect(result.sharpe).toBeCloseTo(-5.19952666, 6)
    expect(result.sortino).toBeCloseTo(-5.53426172, 6)
  })

  it('leaves Sharpe and Sortino null with fewer days than minDaysForRatios, and profit factor null without losses', () => {
    const result = performance(fills.slice(0, 2), { startingBalance: '1000' })
    expect(result).toMatchObject({ sharpe: null, sortino: null, profitFactor: null, expectancyRatio: null, winRate: 1 })
  })

  it('uses equity snapshots for drawdown and daily returns when given', () => {
    const result = performance(
      [
        snapshot(AUG_1 + HOUR, '1000'),
        snapshot(AUG_1 + 20 * HOUR, '1100'),
        snapshot(AUG_1 + DAY + HOUR, '990'),
        snapshot(AUG_1 + 2 * DAY, '1050'),
      ],
      { minDaysForRatios: 2 },
    )
    expect(result.equitySource).toBe('equity-entries')
    expect(result.maxDrawdown).toMatchObject({ absolute: '110', relative: 0.1, troughAt: '2025-08-02T01:00:00.000Z' })
    expect(result.dailyReturns.map((day) => day.return)).toEqual([-0.1, 0.06060606])
  })

  it('finds the relative drawdown under an earlier peak than the absolute one', () => {
    const result = performance([
      snapshot(AUG_1, '100'),
      snapshot(AUG_1 + HOUR, '60'),
      snapshot(AUG_1 + 2 * HOUR, '50'), // 50 below 100: relative 0.5
      snapshot(AUG_1 + 3 * HOUR, '70'),
      snapshot(AUG_1 + 4 * HOUR, '1000'),
      snapshot(AUG_1 + 5 * HOUR, '900'), // 100 below 1000: absolute 100, relative 0.1
      snapshot(AUG_1 + 6 * HOUR, '950'),
    ])
    expect(result.maxDrawdown).toEqual({
      absolute: '100',
      peakAt: '2025-08-01T04:00:00.000Z',
      troughAt: '2025-08-01T05:00:00.000Z',
      relative: 0.5,
      relativePeakAt: '2025-08-01T00:00:00.000Z',
      relativeTroughAt: '2025-08-01T02:00:00.000Z',
    })
  })

  it('cuts days at midnight in the configured time zone', () => {
    const result = performance(fills.slice(0, 2), { startingBalance: '1000', timeZone: 'Asia/Seoul' })
    // The sell at 12:00Z is 21:00 KST on Aug 1.
    expect(result.dailyReturns.map((day) => day.date)).toEqual(['2025-08-01'])
  })

  it('returns empty figures for no entries', () => {
    const result = performance([])
    expect(result).toMatchObject({
      tradeCount: 0,
      winRate: null,
      expectancy: null,
      exposure: null,
      dailyReturns: [],
      realizedPnl: '0',
    })
  })
})
