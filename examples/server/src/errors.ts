/**
 * Every error the server answers with extends `ServerError`: it carries the HTTP status and a stable `code`,
 * and its message is written for the client (no stack, no file path, no secret ever goes into it).
 */
export class ServerError extends Error {
  override name = 'ServerError'
  /** Stable machine-readable code, e.g. `'bad_request'`, `'unauthorized'`. */
  readonly code: string
  /** HTTP status the error handler answers with. */
  readonly status: number
  /** Extra fields for the response body (e.g. the health reason of a 503). */
  readonly details: Record<string, unknown> | undefined

  constructor(
    message: string,
    options: { code?: string; status?: number; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code ?? 'internal'
    this.status = options.status ?? 500
    this.details = options.details
  }

  /** The response body: what failed and what to do next, nothing else. */
  toJSON(): { error: Record<string, unknown> } {
    return { error: { code: this.code, message: this.message, ...this.details } }
  }
}

/** A query, body or path parameter that failed validation (400). */
export class BadRequestError extends ServerError {
  override name = 'BadRequestError' as const
  constructor(message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, { ...options, code: 'bad_request', status: 400 })
  }
}

/** No credentials, or credentials that do not verify (401). */
export class UnauthorizedError extends ServerError {
  override name = 'UnauthorizedError' as const
  constructor(message: string) {
    super(message, { code: 'unauthorized', status: 401 })
  }
}

/** Unknown route or resource (404). */
export class NotFoundError extends ServerError {
  override name = 'NotFoundError' as const
  constructor(message: string) {
    super(message, { code: 'not_found', status: 404 })
  }
}

/** Too many requests from one client (429). */
export class RateLimitError extends ServerError {
  override name = 'RateLimitError' as const
  /** Seconds until the client may try again. */
  readonly retryAfterSeconds: number
  constructor(retryAfterSeconds: number) {
    super(`Too many requests: retry after ${retryAfterSeconds} s.`, { code: 'rate_limited', status: 429 })
    this.retryAfterSeconds = retryAfterSeconds
  }
}

/** A dependency (the Electron Cash daemon, the log directory) cannot serve the request now (503). */
export class UnavailableError extends ServerError {
  override name = 'UnavailableError' as const
  constructor(message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, { ...options, code: 'unavailable', status: 503 })
  }
}

/** Server options that cannot work (thrown at start-up, never from a request). */
export class ServerConfigError extends ServerError {
  override name = 'ServerConfigError' as const
  constructor(message: string) {
    super(message, { code: 'config', status: 500 })
  }
}
