/**
 * `pnpm demo`: the whole system offline in one command, no keys needed.
 *
 * Starts the Upbit simulator (inside the paper bot), a fake Electron Cash daemon, the example server with its
 * dashboard, and the bot in paper mode with the rule decider, replaying the bundled SYNTHETIC KRW-BTC history
 * one hourly candle per cycle. Ctrl-C stops everything and leaves the trade log in a known folder.
 *
 * Real services replace the offline parts when configured: UPBIT_ACCESS_KEY/UPBIT_SECRET_KEY (Upbit's live
 * prices; orders stay simulated), ANTHROPIC_API_KEY / OPENAI_API_KEY (model deciders, rules as the fallback),
 * ELECTRONCASH_URL (+ ELECTRONCASH_RPC_USER/PASSWORD) (a real wallet daemon for the payment endpoints).
 */
import { randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type FakeDaemon, startFakeDaemon } from '@tradekit/electroncash-rpc/testing'
import pino from 'pino'
import { startBot } from './app.js'
import { ConfigError, loadConfig } from './config.js'

/** What the demo uses of examples/server (loaded at run time, so the bot runs even without the server). */
interface ServerModule {
  startServer(options: Record<string, unknown>): Promise<{ url: string; close(): Promise<void> }>
}

const DEMO_LOGS = resolve(new URL('..', import.meta.url).pathname, 'logs')

export async function runDemo(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const say = (text: string) => process.stdout.write(`${text}\n`)
  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)
  // A relative TRADE_LOG_DIR is the caller's: pnpm runs scripts from the root but keeps the typed-in directory as INIT_CWD.
  const logDir = resolve(env['INIT_CWD'] ?? process.cwd(), env['TRADE_LOG_DIR'] || join(DEMO_LOGS, `demo-${stamp}`))
  const withUpbit = Boolean(env['UPBIT_ACCESS_KEY'] && env['UPBIT_SECRET_KEY'])
  const { config, secrets } = loadConfig({
    env,
    overrides: {
      mode: 'paper',
      tradeLogDir: logDir,
      intervalMs: Number(env['BOT_INTERVAL_MS'] || 200),
      paperFeed: withUpbit ? 'upbit' : 'file',
      logLevel: (env['LOG_LEVEL'] as 'warn' | undefined) || 'warn',
      ...(withUpbit ? { intervalMs: Number(env['BOT_INTERVAL_MS'] || 10_000) } : {}),
    },
  })
  const logger = pino({ level: config.logLevel })
  const parts: string[] = []
  const stops: (() => Promise<void>)[] = []

  // Electron Cash: the real daemon when ELECTRONCASH_URL is set, else the fake one on 127.0.0.1.
  let daemon: FakeDaemon | undefined
  let electronCash: { url: string; username?: string | undefined; password?: string | undefined }
  if (env['ELECTRONCASH_URL']) {
    electronCash = {
      url: env['ELECTRONCASH_URL'],
      username: env['ELECTRONCASH_RPC_USER'],
      password: env['ELECTRONCASH_RPC_PASSWORD'],
    }
    parts.push('Electron Cash  the REAL daemon at ELECTRONCASH_URL')
  } else {
    daemon = await startFakeDaemon()
    stops.push(() => daemon!.close())
    electronCash = { url: daemon.url, username: daemon.username, password: daemon.password }
    parts.push(`Electron Cash  fake daemon ${daemon.url} (in-memory wallet)`)
  }

  // The server and dashboard, reading the bot's trade log.
  const token = env['API_TOKEN'] || randomBytes(18).toString('base64url')
  let dashboard: string | undefined
  const server = await startDemoServer({ logDir, token, electronCash, port: Number(env['PORT'] || 8001) }, logger).catch(
    (error: Error) => {
      parts.push(`server         NOT STARTED: ${error.message}`)
      return undefined
    },
  )
  if (server) {
    stops.unshift(() => server.running.close())
    dashboard = `${server.running.url}/`
    parts.push(
      `server         ${server.running.url} (API and dashboard${server.payments ? ', BCH payments' : `; payments off: ${server.paymentsError}`})`,
    )
  }

  // The bot, paper trading on the Upbit simulator.
  const running = await startBot({ config, secrets, logger, onBanner: () => {}, onStatus: (line) => say(`  ${line}`) })
  const simulator = running.paper!.simulator
  parts.unshift(
    `Upbit          simulator ${simulator.baseUrl}, ${withUpbit ? "prices from Upbit's live public API (orders stay SIMULATED)" : 'replaying the bundled SYNTHETIC KRW-BTC history, one hourly candle per cycle'}`,
    `bot            paper mode, decider ${describeDecider(secrets)}, a cycle every ${config.intervalMs} ms`,
  )

  say('tradekit demo: everything below runs on this machine, offline, with no real money.')
  for (const part of parts) say(`  ${part}`)
  say(`  trade log      ${logDir}`)
  if (dashboard) say(`\n  Dashboard: ${dashboard}   (API token: ${token})`)
  say('\nCtrl-C stops everything cleanly.\n')

  let signalled = false
  const stop = (signal: NodeJS.Signals) => {
    if (signalled) return
    signalled = true
    say(`\n${signal}: stopping the bot, the server and the daemon...`)
    running.bot.stop(signal)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)

  const summary = await running.run()
  if (summary.stoppedBy === 'history-end' && !signalled) {
    say('The replayed history is finished; the dashboard stays up until Ctrl-C.')
    await new Promise<void>((resolveWait) => {
      process.once('SIGINT', () => resolveWait())
      process.once('SIGTERM', () => resolveWait())
    })
  }
  for (const close of stops) await close()
  // The signal handlers stay until exit: a terminal (and tsx) can deliver Ctrl-C twice, and a late one must not kill us.
  const files = readdirSync(logDir).filter((name) => name.endsWith('.jsonl'))
  say(`Stopped after ${summary.cycles} cycles. Trade log (${files.length} files): ${logDir}`)
  return 0
}

function describeDecider(secrets: { anthropicApiKey?: string; openaiApiKey?: string }): string {
  const models = [secrets.anthropicApiKey ? 'Claude (REAL API)' : '', secrets.openaiApiKey ? 'GPT (REAL API)' : ''].filter(
    Boolean,
  )
  return models.length === 0 ? 'rules (offline)' : `${models.join(' -> ')} -> rules (fallback chain)`
}

async function startDemoServer(
  options: { logDir: string; token: string; electronCash: Record<string, unknown>; port: number },
  logger: pino.Logger,
): Promise<{ running: Awaited<ReturnType<ServerModule['startServer']>>; payments: boolean; paymentsError?: string }> {
  const specifier = new URL('../../server/src/index.ts', import.meta.url).href
  const server = (await import(specifier)) as ServerModule
  const base = { logDir: options.logDir, auth: { token: options.token }, logger, healthIntervalMs: 2000 }
  const listen = async (extra: Record<string, unknown>) => {
    try {
      return await server.startServer({ ...base, ...extra, port: options.port })
    } catch (error) {
      // The usual port is taken: any free port will do for a demo.
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
      return server.startServer({ ...base, ...extra, port: 0 })
    }
  }
  try {
    // Invoices live beside the trade log, so everything the demo writes stays in one known folder.
    const storePath = join(options.logDir, 'payments', 'invoices.jsonl')
    return { running: await listen({ payments: { electronCash: options.electronCash, storePath } }), payments: true }
  } catch (error) {
    const running = await listen({})
    return { running, payments: false, paymentsError: (error as Error).message }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runDemo().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `demo failed: ${error instanceof ConfigError ? '' : `${(error as Error)?.name}: `}${(error as Error)?.message}\n`,
      )
      process.exit(error instanceof ConfigError ? 2 : 1)
    },
  )
}
