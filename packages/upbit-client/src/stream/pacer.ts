/**
 * Paces sends under several sliding windows at once (Upbit: 5 messages/s and 100/min per connection; 5 connects/s).
 * A send is recorded in every window at the moment it is let through, so no window is ever exceeded, and waiters
 * are served in order. `marginMs` widens each window to absorb the gap between our clock and Upbit's count.
 */
import { type StreamClock, sleep } from './clock.js'

export interface PaceWindow {
  limit: number
  intervalMs: number
}

export interface Pacer {
  /** Waits for a slot in every window, then takes it. */
  take(signal?: AbortSignal): Promise<void>
  /** Sends let through in the last `intervalMs` of the first window (diagnostics). */
  readonly recent: number
}

export function createPacer(windows: readonly PaceWindow[], clock: StreamClock, marginMs = 50): Pacer {
  const longest = Math.max(...windows.map((w) => w.intervalMs)) + marginMs
  const maxLimit = Math.max(...windows.map((w) => w.limit))
  const sent: number[] = []
  let tail: Promise<void> = Promise.resolve()

  const waitMs = (now: number): number => {
    while (sent.length > 0 && sent[0]! <= now - longest) sent.shift()
    let wait = 0
    for (const { limit, intervalMs } of windows) {
      const window = intervalMs + marginMs
      // The limit-th most recent send inside this window decides when the next one may go.
      let inWindow = 0
      for (let i = sent.length - 1; i >= 0 && sent[i]! > now - window; i--) {
        if (++inWindow === limit) {
          wait = Math.max(wait, sent[i]! + window - now)
          break
        }
      }
    }
    return wait
  }

  return {
    take(signal) {
      const previous = tail
      let release!: () => void
      tail = new Promise((resolve) => {
        release = resolve
      })
      return (async () => {
        try {
          await previous
          for (;;) {
            signal?.throwIfAborted()
            const now = clock.now()
            const wait = waitMs(now)
            if (wait <= 0) {
              sent.push(now)
              if (sent.length > maxLimit * 4) sent.splice(0, sent.length - maxLimit * 2)
              return
            }
            await sleep(clock, wait, signal)
          }
        } finally {
          release()
        }
      })()
    },
    get recent() {
      const now = clock.now()
      return sent.filter((t) => t > now - windows[0]!.intervalMs).length
    },
  }
}
