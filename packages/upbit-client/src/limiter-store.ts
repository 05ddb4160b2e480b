/**
 * Where the rate limiter keeps a group's state: the sends of the current window (reserved slots, possibly in the
 * near future), the live `Remaining-Req`, the 429 pause and the 418 ban. The in-memory store serves one process;
 * a shared store (`createRedisLimiterStore` from `@tradekit/upbit-client/redis`) lets every process on a pocket
 * draw from one budget.
 */
import type { UpbitBanError } from './errors.js'
import type { GroupBudget } from './rate-limiter.js'

/** One request for a send slot. */
export interface SlotRequest {
  group: string
  budget: GroupBudget
  /** Milliseconds added to the window to absorb jitter between our send time and Upbit's count. */
  marginMs: number
  /** The caller's clock, epoch ms. */
  now: number
  /** False: only pauses and bans hold the caller back; no send is counted. */
  counted: boolean
}

/**
 * A store's answer:
 * - `slot`: a send at `at` (≥ the request's `now`) is counted already; wait until then and send (a re-timed slot may
 *   carry `until`: it is good from `at` to `until`, plus the margin).
 * - `later`: nothing was counted; ask again at `retryAt` (the free slot lies beyond how far ahead the store reserves).
 * - `banned`: the group is banned (by this process or another on the pocket) until `error.bannedUntil`.
 */
export type Reservation =
  | { kind: 'slot'; at: number; id: string; until?: number }
  | { kind: 'later'; retryAt: number }
  | { kind: 'banned'; error: UpbitBanError }

/** What a response told the limiter, for every process on the pocket. */
export type LimiterReport =
  /** A `Remaining-Req` header: `sec` requests left in the second that contains `at`. */
  | { kind: 'remaining'; sec: number; at: number }
  /** No sends before `until` (a 429 back-off, or `sec=0`). */
  | { kind: 'pause'; until: number }
  /** A 418 ban, until `error.bannedUntil`. */
  | { kind: 'ban'; error: UpbitBanError }

/** The pause and ban a store knows of right now, checked again before a reserved slot is used. */
export interface GroupHold {
  pausedUntil: number
  ban: UpbitBanError | undefined
}

/** Storage behind the rate limiter. Implement it to share budgets through another engine. */
export interface LimiterStore {
  /** Counts one send at the earliest legal time at or after `now` (never earlier than an earlier caller's slot). */
  reserve(request: SlotRequest): Reservation | Promise<Reservation>
  /**
   * Synchronous fast path: a slot to use at once (at `now`, or a leased one still within half a margin of its time),
   * or undefined (nothing counted) when there is none to give at once.
   */
  tryReserve(request: SlotRequest): Reservation | undefined
  /**
   * Optional: moves the slot `id` that its caller could not use on time (woke late, or a pause came first) to the
   * earliest legal instant at or after `request.now`, keeping it counted once. Without it the limiter gives the slot
   * back and reserves anew.
   */
  retime?(request: SlotRequest, id: string, at: number): Reservation | Promise<Reservation>
  /** Gives back a slot nobody will use (its caller aborted), so later callers need not wait for it. */
  release(group: string, id: string, at: number): void
  /** Records what a response said; shared stores pass it to every process on the pocket. */
  report(group: string, report: LimiterReport): void
  hold(group: string): GroupHold
  /** How many sends a group remembers (diagnostics: bounded by the group's budget plus queued slots). */
  tracked(group: string): number
}

class MemoryGroup {
  /** Send times, ascending; entries after `now` are slots reserved by callers still waiting. */
  readonly sent: number[] = []
  readonly ids: string[] = []
  pausedUntil = 0
  liveSecond = -1
  liveRemaining = Number.POSITIVE_INFINITY
  ban: UpbitBanError | undefined

  /** The earliest legal send time at or after `now`, honouring the window, the live header and the pause. */
  earliest(request: SlotRequest): number {
    const { now, budget, marginMs } = request
    let at = Math.max(now, this.pausedUntil)
    if (!request.counted) return at
    const window = budget.intervalMs + marginMs
    while (this.sent.length > 0 && this.sent[0]! <= now - window) {
      this.sent.shift()
      this.ids.shift()
    }
    const n = this.sent.length
    // Slots are handed out in order: never before a slot already promised.
    if (n > 0) at = Math.max(at, this.sent[n - 1]!)
    // At most `limit` sends in any window: the limit-th most recent send must have left the window.
    if (n >= budget.limit) at = Math.max(at, this.sent[n - budget.limit]! + window)
    // The live header said how many are left in its second (others may share the pocket): respect it.
    if (Math.floor(at / 1000) === this.liveSecond && this.liveRemaining <= 0) at = (this.liveSecond + 1) * 1000 + marginMs
    return at
  }

  take(at: number, id: string): void {
    this.sent.push(at)
    this.ids.push(id)
    if (Math.floor(at / 1000) === this.liveSecond) this.liveRemaining--
  }
}

/** The default store: one process, no I/O, exact. */
export function createMemoryLimiterStore(): LimiterStore {
  const groups = new Map<string, MemoryGroup>()
  let nextId = 0
  const get = (group: string) => {
    let state = groups.get(group)
    if (!state) {
      state = new MemoryGroup()
      groups.set(group, state)
    }
    return state
  }
  const banned = (state: MemoryGroup, now: number) => state.ban !== undefined && now < state.ban.bannedUntil

  const reserve = (request: SlotRequest): Reservation => {
    const state = get(request.group)
    if (banned(state, request.now)) return { kind: 'banned', error: state.ban! }
    const at = state.earliest(request)
    const id = String(nextId++)
    if (request.counted) state.take(at, id)
    return { kind: 'slot', at, id }
  }

  return {
    reserve,
    tryReserve(request) {
      const state = get(request.group)
      if (banned(state, request.now) || state.earliest(request) > request.now) return undefined
      return reserve(request)
    },
    release(group, id, at) {
      const state = groups.get(group)
      const index = state ? state.ids.lastIndexOf(id) : -1
      if (!state || index < 0) return
      state.sent.splice(index, 1)
      state.ids.splice(index, 1)
      if (Math.floor(at / 1000) === state.liveSecond) state.liveRemaining++
    },
    report(group, report) {
      const state = get(group)
      if (report.kind === 'pause') state.pausedUntil = Math.max(state.pausedUntil, report.until)
      else if (report.kind === 'ban') state.ban = report.error
      else {
        const second = Math.floor(report.at / 1000)
        if (second > state.liveSecond) {
          state.liveSecond = second
          state.liveRemaining = report.sec
        } else if (second === state.liveSecond) state.liveRemaining = Math.min(state.liveRemaining, report.sec)
      }
    },
    hold(group) {
      const state = groups.get(group)
      return { pausedUntil: state?.pausedUntil ?? 0, ban: state?.ban }
    },
    tracked: (group) => groups.get(group)?.sent.length ?? 0,
  }
}
