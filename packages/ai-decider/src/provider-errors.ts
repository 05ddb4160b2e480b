/** Turns a provider's HTTP error answer into the right `DeciderError` subclass. */
import { AuthError, type DeciderError, OverloadedError, ProviderHttpError, QuotaError, RateLimitError } from './errors.js'
import { type HttpAnswer, retryAfterMs } from './http.js'
import { safeUrl } from './redact.js'

/** What the classification needs to know about the provider. */
export interface ErrorSource {
  provider: string
  /** Name shown in messages, e.g. `Anthropic`. */
  label: string
  envVar: string
  url: string
  /** True when an error body means quota or spend limit (never retried). */
  isQuota: (status: number, body: unknown) => boolean
}

interface ErrorBody {
  type?: unknown
  error?: { type?: unknown; message?: unknown; code?: unknown; details?: { error_code?: unknown } }
}

const asString = (value: unknown) => (typeof value === 'string' ? value : undefined)

/** Maps an HTTP error answer to the right `DeciderError` subclass, with a message that says what to do next. */
export function classifyHttpError(spec: ErrorSource, answer: HttpAnswer, requestId: string | undefined): DeciderError {
  const body = (typeof answer.body === 'object' && answer.body !== null ? answer.body : {}) as ErrorBody
  const type = asString(body.error?.type) ?? asString(body.error?.code)
  const said = asString(body.error?.message) ?? (typeof answer.body === 'string' ? answer.body.slice(0, 200) : 'no message')
  const status = answer.status
  const where = `${spec.label} POST ${safeUrl(spec.url)} answered ${status}${type ? ` ${type}` : ''}: ${said}`
  const details = {
    provider: spec.provider,
    status,
    ...(type === undefined ? {} : { type }),
    ...(requestId === undefined ? {} : { requestId }),
    ...(answer.headers.get('x-should-retry') === 'false' ? { retryable: false } : {}),
  }
  const wait = retryAfterMs(answer.headers)
  const waitDetails = wait === undefined ? details : { ...details, retryAfterMs: wait }
  if (status === 401 || status === 403) {
    return new AuthError(`${where}. Check the API key (apiKey or ${spec.envVar}) and its permissions; not retried.`, details)
  }
  if (spec.isQuota(status, answer.body)) {
    return new QuotaError(`${where}. The account's quota or spend limit is used up: check billing; not retried.`, details)
  }
  if (status === 429) {
    return new RateLimitError(`${where}. Rate limited: retried after retry-after when the deadline allows.`, waitDetails)
  }
  if (status === 529 || type === 'overloaded_error') {
    return new OverloadedError(
      `${where}. The provider is overloaded: retried with backoff, or fall back to another.`,
      waitDetails,
    )
  }
  const [code, next] =
    status === 400
      ? ['bad_request', 'The request was rejected: check the model id, maxTokens and mode; not retried.']
      : status === 404
        ? ['not_found', 'Check the model id and baseUrl; not retried.']
        : status === 408
          ? ['request_timeout', 'Retried.']
          : status === 409
            ? ['conflict', 'Retried.']
            : status >= 500
              ? ['server', 'A provider-side failure: retried with backoff.']
              : ['http', 'Not retried.']
  return new ProviderHttpError(`${where}. ${next}`, { ...details, code })
}
