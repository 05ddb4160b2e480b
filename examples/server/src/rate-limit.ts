import type { IncomingMessage } from 'node:http'
import type { RequestHandler } from 'express'
import { rateLimit as expressRateLimit, ipKeyGenerator, MemoryStore, type Store } from 'express-rate-limit'
import { clientAddress, type TrustFunction } from './client-address.js'
import { RateLimitError } from './errors.js'
import { createRedisRateLimitStore } from './rate-limit-redis.js'

/** Per-client request budget (fixed window), counted by express-rate-limit. */
export interface RateLimitOptions {
  /** Window length in milliseconds. Default: `60_000`. */
  windowMs?: number
  /** Requests allowed per client per window. Default: `600`. */
  max?: number
  /**
   * How a client is recognized, for HTTP requests and WebSocket upgrades alike. Default: the client address that
   * `trustProxy` allows (IPv6 grouped by /56, as express-rate-limit does).
   */
  keyOf?: (req: IncomingMessage) => string
  /**
   * Where the counts live: any express-rate-limit `Store` (e.g. a Redis store, so several server processes share
   * one budget). Default: a `MemoryStore` in this process.
   */
  store?: Store
  /**
   * Redis shared by every server process (`RATE_LIMIT_REDIS_URL`): counts go to Redis through rate-limit-redis, so N
   * replicas behind a load balancer enforce one budget per client. Ignored when `store` is given. Default: none
   * (a `MemoryStore` in this process).
   */
  redisUrl?: string | undefined
}

/** The outcome of counting one WebSocket upgrade. */
export interface RateDecision {
  limited: boolean
  /** Seconds until the client's window resets. */
  resetSeconds: number
}

/** One budget per client, shared by HTTP requests and WebSocket upgrades so `/ws` cannot be used to guess tokens. */
export interface RateBudget {
  /** Express middleware: `RateLimit-*` headers, and a 429 with `Retry-After` beyond the budget. */
  middleware: RequestHandler
  /** Counts an upgrade against the same budget, keyed exactly as the HTTP requests of the same client. */
  hitUpgrade(req: IncomingMessage): Promise<RateDecision>
  /** Stops the store's timers (MemoryStore) or lets it release its connection. */
  close(): void
}

const secondsUntil = (resetTime: Date | undefined, now: number) =>
  resetTime === undefined ? 1 : Math.max(1, Math.ceil((resetTime.getTime() - now) / 1000))

/** `trust` is the compiled `trustProxy` setting: behind a proxy, both paths key on the forwarded client address. */
export function createRateBudget(options: RateLimitOptions = {}, trust: TrustFunction = () => false): RateBudget {
  const max = options.max ?? 600
  const store = options.store ?? (options.redisUrl ? createRedisRateLimitStore({ url: options.redisUrl }) : new MemoryStore())
  // One key function for both paths: an upgrade from a client costs the same budget as its HTTP requests.
  const keyOf = options.keyOf ?? ((req: IncomingMessage) => ipKeyGenerator(clientAddress(req, trust)))
  const middleware = expressRateLimit({
    windowMs: options.windowMs ?? 60_000,
    limit: max,
    store,
    standardHeaders: 'draft-6',
    legacyHeaders: false,
    keyGenerator: (req) => keyOf(req),
    // Our error handler writes the body, so a 429 looks like every other error of this API.
    handler: (req, _res, next) => {
      const info = (req as { rateLimit?: { resetTime?: Date } }).rateLimit
      next(new RateLimitError(secondsUntil(info?.resetTime, Date.now())))
    },
  })
  return {
    middleware,
    async hitUpgrade(req) {
      const { totalHits, resetTime } = await store.increment(keyOf(req))
      return { limited: totalHits > max, resetSeconds: secondsUntil(resetTime, Date.now()) }
    },
    close: () => void store.shutdown?.(),
  }
}
