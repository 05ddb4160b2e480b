/**
 * One limiter per Upbit rate-limit group. Starts from the documented budgets, follows the live `Remaining-Req`
 * header, queues callers in order instead of failing, pauses a group on 429 and stops it on a 418 ban.
 */
import type { RemainingReq, UpbitBanError } from './errors.js'

/** Upbit's rate-limit groups (any other string is accepted for groups Upbit adds later). */
export type RateLimitGroup =
  | 'market'
  | 'candle'
  | 'trade'
  | 'ticker'
  | 'orderbook'
  | 'default'
  | 'order'
  | 'order-test'
  | 'order-cancel-all'
  | (string & {})

/** At most `limit` requests in any `intervalMs` window. */
export interface GroupBudget {
  limit: number
  intervalMs: number
}

/** Documented budgets (Upbit rate-limit page, 2026): quotation 10/s per group, exchange 30/s, order 12/s since 2026-08-21. */
export const DEFAULT_BUDGETS: Readonly<Record<string, GroupBudget>> = {
  market: { limit: 10, intervalMs: 1000 },
  candle: { limit: 10, intervalMs: 1000 },
  trade: { limit: 10, intervalMs: 1000 },
  ticker: { limit: 10, intervalMs: 1000 },
  orderbook: { limit: 10, intervalMs: 1000 },
  default: { limit: 30, intervalMs: 1000 },
  order: { limit: 12, intervalMs: 1000 },
  'order-test': { limit: 8, intervalMs: 1000 },
  'order-cancel-all': { limit: 1, intervalMs: 2000 },
}

/** Rate-limit options of `createUpbitClient`. */
export interface RateLimitOptions {
  /** Set false to send without client-side limiting (429/418 handling stays on). Default true. */
  enabled?: boolean
  /** Overrides per group, e.g. `{ order: { limit: 8, intervalMs: 1000 } }` for an account still on 8/s. Default: documented budgets. */
  budgets?: Record<string, GroupBudget>
  /**
   * Milliseconds added to each window to absorb jitter between our send time and Upbit's count. Each 429 episode
   * widens it by 50 ms (up to 500 ms); successes narrow it back 1 ms at a time. Default 25.
   */
  marginMs?: number
  /** How many times a 429 is retried after backing off before `UpbitRateLimitError` is thrown. Default 4. */
  maxRetries429?: number
  /** First back-off after a 429, doubled per consecutive 429, capped at 5 s. Default 250 ms. */
  backoffMs?: number
}

/** Clock and sleep, injectable so tests can drive the limiter without real waiting. */
export interface LimiterClock {
  now(): number
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const realClock: LimiterClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      const onAbort = () => {
        clearTimeout(timer)
        reject(signal?.reason)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
    }),
}

class GroupLimiter {
  private readonly sent: number[] = []
  private tail: Promise<void> = Promise.resolve()
  private pausedUntil = 0
  private liveSecond = -1
  private liveRemaining = Number.POSITIVE_INFINITY
  private consecutive429 = 0
  ban: UpbitBanError | undefined

  constructor(
    readonly budget: GroupBudget,
    private readonly margin: () => number,
    private readonly clock: LimiterClock,
    private readonly enabled: boolean,
  ) {}

  private queued = 0

  /** Takes a slot if one is free now and nobody is waiting. False means: call `acquire` (wait, abort or ban). */
  tryAcquire(signal?: AbortSignal): boolean {
    if (this.queued !== 0 || signal?.aborted) return false
    const now = this.clock.now()
    if ((this.ban && now < this.ban.bannedUntil) || this.waitMs(now) > 0) return false
    this.take(now)
    return true
  }

  /** Waits for a slot. Callers are served first come, first served. Throws the ban error while banned. */
  acquire(signal?: AbortSignal): Promise<void> {
    return this.tryAcquire(signal) ? Promise.resolve() : this.acquireQueued(signal)
  }

  private take(now: number): void {
    // A disabled limiter never prunes its window, so it must not record sends either.
    if (this.enabled) this.sent.push(now)
    if (Math.floor(now / 1000) === this.liveSecond) this.liveRemaining--
  }

  private async acquireQueued(signal?: AbortSignal): Promise<void> {
    this.queued++
    const previous = this.tail
    let release!: () => void
    this.tail = new Promise((resolve) => {
      release = resolve
    })
    try {
      await previous
      for (;;) {
        signal?.throwIfAborted()
        const now = this.clock.now()
        if (this.ban && now < this.ban.bannedUntil) throw this.ban
        const wait = this.waitMs(now)
        if (wait <= 0) return this.take(now)
        await this.clock.sleep(wait, signal)
      }
    } finally {
      this.queued--
      release()
    }
  }

  /** How many sends the limiter remembers for its window. */
  get tracked(): number {
    return this.sent.length
  }

  private waitMs(now: number): number {
    if (now < this.pausedUntil) return this.pausedUntil - now
    if (!this.enabled) return 0
    const marginMs = this.margin()
    const window = this.budget.intervalMs + marginMs
    while (this.sent.length > 0 && this.sent[0]! <= now - window) this.sent.shift()
    // The live header said how many are left in this second (others may share the pocket): respect it.
    if (Math.floor(now / 1000) === this.liveSecond && this.liveRemaining <= 0) return 1000 - (now % 1000) + marginMs
    if (this.sent.length < this.budget.limit) return 0
    return this.sent[0]! + window - now
  }

  /** A response that was not a 429 ends a run of 429s (the next back-off starts small again). */
  succeeded(): void {
    this.consecutive429 = 0
  }

  /** Follows a `Remaining-Req` header: `sec=0` pauses until the next second. */
  update(remaining: RemainingReq): void {
    const now = this.clock.now()
    const second = Math.floor(now / 1000)
    if (second > this.liveSecond) {
      this.liveSecond = second
      this.liveRemaining = remaining.sec
    } else if (second === this.liveSecond) this.liveRemaining = Math.min(this.liveRemaining, remaining.sec)
    if (remaining.sec === 0) this.pausedUntil = Math.max(this.pausedUntil, (second + 1) * 1000 + this.margin())
  }

  /** After a 429: pause the whole group, doubling per consecutive 429. Returns the pause in ms. */
  backoff(baseMs: number): number {
    const delay = Math.min(5000, baseMs * 2 ** this.consecutive429++)
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + delay)
    return delay
  }
}

/** A set of group limiters sharing one configuration. */
export interface RateLimiter {
  acquire(group: RateLimitGroup, signal?: AbortSignal): Promise<void>
  /** Synchronous fast path of `acquire`: true when a slot was taken at once; false when the caller must `acquire`. */
  tryAcquire(group: RateLimitGroup, signal?: AbortSignal): boolean
  update(group: RateLimitGroup, remaining: RemainingReq): void
  /** The current margin added to each window, in ms. */
  marginMs(): number
  /** Records a response that was not a 429. */
  succeeded(group: RateLimitGroup): void
  backoff(group: RateLimitGroup): number
  ban(group: RateLimitGroup, error: UpbitBanError): void
  /** The active ban of a group, if any. */
  bannedUntil(group: RateLimitGroup): number | undefined
  /** How many recent sends a group remembers (diagnostics: bounded by the group's budget). */
  tracked(group: RateLimitGroup): number
  readonly maxRetries429: number
}

export function createRateLimiter(options: RateLimitOptions = {}, clock: LimiterClock = realClock): RateLimiter {
  const groups = new Map<string, GroupLimiter>()
  const baseMargin = options.marginMs ?? 25
  // Learned from 429s: Upbit counted requests closer together than we sent them (jitter wider than the margin).
  let learned = 0
  let lastWiden = Number.NEGATIVE_INFINITY
  const margin = () => Math.min(500, baseMargin + learned)
  const backoffMs = options.backoffMs ?? 250
  const get = (group: string) => {
    let limiter = groups.get(group)
    if (!limiter) {
      const budget = options.budgets?.[group] ?? DEFAULT_BUDGETS[group] ?? DEFAULT_BUDGETS.default!
      limiter = new GroupLimiter(budget, margin, clock, options.enabled ?? true)
      groups.set(group, limiter)
    }
    return limiter
  }
  return {
    maxRetries429: options.maxRetries429 ?? 4,
    acquire: (group, signal) => get(group).acquire(signal),
    tryAcquire: (group, signal) => get(group).tryAcquire(signal),
    update: (group, remaining) => get(group).update(remaining),
    marginMs: margin,
    succeeded: (group) => {
      learned = Math.max(0, learned - 1)
      get(group).succeeded()
    },
    backoff: (group) => {
      // One widening per episode: concurrent requests of the same burst all get their 429 together.
      if (clock.now() - lastWiden > 1000) {
        learned = Math.min(500 - baseMargin, learned + 50)
        lastWiden = clock.now()
      }
      return get(group).backoff(backoffMs)
    },
    ban: (group, error) => {
      get(group).ban = error
    },
    tracked: (group) => groups.get(group)?.tracked ?? 0,
    bannedUntil: (group) => {
      const ban = groups.get(group)?.ban
      return ban && ban.bannedUntil > clock.now() ? ban.bannedUntil : undefined
    },
  }
}
