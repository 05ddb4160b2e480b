import { mkdirSync } from 'node:fs'
import type { Decider, RiskLimits } from '@tradekit/ai-decider'
import { createTradeLogWriter, resolveLogDir } from '@tradekit/trade-log'
import { createUpbitClient, createUpbitStreams, toBig, toDecimalString, type UpbitStreams } from '@tradekit/upbit-client'
import pino, { type Logger } from 'pino'
import { type Bot, createBot, type RunSummary } from './bot.js'
import { createBotLog } from './bot-log.js'
import type { BotConfig, BotSecrets } from './config.js'
import { ConfigError } from './config.js'
import type { CycleReport } from './cycle.js'
import { chooseDecider } from './deciders.js'
import type { Exchange, ExchangeAccount } from './exchange.js'
import { createIndicators } from './indicators.js'
import { assertLiveAllowed } from './live-gate.js'
import { createOrderDesk, type SettledOrder } from './order-desk.js'
import { openOrderJournal } from './order-journal.js'
import { type PaperSession, startPaperSession } from './paper.js'
import { connectRemotePaper, type RemotePaperSession } from './paper-remote.js'
import { reconcileAtStart, type StartReconciliation, untilReachable } from './reconcile.js'
import { restoreState } from './restore-state.js'
import { describeRiskLimits, PAPER_RISK_LIMITS, readRiskLimitsFile } from './risk-limits.js'
import { sharedTradeLog } from './shared-log.js'
import { createStatsCheckpoint } from './stats-checkpoint.js'
import { reportStreams } from './stream-status.js'
import { createUpbitExchange, isExchangeUnreachable, streamUrlFor } from './upbit-exchange.js'

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
  /**
   * Aborting it (SIGINT/SIGTERM) ends the start-up wait for an unreachable exchange: `startBot` then rejects
   * with the abort reason, having placed no order. Default: none.
   */
  signal?: AbortSignal
}

export interface RunningBot {
  bot: Bot
  /** Absolute trade-log directory. */
  logDir: string
  mode: 'paper' | 'live'
  /** The in-process paper session (simulator), when paper trading without `paperExchangeUrl`. */
  paper: PaperSession | undefined
  /** The WebSocket streams orders settle from and prices come from (Upbit's, or the simulator's); undefined when off. */
  streams: UpbitStreams | undefined
  /** What start-up learned from the exchange: orders settled after a crash, the account it starts from. */
  reconciliation: StartReconciliation
  /** Runs the loop to its end, then closes the log, the streams and the simulator. */
  run(): Promise<RunSummary>
}

/**
 * Wires a bot from its configuration: checks the live gate, loads the risk limits, rebuilds the state from
 * the durable logs, opens the exchange (simulator or Upbit) and the decider, then reconciles with the exchange
 * (waiting while it is unreachable) before the first cycle can place an order.
 */
export async function startBot(options: StartBotOptions): Promise<RunningBot> {
  const { config, secrets } = options
  const logger = options.logger ?? pino({ level: config.logLevel })
  const banner = options.onBanner ?? ((text: string) => logger.info(text))
  const status = (line: string) => (options.onStatus ? options.onStatus(line) : logger.info(line))
  assertLiveAllowed(config, secrets, { live: options.live ?? false })
  const limits: RiskLimits = config.riskLimitsFile ? readRiskLimitsFile(config.riskLimitsFile) : PAPER_RISK_LIMITS
  const logDir = resolveLogDir(config.tradeLogDir, { log: (message) => logger.info(message) }).dir
  mkdirSync(logDir, { recursive: true })
  let restored = await restoreState(logDir, config.markets)
  const { decider, description } = options.decider
    ? { decider: options.decider, description: `${options.decider.provider} (given)` }
    : chooseDecider(config, secrets, { fetch: options.fetch })

  let exchange: Exchange
  let now: () => number = Date.now
  let paper: PaperSession | undefined
  let remote: RemotePaperSession | undefined
  let streams: UpbitStreams | undefined
  const useStreams = config.streams === 'on'
  let beforeCycle: ((signal: AbortSignal) => Promise<boolean>) | undefined
  let where: string
  if (config.mode === 'paper') {
    if (config.markets.length !== 1) {
      throw new ConfigError(
        'configuration: setting "markets" must list one market in paper mode (the simulator replays one feed)',
        'markets',
      )
    }
    const market = config.markets[0]!
    const base = market.split('-')[1]!
    if (config.paperExchangeUrl) {
      remote = connectRemotePaper({
        baseUrl: config.paperExchangeUrl,
        ...remotePaperKeys(config.paperFeed, secrets),
        market,
        resumeAfter: restored.lastActivityAt,
        pollMs: config.orderPollMs,
        onWait: status,
        streams: useStreams,
      })
      streams = remote.streams
      exchange = remote.exchange
      now = remote.now
      beforeCycle = remote.beforeCycle
      where = `simulator at ${remote.baseUrl}, whose account outlives this process`
    } else {
      paper = await startPaperSession({
        market,
        feed: config.paperFeed,
        candleFile: config.candleFile,
        balances: {
          KRW: toDecimalString(toBig(config.paperKrw).plus(toBig(restored.quoteFlow))),
          [base]: restored.positions[market] ?? '0',
        },
        resumeAfter: restored.lastActivityAt,
        // Public prices from `upbitBaseUrl` when set (an Upbit stand-in); never an order: those stay simulated.
        ...(config.upbitBaseUrl
          ? { liveClient: createUpbitClient({ baseUrl: config.upbitBaseUrl, accessKey: undefined, secretKey: undefined }) }
          : {}),
        streams: useStreams,
      })
      streams = paper.streams
      exchange = paper.exchange
      now = paper.now
      beforeCycle = paper.beforeCycle
      where = `simulator ${paper.simulator.baseUrl}, prices from ${config.paperFeed === 'file' ? config.candleFile : 'Upbit live'}`
    }
  } else {
    const target = config.upbitBaseUrl ? { baseUrl: config.upbitBaseUrl } : {}
    const keys = { accessKey: secrets.upbitAccessKey, secretKey: secrets.upbitSecretKey }
    const client = createUpbitClient({ ...keys, ...target })
    // Same keys, same host (a stand-in's WebSocket when `upbitBaseUrl` is set); reconciliation asks through `client`.
    streams = useStreams
      ? createUpbitStreams({ ...keys, client, ...(config.upbitBaseUrl ? { url: streamUrlFor(config.upbitBaseUrl) } : {}) })
      : undefined
    exchange = createUpbitExchange(client, { streams, streamPrices: config.markets })
    where = `REAL MONEY on ${config.upbitBaseUrl ?? 'Upbit'}`
  }
  const streamReport = streams ? reportStreams(streams, logger) : undefined
  const closeExchange = async () => {
    streamReport?.stop()
    await remote?.close()
    await paper?.close()
    // The live streams (paper sessions close their own).
    if (!paper && !remote) await streams?.close()
  }
  const writer = config.tradeLogUrl
    ? sharedTradeLog(createTradeLogWriter({ dir: logDir, now: () => now() }), config.tradeLogUrl, logDir, logger)
    : createTradeLogWriter({ dir: logDir, now: () => now() })
  const log = createBotLog(writer)
  const journal = await openOrderJournal(logDir, { now: () => now() })
  const desk = createOrderDesk({
    exchange,
    journal,
    log,
    mode: config.mode,
    pollMs: config.orderPollMs,
    now: () => now(),
    logged: restored.logged,
  })

  let reconciliation: StartReconciliation
  try {
    // No order before the exchange has answered for every order the journal or the exchange knows of.
    reconciliation = await untilReachable(
      async () => {
        await remote?.sync()
        return reconcileAtStart(desk, now())
      },
      {
        retryable: isExchangeUnreachable,
        minDelayMs: Math.min(config.intervalMs, 1000),
        maxDelayMs: Math.max(config.intervalMs, 1000),
        signal: options.signal,
        onWait: (error, attempt, delayMs) =>
          status(
            `exchange unreachable at start-up (${(error as Error).message}): not trading until it has answered for every order; attempt ${attempt} failed, next in ${delayMs} ms`,
          ),
      },
    )
  } catch (error) {
    await journal.close().catch(() => {})
    await log.close().catch(() => {})
    await closeExchange().catch(() => {})
    throw error
  }
  // Fills logged just now (orders a crash hid) change the position and today's count: read the log again.
  if (reconciliation.settled.some((s) => s.fills.length > 0)) restored = await restoreState(logDir, config.markets)
  const state = restored.stateAt(now(), reconciliation.orders)
  const statsCheckpoint = createStatsCheckpoint({ dir: logDir, now, logger })

  banner(
    [
      `mode ${config.mode.toUpperCase()} (${where})`,
      `markets ${config.markets.join(', ')}, every ${config.intervalMs} ms, candles ${config.timeframes.join(' + ')} min`,
      `decider ${description}`,
      streams
        ? `orders settle from the myOrder stream (GET /order every ${config.orderPollMs} ms only while it is down)${paper && config.paperFeed === 'upbit' ? '' : '; prices from the candle stream'}`
        : `orders settle by polling GET /order every ${config.orderPollMs} ms (streams off)`,
      `trade log ${logDir} (restored ${restored.fills} fills, ${restored.decisions} decisions, ${restored.intents} journaled orders; ${state.ordersToday} orders today)`,
      ...reconciliation.settled.map(describeSettled),
      ...describeAccount(config.markets, reconciliation.accounts, restored.positions),
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
    desk,
    decider,
    limits,
    log,
    logger,
    state,
    now: () => now(),
    indicators: createIndicators(config.timeframes),
    ...(beforeCycle ? { beforeCycle } : {}),
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
    streams,
    reconciliation,
    async run() {
      try {
        return await bot.run()
      } finally {
        await statsCheckpoint.settled()
        await closeExchange()
      }
    },
  }
}

function remotePaperKeys(feed: BotConfig['paperFeed'], secrets: BotSecrets): { accessKey: string; secretKey: string } {
  if (feed !== 'file') {
    throw new ConfigError(
      'configuration: setting "paperFeed" must be "file" with "paperExchangeUrl" (the simulator there has its own prices)',
      'paperFeed',
    )
  }
  if (!secrets.paperAccessKey || !secrets.paperSecretKey) {
    throw new ConfigError(
      'configuration: setting "paperExchangeUrl" needs the simulator\'s keys in BOT_PAPER_ACCESS_KEY and BOT_PAPER_SECRET_KEY',
      'paperExchangeUrl',
    )
  }
  return { accessKey: secrets.paperAccessKey, secretKey: secrets.paperSecretKey }
}

/** One banner line per order settled at start-up: what a crash had hidden, and what the bot did about it. */
function describeSettled(settled: SettledOrder): string {
  const { identifier, outcome, order, fills } = settled
  const what = order ? `${order.side === 'bid' ? 'buy' : 'sell'} ${order.market}` : settled.meta.market
  const logged = fills.length > 0 ? `, ${fills.length} fill(s) logged now` : ''
  if (outcome === 'absent') return `recovered: order ${identifier} (${what}) never reached the exchange; not resent`
  if (outcome === 'cancelled') return `recovered: order ${identifier} (${what}) was still open: cancelled${logged}`
  return `recovered: order ${identifier} (${what}) ended ${order?.state} before this start${logged}`
}

/** The account the bot starts from, as the exchange reports it; a trade log that disagrees is pointed out. */
function describeAccount(
  markets: readonly string[],
  accounts: readonly ExchangeAccount[],
  logged: Record<string, string>,
): string[] {
  const held = (currency: string) => {
    const account = accounts.find((a) => a.currency === currency)
    return account ? toDecimalString(toBig(account.balance).plus(toBig(account.locked))) : '0'
  }
  const quotes = [...new Set(markets.map((m) => m.split('-')[0]!))]
  const lines = [
    `account on the exchange: ${markets.map((m) => `position ${held(m.split('-')[1]!)} ${m.split('-')[1]}`).join(', ')}; cash ${quotes.map((q) => `${held(q)} ${q}`).join(', ')}`,
  ]
  for (const market of markets) {
    const fromLog = logged[market] ?? '0'
    const onExchange = held(market.split('-')[1]!)
    if (!toBig(fromLog).eq(toBig(onExchange)))
      lines.push(
        `note: the trade log's fills add up to ${fromLog} for ${market}; the bot trades from the exchange's ${onExchange} (deposits, withdrawals or trades made elsewhere explain a difference)`,
      )
  }
  return lines
}
