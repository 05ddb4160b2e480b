/**
 * Per-attempt timeouts that stay cheap under load. Node's fetch pays for every distinct `AbortSignal` it is given
 * (creating it, then undici's weak-ref bookkeeping to follow it), which cost more per call than the rest of the
 * client. Requests that start within `slotMs` of each other therefore share one controller and one timer.
 *
 * A slot aborts `timeoutMs + slotMs` after it opened and admits requests only during its first `slotMs`, so every
 * request is aborted between `timeoutMs` and `timeoutMs + slotMs` after it started: never early. Its timer is
 * cleared as soon as its last request leaves, so nothing keeps the process alive or fires after the work is done.
 */

/** One shared deadline. `signal` aborts only when the deadline passes. */
export interface TimeoutSlot {
  readonly signal: AbortSignal
}

interface OpenSlot extends TimeoutSlot {
  readonly openedAt: number
  readonly timer: ReturnType<typeof setTimeout> | undefined
  entered: number
  active: number
}

export interface Timeouts {
  /** Joins (or opens) the current slot. Pair every `enter` with one `leave`. */
  enter(): TimeoutSlot
  /** The request is finished (response read, or failed). */
  leave(slot: TimeoutSlot): void
  /** How late a timeout may fire, in ms. */
  readonly slotMs: number
  /** False when `timeoutMs` is too long for a timer (e.g. `Infinity`): slots then never abort. */
  readonly enabled: boolean
}

export interface TimeoutOptions {
  /** How long a slot admits new requests. Default: a tenth of `timeoutMs`, between 1 and 100 ms. */
  slotMs?: number
  /** Requests per slot (each adds a listener to the shared signal until it is garbage-collected). Default 32. */
  maxPerSlot?: number
  /** Monotonic clock in ms. Default `performance.now`. */
  now?: () => number
}

/** Longest delay `setTimeout` honours; beyond it Node fires at once, so such timeouts are treated as none. */
const MAX_TIMER_MS = 2_147_483_647

const expire = (controller: AbortController) => controller.abort()

export function createTimeouts(timeoutMs: number, options: TimeoutOptions = {}): Timeouts {
  const slotMs = options.slotMs ?? Math.min(100, Math.max(1, Math.floor(timeoutMs / 10)))
  const maxPerSlot = options.maxPerSlot ?? 32
  const now = options.now ?? (() => performance.now())
  const delay = timeoutMs + slotMs
  let open: OpenSlot | undefined
  const enabled = delay <= MAX_TIMER_MS
  return {
    slotMs,
    enabled,
    enter() {
      const at = now()
      let slot = open
      if (slot === undefined || slot.entered >= maxPerSlot || at - slot.openedAt >= slotMs) {
        const controller = new AbortController()
        slot = {
          signal: controller.signal,
          openedAt: at,
          timer: enabled ? setTimeout(expire, delay, controller) : undefined,
          entered: 0,
          active: 0,
        }
        open = slot
      }
      slot.entered++
      slot.active++
      return slot
    },
    leave(left) {
      const slot = left as OpenSlot
      if (--slot.active > 0) return
      clearTimeout(slot.timer)
      if (open === slot) open = undefined
    },
  }
}
