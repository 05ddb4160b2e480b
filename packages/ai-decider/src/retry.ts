/**
 * Retries with p-retry: exponential backoff with jitter, or the provider's `retry-after`, but only when the wait
 * and another attempt still fit inside the caller's deadline. Non-retryable errors fail at once.
 */
import pRetry from 'p-retry'
import { type Deadline, sleep } from './deadline.js'
import { type DeciderError, isDeciderError } from './errors.js'

export interface RetryOptions {
  /** Retries after the first attempt. Default `2`. */
  retries?: number | undefined
  /** First backoff delay in milliseconds, doubled per retry, with up to 25 % jitter. Default `500`. */
  minDelayMs?: number | undefined
  /** Largest backoff delay. Default `8000`. */
  maxDelayMs?: number | undefined
  /** A `retry-after` longer than this is not waited for (the error is returned instead). Default `60000`. */
  maxRetryAfterMs?: number | undefined
  /** Time an attempt needs at least; no retry starts with less left before the deadline. Default `250`. */
  minAttemptMs?: number | undefined
}

/** What the frame learns about each retry (also given to `onRetry` hooks). */
export interface RetryEvent {
  /** The attempt that failed, from 1. */
  attempt: number
  /** The failed attempt's error as safe JSON (no keys, no headers). */
  error: Record<string, unknown>
  /** How long we wait before the next attempt. */
  delayMs: number
}

/**
 * Codes worth another attempt: transient rate limits, overload, server errors, timeouts and network failures, unless
 * the provider said `x-should-retry: false`. Its `true` never makes a 400, auth or quota error retryable.
 */
const RETRYABLE = new Set(['rate_limit', 'overloaded', 'server', 'timeout', 'network', 'conflict', 'request_timeout'])

export function isRetryable(error: unknown): error is DeciderError {
  return isDeciderError(error) && RETRYABLE.has(error.code) && error.retryable !== false
}

function backoff(retry: number, options: RetryOptions): number {
  const base = Math.min(options.maxDelayMs ?? 8000, (options.minDelayMs ?? 500) * 2 ** (retry - 1))
  return Math.round(base * (1 - Math.random() * 0.25))
}

/** Runs `attempt` with retries inside `deadline`; rethrows the last error when retrying is pointless or not allowed. */
export function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  deadline: Deadline,
  options: RetryOptions | false | undefined,
  onRetry: (event: RetryEvent) => void,
): Promise<T> {
  const settings = options === false ? { retries: 0 } : (options ?? {})
  return pRetry(attempt, {
    retries: settings.retries ?? 2,
    minTimeout: 0, // the wait happens in shouldRetry, where retry-after and the deadline are known
    maxTimeout: 0,
    signal: deadline.signal,
    shouldRetry: async ({ error, attemptNumber }) => {
      if (!isRetryable(error)) return false
      const asked = (error as { retryAfterMs?: number }).retryAfterMs
      if (asked !== undefined && asked > (settings.maxRetryAfterMs ?? 60_000)) return false
      const delayMs = asked ?? backoff(attemptNumber, settings)
      if (delayMs + (settings.minAttemptMs ?? 250) > deadline.remaining()) return false
      onRetry({ attempt: attemptNumber, error: error.toJSON(), delayMs })
      await sleep(delayMs, deadline.signal)
      return true
    },
  })
}
