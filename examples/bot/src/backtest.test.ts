import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { MarketContext } from '@tradekit/ai-decider'
import { createScriptedDecider } from '@tradekit/ai-decider/testing'
import { toBig } from '@tradekit/upbit-client'
import { describe, expect, it } from 'vitest'
import { type BacktestOptions, backtestDecisionId, formatBacktest, runBacktest } from './backtest.js'
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

// --- record once, replay forever -------------------------------------------------------------------------------

const HOUR = 3_600_000
const candles = testCandles.slice(0, HISTORY_CANDLES + 40)
const usage = { inputTokens: 1000, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }
const prices = { 'claude-sonnet-5-5': { input: '3', output: '15' } } // $0.0045 a decision
const closeOf = (context: MarketContext, back: number) => context.candles['1h']!.at(-1 - back)!.close

/** Stands in for an LLM: answers from the context (up, buy; down, sell), reports tokens, counts its calls. */
function llm(model = 'claude-sonnet-5-5') {
  return createScriptedDecider(
    [(context: MarketContext) => (closeOf(context, 0) > closeOf(context, 1) ? decision('buy', 0.3) : decision('sell', 1))],
    { provider: 'anthropic', model, usage, whenExhausted: 'repeat-last' },
  )
}

function run(extra: Partial<BacktestOptions> & Pick<BacktestOptions, 'decider'>) {
  return runBacktest({
    market: 'KRW-BTC',
    candles,
    limits: testLimits,
    outDir: tempDir(),
    settings,
    logger: silentLogger,
    prices,
    ...extra,
  })
}

const recordingFiles = (dir: string) => readdirSync(join(dir, 'KRW-BTC')).sort()

describe('backtest: point in time, record and replay', () => {
  it("decides at each candle's close: every context's data end at its decision time, none later", async () => {
    const seen: MarketContext[] = []
    const watch = (context: MarketContext) => {
      seen.push(context)
      return decision('hold', 0)
    }
    const decider = createScriptedDecider([watch], { whenExhausted: 'repeat-last' })
    const result = await run({ decider })
    expect(seen).toHaveLength(40)
    seen.forEach((context, index) => {
      expect(context.asOf).toBe(candles[HISTORY_CANDLES + index]!.timestamp + HOUR)
      for (const [timeframe, series] of Object.entries(context.candles)) {
        const length = timeframe === '1h' ? HOUR : 4 * HOUR
        for (const candle of series) expect(candle.updatedAt ?? candle.time + length).toBeLessThanOrEqual(context.asOf)
      }
    })
    expect(result.decider.decisions.every((d) => d.fallback === null)).toBe(true)
    expect(result.from).toBe(new Date(candles[HISTORY_CANDLES]!.timestamp + HOUR).toISOString())
  })

  it('records an LLM decider once, then replays it twice: same report bytes, $0 spent, the model never asked again', async () => {
    const dir = tempDir()
    const model = llm()
    const recorded = await run({ decider: model, recording: { dir, mode: 'record' } })
    expect(model.calls).toBe(40)
    expect(recordingFiles(dir)).toHaveLength(40)
    expect(recorded.decider.totals).toMatchObject({ decisions: 40, recorded: 40, costUsd: '0.18000000', savedUsd: '0.00000000' })
    expect(recorded.performance.fills).toBeGreaterThan(0)

    const replays = [llm(), llm()]
    const [first, second] = [
      await run({ decider: replays[0]!, recording: { dir, mode: 'replay' } }),
      await run({ decider: replays[1]!, recording: { dir, mode: 'replay' } }),
    ]
    expect(replays.map((decider) => decider.calls)).toEqual([0, 0])
    const bytes = [
      readFileSync(join(first!.outDir, 'report.json'), 'utf8'),
      readFileSync(join(second!.outDir, 'report.json'), 'utf8'),
    ]
    expect(bytes[0]).toBe(bytes[1])
    // Decision ids come from market and candle time, the same in the paid run and every replay.
    const tripIds = (result: typeof recorded) => result.performance.closedTrades.map((trip) => trip.decisionId)
    expect(tripIds(first!).length).toBeGreaterThan(0)
    expect(tripIds(first!)).toEqual(tripIds(recorded))
    for (const id of tripIds(first!)) expect(id).toMatch(/^bt-KRW-BTC-\d{4}-\d{2}-\d{2}T\d{2}:00:00\.000Z$/)
    // The trade logs, order ids included, are the same too (latencyMs in the decision log is wall time).
    expect(readKind(second!.outDir, 'trades')).toEqual(readKind(first!.outDir, 'trades'))
    const logged = readKind(first!.outDir, 'decisions').map((d) => [d['decisionId'], d['ts']])
    expect(logged.every(([id, ts]) => id === backtestDecisionId('KRW-BTC', Date.parse(String(ts))))).toBe(true)
    expect(first!.decider.totals).toMatchObject({
      decisions: 40,
      fromRecording: 40,
      missing: 0,
      costUsd: '0.00000000',
      savedUsd: '0.18000000',
    })
    // The replay trades exactly as the paid run did.
    expect(first!.decider.decisions.map((d) => [d.time, d.action, d.size])).toEqual(
      recorded.decider.decisions.map((d) => [d.time, d.action, d.size]),
    )
    const trades = (out: string) =>
      readKind(out, 'trades').map(({ side, price, volume, funds, fee }) => ({ side, price, volume, funds, fee }))
    expect(trades(first!.outDir)).toEqual(trades(recorded.outDir))
    expect(first!.endEquity).toBe(recorded.endEquity)
    expect(formatBacktest(first!)).toMatch(
      /decisions 40: 40 from the recording, 0 recorded now, 0 missing and 0 refused \(held\)/,
    )
    expect(formatBacktest(first!)).toMatch(/cost \$0\.00000000; saved by the recording \$0\.18000000/)
  })

  it('replay reports decision points missing from the recording (held) and what the others saved', async () => {
    const dir = tempDir()
    await run({ decider: llm(), recording: { dir, mode: 'record' } })
    const gone = recordingFiles(dir).slice(-2)
    for (const file of gone) rmSync(join(dir, 'KRW-BTC', file))
    const result = await run({ decider: llm(), recording: { dir, mode: 'replay' } })
    const missing = gone.map((file) => new Date(Number(file.replace('.json', ''))).toISOString())
    expect(result.decider.missing).toEqual(missing)
    expect(result.decider.totals).toMatchObject({ fromRecording: 38, missing: 2, mismatched: 0, savedUsd: '0.17100000' })
    expect(result.decider.decisions.filter((d) => d.source === 'missing').map((d) => [d.action, d.fallback])).toEqual([
      ['hold', 'replay_miss'],
      ['hold', 'replay_miss'],
    ])
    expect(formatBacktest(result)).toContain(`missing from the recording: ${missing.join(', ')}`)
  })

  it('a hole early in the recording: the hold changes the balances, so every later recording is refused, not misreplayed', async () => {
    const dir = tempDir()
    const recorded = await run({ decider: llm(), recording: { dir, mode: 'record' } })
    // Decision 10 traded in the recorded run; without it the portfolio differs from then on.
    expect(recorded.decider.decisions[10]!.action).not.toBe('hold')
    rmSync(join(dir, 'KRW-BTC', recordingFiles(dir)[10]!))
    const result = await run({ decider: llm(), recording: { dir, mode: 'replay' } })
    expect(result.decider.totals).toMatchObject({ fromRecording: 10, missing: 1, mismatched: 29 })
    expect(result.decider.refused).toHaveLength(29)
    expect(formatBacktest(result)).toMatch(/10 from the recording, 0 recorded now, 1 missing and 29 refused \(held\)/)
  })

  it('error: a recording made with another model is refused at every decision point, never replayed', async () => {
    const dir = tempDir()
    await run({ decider: llm(), recording: { dir, mode: 'record' } })
    const result = await run({ decider: llm('claude-other'), recording: { dir, mode: 'replay' } })
    expect(new Set(result.decider.decisions.map((d) => d.fallback))).toEqual(new Set(['replay_mismatch']))
    expect(result.performance.fills).toBe(0)
  })
})
