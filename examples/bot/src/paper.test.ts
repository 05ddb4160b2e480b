import type { MarketContext } from '@tradekit/ai-decider'
import { createScriptedDecider } from '@tradekit/ai-decider/testing'
import { toBig } from '@tradekit/upbit-client'
import { describe, expect, it, vi } from 'vitest'
import { startBot } from './app.js'
import { BUNDLED_CANDLES, readCandleFile } from './candles.js'
import { HISTORY_CANDLES } from './paper.js'
import { decision, silentLogger, testConfig, useTempDirs } from './test-support/bot-setup.js'
import { readKind } from './test-support/log-files.js'

const heavy = process.env['TRADEKIT_NODE_MATRIX'] ? describe.skip : describe
const tempDir = useTempDirs()
/**
 * Each test runs the real bot against the simulator over loopback HTTP: 0.2-0.5 s of CPU on an idle machine, many
 * times that on a loaded one. Nothing here asserts on time; this bound only catches a hang.
 */
const HANG_GUARD = { timeout: 120_000 }

heavy('paper trading against the upbit-client simulator', HANG_GUARD, () => {
  it('scripted decisions produce exactly the expected orders, fills and log entries', async () => {
    const dir = tempDir()
    const { config, secrets } = testConfig({ tradeLogDir: dir, maxCycles: 4 })
    const decider = createScriptedDecider([decision('buy', 0.1), decision('hold', 0), decision('sell', 1), decision('hold', 0)])
    const running = await startBot({ config, secrets, decider, logger: silentLogger, onStatus: () => {} })
    const simulator = running.paper!.simulator
    const summary = await running.run().then(async (s) => ({ ...s, orders: simulator.orders() }))
    expect(summary.cycles).toBe(4)
    const orders = summary.orders
    expect(orders.map((o) => [o.side, o.ord_type, o.state])).toEqual([
      ['bid', 'price', 'done'],
      ['ask', 'market', 'done'],
    ])
    // The buy spends 10% of the 1,000,000 KRW paper account (the fee is paid on top).
    expect(orders[0]!.price).toBe('100000')
    const trades = readKind(dir, 'trades')
    expect(trades).toHaveLength(2)
    expect(trades.map((t) => [t['side'], t['orderId'], t['volume'], t['fee']])).toEqual(
      orders.map((o) => [o.side === 'bid' ? 'buy' : 'sell', o.uuid, o.executed_volume, o.paid_fee]),
    )
    expect(trades[1]!['volume']).toBe(trades[0]!['volume'])
    expect(readKind(dir, 'decisions').map((d) => d['action'])).toEqual(['buy', 'hold', 'sell', 'hold'])
    expect(readKind(dir, 'equity')).toHaveLength(4)
    // Entries carry the replayed candle times, one candle per cycle.
    const candles = await readCandleFile(BUNDLED_CANDLES.pathname)
    expect(readKind(dir, 'decisions').map((d) => d['tsMs'])).toEqual(
      [0, 1, 2, 3].map((i) => candles[HISTORY_CANDLES + i]!.timestamp),
    )
  })

  it('a restart mid-run resumes the position, the cash and the replay where they were', async () => {
    const dir = tempDir()
    const first = await startBot({
      ...testConfig({ tradeLogDir: dir, maxCycles: 2 }),
      decider: createScriptedDecider([decision('buy', 0.1), decision('hold', 0)]),
      logger: silentLogger,
      onStatus: () => {},
    })
    await first.run()
    const [bought] = readKind(dir, 'trades')
    const krwAfterFirst = first.paper!.simulator.accounts().find((a) => a.currency === 'KRW')!.balance

    const second = await startBot({
      ...testConfig({ tradeLogDir: dir, maxCycles: 1 }),
      decider: createScriptedDecider([decision('sell', 1)]),
      logger: silentLogger,
      onStatus: () => {},
    })
    const accounts = second.paper!.simulator.accounts()
    expect(accounts.find((a) => a.currency === 'BTC')!.balance).toBe(bought!['volume'])
    expect(accounts.find((a) => a.currency === 'KRW')!.balance).toBe(krwAfterFirst)
    await second.run()
    const trades = readKind(dir, 'trades')
    expect(trades.map((t) => t['side'])).toEqual(['buy', 'sell'])
    expect(trades[1]!['volume']).toBe(bought!['volume'])
    const times = readKind(dir, 'decisions').map((d) => d['tsMs'] as number)
    expect(times).toHaveLength(3)
    expect(times[2]! - times[1]!).toBe(3_600_000)
  })

  it('stopping during an open order cancels it: no order is left open and nothing unfilled is logged as a fill', async () => {
    const dir = tempDir()
    const running = await startRestingLimitBuyer(dir, 60_000)
    const simulator = running.paper!.simulator
    const done = running.run()
    await waitFor(() => simulator.orders().some((o) => o.state === 'wait'))
    running.bot.stop('SIGTERM')
    const summary = await done
    expect(summary.stoppedBy).toBe('signal')
    const orders = simulator.orders()
    expect(orders).toHaveLength(1)
    expect(orders[0]!.state).toBe('cancel')
    expect(summary.reports.at(-1)!.execution!.outcome).toBe('shutdown')
    expect(readKind(dir, 'trades')).toHaveLength(0)
    const krw = simulator.accounts().find((a) => a.currency === 'KRW')!
    expect(toBig(krw.locked).eq(0)).toBe(true)
  })
})

heavy('paper trading: market data', HANG_GUARD, () => {
  it('the slow timeframe holds true 4 h candles built from the replayed hours, ending at the current candle', async () => {
    let seen: MarketContext | undefined
    const decider = createScriptedDecider([
      (context: MarketContext) => {
        seen = context
        return decision('hold', 0)
      },
    ])
    const running = await startBot({
      ...testConfig({ tradeLogDir: tempDir(), maxCycles: 1 }),
      decider,
      logger: silentLogger,
      onStatus: () => {},
    })
    await running.run()
    const candles = await readCandleFile(BUNDLED_CANDLES.pathname)
    const slow = seen!.candles['4h']!
    const fast = seen!.candles['1h']!
    expect(fast).toHaveLength(100)
    // The replay starts 200 hours in: the slow timeframe has the 4 h buckets those hours make (about 50).
    const buckets = new Set(candles.slice(0, HISTORY_CANDLES + 1).map((c) => Math.floor(c.timestamp / (4 * 3_600_000))))
    expect(slow).toHaveLength(buckets.size)
    expect(slow.slice(1).every((c, i) => c.time - slow[i]!.time === 4 * 3_600_000)).toBe(true)
    expect(fast.at(-1)!.time).toBe(candles[HISTORY_CANDLES]!.timestamp)
    // A complete 4 h candle: open of its first hour, close of its last, the extremes of the four.
    const complete = slow.at(-2)!
    const hours = candles.filter((c) => c.timestamp >= complete.time && c.timestamp < complete.time + 4 * 3_600_000)
    expect(hours).toHaveLength(4)
    expect(complete).toMatchObject({
      open: Number(hours[0]!.open),
      close: Number(hours[3]!.close),
      high: Math.max(...hours.map((h) => Number(h.high))),
      low: Math.min(...hours.map((h) => Number(h.low))),
    })
  })
})

heavy('paper trading: orders that do not settle', HANG_GUARD, () => {
  it('with onShutdown "finish" a stop waits for the open order until its timeout, then cancels it', async () => {
    const dir = tempDir()
    // One cycle: however late the stop lands on a busy machine, no second order can follow the first.
    const running = await startRestingLimitBuyer(dir, 1500, 'finish', 1)
    const simulator = running.paper!.simulator
    const done = running.run()
    await waitFor(() => simulator.orders().some((o) => o.state === 'wait'))
    running.bot.stop('SIGINT')
    const summary = await done
    expect(summary.reports.at(-1)!.execution!.outcome).toBe('timeout')
    expect(simulator.orders().map((o) => o.state)).toEqual(['cancel'])
    expect(readKind(dir, 'trades')).toHaveLength(0)
  })

  it('an order whose polling fails is settled by the next loop turn (cancelled, or its fill logged), the error logged; unfilled orders time out and are cancelled', async () => {
    const dir = tempDir()
    const running = await startRestingLimitBuyer(dir, 300)
    const simulator = running.paper!.simulator
    // Every attempt (with the client's retries) of the first poll answers 500: the cycle fails after placing.
    simulator.injectFault({ method: 'GET', path: '/v1/order', kind: 'status-before', status: 500, times: 3 })
    const summary = await running.run()
    expect(summary.cycles).toBe(3)
    const orders = simulator.orders()
    expect(orders.length).toBeGreaterThanOrEqual(2)
    // No order is left open. The orphaned first one may have filled on the next candle before the loop got to
    // cancel it: then its fill is logged, from the exchange's numbers.
    expect(orders.filter((o) => o.state === 'wait')).toEqual([])
    const done = orders.filter((o) => o.state === 'done')
    const trades = readKind(dir, 'trades')
    expect(trades.map((t) => [t['orderId'], t['volume']])).toEqual(done.map((o) => [o.uuid, o.executed_volume]))
    expect(summary.reports.map((r) => r.execution?.outcome)).toContain('timeout')
    const errors = readKind(dir, 'errors')
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ source: 'cycle', market: 'KRW-BTC' })
    expect(toBig(simulator.accounts().find((a) => a.currency === 'KRW')!.locked).eq(0)).toBe(true)
  })
})

/** A paper bot that tries to buy every cycle with passive limit orders 50 ticks under the bid (they rest). */
function startRestingLimitBuyer(dir: string, orderTimeoutMs: number, onShutdown: 'cancel' | 'finish' = 'cancel', maxCycles = 3) {
  const { config, secrets } = testConfig({
    tradeLogDir: dir,
    maxCycles,
    orderType: 'limit',
    limitOffsetTicks: 50,
    orderTimeoutMs,
    onShutdown,
  })
  const decider = createScriptedDecider([decision('buy', 0.1)], { whenExhausted: 'repeat-last' })
  return startBot({ config, secrets, decider, logger: silentLogger, onStatus: () => {} })
}

/** Polls the simulator's state until `condition` holds; the 60 s bound only catches a hang. */
async function waitFor(condition: () => boolean): Promise<void> {
  await vi.waitFor(
    () => {
      if (!condition()) throw new Error('condition not reached')
    },
    { timeout: 60_000, interval: 5 },
  )
}
