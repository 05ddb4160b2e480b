import { createScriptedDecider } from '@tradekit/ai-decider/testing'
import { toBig } from '@tradekit/upbit-client'
import { describe, expect, it } from 'vitest'
import { formatBacktest, runBacktest } from './backtest.js'
import { HISTORY_CANDLES } from './paper.js'
import { decision, silentLogger, useTempDirs } from './test-support/bot-setup.js'
import { readKind } from './test-support/log-files.js'
import { testCandles, testLimits } from './test-support/replay-cycle.js'

const tempDir = useTempDirs()
const settings = { timeframes: [60, 240] as [number, number], candleCount: 100, decisionTimeoutMs: 1000 }

describe('backtest', () => {
  it('replays every candle through the decider, fills at the next open, and reports trade-log statistics', async () => {
    const outDir = tempDir()
    // Buy on the first candle, sell on the third, then hold to the end.
    const decider = createScriptedDecider([decision('buy', 0.5), decision('hold', 0), decision('sell', 1), decision('hold', 0)], {
      whenExhausted: 'repeat-last',
    })
    const result = await runBacktest({
      market: 'KRW-BTC',
      candles: testCandles,
      decider,
      limits: testLimits,
      outDir,
      settings,
      logger: silentLogger,
    })
    expect(result.cycles).toBe(testCandles.length - HISTORY_CANDLES)
    const trades = readKind(outDir, 'trades')
    expect(trades.map((t) => t['side'])).toEqual(['buy', 'sell'])
    // No look-ahead: the decision on candle i fills at candle i+1's open.
    expect(trades[0]!['price']).toBe(testCandles[HISTORY_CANDLES + 1]!.open)
    expect(trades[1]!['price']).toBe(testCandles[HISTORY_CANDLES + 3]!.open)
    expect(readKind(outDir, 'decisions')).toHaveLength(result.cycles)

    expect(result.performance.fills).toBe(2)
    expect(result.performance.tradeCount).toBe(1)
    // Realized PnL of the round trip, by hand: sell proceeds − sell fee − (buy cost + buy fee).
    const [buy, sell] = trades as Record<string, string>[]
    const pnl = toBig(sell!['funds']!).minus(toBig(sell!['fee']!)).minus(toBig(buy!['funds']!)).minus(toBig(buy!['fee']!))
    expect(toBig(result.performance.realizedPnl).minus(pnl).abs().lt('0.00000001')).toBe(true)
    // After the round trip the account is all cash: the end equity is the start plus that PnL.
    expect(toBig(result.endEquity).minus(toBig('1000000').plus(pnl)).abs().lt('0.00000001')).toBe(true)

    // Buy and hold: all in at the first fill price with the fee, out at the last close with the fee.
    const first = toBig(testCandles[HISTORY_CANDLES + 1]!.open)
    const last = toBig(testCandles.at(-1)!.close)
    const hold = toBig('1000000').div(first.times('1.0005')).times(last).times('0.9995').round(0, 0)
    expect(result.buyAndHold.endEquity).toBe(hold.toFixed())
    expect(formatBacktest(result)).toMatch(/buy and hold +1000000 -> \d+ KRW/)
  })
})
