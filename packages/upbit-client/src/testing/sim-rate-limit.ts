/**
 * The simulator's rate limits: fixed windows per group and caller, `Remaining-Req` on every answer, 429 with a
 * plain-text body over the budget, and a 418 ban after repeated 429s (duration in `Retry-After` and the body).
 */
import { DEFAULT_BUDGETS, type GroupBudget } from '../rate-limiter.js'

export type RateVerdict = { kind: 'ok'; remaining: number } | { kind: 'limited' } | { kind: 'banned'; retryAfterSeconds: number }

export interface SimRateLimitOptions {
  /** Per-group budgets. Default: Upbit's documented budgets. */
  budgets?: Record<string, GroupBudget>
  /**
   * 429s that turn into a 418 ban when the caller keeps sending: counted from `banGraceMs` after the first 429 of
   * a run (requests already in flight when it was answered do not count); a success ends the run. Default 10.
   */
  banAfter429s?: number
  /** Time a client gets to react to its first 429 before further 429s count towards a ban. Default 1000 ms. */
  banGraceMs?: number
  /** Ban length. Default 30000 ms. */
  banMs?: number
}

interface Counter {
  window: number
  count: number
  consecutive429: number
  firstLimitedAt: number
  bannedUntil: number
}

export class SimRateLimits {
  private readonly counters = new Map<string, Counter>()
  // Windows start on the whole second the simulator started: 1 s windows match Upbit's "current second" (the
  // client's sec=0 rule waits for the next wall-clock second), longer ones never split right after start.
  private readonly origin: number

  constructor(
    private readonly options: SimRateLimitOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.origin = Math.floor(now() / 1000) * 1000
  }

  budget(group: string): GroupBudget {
    return this.options.budgets?.[group] ?? DEFAULT_BUDGETS[group] ?? DEFAULT_BUDGETS.default!
  }

  /** Counts one request of `caller` (access key or IP) in `group`. */
  take(group: string, caller: string): RateVerdict {
    const key = `${group}\u0000${caller}`
    const now = this.now()
    const budget = this.budget(group)
    const window = Math.floor((now - this.origin) / budget.intervalMs)
    let counter = this.counters.get(key)
    if (!counter) {
      counter = { window, count: 0, consecutive429: 0, firstLimitedAt: -1, bannedUntil: 0 }
      this.counters.set(key, counter)
    }
    if (now < counter.bannedUntil) return { kind: 'banned', retryAfterSeconds: Math.ceil((counter.bannedUntil - now) / 1000) }
    if (counter.window !== window) {
      counter.window = window
      counter.count = 0
    }
    if (counter.count >= budget.limit) {
      if (counter.firstLimitedAt < 0) counter.firstLimitedAt = now
      if (now - counter.firstLimitedAt >= (this.options.banGraceMs ?? 1000)) counter.consecutive429++
      if (counter.consecutive429 >= (this.options.banAfter429s ?? 10)) {
        const banMs = this.options.banMs ?? 30_000
        counter.bannedUntil = now + banMs
        counter.consecutive429 = 0
        counter.firstLimitedAt = -1
        return { kind: 'banned', retryAfterSeconds: Math.ceil(banMs / 1000) }
      }
      return { kind: 'limited' }
    }
    counter.count++
    counter.consecutive429 = 0
    counter.firstLimitedAt = -1
    return { kind: 'ok', remaining: budget.limit - counter.count }
  }
}
