/**
 * One HTTP exchange with Upbit: rate-limit slot, signing (fresh nonce per attempt), timeout, error mapping,
 * `Remaining-Req` tracking, hooks, and bounded retries of what is safe to retry.
 */
import pRetry from 'p-retry'
import type { z } from 'zod'
import { toApiError } from './api-errors.js'
import {
  type RemainingReq,
  UpbitBanError,
  UpbitConnectionError,
  UpbitError,
  UpbitRateLimitError,
  UpbitRequestError,
  UpbitResponseError,
  UpbitServerError,
  UpbitTimeoutError,
} from './errors.js'
import { type RateLimiter, type RateLimitGroup, realClock } from './rate-limiter.js'
import { parseRemainingReq } from './remaining-req.js'
import { type JwtAlgorithm, type Params, prepareRequest, type SigningKeys } from './signing.js'
import { createTimeouts } from './timeouts.js'

/** What hooks see of a request: never headers, tokens or keys. */
export interface RequestInfo {
  method: string
  /** Full URL (no credentials: those live only in the Authorization header). */
  url: string
  group: RateLimitGroup
  /** 1 for the first attempt. */
  attempt: number
}

/** Observability hooks. Payloads are safe to log: they never carry the secret key or the JWT. */
export interface UpbitHooks {
  /** Before each attempt is sent. */
  onRequest?: (info: RequestInfo) => void
  /** After each response, successful or not. */
  onResponse?: (info: RequestInfo & { status: number; remaining: RemainingReq | undefined; durationMs: number }) => void
  /** When a call finally fails. */
  onError?: (info: RequestInfo & { error: UpbitError }) => void
  /** Before a retry: why, and how many retries are left. */
  onRetry?: (info: RequestInfo & { error: UpbitError; retriesLeft: number }) => void
}

/** Retry policy for safe-to-retry failures (GET/DELETE on timeouts, connection errors and 5xx). */
export interface RetryOptions {
  /** Retries after the first attempt. Default 2. */
  retries?: number
  /** First delay; doubles per retry. Default 200 ms. */
  minDelayMs?: number
  /** Delay cap. Default 2000 ms. */
  maxDelayMs?: number
}

export interface TransportConfig {
  baseUrl: string
  fetch: typeof globalThis.fetch
  timeoutMs: number
  keys: SigningKeys | undefined
  jwtAlgorithm: JwtAlgorithm
  limiter: RateLimiter
  retry: RetryOptions
  hooks: UpbitHooks
}

/** One endpoint call. */
export interface CallSpec<T> {
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  group: RateLimitGroup
  /** Exchange endpoints need a JWT. */
  auth: boolean
  params?: Params | undefined
  schema: z.ZodType<T>
  /** Whether timeouts/5xx may be retried blindly. Default: true for GET, false otherwise. */
  retrySafe?: boolean
  signal?: AbortSignal | undefined
}

/** A timeout, dropped connection or 5xx: the request may have been processed. */
export function isAmbiguousFailure(error: unknown): boolean {
  return error instanceof UpbitTimeoutError || error instanceof UpbitConnectionError || error instanceof UpbitServerError
}

export interface Transport {
  call<T>(spec: CallSpec<T>): Promise<T>
  readonly config: TransportConfig
}

export function createTransport(config: TransportConfig): Transport {
  const base = config.baseUrl.replace(/\/+$/, '')
  const timeouts = createTimeouts(config.timeoutMs)
  // The rate-limit group Upbit named in `Remaining-Req` per endpoint, when it differs from the one assigned: the
  // live budget belongs to Upbit's group, so later calls of that endpoint queue there too.
  const namedGroups = new Map<string, RateLimitGroup>()

  async function attempt<T>(spec: CallSpec<T>, info: RequestInfo): Promise<T> {
    if (spec.auth && !config.keys) {
      throw new UpbitRequestError(
        `${spec.method} ${spec.path} needs API keys: pass accessKey/secretKey or set UPBIT_ACCESS_KEY/UPBIT_SECRET_KEY.`,
        'missing_keys',
      )
    }
    let prepared: ReturnType<typeof prepareRequest>
    for (;;) {
      const permit = config.limiter.tryAcquire(spec.group, spec.signal) ?? (await config.limiter.acquire(spec.group, spec.signal))
      prepared = prepareRequest(spec.method, spec.path, spec.params, spec.auth ? config.keys : undefined, config.jwtAlgorithm)
      // Checked right before sending: a call held up since its slot (a busy event loop) takes a new slot instead.
      if (config.limiter.confirm(permit)) break
    }
    const url = `${base}${prepared.pathWithQuery}`
    info.url = url
    config.hooks.onRequest?.({ ...info })
    const slot = timeouts.enter()
    // A caller's signal gets its own controller that follows both it and the shared timeout.
    const linked = spec.signal ? linkSignals(spec.signal, slot.signal) : undefined
    const started = performance.now()
    let response: Response
    let text: string
    try {
      response = await config.fetch(url, {
        method: spec.method,
        headers: prepared.headers,
        body: prepared.body ?? null,
        // Without a timeout or a caller's signal, fetch gets none: following one costs undici per request.
        signal: linked ? linked.signal : timeouts.enabled ? slot.signal : null,
      })
      text = await response.text()
    } catch (cause) {
      if (spec.signal?.aborted) throw spec.signal.reason
      const target = { method: spec.method, url }
      if (slot.signal.aborted) throw new UpbitTimeoutError({ ...target, timeoutMs: config.timeoutMs }, cause)
      throw new UpbitConnectionError(target, cause)
    } finally {
      timeouts.leave(slot)
      linked?.unlink()
    }
    const durationMs = performance.now() - started
    const remaining = parseRemainingReq(response.headers.get('remaining-req'))
    if (remaining) {
      if (remaining.group !== spec.group) namedGroups.set(`${spec.method} ${spec.path}`, remaining.group)
      config.limiter.update(remaining.group, remaining)
    }
    if (response.status !== 429) config.limiter.succeeded(spec.group)
    config.hooks.onResponse?.({ ...info, url, status: response.status, remaining, durationMs })
    if (!response.ok) {
      const error = toApiError({
        method: spec.method,
        url,
        status: response.status,
        body: text,
        remaining,
        group: spec.group,
        retryAfter: response.headers.get('retry-after'),
        now: Date.now(),
      })
      if (error instanceof UpbitBanError) config.limiter.ban(spec.group, error)
      if (error instanceof UpbitRateLimitError) config.limiter.backoff(spec.group)
      throw error
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (cause) {
      throw new UpbitResponseError(url, `body is not JSON (${text.slice(0, 80)})`, cause)
    }
    const parsed = spec.schema.safeParse(json)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new UpbitResponseError(url, `${issue?.path.join('.') || '(root)'}: ${issue?.message}`, parsed.error)
    }
    return parsed.data
  }

  async function call<T>(assigned: CallSpec<T>): Promise<T> {
    const named = namedGroups.get(`${assigned.method} ${assigned.path}`)
    const spec = named === undefined ? assigned : { ...assigned, group: named }
    const info: RequestInfo = { method: spec.method, url: `${base}${spec.path}`, group: spec.group, attempt: 1 }
    try {
      // Fast path: most calls succeed at once and never pay for the retry machinery.
      return await attempt(spec, info)
    } catch (error) {
      return await retry(spec, info, error)
    }
  }

  /** After a failed first attempt: retry what may be retried (bounded, with back-off), else report and rethrow. */
  async function retry<T>(spec: CallSpec<T>, info: RequestInfo, firstError: unknown): Promise<T> {
    const retrySafe = spec.retrySafe ?? spec.method === 'GET'
    const retries = config.retry.retries ?? 2
    const maxRetries = Math.max(retries, config.limiter.maxRetries429)
    const minDelayMs = config.retry.minDelayMs ?? 200
    // 429 means Upbit did not process the call, so it is always retried; ambiguous failures only when safe.
    const retryable = (error: unknown): error is UpbitError =>
      (error instanceof UpbitRateLimitError && info.attempt <= config.limiter.maxRetries429) ||
      (retrySafe && isAmbiguousFailure(error) && info.attempt <= retries)
    const announce = (error: UpbitError) => config.hooks.onRetry?.({ ...info, error, retriesLeft: maxRetries - info.attempt })
    try {
      if (!retryable(firstError)) throw firstError
      announce(firstError)
      await realClock.sleep(minDelayMs, spec.signal)
      return await pRetry(
        () => {
          info.attempt++
          return attempt(spec, info)
        },
        {
          retries: maxRetries - 1,
          minTimeout: minDelayMs * 2,
          maxTimeout: config.retry.maxDelayMs ?? 2000,
          factor: 2,
          ...(spec.signal ? { signal: spec.signal } : {}),
          shouldRetry: ({ error }) => {
            if (!retryable(error)) return false
            announce(error)
            return true
          },
        },
      )
    } catch (error) {
      if (error instanceof UpbitError) config.hooks.onError?.({ ...info, error })
      throw error
    }
  }

  return { call, config }
}

/** A controller that aborts when either signal does (with the caller's reason first); `unlink` drops the listeners. */
function linkSignals(caller: AbortSignal, timeout: AbortSignal): { signal: AbortSignal; unlink(): void } {
  const controller = new AbortController()
  const onCaller = () => controller.abort(caller.reason)
  const onTimeout = () => controller.abort(timeout.reason)
  caller.addEventListener('abort', onCaller, { once: true })
  timeout.addEventListener('abort', onTimeout, { once: true })
  if (caller.aborted) onCaller()
  return {
    signal: controller.signal,
    unlink() {
      caller.removeEventListener('abort', onCaller)
      timeout.removeEventListener('abort', onTimeout)
    },
  }
}
