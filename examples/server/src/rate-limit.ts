import type { Request, RequestHandler } from 'express'
import { RateLimitError } from './errors.js'

/** Per-client request budget (fixed window). */
export interface RateLimitOptions {
  /** Window length in milliseconds. Default: `60_000`. */
  windowMs?: number
  /** Requests allowed per client per window. Default: `600`. */
  max?: number
  /** How a client is recognized. Default: the remote address (`req.ip`, which honours `trustProxy`). */
  keyOf?: (req: Request) => string
}

/** The outcome of counting one request. */
export interface RateDecision {
  limited: boolean
  limit: number
  remaining: number
  /** Seconds until the client's window resets. */
  resetSeconds: number
}

/** Counts requests per key in fixed windows; memory stays bounded because expired windows are swept. */
export interface RateCounter {
  hit(key: string): RateDecision
}

export function createRateCounter(
  options: Pick<RateLimitOptions, 'windowMs' | 'max'> = {},
  now: () => number = Date.now,
): RateCounter {
  const windowMs = options.windowMs ?? 60_000
  const max = options.max ?? 600
  const windows = new Map<string, { count: number; resetAt: number }>()
  let nextSweep = now() + windowMs
  return {
    hit(key) {
      const time = now()
      if (time >= nextSweep) {
        for (const [candidate, window] of windows) if (window.resetAt <= time) windows.delete(candidate)
        nextSweep = time + windowMs
      }
      let window = windows.get(key)
      if (!window || window.resetAt <= time) {
        window = { count: 0, resetAt: time + windowMs }
        windows.set(key, window)
      }
      window.count += 1
      return {
        limited: window.count > max,
        limit: max,
        remaining: Math.max(0, max - window.count),
        resetSeconds: Math.max(1, Math.ceil((window.resetAt - time) / 1000)),
      }
    },
  }
}

/** Express middleware over a `RateCounter`: `RateLimit-*` headers, and 429 with `Retry-After` beyond the budget. */
export function rateLimit(options: RateLimitOptions = {}, counter: RateCounter = createRateCounter(options)): RequestHandler {
  const keyOf = options.keyOf ?? ((req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown')
  return (req, res, next) => {
    const decision = counter.hit(keyOf(req))
    res.setHeader('RateLimit-Limit', String(decision.limit))
    res.setHeader('RateLimit-Remaining', String(decision.remaining))
    res.setHeader('RateLimit-Reset', String(decision.resetSeconds))
    if (decision.limited) {
      res.setHeader('Retry-After', String(decision.resetSeconds))
      return next(new RateLimitError(decision.resetSeconds))
    }
    next()
  }
}
