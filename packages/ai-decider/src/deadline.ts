/** One AbortSignal that fires when the caller aborts or the time budget runs out, and says which happened. */
import { setTimeout as wait } from 'node:timers/promises'

export interface Deadline {
  /** Aborts on the caller's abort or at the deadline. */
  readonly signal: AbortSignal
  /** `performance.now()` value at which the budget runs out (Infinity without a budget). */
  readonly at: number
  /** Milliseconds left, never negative. */
  remaining(): number
  /** `'aborted'` if the caller aborted, `'timeout'` if the budget ran out, otherwise undefined. */
  expired(): 'aborted' | 'timeout' | undefined
  /** Clears the timer; call it when the work is done. */
  dispose(): void
}

/**
 * Creates the deadline. With `timer: false` the budget is only bookkeeping (`at`, `remaining()`): the signal then
 * fires on the caller's abort alone. Composite deciders use that and cut off each member instead, so one timer
 * firing before another can never rob the last members of their turn.
 */
export function createDeadline(
  callerSignal: AbortSignal | undefined,
  budgetMs: number | undefined,
  { timer: withTimer = true }: { timer?: boolean } = {},
): Deadline {
  const controller = new AbortController()
  const at = budgetMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + Math.max(0, budgetMs)
  let timedOut = false
  const timer =
    budgetMs === undefined || !withTimer
      ? undefined
      : setTimeout(
          () => {
            timedOut = true
            controller.abort(new DOMException('The decision deadline passed.', 'TimeoutError'))
          },
          Math.max(0, budgetMs),
        )
  const onAbort = () => controller.abort(callerSignal?.reason)
  if (callerSignal?.aborted) onAbort()
  else callerSignal?.addEventListener('abort', onAbort, { once: true })
  return {
    signal: controller.signal,
    at,
    remaining: () => Math.max(0, at - performance.now()),
    expired: () => (callerSignal?.aborted ? 'aborted' : timedOut ? 'timeout' : undefined),
    dispose() {
      clearTimeout(timer)
      callerSignal?.removeEventListener('abort', onAbort)
    },
  }
}

/** Resolves after `ms`, or rejects with the signal's reason (not a generic AbortError) as soon as it aborts. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await wait(ms, undefined, { signal })
  } catch (error) {
    // The frame tells a timeout from a caller's abort by the reason, so pass the signal's own reason on.
    if (signal.aborted) throw signal.reason
    throw error
  }
}

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts: for work that may ignore it. */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {}) // the losing promise must not surface as an unhandled rejection later
    return Promise.reject(signal.reason)
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {})
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
