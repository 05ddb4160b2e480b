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

interface Window {
  count: number
  resetAt: number
}

/** Counts requests per client and answers 429 with `Retry-After` beyond the budget. Memory is bounded by sweeping. */
export function rateLimit(options: RateLimitOptions = {}, now: () => number = Date.now): RequestHandler {
  const windowMs = options.windowMs ?? 60_000
  const max = options.max ?? 600
  const keyOf = options.keyOf ?? ((req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown')
  const windows = new Map<string, Window>()
  let nextSweep = now() + windowMs

  return (req, res, next) => {
    const time = now()
    if (time >= nextSweep) {
      for (const [key, window] of windows) if (window.resetAt <= time) windows.delete(key)
      nextSweep = time + windowMs
    }
    const key = keyOf(req)
    let window = windows.get(key)
    if (!window || window.resetAt <= time) {
      window = { count: 0, resetAt: time + windowMs }
      windows.set(key, window)
    }
    window.count += 1
    const resetSeconds = Math.max(1, Math.ceil((window.resetAt - time) / 1000))
    res.setHeader('RateLimit-Limit', String(max))
    res.setHeader('RateLimit-Remaining', String(Math.max(0, max - window.count)))
    res.setHeader('RateLimit-Reset', String(resetSeconds))
    if (window.count > max) {
      res.setHeader('Retry-After', String(resetSeconds))
      return next(new RateLimitError(resetSeconds))
    }
    next()
  }
}
