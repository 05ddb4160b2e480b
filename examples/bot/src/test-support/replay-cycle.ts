import type { Decider, RiskLimits } from '@tradekit/ai-decider'
import { createTradeLogWriter } from '@tradekit/trade-log'
import { generateCandles } from '../../scripts/generate-candles.js'
import { createBotLog } from '../bot-log.js'
import { createBotState } from '../bot-state.js'
import type { CycleDeps, CycleSettings } from '../cycle.js'
import { createOrderDesk } from '../order-desk.js'
import { createMemoryJournal } from '../order-journal.js'
import { createReplayExchange } from '../replay-exchange.js'
import { silentLogger } from './bot-setup.js'

/** 20 days of seeded synthetic hourly candles for cycle tests. */
export const testCandles = generateCandles({ seed: 11, start: '2025-01-01', days: 20, price: 140_000_000 }).candles

export const testLimits: RiskLimits = {
  maxPositionFraction: 1,
  maxOrderQuote: '900000',
  minConfidence: 0.5,
  dailyLossLimitQuote: '100000',
}

/** Cycle settings for tests: paper mode, short timeouts, fast polling. */
export const testSettings: CycleSettings = {
  mode: 'paper',
  timeframes: [60, 240],
  candleCount: 50,
  decisionTimeoutMs: 2000,
  orderTimeoutMs: 2000,
  orderPollMs: 10,
  onShutdown: 'cancel',
}

/** Cycle dependencies on an in-memory replay exchange with 1,000,000 KRW, logging to `dir`. */
export function replayCycle(decider: Decider, dir: string) {
  const exchange = createReplayExchange({ market: 'KRW-BTC', candles: testCandles, quoteBalance: '1000000' })
  const log = createBotLog(createTradeLogWriter({ dir }))
  const deps: CycleDeps = {
    exchange,
    desk: createOrderDesk({
      exchange,
      journal: createMemoryJournal(),
      log,
      mode: 'paper',
      pollMs: testSettings.orderPollMs,
      now: exchange.now,
    }),
    decider,
    limits: testLimits,
    log,
    logger: silentLogger,
    state: createBotState(exchange.now()),
    settings: { ...testSettings, candleCount: 100 },
    now: exchange.now,
    shutdown: new AbortController().signal,
  }
  return { deps, exchange, log }
}
