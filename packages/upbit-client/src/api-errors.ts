/** Turns an Upbit error response (JSON or plain text) into the matching `UpbitApiError` subclass. */
import {
  type RemainingReq,
  UpbitApiError,
  UpbitAuthError,
  UpbitBanError,
  UpbitInsufficientFundsError,
  UpbitNotFoundError,
  UpbitRateLimitError,
  UpbitServerError,
  UpbitValidationError,
} from './errors.js'

/** Upbit's authentication error names, including the wire spelling `no_authorization_i_p` of `no_authorization_ip`. */
export const AUTH_ERROR_NAMES: ReadonlySet<string> = new Set([
  'jwt_verification',
  'expired_access_key',
  'nonce_used',
  'no_authorization_ip',
  'no_authorization_i_p',
  'no_authorization_token',
  'invalid_access_key',
  'invalid_query_payload',
  'out_of_scope',
])

/** Reads `{"error":{"name","message"}}`; a non-JSON body (429 sends plain text) becomes the message. */
export function parseErrorBody(text: string): { errorName: string | number | undefined; message: string } {
  try {
    const parsed = JSON.parse(text) as { error?: { name?: unknown; message?: unknown } }
    const error = parsed?.error
    if (error && typeof error === 'object') {
      const name = typeof error.name === 'string' || typeof error.name === 'number' ? error.name : undefined
      return { errorName: name, message: typeof error.message === 'string' ? error.message : '' }
    }
  } catch {
    // Not JSON: fall through to the text itself.
  }
  return { errorName: undefined, message: text.trim().slice(0, 500) }
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 }

/** Ban length from `Retry-After` (seconds) or text such as "blocked for 60 seconds" / "10분"; undefined if absent. */
export function parseBanMs(retryAfter: string | null, message: string): number | undefined {
  const seconds = Number(retryAfter)
  if (retryAfter && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const match = /(\d+(?:\.\d+)?)\s*(seconds?|secs?|s\b|초|minutes?|mins?|m\b|분|hours?|h\b|시간)/i.exec(message)
  if (!match) return undefined
  const unit = match[2]!.toLowerCase()
  const key = /^(m|min|분)/.test(unit) ? 'm' : /^(h|시)/.test(unit) ? 'h' : 's'
  return Number(match[1]) * UNIT_MS[key]!
}

export interface ErrorContext {
  method: string
  url: string
  status: number
  body: string
  remaining: RemainingReq | undefined
  group: string
  retryAfter: string | null
  now: number
}

/** Maps status and Upbit error name to a subclass: branch on the name first, as Upbit's docs advise. */
export function toApiError(ctx: ErrorContext): UpbitApiError {
  const { errorName, message } = parseErrorBody(ctx.body)
  const init = {
    method: ctx.method,
    url: ctx.url,
    status: ctx.status,
    errorName,
    upbitMessage: message,
    remaining: ctx.remaining,
  }
  const name = typeof errorName === 'string' ? errorName : ''
  if (ctx.status === 418) {
    const banMs = parseBanMs(ctx.retryAfter, message)
    return new UpbitBanError({ ...init, group: ctx.group, banMs, bannedUntil: ctx.now + (banMs ?? 60_000) })
  }
  if (ctx.status === 429) return new UpbitRateLimitError({ ...init, group: ctx.group })
  if (AUTH_ERROR_NAMES.has(name) || ctx.status === 401 || ctx.status === 403) return new UpbitAuthError(init)
  if (name.startsWith('insufficient_funds')) return new UpbitInsufficientFundsError(init)
  if (ctx.status === 404 || name.endsWith('_not_found')) return new UpbitNotFoundError(init)
  if (ctx.status >= 500) return new UpbitServerError(init)
  if (ctx.status === 400 || ctx.status === 422) return new UpbitValidationError(init)
  return new UpbitApiError(init)
}
