import type { Decider } from '@tradekit/ai-decider'
import { createScriptedDecider } from '@tradekit/ai-decider/testing'
import { createTradeLogWriter } from '@tradekit/trade-log'
import { createUpbitClient } from '@tradekit/upbit-client'
import { startUpbitSimulator, type UpbitSimulator } from '@tradekit/upbit-client/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createBot } from './bot.js'
import { createBotLog } from './bot-log.js'
import { restoreState } from './restore-state.js'
import { decision, silentLogger, useTempDirs } from './test-support/bot-setup.js'
import { readKind } from './test-support/log-files.js'
import { testLimits, testSettings } from './test-support/replay-cycle.js'
import { createUpbitExchange } from './upbit-exchange.js'

const tempDir = useTempDirs()
const simulators: UpbitSimulator[] = []
afterEach(async () => {
  for (const simulator of simulators.splice(0)) await simulator.close()
})

/** A bot on the simulator with the test limits, its state restored from `dir`. */
async function simulatorBot(
  simulator: UpbitSimulator,
  dir: string,
  decider: Decider,
  cycles: number,
  beforeCycle?: () => boolean,
) {
  const client = createUpbitClient({ baseUrl: simulator.baseUrl, accessKey: simulator.accessKey, secretKey: simulator.secretKey })
  const restored = await restoreState(dir, ['KRW-BTC'])
  return createBot({
    markets: ['KRW-BTC'],
    intervalMs: 1,
    maxCycles: cycles,
    settings: testSettings,
    exchange: createUpbitExchange(client),
    decider,
    limits: testLimits,
    log: createBotLog(createTradeLogWriter({ dir })),
    logger: silentLogger,
    state: restored.stateAt(Date.now()),
    onStatus: () => {},
    ...(beforeCycle ? { beforeCycle } : {}),
  })
}

/** Runs an always-buying bot for `cycles` cycles; `onCycle(i)` runs before cycle i (to move the price). */
async function runOn(simulator: UpbitSimulator, dir: string, cycles: number, onCycle: (index: number) => void) {
  let index = 0
  const decider = createScriptedDecider([decision('buy', 1)], { whenExhausted: 'repeat-last' })
  const bot = await simulatorBot(simulator, dir, decider, cycles, () => {
    onCycle(index++)
    return true
  })
  return bot.run()
}

describe('daily loss limit, end to end on the simulator', () => {
  it('stops trading once today’s loss reaches the limit, and a restart does not reset it', async () => {
    const simulator = await startUpbitSimulator({ markets: { 'KRW-BTC': () => '100000000' }, balances: { KRW: '1000000' } })
    simulators.push(simulator)
    const dir = tempDir()
    // Cycle 0 buys 900,000 KRW of BTC at 100M; then the price falls 20%: about −180,000 KRW, the limit is 100,000.
    const first = await runOn(simulator, dir, 3, (i) => {
      if (i === 1) simulator.setPrice('KRW-BTC', '80000000')
    })
    expect(first.reports.map((r) => r.decision.action)).toEqual(['buy', 'hold', 'hold'])
    expect(first.reports.slice(1).every((r) => r.clamps.includes('daily_loss_limit'))).toBe(true)
    expect(simulator.orders()).toHaveLength(1)

    // A restarted bot reads today's starting equity from the log: still blocked, although it has lost nothing since.
    const second = await runOn(simulator, dir, 2, () => simulator.setPrice('KRW-BTC', '80000000'))
    expect(second.reports.map((r) => r.clamps.includes('daily_loss_limit'))).toEqual([true, true])
    expect(simulator.orders()).toHaveLength(1)
    expect(readKind(dir, 'decisions').map((d) => d['action'])).toEqual(['buy', 'hold', 'hold', 'hold', 'hold'])
  })

  it('a decider that throws or answers garbage makes no order on the simulator, only logged holds', async () => {
    const simulator = await startUpbitSimulator({ markets: { 'KRW-BTC': () => '100000000' }, balances: { KRW: '1000000' } })
    simulators.push(simulator)
    const dir = tempDir()
    const decider = createScriptedDecider([
      new Error('provider down'),
      { action: 'buy', size: 5, confidence: 'very' },
      'BUY EVERYTHING NOW',
    ])
    const bot = await simulatorBot(simulator, dir, decider, 3)
    const summary = await bot.run()
    expect(summary.reports.map((r) => r.decision.action)).toEqual(['hold', 'hold', 'hold'])
    expect(summary.reports.every((r) => r.fallback !== null)).toBe(true)
    expect(simulator.orders()).toEqual([])
    expect(readKind(dir, 'trades')).toEqual([])
    expect(readKind(dir, 'decisions').map((d) => [d['action'], typeof d['fallbackReason']])).toEqual([
      ['hold', 'string'],
      ['hold', 'string'],
      ['hold', 'string'],
    ])
  })
})
