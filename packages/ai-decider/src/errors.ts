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

  constructor(
    message: string,
    options: { code?: string; cause?: unknown; provider?: string; status?: number; type?: string; requestId?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code ?? 'decider'
    this.provider = options.provider
    this.status = options.status
    this.type = options.type
    this.requestId = options.requestId
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

const DECIDER_ERROR_NAMES = new Set<string>(['DeciderError', 'DecisionSchemaError'])

/** True for any error thrown by this package, even across duplicated copies of it (checks `name` too). */
export function isDeciderError(error: unknown): error is DeciderError {
  return (
    error instanceof DeciderError ||
    (error instanceof Error && DECIDER_ERROR_NAMES.has(error.name) && typeof (error as { code?: unknown }).code === 'string')
  )
}
