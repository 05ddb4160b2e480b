#!/usr/bin/env node
/**
 * The bot's command line.
 *
 *   tsx src/cli.ts run [--config bot.json] [--live] [--max-cycles N]   paper by default; live needs --live, keys and limits
 *   tsx src/cli.ts backtest [--candles file.csv] [--out dir] [--config bot.json] [--record|--replay DIR] [--prices file.json]
 *
 * Exit codes: 0 done or stopped by SIGINT/SIGTERM, 1 failure, 2 configuration refused.
 */
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Decider } from '@tradekit/ai-decider'
import pino from 'pino'
import { type RunningBot, startBot } from './app.js'
import { formatBacktest, runBacktest } from './backtest.js'
import { backtestRecording } from './backtest-flags.js'
import { readCandleFile } from './candles.js'
import { ConfigError, loadConfig } from './config.js'
import { chooseDecider } from './deciders.js'
import { PAPER_RISK_LIMITS, readRiskLimitsFile } from './risk-limits.js'

const USAGE = `usage:
  bot run [--config bot.json] [--live] [--max-cycles N] [--interval-ms MS]
  bot backtest [--candles file.csv] [--out DIR] [--config bot.json] [--record|--replay|--record-missing DIR] [--prices file.json]
Settings come from the config file and the environment (see README).`

/**
 * Relative paths are the caller's: `pnpm --filter … start` runs this in examples/bot, but pnpm keeps the
 * directory the command was typed in as INIT_CWD.
 */
function fromCaller(path: string): string {
  return resolve(process.env['INIT_CWD'] ?? process.cwd(), path)
}

export interface MainOptions {
  /** Replaces the configured decider (a scripted child bot in tests). Default: from the configuration. */
  decider?: Decider
}

export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const { positionals, values } = parseArgs({
    // `pnpm start -- --live` passes the `--` through: drop it so the flags after it still count.
    args: argv.filter((arg) => arg !== '--'),
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      live: { type: 'boolean', default: false },
      'max-cycles': { type: 'string' },
      'interval-ms': { type: 'string' },
      candles: { type: 'string' },
      out: { type: 'string' },
      record: { type: 'string' },
      replay: { type: 'string' },
      'record-missing': { type: 'string' },
      prices: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  })
  const command = positionals[0] ?? 'run'
  if (values.help || !['run', 'backtest'].includes(command)) {
    process.stderr.write(`${USAGE}\n`)
    return values.help ? 0 : 2
  }
  const overrides = {
    ...(values['max-cycles'] ? { maxCycles: values['max-cycles'] as unknown as number } : {}),
    ...(values['interval-ms'] ? { intervalMs: values['interval-ms'] as unknown as number } : {}),
    ...(values.candles ? { candleFile: fromCaller(values.candles) } : {}),
    ...(process.env['TRADE_LOG_DIR'] ? { tradeLogDir: fromCaller(process.env['TRADE_LOG_DIR']) } : {}),
  }
  const { config, secrets } = loadConfig({ file: values.config && fromCaller(values.config), overrides })
  const logger = pino({ level: config.logLevel })
  const say = (text: string) => process.stderr.write(`${text}\n`)

  if (command === 'backtest') {
    const market = config.markets[0]!
    const outDir = resolve(
      values.out
        ? fromCaller(values.out)
        : join(config.tradeLogDir ?? 'logs', `backtest-${new Date().toISOString().replace(/[:.]/g, '-')}`),
    )
    mkdirSync(outDir, { recursive: true })
    const { replayOnly, ...recording } = backtestRecording(values, fromCaller)
    const result = await runBacktest({
      market,
      candles: await readCandleFile(config.candleFile),
      decider: chooseDecider(config, secrets, { replayOnly }).decider,
      ...recording,
      limits: config.riskLimitsFile ? readRiskLimitsFile(config.riskLimitsFile) : PAPER_RISK_LIMITS,
      outDir,
      quoteBalance: config.paperKrw,
      settings: config,
      logger,
    })
    say(formatBacktest(result))
    return 0
  }

  // Signals count from here: one that arrives while start-up waits for the exchange ends the wait, no order placed.
  let running: RunningBot | undefined
  const beforeStart = new AbortController()
  const stop = (signal: NodeJS.Signals) => {
    // A terminal's Ctrl-C reaches every process of the group and launchers (pnpm, tsx) relay it again, so a
    // repeated signal is expected: it never forces an exit that could leave an order open.
    if (!running) {
      if (!beforeStart.signal.aborted) say(`${signal}: stopping before the first cycle`)
      beforeStart.abort(signal)
      return
    }
    if (running.bot.stopping) return
    say(
      `${signal}: stopping (${config.onShutdown === 'cancel' ? 'cancelling' : 'finishing'} any order in flight, flushing the trade log)`,
    )
    running.bot.stop(signal)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  try {
    running = await startBot({
      config,
      secrets,
      live: values.live,
      logger,
      onBanner: say,
      onStatus: (line) => say(line),
      signal: beforeStart.signal,
      ...(options.decider ? { decider: options.decider } : {}),
    })
  } catch (error) {
    if (!beforeStart.signal.aborted) throw error
    say('stopped before the first cycle: no order placed')
    return 0
  }
  if (beforeStart.signal.aborted) running.bot.stop(String(beforeStart.signal.reason))
  const summary = await running.run()
  const last = summary.reports.at(-1)
  const account = last
    ? `; position ${last.position} ${last.market.split('-')[1]}, cash ${last.cash} ${last.market.split('-')[0]}`
    : ''
  say(`stopped after ${summary.cycles} cycles (${summary.stoppedBy})${account}; trade log in ${running.logDir}`)
  return 0
}

/** Runs `main` as this process: its exit code, or an error message on stderr (exit 2 for configuration, else 1). */
export function runAsProcess(argv: readonly string[], options: MainOptions = {}): void {
  main(argv, options).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof ConfigError) {
        process.stderr.write(`error: ${error.message}\n`)
        process.exit(2)
      }
      process.stderr.write(`error: ${(error as Error)?.message ?? String(error)}\n`)
      process.exit(1)
    },
  )
}

// Run only as the entry point itself: bundled into another entry (a test's child bot), import.meta.url is that file.
if (import.meta.url === `file://${process.argv[1]}` && /\/cli\.[cm]?[jt]s$/.test(import.meta.url))
  runAsProcess(process.argv.slice(2))
