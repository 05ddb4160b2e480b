import { describe, expect, it } from 'vitest'
import { useTempDirs } from './test-support/bot-setup.js'
import { readKind } from './test-support/log-files.js'
import { groupAlive, spawnScript, until } from './test-support/spawn.js'

const heavy = process.env['TRADEKIT_NODE_MATRIX'] ? describe.skip : describe
const tempDir = useTempDirs()

// Each test spawns a bot process (a few seconds of start-up): skipped in the Node 22/24 re-run of the packages.
heavy('bot command line', () => {
  it('live mode refuses to start without --live and keys, exit 2, one message naming what is missing', {
    timeout: 60_000,
  }, async () => {
    const bot = spawnScript('cli.ts', ['run'], { BOT_MODE: 'live', TRADE_LOG_DIR: tempDir() })
    const exit = await bot.exited
    expect(exit.code).toBe(2)
    expect(bot.stderr().trim()).toBe(
      'error: live mode refused: it trades real money and needs the --live flag, UPBIT_ACCESS_KEY and UPBIT_SECRET_KEY, a risk-limits file (BOT_RISK_LIMITS_FILE or "riskLimitsFile")',
    )
  })

  it('a wrong setting stops the bot with one message naming it', { timeout: 60_000 }, async () => {
    const bot = spawnScript('cli.ts', ['run'], { BOT_INTERVAL_MS: 'fast', TRADE_LOG_DIR: tempDir() })
    expect((await bot.exited).code).toBe(2)
    expect(bot.stderr()).toMatch(/^error: configuration: setting "intervalMs" \(environment BOT_INTERVAL_MS\)/)
  })

  describe('SIGTERM during an open order cancels it, flushes the log and exits 0', () => {
    it('resting limit buy, then SIGTERM', { timeout: 90_000 }, async () => {
      const dir = tempDir()
      // Passive limit orders 50 ticks under the bid never fill on the replay's next candles; the timeout is long.
      const bot = spawnScript('cli.ts', ['run'], {
        TRADE_LOG_DIR: dir,
        BOT_INTERVAL_MS: '10',
        BOT_ORDER_TYPE: 'limit',
        BOT_LIMIT_OFFSET_TICKS: '50',
        BOT_ORDER_TIMEOUT_MS: '600000',
        LOG_LEVEL: 'warn',
      })
      try {
        await until(() => readKind(dir, 'decisions').some((d) => d['action'] === 'buy'), 60_000, 'a buy decision')
      } finally {
        bot.signal('SIGTERM')
      }
      const exit = await bot.exited
      expect(exit, bot.stderr()).toEqual({ code: 0, signal: null })
      expect(bot.stderr()).toMatch(/SIGTERM: stopping \(cancelling any order in flight/)
      expect(bot.stderr()).toMatch(/BUY not filled \(shutdown\)/)
      expect(readKind(dir, 'trades')).toHaveLength(0)
      const decisions = readKind(dir, 'decisions')
      expect(decisions.at(-1)!['action']).toBe('buy')
      // The cycle finished: its equity snapshot was written after the cancel.
      expect(readKind(dir, 'equity')).toHaveLength(decisions.length)
      expect(groupAlive(bot.child.pid!)).toBe(false)
    })
  })
})
