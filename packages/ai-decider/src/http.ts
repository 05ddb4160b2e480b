/** One JSON POST over ofetch with an injectable fetch; errors are left to the provider adapters to classify. */
import { createFetch } from 'ofetch'
import { DeciderTimeoutError, NetworkError } from './errors.js'
import { safeUrl } from './redact.js'

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

export interface HttpAnswer {
  status: number
  headers: Headers
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: unknown
}

export interface PostOptions {
  provider: string
  url: string
  headers: Record<string, string>
  body: unknown
  /** The caller's deadline/abort signal. */
  signal: AbortSignal
  /** Per-attempt timeout in milliseconds. */
  timeoutMs: number
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Creates the poster; `fetch` is looked up on each call so test interceptors installed later still apply. */
export function createPoster(fetch: FetchLike | undefined): (options: PostOptions) => Promise<HttpAnswer> {
  const $fetch = createFetch({
    fetch: (input, init) => (fetch ?? globalThis.fetch)(input as string, init),
    defaults: { retry: 0, ignoreResponseError: true, parseResponse: parseBody },
  })
  return async (options) => {
    const attempt = new AbortController()
    const timer = setTimeout(() => attempt.abort(new DOMException('The attempt timed out.', 'TimeoutError')), options.timeoutMs)
    const onAbort = () => attempt.abort(options.signal.reason)
    if (options.signal.aborted) onAbort()
    else options.signal.addEventListener('abort', onAbort, { once: true })
    try {
      const response = await $fetch.raw(options.url, {
        method: 'POST',
        headers: options.headers,
        body: options.body as Record<string, unknown>,
        signal: attempt.signal,
      })
      return { status: response.status, headers: response.headers, body: response._data }
    } catch (error) {
      // The caller's signal wins: the run frame turns it into an abort or deadline error.
      if (options.signal.aborted) throw options.signal.reason
      // ofetch's FetchError repeats the full URL (credentials included, if any): keep only its cause.
      const root = error instanceof Error && error.cause instanceof Error ? error.cause : error
      if (attempt.signal.aborted) {
        throw new DeciderTimeoutError(
          `${options.provider} did not answer POST ${safeUrl(options.url)} within ${options.timeoutMs} ms; it will be retried if the deadline allows.`,
          { provider: options.provider, cause: root },
        )
      }
      throw new NetworkError(
        `${options.provider} could not be reached at POST ${safeUrl(options.url)}: ${root instanceof Error ? root.message : String(root)}. Check the network and baseUrl.`,
        { provider: options.provider, cause: root },
      )
    } finally {
      clearTimeout(timer)
      options.signal.removeEventListener('abort', onAbort)
    }
  }
}

/** `retry-after-ms`, else `retry-after` (seconds or an HTTP date), in milliseconds; undefined when absent or invalid. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '')
  if (Number.isFinite(ms) && ms >= 0) return ms
  const value = headers.get('retry-after')
  if (value === null || value.trim() === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}
