import cors from 'cors'
import type { RequestHandler } from 'express'
import { ServerError } from './errors.js'

/** Cross-origin access. Nothing is allowed unless listed: the old API's CORS errors were "fixed" with `*`. */
export interface CorsOptions {
  /** Exact origins allowed to call the API from a browser, e.g. `https://dash.example.com`. Default: `[]`. */
  origins?: readonly string[]
}

/**
 * The `cors` middleware with an exact allowlist. A preflight from an origin not on the list is refused with a 403
 * that says how to allow it, rather than a silent 204 the browser then rejects without explanation.
 */
export function corsAllowlist(options: CorsOptions = {}): RequestHandler {
  const allowed = new Set(options.origins ?? [])
  const allowlisted = cors({
    origin: [...allowed],
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    exposedHeaders: ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After'],
    maxAge: 600,
  })
  return (req, res, next) => {
    const origin = req.headers.origin
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined
    if (preflight && (origin === undefined || !allowed.has(origin))) {
      return next(new ServerError('Origin not allowed: add it to cors.origins (CORS_ORIGINS).', { code: 'cors', status: 403 }))
    }
    allowlisted(req, res, next)
  }
}
