import type { Request, RequestHandler } from 'express'
import { rateLimit as expressRateLimit, ipKeyGenerator, MemoryStore } from 'express-rate-limit'
import { RateLimitError } from './errors.js'

/** Per-client request budget (fixed window), counted by express-rate-limit. */
export interface RateLimitOptions {
  /** Window length in milliseconds. Default: `60_000`. */
  windowMs?: number
  /** Requests allowed per client per window. Default: `600`. */
  max?: number
  /** How a client is recognized. Default: express-rate-limit's key, the address from `req.ip` (honours `trustProxy`). */
  keyOf?: (req: Request) => string
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
  /** Counts an upgrade from a socket's remote address against the same budget. */
  hitUpgrade(remoteAddress: string | undefined): Promise<RateDecision>
  /** Stops the store's cleanup timer. */
  close(): void
}

const secondsUntil = (resetTime: Date | undefined, now: number) =>
  resetTime === undefined ? 1 : Math.max(1, Math.ceil((resetTime.getTime() - now) / 1000))

export function createRateBudget(options: RateLimitOptions = {}): RateBudget {
  const max = options.max ?? 600
  const store = new MemoryStore()
  const middleware = expressRateLimit({
    windowMs: options.windowMs ?? 60_000,
    limit: max,
    store,
    standardHeaders: 'draft-6',
    legacyHeaders: false,
    ...(options.keyOf ? { keyGenerator: options.keyOf } : {}),
    // Our error handler writes the body, so a 429 looks like every other error of this API.
    handler: (req, _res, next) => {
      const info = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit
      next(new RateLimitError(secondsUntil(info?.resetTime, Date.now())))
    },
  })
  return {
    middleware,
    async hitUpgrade(remoteAddress) {
      // The same key express-rate-limit derives from an address (IPv6 grouped by /56).
      const { totalHits, resetTime } = await store.increment(ipKeyGenerator(remoteAddress ?? 'unknown'))
      return { limited: totalHits > max, resetSeconds: secondsUntil(resetTime, Date.now()) }
    },
    close: () => store.shutdown(),
  }
}
