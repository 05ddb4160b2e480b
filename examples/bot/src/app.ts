import { mkdirSync } from 'node:fs'
import type { Decider, RiskLimits } from '@tradekit/ai-decider'
import { createTradeLogWriter, resolveLogDir } from '@tradekit/trade-log'
import { createUpbitClient, toBig, toDecimalString } from '@tradekit/upbit-client'
import pino, { type Logger } from 'pino'
import { type Bot, createBot, type RunSummary } from './bot.js'
import { createBotLog } from './bot-log.js'
import type { BotConfig, BotSecrets } from './config.js'
import { ConfigError } from './config.js'
import type { CycleReport } from './cycle.js'
import { chooseDecider } from './deciders.js'
import type { Exchange } from './exchange.js'
import { createIndicators } from './indicators.js'
import { assertLiveAllowed } from './live-gate.js'
import { type PaperSession, startPaperSession } from './paper.js'
import { restoreState } from './restore-state.js'
import { describeRiskLimits, PAPER_RISK_LIMITS, readRiskLimitsFile } from './risk-limits.js'
import { createStatsCheckpoint } from './stats-checkpoint.js'
import { createUpbitExchange } from './upbit-exchange.js'

export interface StartBotOptions {
  config: BotConfig
  secrets: BotSecrets
  /** The `--live` flag. */
  live?: boolean
  /** pino logger. Default: JSON to stdout at `config.logLevel`. */
  logger?: Logger
  /** Replaces the configured decider (tests, scripted runs). */
  decider?: Decider
  /** Receives each cycle's status line. Default: the logger. */
  onStatus?: (line: string, report?: CycleReport) => void
  /** The providers' fetch (tests). Default: global fetch. */
  fetch?: typeof globalThis.fetch
  /** Receives the start-up banner lines. Default: the logger. */
  onBanner?: (text: string) => void
}

export interface RunningBot {
  bot: Bot
  /** Absolute trade-log directory. */
  logDir: string
  mode: 'paper' | 'live'
  /** The paper session (simulator), when paper trading. */
  paper: PaperSession | undefined
  /** Runs the loop to its end, then closes the log and the simulator. */
  run(): Promise<RunSummary>
}

/**
 * Wires a bot from its configuration: checks the live gate, loads the risk limits, rebuilds the state from
 * the trade log, opens the exchange (simulator or Upbit) and the decider.
 */
export async function startBot(options: StartBotOptions): Promise<RunningBot> {
  const { config, secrets } = options
  const logger = options.logger ?? pino({ level: config.logLevel })
  const banner = options.onBanner ?? ((text: string) => logger.info(text))
  assertLiveAllowed(config, secrets, { live: options.live ?? false })
  const limits: RiskLimits = config.riskLimitsFile ? readRiskLimitsFile(config.riskLimitsFile) : PAPER_RISK_LIMITS
  const logDir = resolveLogDir(config.tradeLogDir, { log: (message) => logger.info(message) }).dir
  mkdirSync(logDir, { recursive: true })
  const restored = await restoreState(logDir, config.markets)
  const { decider, description } = options.decider
    ? { decider: options.decider, description: `${options.decider.provider} (given)` }
    : chooseDecider(config, secrets, { fetch: options.fetch })

  let exchange: Exchange
  let now: () => number = Date.now
  let paper: PaperSession | undefined
  if (config.mode === 'paper') {
    if (config.markets.length !== 1) {
      throw new ConfigError(
        'configuration: setting "markets" must list one market in paper mode (the simulator replays one feed)',
        'markets',
      )
    }
    const market = config.markets[0]!
    const base = market.split('-')[1]!
    paper = await startPaperSession({
      market,
      feed: config.paperFeed,
      candleFile: config.candleFile,
      balances: {
        KRW: toDecimalString(toBig(config.paperKrw).plus(toBig(restored.quoteFlow))),
        [base]: restored.positions[market] ?? '0',
      },
      resumeAfter: restored.lastDecisionAt,
    })
    exchange = paper.exchange
    now = paper.now
  } else {
    const target = config.upbitBaseUrl ? { baseUrl: config.upbitBaseUrl } : {}
    exchange = createUpbitExchange(
      createUpbitClient({ accessKey: secrets.upbitAccessKey, secretKey: secrets.upbitSecretKey, ...target }),
    )
  }
  const state = restored.stateAt(now())
  const writer = createTradeLogWriter({ dir: logDir, now })
  const statsCheckpoint = createStatsCheckpoint({ dir: logDir, now, logger })

  banner(
    [
      `mode ${config.mode.toUpperCase()}${config.mode === 'paper' ? ` (simulator ${paper!.simulator.baseUrl}, prices from ${config.paperFeed === 'file' ? config.candleFile : 'Upbit live'})` : ` (REAL MONEY on ${config.upbitBaseUrl ?? 'Upbit'})`}`,
      `markets ${config.markets.join(', ')}, every ${config.intervalMs} ms, candles ${config.timeframes.join(' + ')} min`,
      `decider ${description}`,
      `trade log ${logDir} (restored ${restored.fills} fills, ${restored.decisions} decisions; position ${config.markets.map((m) => `${m} ${restored.positions[m]}`).join(', ')}; ${state.ordersToday} orders today)`,
      `risk limits${config.riskLimitsFile ? ` from ${config.riskLimitsFile}` : ' (paper defaults)'}:\n${describeRiskLimits(limits)}`,
    ].join('\n'),
  )

  const bot = createBot({
    markets: config.markets,
    intervalMs: config.intervalMs,
    maxCycles: config.maxCycles,
    settings: {
      mode: config.mode,
      timeframes: config.timeframes,
      candleCount: config.candleCount,
      decisionTimeoutMs: config.decisionTimeoutMs,
      orderTimeoutMs: config.orderTimeoutMs,
      orderPollMs: config.orderPollMs,
      onShutdown: config.onShutdown,
      orderType: config.orderType,
      limitOffsetTicks: config.limitOffsetTicks,
    },
    exchange,
    decider,
    limits,
    log: createBotLog(writer),
    logger,
    state,
    now,
    indicators: createIndicators(config.timeframes),
    ...(paper ? { beforeCycle: paper.beforeCycle } : {}),
    onStatus: (line, report) => {
      statsCheckpoint.tick()
      if (options.onStatus) options.onStatus(line, report)
      else logger.info(line)
    },
  })
  return {
    bot,
    logDir,
    mode: config.mode,
    paper,
    async run() {
      try {
        return await bot.run()
      } finally {
        await statsCheckpoint.settled()
        await paper?.close()
      }
    },
  }
}
