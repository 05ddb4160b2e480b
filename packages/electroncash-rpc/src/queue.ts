/**
 * Per-endpoint call queue. The daemon executes one request at a time (a network call can hold it 30 s), so the
 * client holds back extra calls itself instead of piling them into the daemon's listen backlog.
 */

export interface QueueSlot {
  /** Milliseconds the call waited for a slot. */
  readonly queuedMs: number
  release(): void
}

export interface CallQueue {
  /** Waits for a free slot; rejects with the signal's reason if aborted while waiting. */
  acquire(signal?: AbortSignal): Promise<QueueSlot>
  /** Calls executing now. */
  readonly active: number
  /** Calls waiting for a slot. */
  readonly waiting: number
  /** When the oldest executing call started (performance.now()), or undefined when idle. */
  readonly busySince: number | undefined
}

export function createCallQueue(concurrency: number): CallQueue {
  const waiters: { grant: () => void; signal: AbortSignal | undefined; onAbort: () => void }[] = []
  /** Slot id -> when it started executing. */
  const running = new Map<number, number>()
  let nextId = 0

  const grantSlot = (startedWaiting: number): QueueSlot => {
    const id = nextId++
    const started = performance.now()
    running.set(id, started)
    let released = false
    return {
      queuedMs: started - startedWaiting,
      release() {
        if (released) return
        released = true
        running.delete(id)
        const next = waiters.shift()
        if (next) {
          next.signal?.removeEventListener('abort', next.onAbort)
          next.grant()
        }
      },
    }
  }

  return {
    acquire(signal) {
      const startedWaiting = performance.now()
      if (signal?.aborted) return Promise.reject(signal.reason)
      if (running.size < concurrency) return Promise.resolve(grantSlot(startedWaiting))
      return new Promise<QueueSlot>((resolve, reject) => {
        const waiter = {
          signal,
          grant: () => resolve(grantSlot(startedWaiting)),
          onAbort: () => {
            const index = waiters.indexOf(waiter)
            if (index >= 0) waiters.splice(index, 1)
            reject(signal?.reason)
          },
        }
        signal?.addEventListener('abort', waiter.onAbort, { once: true })
        waiters.push(waiter)
      })
    },
    get active() {
      return running.size
    },
    get waiting() {
      return waiters.length
    },
    get busySince() {
      let oldest: number | undefined
      for (const started of running.values()) if (oldest === undefined || started < oldest) oldest = started
      return oldest
    },
  }
}
