/** Every error this package throws extends `UpbitError` and carries a stable `code`. */
export class UpbitError extends Error {
  override name = 'UpbitError'
  /** Stable machine-readable code, e.g. `'decimal'`, `'rate_limit'`, `'auth'`. */
  readonly code: string

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code ?? 'upbit'
  }

  /** A plain object safe to log: never includes keys, tokens or request headers. */
  toJSON(): Record<string, unknown> {
    const cause = this.cause
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(cause instanceof Error
        ? { cause: cause instanceof UpbitError ? cause.toJSON() : { name: cause.name, message: cause.message } }
        : {}),
    }
  }
}

/** A value that is not an exact decimal number (Upbit amounts are decimal strings; floats lose precision). */
export class UpbitDecimalError extends UpbitError {
  override name = 'UpbitDecimalError' as const
  /** The rejected input. */
  readonly value: unknown
  /** The client method whose parameter was rejected, when the amount gate rejected it. */
  readonly method: string | undefined
  /** The rejected parameter, e.g. `'newVolume'`. */
  readonly field: string | undefined

  constructor(message: string, options: { value: unknown; cause?: unknown; method?: string; field?: string }) {
    super(`Invalid decimal: ${message}.`, { code: 'decimal', cause: options.cause })
    this.value = options.value
    this.method = options.method
    this.field = options.field
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), method: this.method, field: this.field }
  }
}

/** The live `Remaining-Req` state Upbit sent with a response: `group=default; min=1800; sec=29`. */
export interface RemainingReq {
  /** Rate-limit group name as Upbit spells it. */
  group: string
  /** Requests left in the current second. */
  sec: number
  /** Deprecated by Upbit (a fixed value); kept only for display. */
  min?: number
}

/** Where a request went: method and URL without credentials (the URL never carries any; tokens live in headers). */
export interface RequestTarget {
  method: string
  url: string
}

export interface ApiErrorInit extends RequestTarget {
  status: number
  errorName: string | number | undefined
  upbitMessage: string
  remaining?: RemainingReq | undefined
  cause?: unknown
}

/** What a caller should do next, per error family, appended to messages. */
const NEXT_STEP: Record<string, string> = {
  auth: 'Check the access/secret key pair, the key expiry, its permissions and the IP allowlist on upbit.com.',
  validation: 'Fix the parameters (tick size, minimum total, order type rules) before sending again.',
  insufficient_funds: 'Lower the amount or free locked balance (a market buy also needs the fee on top).',
  not_found: 'Check the uuid/identifier and market.',
  rate_limit: 'Slow down: the client backs off automatically; lower concurrency if this persists.',
  ban: 'Stop sending to this group until the ban ends; repeated violations lengthen it.',
  server: 'Upbit failed or is under maintenance; retry later (orders are reconciled by identifier).',
  api: 'See the Upbit error name in the documentation.',
}

/** An error response from Upbit: HTTP status, Upbit's error `name` (a string, or a number on some quotation errors). */
export class UpbitApiError extends UpbitError {
  override name: string = 'UpbitApiError'
  /** HTTP status code. */
  readonly status: number
  /** Upbit's error name, e.g. `'invalid_query_payload'`, or a number such as `404`; undefined for non-JSON bodies. */
  readonly errorName: string | number | undefined
  /** Upbit's message text (Korean on KR hosts), or the plain-text body. */
  readonly upbitMessage: string
  /** The `Remaining-Req` header of the failed response, if any. */
  readonly remaining: RemainingReq | undefined
  readonly method: string
  readonly url: string

  /** The `code` of this class's instances; each subclass sets its own. */
  static readonly errorCode: string = 'api'

  constructor(init: ApiErrorInit, code = (new.target as typeof UpbitApiError).errorCode) {
    const label = init.errorName === undefined ? '' : ` ${init.errorName}`
    super(
      `Upbit ${init.method} ${init.url} failed: ${init.status}${label}: ${init.upbitMessage || '(empty body)'}. ${NEXT_STEP[code] ?? NEXT_STEP.api}`,
      { code, cause: init.cause },
    )
    this.status = init.status
    this.errorName = init.errorName
    this.upbitMessage = init.upbitMessage
    this.remaining = init.remaining
    this.method = init.method
    this.url = init.url
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      status: this.status,
      errorName: this.errorName,
      method: this.method,
      url: this.url,
      ...(this.remaining ? { remaining: this.remaining } : {}),
    }
  }
}

/** 401/403: bad signature or hash, expired or unknown key, reused nonce, IP not allow-listed, missing permission. */
export class UpbitAuthError extends UpbitApiError {
  static override readonly errorCode = 'auth'
  override name = 'UpbitAuthError' as const
}

/** 400: parameters Upbit rejected (off-tick price, under the minimum total, bad order type combination, ...). */
export class UpbitValidationError extends UpbitApiError {
  static override readonly errorCode = 'validation'
  override name = 'UpbitValidationError' as const
}

/** 400 `insufficient_funds_bid` / `insufficient_funds_ask`. */
export class UpbitInsufficientFundsError extends UpbitApiError {
  static override readonly errorCode = 'insufficient_funds'
  override name = 'UpbitInsufficientFundsError' as const
}

/** 404: order, address or record not found. */
export class UpbitNotFoundError extends UpbitApiError {
  static override readonly errorCode = 'not_found'
  override name = 'UpbitNotFoundError' as const
}

/** 429 after the client's bounded back-off ran out. The body may be plain text (`Too many API requests.`). */
export class UpbitRateLimitError extends UpbitApiError {
  override name = 'UpbitRateLimitError' as const
  /** The client's rate-limit group the call belonged to. */
  readonly group: string
  static override readonly errorCode = 'rate_limit'
  constructor(init: ApiErrorInit & { group: string }) {
    super(init)
    this.group = init.group
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), group: this.group }
  }
}

/** 418: Upbit blocked the IP or account. The group stays stopped until `bannedUntil`. */
export class UpbitBanError extends UpbitApiError {
  override name = 'UpbitBanError' as const
  readonly group: string
  /** Ban length in milliseconds as Upbit stated it (Retry-After or the body); undefined when it did not say. */
  readonly banMs: number | undefined
  /** Epoch milliseconds when the client will let this group send again. */
  readonly bannedUntil: number
  static override readonly errorCode = 'ban'
  constructor(init: ApiErrorInit & { group: string; banMs: number | undefined; bannedUntil: number }) {
    super(init)
    this.group = init.group
    this.banMs = init.banMs
    this.bannedUntil = init.bannedUntil
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), group: this.group, banMs: this.banMs, bannedUntil: this.bannedUntil }
  }
}

/** 5xx: Upbit failed or is under maintenance. A create-order that got this is reconciled by identifier. */
export class UpbitServerError extends UpbitApiError {
  static override readonly errorCode = 'server'
  override name = 'UpbitServerError' as const
}

/** The request could not be sent or the connection broke before a response (reset, refused, DNS). */
export class UpbitConnectionError extends UpbitError {
  override name = 'UpbitConnectionError' as const
  readonly method: string
  readonly url: string
  constructor(target: RequestTarget, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    super(
      `Upbit ${target.method} ${target.url}: connection failed (${reason}). Check the network; the request may or may not have reached Upbit.`,
      { code: 'connection', cause },
    )
    this.method = target.method
    this.url = target.url
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), method: this.method, url: this.url }
  }
}

/** No response within `timeoutMs`. The request may have reached Upbit. */
export class UpbitTimeoutError extends UpbitError {
  override name = 'UpbitTimeoutError' as const
  readonly method: string
  readonly url: string
  readonly timeoutMs: number
  constructor(target: RequestTarget & { timeoutMs: number }, cause?: unknown) {
    super(
      `Upbit ${target.method} ${target.url}: no response within ${target.timeoutMs} ms. Raise timeoutMs or check the network; the request may have reached Upbit.`,
      { code: 'timeout', cause },
    )
    this.method = target.method
    this.url = target.url
    this.timeoutMs = target.timeoutMs
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), method: this.method, url: this.url, timeoutMs: this.timeoutMs }
  }
}

/** A response that does not match the documented shape (zod validation failed). */
export class UpbitResponseError extends UpbitError {
  override name = 'UpbitResponseError' as const
  readonly url: string
  constructor(url: string, detail: string, cause?: unknown) {
    super(`Upbit ${url} returned an unexpected response: ${detail}. Update the client or report the change.`, {
      code: 'response',
      cause,
    })
    this.url = url
  }
}

/** A check made before sending failed (tick size, minimum total, missing keys, bad parameter combination). */
export class UpbitRequestError extends UpbitError {
  override name = 'UpbitRequestError' as const
  constructor(message: string, code = 'request') {
    super(message, { code })
  }
}

/** A create-order whose outcome could not be determined even after looking it up by identifier. */
export class UpbitOrderUnknownError extends UpbitError {
  override name = 'UpbitOrderUnknownError' as const
  /** The identifier to look the order up by later. */
  readonly identifier: string
  constructor(identifier: string, cause: unknown) {
    super(
      `Order "${identifier}" may or may not exist: Upbit could not be asked. Look it up with getOrder({ identifier }) before placing it again.`,
      { code: 'order_unknown', cause },
    )
    this.identifier = identifier
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), identifier: this.identifier }
  }
}

/** An error frame on a WebSocket stream (`{"error":{"name","message"}}`), or a stream the client had to end. */
export class UpbitStreamError extends UpbitError {
  override name: string = 'UpbitStreamError'
  /** Upbit's error name, e.g. `'WRONG_FORMAT'`; undefined for errors raised by the client itself. */
  readonly errorName: string | undefined
  /** The stream URL (never carries credentials: the JWT travels in the upgrade's Authorization header). */
  readonly url: string
  constructor(init: { url: string; errorName?: string | undefined; message: string; code?: string; cause?: unknown }) {
    super(init.message, { code: init.code ?? 'stream', cause: init.cause })
    this.errorName = init.errorName
    this.url = init.url
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), errorName: this.errorName, url: this.url }
  }
}

/** `INVALID_AUTH` on a private stream: the key pair, its permissions or the IP allowlist. Not retried. */
export class UpbitStreamAuthError extends UpbitStreamError {
  override name = 'UpbitStreamAuthError' as const
}

/** `WRONG_FORMAT`, `NO_TICKET`, `NO_TYPE`, `NO_CODES`, `INVALID_PARAM`: Upbit refused the subscription request. */
export class UpbitStreamRequestError extends UpbitStreamError {
  override name = 'UpbitStreamRequestError' as const
}

/** A slow consumer let an iterator's buffer fill on a stream whose policy is to fail rather than drop (myOrder, myAsset). */
export class UpbitStreamOverflowError extends UpbitStreamError {
  override name = 'UpbitStreamOverflowError' as const
}

const UPBIT_ERROR_NAMES = new Set<string>([
  'UpbitError',
  'UpbitDecimalError',
  'UpbitApiError',
  'UpbitAuthError',
  'UpbitValidationError',
  'UpbitInsufficientFundsError',
  'UpbitNotFoundError',
  'UpbitRateLimitError',
  'UpbitBanError',
  'UpbitServerError',
  'UpbitConnectionError',
  'UpbitTimeoutError',
  'UpbitResponseError',
  'UpbitRequestError',
  'UpbitOrderUnknownError',
  'UpbitStreamError',
  'UpbitStreamAuthError',
  'UpbitStreamRequestError',
  'UpbitStreamOverflowError',
])

/** True for any error thrown by this package, even across duplicated copies of it (checks `name` too). */
export function isUpbitError(error: unknown): error is UpbitError {
  return (
    error instanceof UpbitError ||
    (error instanceof Error && UPBIT_ERROR_NAMES.has(error.name) && typeof (error as { code?: unknown }).code === 'string')
  )
}

/** The names `isUpbitError` recognises (exported for tests that keep the set in sync). */
export const upbitErrorNames: ReadonlySet<string> = UPBIT_ERROR_NAMES
