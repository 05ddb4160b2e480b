import type { RequestHandler } from 'express'
import { ServerError } from './errors.js'

/** Cross-origin access. Nothing is allowed unless listed: the old API's CORS errors were "fixed" with `*`. */
export interface CorsOptions {
  /** Exact origins allowed to call the API from a browser, e.g. `https://dash.example.com`. Default: `[]`. */
  origins?: readonly string[]
}

const ALLOWED_HEADERS = 'Authorization, Content-Type'
const ALLOWED_METHODS = 'GET, POST, OPTIONS'

/** Answers preflights and sets `Access-Control-*` headers for allowlisted origins only. */
export function corsAllowlist(options: CorsOptions = {}): RequestHandler {
  const allowed = new Set(options.origins ?? [])
  return (req, res, next) => {
    const origin = req.headers.origin
    if (origin === undefined) return next()
    res.vary('Origin')
    const isAllowed = allowed.has(origin)
    if (isAllowed) {
      res.setHeader('Access-Control-Allow-Origin', origin)
      res.setHeader('Access-Control-Expose-Headers', 'RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After')
    }
    if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) return next()
    if (!isAllowed) {
      return next(new ServerError('Origin not allowed: add it to cors.origins (CORS_ORIGINS).', { code: 'cors', status: 403 }))
    }
    res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS)
    res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS)
    res.setHeader('Access-Control-Max-Age', '600')
    res.status(204).end()
  }
}
