/**
 * A limiter clock for tests: time moves only when every runnable task has run and someone sleeps, jumping to the
 * earliest wake-up. Concurrent sleepers wake in time order, as on a real clock, but without waiting.
 */
import type { LimiterClock } from '../rate-limiter.js'

export interface VirtualClock extends LimiterClock {
  /** The current virtual time, epoch ms; tests may move it forward by hand. */
  t: number
}

export function virtualClock(start = 1_000_000): VirtualClock {
  const timers: Array<{ at: number; seq: number; wake: () => void }> = []
  let seq = 0
  let scheduled = false
  // setImmediate runs after the microtask queue drains: every task that could still take a slot has taken it.
  const fire = () => {
    scheduled = false
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq)
    const next = timers.shift()
    if (!next) return
    clock.t = Math.max(clock.t, next.at)
    next.wake()
    schedule()
  }
  const schedule = () => {
    if (!scheduled && timers.length > 0) {
      scheduled = true
      setImmediate(fire)
    }
  }
  const clock: VirtualClock = {
    t: start,
    now: () => clock.t,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason)
        const timer = { at: clock.t + ms, seq: seq++, wake: () => resolve() }
        const onAbort = () => {
          const index = timers.indexOf(timer)
          if (index >= 0) timers.splice(index, 1)
          reject(signal?.reason)
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        timer.wake = () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        }
        timers.push(timer)
        schedule()
      }),
  }
  return clock
}
