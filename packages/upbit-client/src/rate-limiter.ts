/**
 * One limiter per Upbit rate-limit group. Starts from the documented budgets, follows the live `Remaining-Req`
 * header, queues callers in order instead of failing, pauses a group on 429 and stops it on a 418 ban. The state
 * lives in a `LimiterStore`: in memory by default, or shared by every process on a pocket.
 */
import { setTimeout as delay } from 'node:timers/promises'
import type { RemainingReq, UpbitBanError } from './errors.js'
import { createMemoryLimiterStore, type LimiterStore, type SlotRequest } from './limiter-store.js'

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

/** The quotation groups: Upbit counts them per IP; every other group per pocket (sub-account). */
export const IP_GROUPS: ReadonlySet<string> = new Set(['market', 'candle', 'trade', 'ticker', 'orderbook'])

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
  /**
   * Where the budgets live. Several processes on one pocket share one budget through a shared store
   * (`createRedisLimiterStore` from `@tradekit/upbit-client/redis`). Default: an in-memory store for this client.
   */
  store?: LimiterStore
}

/** Clock and sleep, injectable so tests can drive the limiter without real waiting. */
export interface LimiterClock {
  now(): number
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const realClock: LimiterClock = {
  now: () => Date.now(),
  // Node times a timer from the event loop's cached clock, which lags Date.now() after a busy stretch: the timer
  // can then fire early by that lag. A limiter slot must not be used early, so sleep again for the rest.
  sleep: async (ms, signal) => {
    const until = Date.now() + ms
    try {
      for (let left = ms; left > 0; left = until - Date.now()) await delay(left, undefined, { signal })
    } catch (error) {
      // Callers expect the signal's own reason, not the AbortError node:timers/promises rejects with.
      throw signal?.aborted ? signal.reason : error
    }
  },
}

/** A set of group limiters sharing one configuration. */
/** A send slot taken by `acquire`: `at` is its time (epoch ms). */
export interface Permit {
  group: string
  at: number
  id: string
  /** A re-timed slot is good from `at` until this time (plus the margin). */
  until?: number
}

export interface RateLimiter {
  acquire(group: RateLimitGroup, signal?: AbortSignal): Promise<Permit>
  /** Synchronous fast path of `acquire`: the slot when one was free at once; undefined when the caller must `acquire`. */
  tryAcquire(group: RateLimitGroup, signal?: AbortSignal): Permit | undefined
  /**
   * Called right before sending: true if the slot is still on time. A send more than `marginMs` (as configured) after
   * its slot could land at Upbit in the same second as the next window's sends, so then false is returned: acquire
   * again (a store that re-times moves this slot to the earliest legal instant; another gives it back).
   */
  confirm(permit: Permit): boolean
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
  const store = options.store ?? createMemoryLimiterStore()
  const enabled = options.enabled ?? true
  const baseMargin = options.marginMs ?? 25
  // Learned from 429s: Upbit counted requests closer together than we sent them (jitter wider than the margin).
  let learned = 0
  let lastWiden = Number.NEGATIVE_INFINITY
  const margin = () => Math.min(500, baseMargin + learned)
  const backoffMs = options.backoffMs ?? 250
  const consecutive429 = new Map<string, number>()
  const budgets = new Map<string, GroupBudget>()
  const budgetOf = (group: string) => {
    let budget = budgets.get(group)
    if (!budget) {
      budget = options.budgets?.[group] ?? DEFAULT_BUDGETS[group] ?? DEFAULT_BUDGETS.default!
      budgets.set(group, budget)
    }
    return budget
  }
  const slot = (group: string): SlotRequest => ({
    group,
    budget: budgetOf(group),
    marginMs: margin(),
    now: clock.now(),
    counted: enabled,
  })

  // Slots found late at `confirm` (the call took too long to prepare), kept for the caller's next `acquire` to re-time.
  const missed = new Map<string, Permit[]>()

  async function acquire(group: string, signal?: AbortSignal): Promise<Permit> {
    signal?.throwIfAborted()
    const stale = missed.get(group)?.shift()
    let reservation = await (stale ? retime(stale) : store.reserve(slot(group)))
    for (;;) {
      if (reservation.kind === 'banned') throw reservation.error
      if (reservation.kind === 'later') {
        await clock.sleep(Math.max(0, reservation.retryAt - clock.now()), signal)
        signal?.throwIfAborted()
        reservation = await store.reserve(slot(group))
        continue
      }
      const permit: Permit =
        reservation.until === undefined
          ? { group, at: reservation.at, id: reservation.id }
          : { group, at: reservation.at, id: reservation.id, until: reservation.until }
      const wait = permit.at - clock.now()
      if (wait > 0) {
        try {
          await clock.sleep(wait, signal)
        } catch (error) {
          store.release(group, permit.id, permit.at)
          throw error
        }
        // A 418 or a pause (429, sec=0) that arrived while we waited, seen by any process on the pocket, outranks
        // the slot: a ban fails the call, a pause moves the slot past its end.
        const hold = store.hold(group)
        if (hold.ban && clock.now() < hold.ban.bannedUntil) {
          store.release(group, permit.id, permit.at)
          throw hold.ban
        }
        if (hold.pausedUntil > permit.at) {
          reservation = await retime(permit)
          continue
        }
      }
      // Every window is at least interval + marginMs long, so a send up to marginMs after its slot stays within the
      // budget. A caller that got its answer (or woke up) later than that, e.g. on a starved event loop, would put
      // two windows' sends into one second at Upbit: its slot moves to the earliest legal instant from now (with a
      // store that can re-time in place, usually now; otherwise it is given back and taken anew). The configured
      // margin, not the learned one: every process on a pocket spaces its slots by at least that.
      if (onTime(permit)) return permit
      reservation = await retime(permit)
    }
  }

  function retime(permit: Permit) {
    if (store.retime) return store.retime(slot(permit.group), permit.id, permit.at)
    store.release(permit.group, permit.id, permit.at)
    return store.reserve(slot(permit.group))
  }

  const onTime = (permit: Permit) => clock.now() - (permit.until ?? permit.at) <= baseMargin

  function confirm(permit: Permit): boolean {
    if (onTime(permit)) return true
    // A store that re-times keeps the slot for the next acquire (the transport asks again at once); otherwise it is
    // given back.
    if (store.retime) {
      const list = missed.get(permit.group) ?? []
      list.push(permit)
      missed.set(permit.group, list)
    } else store.release(permit.group, permit.id, permit.at)
    return false
  }

  return {
    maxRetries429: options.maxRetries429 ?? 4,
    acquire,
    confirm,
    tryAcquire(group, signal) {
      // A slot missed at confirm goes first, through acquire (it is re-timed there).
      if (signal?.aborted || missed.get(group)?.length) return undefined
      const reservation = store.tryReserve(slot(group))
      return reservation?.kind === 'slot' ? { group, at: reservation.at, id: reservation.id } : undefined
    },
    update(group, remaining) {
      const now = clock.now()
      store.report(group, { kind: 'remaining', sec: remaining.sec, at: now })
      // sec=0: nothing more this second, for anyone on the pocket.
      if (remaining.sec === 0) store.report(group, { kind: 'pause', until: (Math.floor(now / 1000) + 1) * 1000 + margin() })
    },
    marginMs: margin,
    succeeded: (group) => {
      learned = Math.max(0, learned - 1)
      consecutive429.delete(group)
    },
    backoff: (group) => {
      // One widening per episode: concurrent requests of the same burst all get their 429 together.
      if (clock.now() - lastWiden > 1000) {
        learned = Math.min(500 - baseMargin, learned + 50)
        lastWiden = clock.now()
      }
      const run = consecutive429.get(group) ?? 0
      consecutive429.set(group, run + 1)
      const delay = Math.min(5000, backoffMs * 2 ** run)
      store.report(group, { kind: 'pause', until: clock.now() + delay })
      return delay
    },
    ban: (group, error) => store.report(group, { kind: 'ban', error }),
    tracked: (group) => store.tracked(group),
    bannedUntil: (group) => {
      const ban = store.hold(group).ban
      return ban && ban.bannedUntil > clock.now() ? ban.bannedUntil : undefined
    },
  }
}
