import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestHandler } from 'express'
import type { Logger } from 'pino'
import type { Authenticator } from './auth.js'
import type { Bots } from './bots.js'
import type { CursorCodec } from './cursor-codec.js'
import { setSecurityHeaders, writeError } from './http-middleware.js'
import type { Metrics } from './metrics.js'
import { createListAnswer, LOG_ROUTE_KINDS } from './routes/log-routes.js'
import { createPerformanceAnswer } from './routes/stats-routes.js'

/** The JSON bytes a cached GET answers with, for the request's URL. */
type Answer = (req: Pick<IncomingMessage, 'url'>) => Promise<Buffer>

/** The gates every API request passes, as Express runs them: the fast path runs the same functions, in the same order. */
export interface Gates {
  metrics: Metrics
  logger: Logger
  /** The CORS middleware instance Express uses. */
  cors: RequestHandler
  /** The rate-limit middleware instance Express uses (one budget per client for both paths), if turned on. */
  rateLimit: RequestHandler | undefined
  authenticator: Authenticator
}

/**
 * The GETs served ahead of Express, by exact path: the answers that come from a cache (pages, the performance
 * report), where Express's router and response helpers were most of the cost. The source of truth for the tests.
 */
export function cachedGetAnswers(bots: Bots, cursors: CursorCodec): ReadonlyMap<string, Answer> {
  const list = createListAnswer(bots, cursors)
  const performance = createPerformanceAnswer(bots)
  return new Map<string, Answer>([
    ...Object.entries(LOG_ROUTE_KINDS).map(([path, kind]): [string, Answer] => [`/api${path}`, (req) => list(kind, req)]),
    ['/api/performance', performance],
  ])
}

/** Runs Express middleware on a plain request: resolves on `next()`, rejects on `next(error)`. */
function pass(gate: RequestHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const next = (error?: unknown) => (error === undefined || error === null ? resolve() : reject(error))
    // The middleware only reads headers, method and URL and writes headers, which plain node objects have.
    ;(gate as unknown as (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => unknown)(req, res, next)
  })
}

/**
 * A node:http handler for the cached GETs that runs the same gates as Express (security headers, CORS, the shared rate
 * budget, the bearer token), then writes the cached bytes. Returns false, having touched nothing, for any other
 * request, which then goes to Express. Errors are written by the same `writeError` as Express's error handler.
 */
export function createFastPath(gates: Gates, answers: ReadonlyMap<string, Answer>) {
  const { metrics, logger, cors, rateLimit, authenticator } = gates

  async function serve(req: IncomingMessage, res: ServerResponse, path: string, answer: Answer) {
    const end = metrics.httpDuration.startTimer()
    // As Express labels it: the route once it matched, "unmatched" for a request refused before it.
    let route = 'unmatched'
    res.once('finish', () => end({ method: 'GET', route, status: String(res.statusCode) }))
    try {
      setSecurityHeaders(res)
      await pass(cors, req, res)
      if (rateLimit) await pass(rateLimit, req, res)
      authenticator.verify(req.headers.authorization)
      route = path
      const body = await answer(req)
      res.statusCode = 200
      res.setHeader('Content-Type', 'application/json; charset=utf-8')
      res.setHeader('Content-Length', body.length)
      res.end(body)
    } catch (error) {
      writeError(req, res, error, logger)
    }
  }

  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET') return false
    const url = req.url ?? ''
    const at = url.indexOf('?')
    const path = at === -1 ? url : url.slice(0, at)
    const answer = answers.get(path)
    if (answer === undefined) return false
    // writeError does not throw; should it ever, the connection is dropped rather than the process.
    serve(req, res, path, answer).catch(() => res.destroy())
    return true
  }
}
