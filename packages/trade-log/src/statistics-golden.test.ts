/**
 * Golden vectors for the full report: three logs small enough to check every figure on paper (the derivations are
 * in the comments), the places where our conventions differ from quantstats and freqtrade, and a large generated
 * log checked against a second, deliberately plain implementation (test-support/plain-report.ts).
 */
import Big from 'big.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PERFORMANCE_METRICS, type PerformanceFigure } from './conventions.js'
import { type Performance, type PerformanceOptions, performance } from './performance.js'
import type { EquityEntry, TradeEntry } from './schemas.js'
import { AUG_1, DAY, HOUR, trade } from './test-support/entries.js'
import { generatedLog } from './test-support/generated-log.js'
import { plainReport } from './test-support/plain-report.js'
import { fillSequence, performanceOptions } from './test-support/random-fills.js'

const fill = (tsMs: number, side: 'buy' | 'sell', volume: string, price: string, funds: string, fee = '0', market = 'KRW-BTC') =>
  trade(tsMs, { side, volume, price, funds, fee, market })

/** An account holding 10 BTC and no cash: its total is 10 × the price. */
const holding = (tsMs: number, price: string): EquityEntry => {
  const total = new Big(price).times(10).toFixed()
  return {
    ts: new Date(tsMs).toISOString(),
    tsMs,
    cash: '0',
    positions: [{ market: 'KRW-BTC', volume: '10', price, value: total }],
    total,
  }
}

/** A figure by its field (a dot path for `maxDrawdown.relative`). */
const figureOf = (result: Performance, field: string): unknown =>
  field.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown>)[key], result)

const NO_CURVE = 'no equity curve: log equity snapshots or pass startingBalance'

describe('golden vectors (hand-checked)', () => {
  // Set 1: one market, starting balance 1000, UTC, three closed round trips (a win, a loss with a partial exit, a
  // draw) and one left open.
  const set1 = [
    fill(AUG_1, 'buy', '1', '100', '100'), //               A opens
    fill(AUG_1 + 12 * HOUR, 'sell', '1', '120', '120'), //  A closes: +20; realized 20, equity 1020 (the peak)
    fill(AUG_1 + DAY, 'buy', '2', '100', '200'), //         B opens, cost 200
    fill(AUG_1 + DAY + 12 * HOUR, 'sell', '1', '90', '90'), // partial: 90 − 200 × 1/2 = −10; equity 1010
    fill(AUG_1 + 2 * DAY, 'sell', '1', '80', '80'), //      B closes: 80 − 100 = −20, B = −30; equity 990
    fill(AUG_1 + 3 * DAY, 'buy', '1', '100', '100'), //     C opens
    fill(AUG_1 + 3 * DAY + 12 * HOUR, 'sell', '1', '100', '100'), // C closes: 0, a draw (no new curve point)
    fill(AUG_1 + 4 * DAY, 'buy', '1', '110', '110'), //     D opens and is still open
  ]
  const set1Options: PerformanceOptions = {
    startingBalance: '1000',
    now: AUG_1 + 4 * DAY + 12 * HOUR,
    minDaysForRatios: 2,
    minTradesForSqn: 2,
  }

  it('set 1: span, exposure, equity, drawdown periods and round trips (every value on paper)', () => {
    const result = performance(set1, set1Options)
    expect(result).toMatchObject({
      start: '2025-08-01T00:00:00.000Z',
      end: '2025-08-05T12:00:00.000Z',
      durationMs: 4.5 * DAY,
      // Open A 12 h + B 24 h + C 12 h + D 12 h (to end) = 60 h of 108 h.
      exposure: 0.55555556,
      equitySource: 'realized-pnl',
      equityStart: '1000',
      equityFinal: '990',
      equityPeak: '1020',
      fees: '0',
      totalReturn: -0.01, // 990 / 1000 − 1
      // The curve: 1000 (Aug 1 00:00), 1020 (12:00), 1010 (Aug 2 12:00), 990 (Aug 3 00:00). One drawdown period from
      // the peak at Aug 1 12:00, not recovered by end: 4 days long, 30 / 1020 deep. Under water 4 of 4.5 days.
      maxDrawdown: {
        absolute: '30',
        relative: 0.02941176,
        peakAt: '2025-08-01T12:00:00.000Z',
        troughAt: '2025-08-03T00:00:00.000Z',
      },
      averageDrawdown: 0.02941176,
      maxDrawdownDurationMs: 4 * DAY,
      averageDrawdownDurationMs: 4 * DAY,
      timeUnderWater: 0.88888889,
      // Trips A +20 on 100 (0.2), B −30 on 200 (−0.15), C 0 on 100 (0): 1 win, 1 loss, 1 draw.
      tradeCount: 3,
      openTrades: 1,
      wins: 1,
      losses: 1,
      draws: 1,
      winRate: 0.33333333, // 1 / 3: the draw counts in the denominator
      bestTrade: 0.2,
      worstTrade: -0.15,
      averageTrade: 0.01666667, // (0.2 − 0.15 + 0) / 3
      maxTradeDurationMs: DAY, // B
      averageTradeDurationMs: 16 * HOUR, // (12 + 24 + 12) / 3
      realizedPnl: '-10',
      profitFactor: 0.66666667, // 20 / 30
      expectancy: '-3.33333333', // −10 / 3
      expectancyRatio: -0.44444444, // (1 + 20 / 30) × 1/3 − 1 = 5/9 − 1
      payoffRatio: 0.66666667, // 20 / 30
      kelly: -0.25, // p = 1/(1+1) = 0.5 (the draw drops out): 0.5 − 0.5 / (2/3)
      // Profits 20, −30, 0: mean −10/3, sample variance (3 × 1300 − 100²) / (3 × 2) = 633.33…; √3 × (−10/3) / 25.1661
      sqn: -0.22941573,
      buyAndHoldReturn: 0.1, // first price 100 (Aug 1 00:00), last 110 (Aug 5 00:00)
      reasons: {},
    })
    expect(result.buyAndHold).toEqual([
      {
        market: 'KRW-BTC',
        firstPrice: '100',
        firstAt: '2025-08-01T00:00:00.000Z',
        lastPrice: '110',
        lastAt: '2025-08-05T00:00:00.000Z',
        return: 0.1,
      },
    ])
  })

  it('set 1: daily returns and the annualised figures (365 periods, sample deviation)', () => {
    const result = performance(set1, set1Options)
    // End of day: Aug 1 1020, Aug 2 1010, Aug 3 990, Aug 4 990 (the draw changes nothing), Aug 5 990; the first day
    // is measured against the starting balance 1000.
    // r = [0.02, 1010/1020 − 1, 990/1010 − 1, 0, 0] = [0.02, −0.00980392, −0.01980198, 0, 0]
    expect(result.dailyReturns.map((day) => day.return)).toEqual([0.02, -0.00980392, -0.01980198, 0, 0])
    // mean −0.00192118; sample std 0.01474602; downside √((0.0098039² + 0.0198020²) / 4) = 0.01104851
    expect(result.sharpe).toBeCloseTo(-2.48908484, 7) //          −0.00192118 / 0.01474602 × √365
    expect(result.sortino).toBeCloseTo(-3.32223216, 7) //         −0.00192118 / 0.01104851 × √365
    expect(result.annualVolatility).toBeCloseTo(0.28172235, 7) // 0.01474602 × √365
    expect(result.annualReturn).toBeCloseTo(-0.51985854, 7) //    (990 / 1000)^(365 / 5) − 1 = 0.99^73 − 1
    // Calendar time from the first point (Aug 1 00:00) to end (Aug 5 12:00) is 4.5 days: 0.99^(365 / 4.5) − 1.
    expect(result.cagr).toBeCloseTo(-0.5574465, 7)
    expect(result.calmar).toBeCloseTo(-18.95318085, 6) //         −0.5574465 / (30 / 1020)
    // Buy and hold, end-of-day prices 120, 90, 80, 100, 110 on a base of 100 (the day before: all cash, value 1):
    // b = [0.2, 0.9/1.2 − 1, 0.8/0.9 − 1, 1/0.8 − 1, 0.1] = [0.2, −0.25, −0.11111111, 0.25, 0.1]
    // cov(r, b) = 0.00225352, var(b) = 0.04505247 (both ÷ 4): beta 0.05001996; alpha −0.01 − beta × 0.1
    expect(result.beta).toBeCloseTo(0.05001996, 7)
    expect(result.alpha).toBeCloseTo(-0.015002, 7)
  })

  // Set 2: no fills, eight equity snapshots of an account that holds 10 BTC and no cash, so its equity is 10 × the
  // price: the strategy is buy and hold (beta 1, alpha 0). Cut at midnight in Asia/Seoul (UTC+9).
  const set2 = [
    holding(AUG_1, '100'), //                     Aug 1 09:00 KST  1000
    holding(AUG_1 + 14 * HOUR, '110'), //         Aug 1 23:00 KST  1100 (peak)
    holding(AUG_1 + DAY + 3 * HOUR, '90'), //     Aug 2 12:00 KST   900 (trough: 200 below 1100)
    holding(AUG_1 + DAY + 14 * HOUR, '100'), //   Aug 2 23:00 KST  1000
    holding(AUG_1 + DAY + 15.5 * HOUR, '95'), //  Aug 3 00:30 KST   950 (still Aug 2 in UTC)
    holding(AUG_1 + 2 * DAY + 14 * HOUR, '115'), // Aug 3 23:00 KST 1150 (recovered: a new peak)
    holding(AUG_1 + 3 * DAY + HOUR, '103.5'), //  Aug 4 10:00 KST  1035 (115 below 1150)
    holding(AUG_1 + 3 * DAY + 14 * HOUR, '109.25'), // Aug 4 23:00 KST 1092.5 (the end)
  ]

  it('set 2: equity snapshots in Asia/Seoul; holding the market is buy and hold (beta 1, alpha 0)', () => {
    const result = performance(set2, { timeZone: 'Asia/Seoul', minDaysForRatios: 2, minTradesForSqn: 2 })
    expect(result).toMatchObject({
      start: '2025-08-01T00:00:00.000Z',
      end: '2025-08-04T14:00:00.000Z',
      durationMs: 86 * HOUR,
      equitySource: 'equity-entries',
      equityStart: '1000',
      equityFinal: '1092.5',
      equityPeak: '1150',
      totalReturn: 0.0925,
      buyAndHoldReturn: 0.0925, // 109.25 / 100 − 1
      beta: 1,
      alpha: 0,
      maxDrawdown: { absolute: '200', relative: 0.18181818 }, // 200 / 1100
      // Period 1: from 1100 (Aug 1 14:00Z) to the recovery at 1150 (Aug 3 14:00Z), 48 h, 200 / 1100 deep.
      // Period 2: from 1150 (Aug 3 14:00Z), still under way at end (Aug 4 14:00Z), 24 h, 115 / 1150 = 0.1 deep.
      maxDrawdownDurationMs: 48 * HOUR,
      averageDrawdownDurationMs: 36 * HOUR,
      averageDrawdown: 0.14090909, // (0.18181818 + 0.1) / 2
      timeUnderWater: 0.8372093, // 72 h of the 86 h from the first snapshot to end
      exposure: null,
      tradeCount: 0,
    })
    expect(result.reasons).toMatchObject({ exposure: 'no fills', winRate: 'no closed round trips', sqn: 'no closed round trips' })
    // End of day in KST: Aug 1 1100, Aug 2 1000, Aug 3 1150, Aug 4 1092.5 (the 00:30 snapshot is on Aug 3).
    expect(result.dailyReturns.map((day) => [day.date, day.equity, day.return])).toEqual([
      ['2025-08-02', '1000', -0.09090909],
      ['2025-08-03', '1150', 0.15],
      ['2025-08-04', '1092.5', -0.05],
    ])
    // mean 0.00303030, sample std 0.12891260, downside √((0.0909091² + 0.05²) / 2) = 0.07336014
    expect(result.sharpe).toBeCloseTo(0.44909388, 7)
    expect(result.sortino).toBeCloseTo(0.78913501, 7)
    expect(result.annualVolatility).toBeCloseTo(2.46287168, 7)
    expect(result.annualReturn).toBeCloseTo(-0.56499005, 7) // (1092.5 / 1100)^(365 / 3) − 1
    // 86 h = 3.5833 days of calendar time: 1.0925^(365 / 3.5833) − 1 (an extrapolation; the default needs 30 days)
    expect(result.cagr! / 8195.45999593).toBeCloseTo(1, 9)
  })

  it('set 2: the day cut moves with the time zone (the 00:30 KST snapshot ends Aug 2 in UTC)', () => {
    const result = performance(set2, { timeZone: 'UTC', minDaysForRatios: 2 })
    // End of day in UTC: Aug 1 1100, Aug 2 950, Aug 3 1150, Aug 4 1092.5.
    expect(result.dailyReturns.map((day) => [day.date, day.equity, day.return])).toEqual([
      ['2025-08-02', '950', -0.13636364],
      ['2025-08-03', '1150', 0.21052632],
      ['2025-08-04', '1092.5', -0.05],
    ])
    expect(result.sharpe).toBeCloseTo(0.85209695, 7)
  })

  it('set 2 with the default 30 days: the annualised figures are null and say why', () => {
    const result = performance(set2, { timeZone: 'Asia/Seoul' })
    expect(result).toMatchObject({
      sharpe: null,
      sortino: null,
      annualReturn: null,
      cagr: null,
      calmar: null,
      beta: null,
      alpha: null,
    })
    expect(result.reasons).toMatchObject({
      sharpe: 'fewer than 30 daily returns (3)',
      annualVolatility: 'fewer than 30 daily returns (3)',
      cagr: 'the equity curve spans fewer than 30 days (3.58333333)',
      calmar: 'cagr: the equity curve spans fewer than 30 days (3.58333333)',
      alpha: 'beta: fewer than 30 daily returns (3)',
    })
  })

  // Set 3: two markets, no starting balance and no snapshots, a breakeven trip (fees eat the gain) and a win.
  const set3 = [
    fill(AUG_1, 'buy', '1', '100', '100', '0.1'), //                   BTC cost 100.1
    fill(AUG_1 + 6 * HOUR, 'sell', '1', '101', '101', '0.9'), //        101 − 0.9 − 100.1 = 0: a draw
    fill(AUG_1 + 12 * HOUR, 'buy', '2', '50', '100', '0', 'KRW-ETH'), // ETH cost 100
    fill(AUG_1 + DAY + 12 * HOUR, 'sell', '2', '60', '120', '0', 'KRW-ETH'), // +20
  ]

  it('set 3: a draw, no losses, no equity curve, two markets in buy and hold', () => {
    const result = performance(set3)
    expect(result).toMatchObject({
      // Exposure: BTC 00:00–06:00 and ETH Aug 1 12:00 – Aug 2 12:00 = 30 h of the 36 h from the first fill.
      exposure: 0.83333333,
      fees: '1',
      tradeCount: 2,
      wins: 1,
      losses: 0,
      draws: 1,
      winRate: 0.5,
      bestTrade: 0.2, // 20 / 100
      worstTrade: 0, // 0 / 100.1
      averageTrade: 0.1,
      maxTradeDurationMs: DAY,
      averageTradeDurationMs: 15 * HOUR,
      expectancy: '10',
      profitFactor: null,
      expectancyRatio: null,
      payoffRatio: null,
      kelly: null,
      sqn: null,
      // No starting balance: the realized curve starts at 0, rises to 20, never falls.
      equitySource: 'none',
      equityStart: null,
      totalReturn: null,
      maxDrawdown: { absolute: '0', relative: 0 },
      maxDrawdownDurationMs: 0,
      averageDrawdown: null,
      timeUnderWater: 0,
      // BTC 100 → 101 (+0.01), ETH 50 → 60 (+0.2), equally weighted: 0.105.
      buyAndHoldReturn: 0.105,
      dailyReturns: [],
    })
    expect(result.reasons).toMatchObject({
      profitFactor: 'no losing round trips',
      expectancyRatio: 'no losing round trips',
      payoffRatio: 'no losing round trips',
      kelly: 'no losing round trips',
      sqn: 'fewer than 30 closed round trips (2)',
      equityStart: NO_CURVE,
      totalReturn: NO_CURVE,
      sharpe: NO_CURVE,
      cagr: NO_CURVE,
      calmar: `cagr: ${NO_CURVE}`,
      averageDrawdown: 'no drawdown',
      averageDrawdownDurationMs: 'no drawdown',
    })
    expect(result.buyAndHold.map((leg) => [leg.market, leg.return])).toEqual([
      ['KRW-BTC', 0.01],
      ['KRW-ETH', 0.2],
    ])
  })

  it('an empty log: every figure that needs data is null with its reason', () => {
    const result = performance([])
    for (const { field } of PERFORMANCE_METRICS) {
      if (figureOf(result, field) === null) expect(result.reasons[field as PerformanceFigure], field).toBeTypeOf('string')
    }
    expect(result.reasons).toMatchObject({ start: 'no entries', durationMs: 'no entries', equityFinal: NO_CURVE })
    expect(result.maxDrawdownDurationMs).toBe(0)
  })
})

describe('where our conventions differ from quantstats and freqtrade', () => {
  const set2 = [
    holding(AUG_1, '100'),
    holding(AUG_1 + 14 * HOUR, '110'),
    holding(AUG_1 + DAY + 14 * HOUR, '100'),
    holding(AUG_1 + 2 * DAY + 14 * HOUR, '115'),
    holding(AUG_1 + 3 * DAY + 14 * HOUR, '109.25'),
  ]
  const result = performance(set2, { minDaysForRatios: 2 })
  const r = result.dailyReturns.map((day) => day.return)
  const mean = r.reduce((a, b) => a + b, 0) / r.length
  const std = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1))
  const squaredLosses = r.reduce((a, b) => a + Math.min(b, 0) ** 2, 0)

  it('Sharpe: 365 periods a year, not quantstats’ default 252', () => {
    const quantstats = (mean / std) * Math.sqrt(252)
    expect(result.sharpe).toBeCloseTo((mean / std) * Math.sqrt(365), 6)
    expect(result.sharpe! * Math.sqrt(252 / 365)).toBeCloseTo(quantstats, 6)
    expect(result.sharpe).not.toBeCloseTo(quantstats, 2)
  })

  it('Sortino: downside deviation over n − 1, where quantstats divides by all n observations', () => {
    const quantstats = (mean / Math.sqrt(squaredLosses / r.length)) * Math.sqrt(365)
    expect(result.sortino).toBeCloseTo((mean / Math.sqrt(squaredLosses / (r.length - 1))) * Math.sqrt(365), 6)
    expect(quantstats / result.sortino!).toBeCloseTo(Math.sqrt(r.length / (r.length - 1)), 6)
  })

  it('CAGR: from calendar time, where quantstats counts rows / 252', () => {
    // 3 daily returns span 3 days 14 hours from the first snapshot to the last.
    const growth = 1.0925
    const quantstats = growth ** (1 / (r.length / 252)) - 1
    const calendar = growth ** (365 / (86 / 24)) - 1
    expect(result.cagr! / calendar).toBeCloseTo(1, 9)
    expect(result.cagr! / quantstats).toBeGreaterThan(4)
  })

  it('breakeven trades: a draw here, a win in freqtrade’s /profit (profit_ratio ≥ 0)', () => {
    const set3 = performance([
      fill(AUG_1, 'buy', '1', '100', '100', '0.1'),
      fill(AUG_1 + HOUR, 'sell', '1', '101', '101', '0.9'),
      fill(AUG_1 + 2 * HOUR, 'buy', '1', '100', '100'),
      fill(AUG_1 + 3 * HOUR, 'sell', '1', '120', '120'),
    ])
    const freqtradeWinRate = set3.closedTrades.filter((t) => t.profitRatio >= 0).length / set3.closedTrades.length
    expect(freqtradeWinRate).toBe(1)
    expect(set3).toMatchObject({ winRate: 0.5, wins: 1, draws: 1, losses: 0 })
  })

  it('no losses: profit factor is null with a reason, where quantstats and freqtrade give Infinity (not JSON)', () => {
    const wins = performance([fill(AUG_1, 'buy', '1', '100', '100'), fill(AUG_1 + HOUR, 'sell', '1', '120', '120')])
    const quantstats = 20 / Math.abs(0)
    expect(quantstats).toBe(Number.POSITIVE_INFINITY)
    expect(JSON.stringify({ profitFactor: quantstats })).toBe('{"profitFactor":null}') // silently the same as "unknown"
    expect(wins.profitFactor).toBeNull()
    expect(wins.reasons.profitFactor).toBe('no losing round trips')
  })

  it('Sortino: daily returns of the equity curve, where freqtrade’s backtest takes the losing trades’ population std', () => {
    // Five round trips a day apart, starting balance 1000: +20, −10, −30, +5, −5.
    const exits = ['120', '90', '70', '105', '95']
    const log = exits.flatMap((price, day) => [
      fill(AUG_1 + day * DAY, 'buy', '1', '100', '100'),
      fill(AUG_1 + day * DAY + 12 * HOUR, 'sell', '1', price, price),
    ])
    const trips = performance(log, { startingBalance: '1000', minDaysForRatios: 2 })
    const days = trips.dailyReturns.map((day) => day.return)
    const mean = days.reduce((a, b) => a + b, 0) / days.length
    const downside = Math.sqrt(days.reduce((a, b) => a + Math.min(b, 0) ** 2, 0) / (days.length - 1))
    expect(trips.sortino).toBeCloseTo((mean / downside) * Math.sqrt(365), 5) // daily returns are given to 8 decimals
    // freqtrade calculate_sortino: r_i = profit_abs / starting balance, mean = Σ r_i / days of the range (4 whole
    // days from the first open to the last close), over np.std (n, not n − 1) of the losing r_i only.
    const perTrade = trips.closedTrades.map((trade) => Number(trade.profit) / 1000)
    expect(perTrade).toEqual([0.02, -0.01, -0.03, 0.005, -0.005])
    const losing = perTrade.filter((r) => r < 0)
    const losingMean = losing.reduce((a, b) => a + b, 0) / losing.length
    const losingStd = Math.sqrt(losing.reduce((a, b) => a + (b - losingMean) ** 2, 0) / losing.length)
    const freqtrade = (perTrade.reduce((a, b) => a + b, 0) / 4 / losingStd) * Math.sqrt(365)
    expect(trips.sortino).not.toBeCloseTo(freqtrade, 1)
  })

  it('Alpha: the whole span’s return less beta × buy and hold, where quantstats annualises a daily alpha (× 252)', () => {
    // Half the account in the market: 500 cash and 5 BTC, never rebalanced; one snapshot a day.
    const prices = ['100', '110', '95', '120', '114']
    const log: EquityEntry[] = prices.map((price, day) => {
      const value = new Big(price).times(5).toFixed()
      return {
        ts: new Date(AUG_1 + day * DAY + 12 * HOUR).toISOString(),
        tsMs: AUG_1 + day * DAY + 12 * HOUR,
        cash: '500',
        positions: [{ market: 'KRW-BTC', volume: '5', price, value }],
        total: new Big(value).plus(500).toFixed(),
      }
    })
    const half = performance(log, { minDaysForRatios: 2 })
    const r = half.dailyReturns.map((day) => day.return)
    const b = prices.slice(1).map((price, i) => Number(price) / Number(prices[i]) - 1)
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length
    const cov = (xs: number[], ys: number[]) =>
      xs.reduce((a, x, i) => a + (x - mean(xs)) * (ys[i]! - mean(ys)), 0) / (xs.length - 1)
    const beta = cov(r, b) / cov(b, b)
    expect(half.beta).toBeCloseTo(beta, 6)
    expect(half).toMatchObject({ totalReturn: 0.07, buyAndHoldReturn: 0.14 }) // 1070 / 1000, 114 / 100
    expect(half.alpha).toBeCloseTo(0.07 - beta * 0.14, 7)
    // quantstats greeks(): (mean(r) − beta × mean(b)) × 252.
    const quantstats = (mean(r) - beta * mean(b)) * 252
    expect(half.alpha).not.toBeCloseTo(quantstats, 1)
  })
})

describe('a large generated log against a plain second implementation', () => {
  const log = generatedLog({ seed: 21, days: 100, fillsPerDay: 20, start: Date.UTC(2025, 0, 1) })
  const options = { minDaysForRatios: 30, minTradesForSqn: 30 }
  const money = (ours: string | null, plain: Big | null) =>
    ours === null || plain === null
      ? expect(ours).toBe(plain)
      : expect(new Big(ours).eq(plain.round(8, Big.roundHalfEven).toFixed())).toBe(true)
  const near = (field: string, ours: number | null, plain: number | null) => {
    if (ours === null || plain === null) return expect([field, ours]).toEqual([field, plain])
    const tolerance = 1e-7 * Math.max(1, Math.abs(plain))
    expect(Math.abs(ours - plain), `${field}: ${ours} vs ${plain}`).toBeLessThanOrEqual(tolerance)
  }

  it.each([
    ['fills and a starting balance, days cut in Asia/Seoul', false, 'Asia/Seoul'],
    ['fills and equity snapshots, days cut in UTC', true, 'UTC'],
  ])('%s: every figure agrees', (_name, withSnapshots, timeZone) => {
    const entries = withSnapshots ? [...log.fills, ...log.snapshots] : log.fills
    const ours = performance(entries, { ...options, timeZone, startingBalance: log.startingBalance })
    const plain = plainReport(log.fills, withSnapshots ? log.snapshots : [], {
      ...options,
      timeZone,
      startingBalance: log.startingBalance,
    })
    expect(ours.tradeCount).toBeGreaterThan(200)
    expect(ours.dailyReturns.length).toBeGreaterThanOrEqual(99)
    expect([ours.start, ours.end]).toEqual([new Date(plain.start!).toISOString(), new Date(plain.end!).toISOString()])
    for (const field of ['tradeCount', 'wins', 'losses', 'draws', 'maxDrawdownDurationMs'] as const) {
      expect([field, ours[field]]).toEqual([field, plain[field]])
    }
    money(ours.equityStart, plain.equityStart)
    money(ours.equityFinal, plain.equityFinal)
    money(ours.equityPeak, plain.equityPeak)
    money(ours.fees, plain.fees)
    money(ours.realizedPnl, plain.realizedPnl)
    money(ours.expectancy, plain.expectancy)
    money(ours.maxDrawdown.absolute, plain.maxDrawdownAbsolute)
    const ratios = [
      'exposure',
      'totalReturn',
      'buyAndHoldReturn',
      'annualReturn',
      'annualVolatility',
      'cagr',
      'sharpe',
      'sortino',
      'calmar',
      'alpha',
      'beta',
      'averageDrawdown',
      'timeUnderWater',
      'winRate',
      'bestTrade',
      'worstTrade',
      'averageTrade',
      'profitFactor',
      'expectancyRatio',
      'payoffRatio',
      'sqn',
      'kelly',
    ] as const
    for (const field of ratios) near(field, ours[field], plain[field])
    near('maxDrawdown.relative', ours.maxDrawdown.relative, plain.maxDrawdownRelative)
    near(
      'averageDrawdownDurationMs',
      ours.averageDrawdownDurationMs,
      plain.averageDrawdownDurationMs && Math.round(plain.averageDrawdownDurationMs),
    )
    near('maxTradeDurationMs', ours.maxTradeDurationMs, plain.maxTradeDurationMs)
    near(
      'averageTradeDurationMs',
      ours.averageTradeDurationMs,
      plain.averageTradeDurationMs && Math.round(plain.averageTradeDurationMs),
    )
    expect(ours.dailyReturns.length).toBe(plain.dailyReturns.length)
    for (const [i, day] of ours.dailyReturns.entries()) {
      expect(Math.abs(day.return - plain.dailyReturns[i]!)).toBeLessThanOrEqual(5e-9)
    }
    // Every figure is computed here: nothing is null, so no reason is given.
    expect(ours.reasons).toEqual({})
  })
})

describe('every figure that cannot be computed says why', () => {
  it('for any log and options, a figure is null exactly when reasons names it (fields from PERFORMANCE_METRICS)', () => {
    fc.assert(
      fc.property(
        fc.boolean().chain((withSnapshots) => fillSequence({ withSnapshots })),
        performanceOptions,
        fc.integer({ min: 0, max: 4 }),
        (entries, raw, minTradesForSqn) => {
          const options = Object.fromEntries(Object.entries({ ...raw, minTradesForSqn }).filter(([, v]) => v !== undefined))
          const result = performance(entries as (TradeEntry | EquityEntry)[], options)
          for (const { field } of PERFORMANCE_METRICS) {
            const value = figureOf(result, field)
            const reason = result.reasons[field as PerformanceFigure]
            expect([field, value === null], `${field}: ${String(value)} / ${reason}`).toEqual([field, reason !== undefined])
            if (value !== null) expect(typeof value === 'number' ? Number.isFinite(value) : true, field).toBe(true)
          }
          const fields = new Set<string>(PERFORMANCE_METRICS.map((metric) => metric.field))
          for (const key of Object.keys(result.reasons)) expect(fields.has(key), key).toBe(true)
        },
      ),
      { numRuns: 300 },
    )
  })
})
