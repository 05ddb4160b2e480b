/**
 * The simulator's rate limits: fixed windows per group and caller, `Remaining-Req` on every answer, 429 with a
 * plain-text body over the budget, and a 418 ban after repeated 429s (duration in `Retry-After` and the body).
 */
import { DEFAULT_BUDGETS, type GroupBudget } from '../rate-limiter.js'

export type RateVerdict = { kind: 'ok'; remaining: number } | { kind: 'limited' } | { kind: 'banned'; retryAfterSeconds: number }

export interface SimRateLimitOptions {
  /** Per-group budgets. Default: Upbit's documented budgets. */
  budgets?: Record<string, GroupBudget>
  /** Consecutive 429s that turn into a 418 ban. Default 10. */
  banAfter429s?: number
  /** Ban length. Default 30000 ms. */
  banMs?: number
}

interface Counter {
  window: number
  count: number
  consecutive429: number
  bannedUntil: number
}

export class SimRateLimits {
  private readonly counters = new Map<string, Counter>()

  constructor(
    private readonly options: SimRateLimitOptions,
    private readonly now: () => number = Date.now,
  ) {}

  budget(group: string): GroupBudget {
    return this.options.budgets?.[group] ?? DEFAULT_BUDGETS[group] ?? DEFAULT_BUDGETS.default!
  }

  /** Counts one request of `caller` (access key or IP) in `group`. */
  take(group: string, caller: string): RateVerdict {
    const key = `${group}\u0000${caller}`
    const now = this.now()
    const budget = this.budget(group)
    const window = Math.floor(now / budget.intervalMs)
    let counter = this.counters.get(key)
    if (!counter) {
      counter = { window, count: 0, consecutive429: 0, bannedUntil: 0 }
      this.counters.set(key, counter)
    }
    if (now < counter.bannedUntil) return { kind: 'banned', retryAfterSeconds: Math.ceil((counter.bannedUntil - now) / 1000) }
    if (counter.window !== window) {
      counter.window = window
      counter.count = 0
    }
    if (counter.count >= budget.limit) {
      counter.consecutive429++
      if (counter.consecutive429 >= (this.options.banAfter429s ?? 10)) {
        const banMs = this.options.banMs ?? 30_000
        counter.bannedUntil = now + banMs
        counter.consecutive429 = 0
        return { kind: 'banned', retryAfterSeconds: Math.ceil(banMs / 1000) }
      }
      return { kind: 'limited' }
    }
    counter.count++
    counter.consecutive429 = 0
    return { kind: 'ok', remaining: budget.limit - counter.count }
  }
}
