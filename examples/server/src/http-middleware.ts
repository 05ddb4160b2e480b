import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ErrorRequestHandler, RequestHandler } from 'express'
import type { Logger } from 'pino'
import { BadRequestError, NotFoundError, ServerError } from './errors.js'
import type { Metrics } from './metrics.js'

/** Records every request in the latency histogram, labelled by route template (never the raw URL). */
export function measureRequests(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer()
    res.on('finish', () => {
      const route = req.route?.path === undefined ? 'unmatched' : `${req.baseUrl}${String(req.route.path)}`
      end({ method: req.method, route, status: String(res.statusCode) })
    })
    next()
  }
}

const SECURITY_HEADERS: readonly [string, string][] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  [
    'Content-Security-Policy',
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  ],
]

/** Conservative headers for every answer (Express and the cached-GET fast path): no sniffing, no framing, scripts only from this origin. */
export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value)
}

/** `setSecurityHeaders` as Express middleware. */
export function securityHeaders(): RequestHandler {
  return (_req, res, next) => {
    setSecurityHeaders(res)
    next()
  }
}

/**
 * Requests that carry a body must send JSON: anything else is a 415 that says so, before a route reads the body
 * (body-parser would skip it silently and the route would then see no body at all).
 */
export function requireJsonBody(): RequestHandler {
  return (req, _res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0
    if (hasBody && !req.is('application/json')) {
      return next(
        new ServerError('Unsupported request body: send Content-Type: application/json with a JSON body.', {
          status: 415,
          code: 'unsupported_media_type',
        }),
      )
    }
    next()
  }
}

export function notFound(): RequestHandler {
  return (req, _res, next) => next(new NotFoundError(`No route for ${req.method} ${req.path}: see the README for the API.`))
}

/** Errors that body-parser and express raise, mapped to messages we wrote (theirs can carry internals). */
const FRAMEWORK_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  'entity.too.large': { status: 413, code: 'payload_too_large', message: 'Request body is larger than the server accepts.' },
  'entity.parse.failed': { status: 400, code: 'bad_request', message: 'Request body is not valid JSON.' },
  'entity.verify.failed': { status: 400, code: 'bad_request', message: 'Request body failed verification.' },
  'encoding.unsupported': { status: 415, code: 'unsupported_media_type', message: 'Unsupported content encoding.' },
  'charset.unsupported': { status: 415, code: 'unsupported_media_type', message: 'Unsupported charset: send UTF-8.' },
  'request.aborted': { status: 400, code: 'bad_request', message: 'Request aborted by the client.' },
  'parameters.too.many': { status: 413, code: 'payload_too_large', message: 'Too many parameters.' },
}

/** Turns anything thrown into a `ServerError`; unknown errors become a bare 500 whose details stay in the log. */
export function toServerError(error: unknown): ServerError {
  if (error instanceof ServerError) return error
  const type = (error as { type?: unknown } | null)?.type
  const known = typeof type === 'string' ? FRAMEWORK_ERRORS[type] : undefined
  if (known) return new ServerError(known.message, { status: known.status, code: known.code })
  // Express's router could not decode a path parameter (`/api/payments/%ZZ`): the client's mistake, not ours.
  if (error instanceof URIError && (error as { status?: unknown }).status === 400) {
    return new BadRequestError('Malformed percent-encoding in the URL path: encode reserved characters as %XX.')
  }
  return new ServerError('Internal server error: the details are in the server log.', { status: 500, code: 'internal' })
}

/**
 * Writes `{ error: { code, message } }` for anything thrown, with plain node:http calls so Express's error handler and
 * the fast path answer byte for byte alike; stacks, paths and secrets never reach the client.
 */
export function writeError(req: IncomingMessage, res: ServerResponse, error: unknown, logger: Logger): void {
  const serverError = toServerError(error)
  if (serverError.status >= 500) {
    const path = (req.url ?? '/').split('?', 1)[0]
    logger.error(
      { err: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) },
      `${req.method} ${path} failed`,
    )
  }
  if (res.headersSent) {
    res.end()
    return
  }
  if (serverError.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="tradekit"')
  const body = Buffer.from(JSON.stringify(serverError.toJSON()))
  res.statusCode = serverError.status
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  res.setHeader('Content-Length', body.length)
  res.end(body)
}

/** The last middleware: `writeError`. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => writeError(req, res, error, logger)
}
