export type * from './api-types.js'
export { type App, type AppOptions, createApiRouter, createApp, createLogger, createServices, type Services } from './app.js'
export { type Authenticator, type AuthOptions, createAuthenticator, type Principal } from './auth.js'
export { requireAuth } from './auth-middleware.js'
export { ALL_BOTS, type BotOptions, type Bots, createBots, DEFAULT_BOT } from './bots.js'
export { bucketStart, CANDLE_INTERVALS, type CandleInterval, pickInterval } from './candle-buckets.js'
export { clientAddress, compileTrustProxy, type TrustFunction, type TrustProxy } from './client-address.js'
export { type CorsOptions, corsAllowlist } from './cors.js'
export { buildDashboard, createDashboardRouter } from './dashboard.js'
export {
  BadRequestError,
  NotFoundError,
  RateLimitError,
  ServerConfigError,
  ServerError,
  UnauthorizedError,
  UnavailableError,
} from './errors.js'
export { errorHandler, notFound, securityHeaders } from './http-middleware.js'
export type { PaymentsOptions } from './payments.js'
export { createRateBudget, type RateBudget, type RateDecision, type RateLimitOptions } from './rate-limit.js'
export { createBotsRouter } from './routes/bots-routes.js'
export { createHealthRouter } from './routes/health-routes.js'
export { createLogRouter } from './routes/log-routes.js'
export { createMetricsRouter } from './routes/metrics-routes.js'
export { createPaymentRouter } from './routes/payment-routes.js'
export { createStatsRouter } from './routes/stats-routes.js'
export { type RunningServer, type StartOptions, startServer } from './server.js'
export { SIGNATURE_HEADER, signWebhook, verifyWebhook } from './webhook.js'
export { type Hub, type HubMessage, type HubOptions, WS_PROTOCOL } from './ws-hub.js'
