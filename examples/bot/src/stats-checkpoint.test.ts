import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createScriptedDecider } from '@tradekit/ai-decider/testing'
import { createPerformanceIndex, createTradeLogReader } from '@tradekit/trade-log'
import { describe, expect, it } from 'vitest'
import { startBot } from './app.js'
import { decision, silentLogger, testConfig, useTempDirs } from './test-support/bot-setup.js'

const heavy = process.env['TRADEKIT_NODE_MATRIX'] ? describe.skip : describe
const tempDir = useTempDirs()

heavy('the bot keeps the all-time performance checkpoint current', () => {
  it('after a day boundary a server-side index on the directory resumes from the bot’s checkpoint', async () => {
    const dir = tempDir()
    // The replay moves one hourly candle per cycle: 30 cycles cross at least one UTC midnight.
    const running = await startBot({
      ...testConfig({ tradeLogDir: dir, maxCycles: 30 }),
      decider: createScriptedDecider(
        Array.from({ length: 30 }, (_, i) => decision(i % 6 === 0 ? 'buy' : i % 6 === 3 ? 'sell' : 'hold', 0.1)),
      ),
      logger: silentLogger,
      onStatus: () => {},
    })
    await running.run()
    expect(readdirSync(join(dir, '.trade-log-cache'))).toEqual([expect.stringMatching(/^performance-[0-9a-f]{12}\.json$/)])

    // What examples/server does on its first start: the same index, default options, UTC days.
    const server = createPerformanceIndex({ reader: createTradeLogReader({ dir }), timeZone: 'UTC' })
    const fromCheckpoint = await server.result()
    expect(server.lastRefresh?.mode).toBe('checkpoint')
    // And the resumed answer is the one a full read gives.
    const full = createPerformanceIndex({ reader: createTradeLogReader({ dir }), timeZone: 'UTC', cacheFile: false })
    expect(fromCheckpoint).toEqual(await full.result())
    expect(full.lastRefresh?.mode).toBe('full')
    expect(fromCheckpoint.fills).toBeGreaterThan(0)
  }, 60_000)
})
