/**
 * Per-endpoint call queue. The daemon executes one request at a time (a network call can hold it 30 s), so the
 * client holds back extra calls itself instead of piling them into the daemon's listen backlog. A request whose
 * caller gave up (timeout, abort) keeps its slot until the daemon answers it: the daemon is still busy with it.
 */

export interface QueueSlot {
  /** Milliseconds the call waited for a slot. */
  readonly queuedMs: number
  release(): void
}

/** Why `acquire` gave up: the wait for a slot exceeded `maxWaitMs`. */
export class QueueWaitExceeded extends Error {
  constructor(
    /** How long the call waited, ms. */
    readonly waitedMs: number,
    /** How long the oldest executing request had been running when the wait ended, ms. */
    readonly busyForMs: number,
  ) {
    super(`waited ${Math.round(waitedMs)} ms for a free slot`)
  }
}

export interface CallQueue {
  /**
   * Waits for a free slot. Rejects with the signal's reason if aborted while waiting, and with `QueueWaitExceeded`
   * after `maxWaitMs` (default: no limit).
   */
  acquire(signal?: AbortSignal, maxWaitMs?: number): Promise<QueueSlot>
  /** Calls executing now. */
  readonly active: number
  /** Calls waiting for a slot. */
  readonly waiting: number
  /** When the oldest executing call started (performance.now()), or undefined when idle. */
  readonly busySince: number | undefined
}

export function createCallQueue(concurrency: number): CallQueue {
  const waiters: { grant: () => void }[] = []
  /** Slot id -> when it started executing. */
  const running = new Map<number, number>()
  let nextId = 0

  const oldest = (): number | undefined => {
    let found: number | undefined
    for (const started of running.values()) if (found === undefined || started < found) found = started
    return found
  }

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
        waiters.shift()?.grant()
      },
    }
  }

  return {
    acquire(signal, maxWaitMs) {
      const startedWaiting = performance.now()
      if (signal?.aborted) return Promise.reject(signal.reason)
      if (running.size < concurrency) return Promise.resolve(grantSlot(startedWaiting))
      return new Promise<QueueSlot>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined
        const leave = () => {
          const index = waiters.indexOf(waiter)
          if (index >= 0) waiters.splice(index, 1)
          if (timer) clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
        }
        const onAbort = () => {
          leave()
          reject(signal?.reason)
        }
        const waiter = {
          grant: () => {
            leave()
            resolve(grantSlot(startedWaiting))
          },
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        if (maxWaitMs !== undefined && Number.isFinite(maxWaitMs)) {
          timer = setTimeout(
            () => {
              leave()
              const now = performance.now()
              const since = oldest()
              reject(new QueueWaitExceeded(now - startedWaiting, since === undefined ? 0 : now - since))
            },
            Math.max(0, maxWaitMs),
          )
        }
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
      return oldest()
    },
  }
}
