import type { IncomingMessage, ServerResponse } from 'node:http'
import express, { type Express, Router } from 'express'
import pino, { type Logger } from 'pino'
import { type Authenticator, type AuthOptions, createAuthenticator } from './auth.js'
import { requireAuth } from './auth-middleware.js'
import { ALL_BOTS, BOT_ID, type BotOptions, type Bots, createBots, DEFAULT_BOT } from './bots.js'
import { buildCheckoutAssets, type CheckoutSocket, createCheckoutRouter, createCheckoutSocket } from './checkout.js'
import { compileTrustProxy, type TrustFunction, type TrustProxy } from './client-address.js'
import { type CorsOptions, corsAllowlist } from './cors.js'
import { type CursorCodec, createCursorCodec } from './cursor-codec.js'
import { buildDashboard, createDashboardRouter, type DashboardAssets } from './dashboard.js'
import { NotFoundError, ServerConfigError } from './errors.js'
import { cachedGetAnswers, createFastPath } from './fast-path.js'
import { botCheck, combineChecks, createHealth, type Health } from './health.js'
import { errorHandler, measureRequests, notFound, requireJsonBody, securityHeaders } from './http-middleware.js'
import { createLogStore, type LogStore } from './log-store.js'
import { createMetrics, type Metrics } from './metrics.js'
import { createPayments, type Payments, type PaymentsOptions } from './payments.js'
import { listQuerySchema } from './query.js'
import { createRateBudget, type RateBudget, type RateLimitOptions } from './rate-limit.js'
import { createBotsRouter } from './routes/bots-routes.js'
import { createHealthRouter } from './routes/health-routes.js'
import { createLogRouter } from './routes/log-routes.js'
import { createMetricsRouter } from './routes/metrics-routes.js'
import { createDaemonNotifyRouter, createPaymentRouter } from './routes/payment-routes.js'
import { createStatsRouter } from './routes/stats-routes.js'
import { createHub, type Hub, type HubOptions } from './ws-hub.js'

/** Everything the server can be told. Only `auth` is required: the API is never served without a token. */
export interface AppOptions {
  /** How clients authenticate (static token and/or JWT). Required. */
  auth: AuthOptions
  /** Trade-log directory. Default: trade-log's `resolveLogDir()` (`TRADE_LOG_DIR`, else `./logs`). Ignored with `bots`. */
  logDir?: string | undefined
  /**
   * Several bots, one log directory each (`?bot=<id>` in the API, a selector in the dashboard, `GET /api/bots` and
   * `?bot=all` for the combined view). Default: one bot, `default`, over `logDir`.
   */
  bots?: readonly BotOptions[] | undefined
  /** IANA time zone of the log's daily files and daily statistics. Default: `'UTC'`. */
  timeZone?: string
  /** All-time performance checkpoint file (for read-only log directories), or `false` for memory only. Default: `<logDir>/.trade-log-cache/`. */
  performanceCacheFile?: string | false | undefined
  /** Quote-currency cash before the bot's first fill, for `/api/portfolio`. Default: derived from the bot's equity log. */
  startingBalance?: string | undefined
  /** Bytes of serialized list pages kept for repeated queries (least recently used dropped first). Default: 32 MiB. */
  pageCacheBytes?: number
  /** Browser origins allowed to call the API (and to open /ws). Default: none. */
  cors?: CorsOptions
  /** Per-client request budget, or `false` to turn it off (benchmarks). Default: 600 requests per minute. */
  rateLimit?: RateLimitOptions | false
  /** Largest accepted request body. Default: `'16kb'`. */
  bodyLimit?: string
  /**
   * Which `X-Forwarded-For` hops to believe behind a reverse proxy: the number of proxies (`1` for one nginx) or
   * their addresses. `true` is refused (any client could pick its rate-limit key). Default: `false`.
   */
  trustProxy?: TrustProxy
  /** BCH payments through an Electron Cash daemon; omitted means `/api/payments` and `/api/wallet` answer 404. */
  payments?: PaymentsOptions | undefined
  /** WebSocket push settings. */
  ws?: HubOptions
  /** Serve the dashboard at `/`. Default: `true`. */
  dashboard?: boolean
  /** Key that signs page cursors, so they survive restarts. Default: a random key per process. */
  cursorSecret?: string | undefined
  /** A bot whose newest cycle is older than this is reported stale in /health. Default: `600_000`. */
  botStaleAfterMs?: number
  /** Serve `/metrics` without a token (for a scraper on a private network). Default: `false`. */
  publicMetrics?: boolean
  /** Compute the all-time statistics in the background at start so the first dashboard load is fast. Default: `true`. */
  warmStatistics?: boolean
  /** Poll interval for health changes pushed on /ws. Default: `5_000`. */
  healthIntervalMs?: number
  /** Structured logger. Default: pino at `info` to stdout, with the `authorization` header redacted. */
  logger?: Logger
}

/** The parts shared by the routers and the WebSocket hub; `createApp` builds them, custom apps can too. */
export interface Services {
  logger: Logger
  /** Signs page cursors (shared by every bot and the merged view). */
  cursors: CursorCodec
  /** The compiled `trustProxy` setting: Express's `req.ip` and the WebSocket upgrades' client key both use it. */
  trust: TrustFunction
  authenticator: Authenticator
  /** The per-client request budget shared by HTTP and WebSocket upgrades (undefined when turned off). */
  rateBudget: RateBudget | undefined
  metrics: Metrics
  hub: Hub
  /** The first bot's store (the only one without `bots`). */
  store: LogStore
  /** Every bot's store, by id. */
  bots: Bots
  payments: Payments | undefined
  /** Live status for checkout pages (`/checkout/<id>/ws`), when payments are configured. */
  checkout: CheckoutSocket | undefined
  health: Health
  dashboard: () => Promise<DashboardAssets>
  /**
   * Starts following the log and watching invoices; resolves once the first pass is done. Unless `warm` is false
   * (or `warmStatistics` is), it also starts reading the whole log in the background for the statistics.
   */
  start(options?: { warm?: boolean }): Promise<void>
  /** Reads the newest page of trades into the page cache, then the whole log for the statistics, in the background. */
  warm(): Promise<void>
  /** Stops everything started and closes WebSocket clients. */
  close(): Promise<void>
}

export function createLogger(): Logger {
  return pino({ level: process.env['LOG_LEVEL'] ?? 'info', redact: ['req.headers.authorization', '*.password', '*.token'] })
}

export function createServices(options: AppOptions): Services {
  const logger = options.logger ?? createLogger()
  const authenticator = createAuthenticator(options.auth)
  const trust = compileTrustProxy(options.trustProxy)
  const metrics = createMetrics()
  const rateBudget = options.rateLimit === false ? undefined : createRateBudget(options.rateLimit, trust)
  // One allowlist for the API and /ws: an origin allowed to call the API may open the socket too.
  const origins = [...(options.cors?.origins ?? []), ...(options.ws?.origins ?? [])]
  const hub = createHub({ authenticator, metrics, logger, rateBudget, options: { ...options.ws, origins } })
  const cursors = createCursorCodec(options.cursorSecret)
  const botList: readonly BotOptions[] = options.bots ?? [
    {
      id: DEFAULT_BOT,
      logDir: options.logDir as string,
      startingBalance: options.startingBalance,
      performanceCacheFile: options.performanceCacheFile,
    },
  ]
  const stores = new Map<string, LogStore>()
  for (const bot of botList) {
    if (!BOT_ID.test(bot.id) || bot.id === ALL_BOTS || stores.has(bot.id)) {
      throw new ServerConfigError(
        `Bot id "${bot.id.slice(0, 40)}" must be unique, lowercase letters, digits, - or _ (at most 32), and not "${ALL_BOTS}".`,
      )
    }
    stores.set(
      bot.id,
      createLogStore({
        logDir: bot.logDir,
        timeZone: options.timeZone ?? 'UTC',
        cursors,
        metrics,
        logger: options.bots ? logger.child({ bot: bot.id }) : logger,
        performanceCacheFile: bot.performanceCacheFile,
        pageCacheBytes: options.pageCacheBytes,
        startingBalance: bot.startingBalance,
      }),
    )
  }
  if (stores.size === 0) throw new ServerConfigError('bots is empty: give at least one { id, logDir }.')
  const bots = createBots(stores)
  const store = bots.store(undefined)
  const payments = options.payments ? createPayments(options.payments, { metrics, logger, hub }) : undefined
  const checkout = payments ? createCheckoutSocket(payments, { logger, rateBudget }) : undefined
  const staleAfterMs = options.botStaleAfterMs ?? 600_000
  const health = createHealth({
    logDir: () => combineChecks(bots, (bot) => bot.doctor()),
    electronCash: async () => (payments ? payments.check() : { status: 'disabled', summary: 'payments not configured' }),
    bot: () => combineChecks(bots, async (bot) => botCheck(await bot.lastCycle(), staleAfterMs, Date.now())),
  })
  let dashboardBuild: Promise<DashboardAssets> | undefined
  const dashboard = () => {
    dashboardBuild ??= buildDashboard().catch((error: unknown) => {
      dashboardBuild = undefined
      throw error
    })
    return dashboardBuild
  }

  let healthTimer: NodeJS.Timeout | undefined
  let lastHealth = ''
  async function pushHealth() {
    const report = await health.report()
    const fingerprint = JSON.stringify([
      report.status,
      report.checks?.logDir.status,
      // The verdict's text changes with the files (the dashboard's footer shows it): push it when it does.
      report.checks?.logDir.summary,
      report.checks?.electronCash.status,
      report.checks?.bot.status,
    ])
    if (fingerprint !== lastHealth) {
      lastHealth = fingerprint
      hub.broadcast('health', report)
    }
  }

  async function warm() {
    // The page a dashboard asks for first is read before the year, so it does not queue behind it.
    for (const [, bot] of bots.entries()) await bot.listJson('trades', listQuerySchema.parse({})).catch(() => undefined)
    for (const [, bot] of bots.entries()) bot.warm()
  }

  return {
    logger,
    trust,
    cursors,
    authenticator,
    rateBudget,
    metrics,
    hub,
    store,
    bots,
    payments,
    checkout,
    health,
    dashboard,
    warm,
    async start(startOptions = {}) {
      await Promise.all(
        bots
          .entries()
          .map(([id, bot]) =>
            bot.follow((kind, entry) =>
              hub.broadcast(
                kind === 'trades' ? 'trade' : kind === 'decisions' ? 'decision' : kind === 'errors' ? 'error' : kind,
                entry,
                id,
              ),
            ),
          ),
      )
      if ((startOptions.warm ?? true) && (options.warmStatistics ?? true)) void warm()
      await payments?.start()
      healthTimer = setInterval(() => void pushHealth().catch(() => undefined), options.healthIntervalMs ?? 5_000)
      healthTimer.unref()
    },
    async close() {
      clearInterval(healthTimer)
      rateBudget?.close()
      checkout?.close()
      await Promise.allSettled([...bots.entries().map(([, bot]) => bot.close()), payments?.close(), hub.close()])
    },
  }
}

function paymentsDisabled(): Router {
  const router = Router()
  router.all(['/payments', '/payments/:id', '/wallet'], () => {
    throw new NotFoundError('Payments are not configured on this server: set ELECTRONCASH_URL (see the README).')
  })
  return router
}

/** The API routers (`/api/...` when mounted at `/api`), with the bearer-token check in front. */
export function createApiRouter(services: Services, options: Pick<AppOptions, 'bodyLimit'> = {}): Router {
  const router = Router()
  router.use(requireAuth(services.authenticator))
  // Bodies are parsed only after authentication, and never beyond the size limit. Reads (almost every request)
  // skip the parser altogether.
  const json = express.json({ limit: options.bodyLimit ?? '16kb', strict: true })
  const jsonOnly = requireJsonBody()
  router.use((req, res, next) =>
    req.method === 'GET' || req.method === 'HEAD'
      ? next()
      : jsonOnly(req, res, (error) => (error ? next(error) : json(req, res, next))),
  )
  router.use(createBotsRouter(services.bots))
  router.use(createLogRouter(services.bots, services.cursors))
  router.use(createStatsRouter(services.bots))
  router.use(services.payments ? createPaymentRouter(services.payments) : paymentsDisabled())
  return router
}

export type App = Express & {
  /** Shared pieces: the hub for `server.on('upgrade')`, the store, payments, health. */
  services: Services
  /** Stops background work and closes WebSocket clients (the HTTP server is yours to close). */
  close(): Promise<void>
  /**
   * Answers a cached GET (`/api/trades`, `/api/performance`, ... see `cachedGetAnswers`) ahead of Express, through the
   * same gates; returns false, having touched nothing, for any other request. `startServer` puts it in front:
   * `createServer((req, res) => app.serveCached(req, res) || app(req, res))`.
   */
  serveCached(req: IncomingMessage, res: ServerResponse): boolean
}

/**
 * The whole server as an Express app: API, health, metrics, dashboard. Call `app.services.start()` to begin
 * following the log (`startServer` does it, and wires `/ws`).
 */
export function createApp(options: AppOptions): App {
  const services = createServices(options)
  const { authenticator } = services
  const app = express()
  app.disable('x-powered-by')
  app.set('trust proxy', services.trust)
  app.set('json spaces', 0)
  // API bodies change with every append and a page is ~40 kB: hashing each for an ETag costs more than it saves.
  app.set('etag', false)
  app.use(measureRequests(services.metrics))
  app.use(securityHeaders())
  const cors = corsAllowlist(options.cors)
  app.use(cors)
  if (services.rateBudget) app.use(services.rateBudget.middleware)
  // The API first: it is what most requests hit, and the other routers do not share its paths.
  app.use('/api', createApiRouter(services, options))
  app.use(createHealthRouter(services.health, authenticator))
  app.use(createMetricsRouter(services.metrics, options.publicMetrics ? undefined : authenticator))
  if (services.payments) {
    let checkoutAssets: Promise<Awaited<ReturnType<typeof buildCheckoutAssets>>> | undefined
    const assets = () => {
      checkoutAssets ??= buildCheckoutAssets().catch((error: unknown) => {
        checkoutAssets = undefined
        throw error
      })
      return checkoutAssets
    }
    app.use(createCheckoutRouter(services.payments, assets))
    if (options.payments?.notifyUrl) app.use(createDaemonNotifyRouter(services.payments, options.payments.notifyUrl))
  }
  if (options.dashboard ?? true) app.use(createDashboardRouter(services.dashboard))
  app.use(notFound())
  app.use(errorHandler(services.logger))
  // The same gate instances as above: one CORS list, one rate budget per client, one authenticator.
  const serveCached = createFastPath(
    { metrics: services.metrics, logger: services.logger, cors, rateLimit: services.rateBudget?.middleware, authenticator },
    cachedGetAnswers(services.bots, services.cursors),
  )
  return Object.assign(app, { services, close: () => services.close(), serveCached })
}
