/** Every error this package throws extends `DeciderError`; provider errors carry the HTTP detail. */
export class DeciderError extends Error {
  override name = 'DeciderError'
  /** Stable machine-readable code, e.g. `'schema'`, `'rate_limit'`, `'timeout'`. */
  readonly code: string
  /** Which provider failed: `'anthropic'`, `'openai'`, `'rules'`, ... when known. */
  readonly provider: string | undefined
  /** HTTP status of the provider's answer, when there was one. */
  readonly status: number | undefined
  /** The provider's error type, e.g. `'overloaded_error'` or `'insufficient_quota'`. */
  readonly type: string | undefined
  /** The provider's request id (`request-id` / `x-request-id`), for support tickets. */
  readonly requestId: string | undefined
  /** False when the provider said not to retry (`x-should-retry: false`); otherwise the code decides. */
  readonly retryable: boolean | undefined

  constructor(
    message: string,
    options: {
      code?: string
      cause?: unknown
      provider?: string
      status?: number
      type?: string
      requestId?: string
      retryable?: boolean
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code ?? 'decider'
    this.provider = options.provider
    this.status = options.status
    this.type = options.type
    this.requestId = options.requestId
    this.retryable = options.retryable
  }

  /** A plain object safe to log and to keep in audit records: never includes API keys or headers. */
  toJSON(): Record<string, unknown> {
    const cause = this.cause
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      provider: this.provider,
      status: this.status,
      type: this.type,
      requestId: this.requestId,
      ...(cause instanceof Error
        ? { cause: cause instanceof DeciderError ? cause.toJSON() : { name: cause.name, message: cause.message } }
        : {}),
    }
  }
}

/** A model answer that is not a valid decision (bad JSON, missing fields, values out of range). */
export class DecisionSchemaError extends DeciderError {
  override name = 'DecisionSchemaError' as const
  /** Each problem as `path: message`, e.g. `confidence: must be at most 1`. */
  readonly issues: readonly string[]

  constructor(message: string, options: { issues: readonly string[]; provider?: string; cause?: unknown }) {
    super(message, { ...options, code: 'schema' })
    this.issues = options.issues
  }
}

/** Fields every provider (HTTP) error carries, besides the message. */
export interface ProviderErrorDetails {
  provider: string
  status?: number
  type?: string
  requestId?: string
  cause?: unknown
  retryable?: boolean
}

/** The model's answer is not JSON, or the provider's response has no decision in it. */
export class InvalidResponseError extends DeciderError {
  override name = 'InvalidResponseError' as const
  constructor(message: string, details: ProviderErrorDetails) {
    super(message, { ...details, code: 'invalid_json' })
  }
}

/** The model declined to answer (Claude `stop_reason: refusal`, OpenAI `refusal`, content filter). Never retried. */
export class RefusalError extends DeciderError {
  override name = 'RefusalError' as const
  /** Claude's `stop_details.category` or OpenAI's refusal text, when given. */
  readonly category: string | undefined
  constructor(message: string, details: ProviderErrorDetails & { category?: string }) {
    super(message, { ...details, code: 'refusal' })
    this.category = details.category
  }
}

/** The answer was cut off (`max_tokens`, `length`, `incomplete`): its JSON cannot be trusted. */
export class TruncationError extends DeciderError {
  override name = 'TruncationError' as const
  constructor(message: string, details: ProviderErrorDetails) {
    super(message, { ...details, code: 'truncated' })
  }
}

/** The provider answered with an HTTP error not covered by a more specific class (400, 404, 409, 5xx, ...). */
export class ProviderHttpError extends DeciderError {
  override name = 'ProviderHttpError' as const
  constructor(message: string, details: ProviderErrorDetails & { code?: string }) {
    super(message, { ...details, code: details.code ?? 'http' })
  }
}

/** 401/403: the API key is missing, wrong or lacks permission. Never retried. */
export class AuthError extends DeciderError {
  override name = 'AuthError' as const
  constructor(message: string, details: ProviderErrorDetails) {
    super(message, { ...details, code: 'auth' })
  }
}

/** 429 rate limit: transient, retried after `retry-after` when it fits in the deadline. */
export class RateLimitError extends DeciderError {
  override name = 'RateLimitError' as const
  /** How long the provider asked us to wait (`retry-after-ms` / `retry-after`), when it said. */
  readonly retryAfterMs: number | undefined
  constructor(message: string, details: ProviderErrorDetails & { retryAfterMs?: number }) {
    super(message, { ...details, code: 'rate_limit' })
    this.retryAfterMs = details.retryAfterMs
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfterMs: this.retryAfterMs }
  }
}

/** Anthropic 529 `overloaded_error`: retried with backoff; a good reason to fall back to another provider. */
export class OverloadedError extends DeciderError {
  override name = 'OverloadedError' as const
  /** How long the provider asked us to wait, when it said. */
  readonly retryAfterMs: number | undefined
  constructor(message: string, details: ProviderErrorDetails & { retryAfterMs?: number }) {
    super(message, { ...details, code: 'overloaded' })
    this.retryAfterMs = details.retryAfterMs
  }
}

/** Billing: OpenAI `insufficient_quota`, Anthropic 402 or `enforced_spend_limit_reached`. Never retried. */
export class QuotaError extends DeciderError {
  override name = 'QuotaError' as const
  constructor(message: string, details: ProviderErrorDetails) {
    super(message, { ...details, code: 'quota' })
  }
}

/** The call took longer than its timeout or the caller's deadline. */
export class DeciderTimeoutError extends DeciderError {
  override name = 'DeciderTimeoutError' as const
  constructor(message: string, details: { provider?: string; cause?: unknown } = {}) {
    super(message, { ...details, code: 'timeout' })
  }
}

/** The caller's `AbortSignal` fired. */
export class DeciderAbortError extends DeciderError {
  override name = 'DeciderAbortError' as const
  constructor(message: string, details: { provider?: string; cause?: unknown } = {}) {
    super(message, { ...details, code: 'aborted' })
  }
}

/** The request never got an HTTP answer (DNS, connection refused, reset). Retried. */
export class NetworkError extends DeciderError {
  override name = 'NetworkError' as const
  constructor(message: string, details: { provider?: string; cause?: unknown } = {}) {
    super(message, { ...details, code: 'network' })
  }
}

/** Bad options, e.g. no API key. Thrown by the factories, before any request. */
export class DeciderConfigError extends DeciderError {
  override name = 'DeciderConfigError' as const
  constructor(message: string, details: { provider?: string } = {}) {
    super(message, { ...details, code: 'config' })
  }
}

/** A replay decider has no recording for this prompt and model. */
export class ReplayMissError extends DeciderError {
  override name = 'ReplayMissError' as const
  /** The recording key that was looked up. */
  readonly key: string
  constructor(message: string, details: { key: string; provider?: string }) {
    super(message, { code: 'replay_miss', ...(details.provider === undefined ? {} : { provider: details.provider }) })
    this.key = details.key
  }
}

/** The context holds data stamped after its decision time (`asOf`): refused before any request, never retried. */
export class LookAheadError extends DeciderError {
  override name = 'LookAheadError' as const
  /** Where the offending data is, e.g. `candles["1h"][59]` or `news[2]`. */
  readonly field: string
  /** When that data became known, UTC milliseconds. */
  readonly stampedAt: number
  /** The context's decision time, UTC milliseconds. */
  readonly asOf: number
  constructor(message: string, details: { provider?: string; field: string; stampedAt: number; asOf: number }) {
    super(message, { code: 'look_ahead', ...(details.provider === undefined ? {} : { provider: details.provider }) })
    this.field = details.field
    this.stampedAt = details.stampedAt
    this.asOf = details.asOf
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), field: this.field, stampedAt: this.stampedAt, asOf: this.asOf }
  }
}

/** A recording exists for this decision point but was made with different inputs: replaying it would mislead. */
export class ReplayMismatchError extends DeciderError {
  override name = 'ReplayMismatchError' as const
  /** The recording file. */
  readonly file: string
  /** Each fingerprint field that differs: `{ field, recorded, now }`. */
  readonly differences: readonly { field: string; recorded: unknown; now: unknown }[]
  constructor(
    message: string,
    details: { provider?: string; file: string; differences: readonly { field: string; recorded: unknown; now: unknown }[] },
  ) {
    super(message, { code: 'replay_mismatch', ...(details.provider === undefined ? {} : { provider: details.provider }) })
    this.file = details.file
    this.differences = details.differences
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), file: this.file, differences: this.differences }
  }
}

/** One member's failure inside a fallback chain or ensemble. */
export interface MemberFailure {
  provider: string
  model: string
  code: string
  message: string
}

/** Every decider of a fallback chain or ensemble failed; `failures` lists each one's reason in order. */
export class AllDecidersFailedError extends DeciderError {
  override name = 'AllDecidersFailedError' as const
  readonly failures: readonly MemberFailure[]
  constructor(message: string, failures: readonly MemberFailure[]) {
    super(message, { code: 'all_failed' })
    this.failures = failures
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), failures: this.failures }
  }
}

const DECIDER_ERROR_NAMES = new Set<string>([
  'DeciderError',
  'DecisionSchemaError',
  'InvalidResponseError',
  'RefusalError',
  'TruncationError',
  'ProviderHttpError',
  'AuthError',
  'RateLimitError',
  'OverloadedError',
  'QuotaError',
  'DeciderTimeoutError',
  'DeciderAbortError',
  'NetworkError',
  'DeciderConfigError',
  'ReplayMissError',
  'ReplayMismatchError',
  'LookAheadError',
  'AllDecidersFailedError',
])

/** True for any error thrown by this package, even across duplicated copies of it (checks `name` too). */
export function isDeciderError(error: unknown): error is DeciderError {
  return (
    error instanceof DeciderError ||
    (error instanceof Error && DECIDER_ERROR_NAMES.has(error.name) && typeof (error as { code?: unknown }).code === 'string')
  )
}
