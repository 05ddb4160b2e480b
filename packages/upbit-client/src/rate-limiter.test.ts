import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, it, vi } from 'vitest'
import { UpbitBanError } from './errors.js'
import { createRateLimiter, realClock } from './rate-limiter.js'
import { virtualClock } from './test-support/virtual-clock.js'

describe('rate limiter', () => {
  it('a disabled limiter remembers no sends, so a long-running client does not grow memory', async () => {
    const limiter = createRateLimiter({ enabled: false }, virtualClock())
    for (let i = 0; i < 10_000; i++) await limiter.acquire('ticker')
    expect(limiter.tracked('ticker')).toBe(0)
  })

  it('an enabled limiter remembers at most one window of sends', async () => {
    const clock = virtualClock()
    const limiter = createRateLimiter({ marginMs: 0 }, clock)
    for (let i = 0; i < 100; i++) {
      await limiter.acquire('ticker')
      clock.t += 150
    }
    expect(limiter.tracked('ticker')).toBeGreaterThan(0)
    expect(limiter.tracked('ticker')).toBeLessThanOrEqual(10)
  })

  it('tryAcquire takes a free slot at once, and declines (taking nothing) when the window is full or a caller waits', async () => {
    const clock = virtualClock()
    const limiter = createRateLimiter({ marginMs: 0, budgets: { g: { limit: 2, intervalMs: 1000 } } }, clock)
    expect(limiter.tryAcquire('g')).toBeDefined()
    expect(limiter.tryAcquire('g')).toBeDefined()
    expect(limiter.tryAcquire('g')).toBeUndefined()
    expect(limiter.tracked('g')).toBe(2)
    const waiting = limiter.acquire('g') // queued behind the full window
    expect(limiter.tryAcquire('g')).toBeUndefined() // never jumps the queue
    await waiting
    expect(clock.now()).toBe(1_001_000)
    const aborted = AbortSignal.abort(new Error('stop'))
    clock.t += 5000
    expect(limiter.tryAcquire('g', aborted)).toBeUndefined()
  })

  it('queues calls instead of failing and never exceeds the budget in any window', async () => {
    const clock = virtualClock()
    const limiter = createRateLimiter({ marginMs: 50 }, clock)
    const times: number[] = []
    await Promise.all(Array.from({ length: 35 }, () => limiter.acquire('ticker').then(() => times.push(clock.now()))))
    expect(times).toHaveLength(35)
    for (let i = 0; i + 10 < times.length; i++) expect(times[i + 10]! - times[i]!).toBeGreaterThanOrEqual(1050)
    // ...and uses it: the 11th call goes out as soon as the first leaves the window.
    expect(times[10]! - times[0]!).toBe(1050)
  })

  it('uses the documented budgets per group: order 12/s, order-test 8/s, batch cancel 1 per 2 s', async () => {
    const clock = virtualClock()
    const limiter = createRateLimiter({ marginMs: 0 }, clock)
    const sentWithin = async (group: string, n: number) => {
      const start = clock.now()
      for (let i = 0; i < n; i++) await limiter.acquire(group)
      return clock.now() - start
    }
    expect(await sentWithin('order', 12)).toBe(0)
    expect(await sentWithin('order', 1)).toBe(1000)
    expect(await sentWithin('order-test', 8)).toBe(0)
    expect(await sentWithin('order-cancel-all', 2)).toBe(2000)
  })

  it('widens its window margin once per 429 episode and narrows it again on success', async () => {
    const clock = virtualClock()
    const limiter = createRateLimiter({ marginMs: 25, budgets: { g: { limit: 1, intervalMs: 1000 } } }, clock)
    expect(limiter.marginMs()).toBe(25)
    for (let i = 0; i < 12; i++) limiter.backoff('g') // one burst's 429s arrive together
    expect(limiter.marginMs()).toBe(75)
    await limiter.acquire('g')
    const start = clock.now()
    await limiter.acquire('g')
    expect(clock.now() - start).toBe(1075)
    for (let i = 0; i < 30; i++) limiter.succeeded('g')
    expect(limiter.marginMs()).toBe(45)
    for (let i = 0; i < 20; i++) {
      clock.t += 2000
      limiter.backoff('g')
    }
    expect(limiter.marginMs()).toBe(500)
  })

  it('Remaining-Req sec=0 holds the group until the next second', async () => {
    const clock = virtualClock(5_000_300)
    const limiter = createRateLimiter({ marginMs: 20 }, clock)
    await limiter.acquire('default')
    limiter.update('default', { group: 'default', sec: 0 })
    await limiter.acquire('default')
    expect(clock.now()).toBe(5_001_020)
  })

  it('follows a live header that reports less budget than ours (another bot shares the pocket)', async () => {
    const clock = virtualClock(7_000_000)
    const limiter = createRateLimiter({ marginMs: 0 }, clock)
    await limiter.acquire('default')
    limiter.update('default', { group: 'default', sec: 2 })
    const times: number[] = []
    for (let i = 0; i < 3; i++) {
      await limiter.acquire('default')
      times.push(clock.now())
    }
    expect(times).toEqual([7_000_000, 7_000_000, 7_001_000])
  })

  it('backs off after 429, doubling for consecutive ones and capped', async () => {
    const clock = virtualClock()
    const limiter = createRateLimiter({ backoffMs: 100 }, clock)
    expect([limiter.backoff('candle'), limiter.backoff('candle'), limiter.backoff('candle')]).toEqual([100, 200, 400])
    for (let i = 0; i < 10; i++) limiter.backoff('candle')
    expect(limiter.backoff('candle')).toBe(5000)
    // a 429 that carries Remaining-Req (sec=0) does not reset the run; a success does
    limiter.update('candle', { group: 'candle', sec: 0 })
    expect(limiter.backoff('candle')).toBe(5000)
    limiter.succeeded('candle')
    expect(limiter.backoff('candle')).toBe(100)
  })

  it('error: a banned group fails fast with the ban until it ends, then sends again', async () => {
    const clock = virtualClock()
    const limiter = createRateLimiter({}, clock)
    const ban = new UpbitBanError({
      method: 'GET',
      url: 'https://api.upbit.com/v1/ticker',
      status: 418,
      errorName: undefined,
      upbitMessage: 'blocked',
      group: 'ticker',
      banMs: 30_000,
      bannedUntil: clock.now() + 30_000,
    })
    limiter.ban('ticker', ban)
    await expect(limiter.acquire('ticker')).rejects.toBe(ban)
    expect(limiter.bannedUntil('ticker')).toBe(ban.bannedUntil)
    await limiter.acquire('market')
    clock.t += 30_000
    await limiter.acquire('ticker')
    expect(limiter.bannedUntil('ticker')).toBeUndefined()
  })

  it('an aborted caller leaves the queue without blocking the others', async () => {
    const clock = virtualClock()
    const limiter = createRateLimiter({ budgets: { x: { limit: 1, intervalMs: 1000 } } }, clock)
    await limiter.acquire('x')
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(limiter.acquire('x', controller.signal)).rejects.toThrow('stop')
    await limiter.acquire('x')
    expect(clock.now()).toBeGreaterThan(1_000_000)
  })

  it('a caller aborted while it waits gives its slot back: the next caller takes that slot', async () => {
    const clock = virtualClock()
    const limiter = createRateLimiter({ marginMs: 0, budgets: { g: { limit: 1, intervalMs: 1000 } } }, clock)
    await limiter.acquire('g')
    const controller = new AbortController()
    const aborted = limiter.acquire('g', controller.signal) // holds the slot at +1000
    const next = limiter.acquire('g') // holds the slot at +2000
    controller.abort(new Error('stop'))
    await expect(aborted).rejects.toThrow('stop')
    expect(limiter.tracked('g')).toBe(2)
    const third = limiter.acquire('g') // takes the slot the aborted caller gave back... after `next`: slots stay in order
    await next
    expect(clock.now()).toBe(1_002_000)
    await third
    expect(clock.now()).toBe(1_003_000)
  })

  it('a 429 pause that arrives while callers hold later slots moves them past the pause', async () => {
    const clock = virtualClock()
    const limiter = createRateLimiter({ marginMs: 0, backoffMs: 3000, budgets: { g: { limit: 1, intervalMs: 1000 } } }, clock)
    await limiter.acquire('g')
    const sent: number[] = []
    const waiting = [limiter.acquire('g'), limiter.acquire('g')].map((p) => p.then(() => sent.push(clock.now())))
    limiter.backoff('g') // no sends before 1_003_000; the 429 also widens the margin to 50 ms
    await Promise.all(waiting)
    // Both wake at their old slots, find the pause, and take new ones after it, a widened window apart.
    expect(sent).toEqual([1_003_050, 1_004_100])
  })

  it('error: a ban that arrives while callers wait fails them with the ban', async () => {
    const clock = virtualClock()
    const limiter = createRateLimiter({ budgets: { g: { limit: 1, intervalMs: 1000 } } }, clock)
    await limiter.acquire('g')
    const waiting = limiter.acquire('g')
    const ban = new UpbitBanError({
      method: 'GET',
      url: 'https://api.upbit.com/v1/accounts',
      status: 418,
      errorName: undefined,
      upbitMessage: 'blocked',
      group: 'g',
      banMs: 60_000,
      bannedUntil: clock.now() + 60_000,
    })
    limiter.ban('g', ban)
    await expect(waiting).rejects.toBe(ban)
  })

  it('a caller that wakes later than the margin gives its slot back and queues again, so no window is overfilled', async () => {
    const clock = virtualClock()
    // This clock's first long sleep oversleeps by 300 ms, as a starved event loop would.
    const sleep = clock.sleep
    let overslept = false
    clock.sleep = async (ms, signal) => {
      await sleep(ms, signal)
      if (!overslept && ms >= 1000) {
        overslept = true
        clock.t += 300
      }
    }
    const limiter = createRateLimiter({ marginMs: 25, budgets: { g: { limit: 1, intervalMs: 1000 } } }, clock)
    await limiter.acquire('g')
    const sent: Array<[string, number]> = []
    const late = limiter.acquire('g').then(() => sent.push(['late', clock.now()]))
    const next = limiter.acquire('g').then(() => sent.push(['next', clock.now()]))
    await Promise.all([late, next])
    // `late` held 1_001_025 but woke at 1_001_325; `next` holds 1_002_050. Sent at 1_001_325 the late one would
    // have been 725 ms before `next`: instead it goes after it.
    expect(sent).toEqual([
      ['next', 1_002_050],
      ['late', 1_003_075],
    ])
  })

  it('the real clock never ends a sleep before Date.now() reaches its end, even when the timer fires early', async () => {
    // Real timers with a frozen wall clock: every timer the sleep sets fires "early" as far as Date.now() can tell.
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_000)
    try {
      let done = false
      const sleeping = realClock.sleep(20).then(() => {
        done = true
      })
      await delay(60) // three of the sleep's timers have fired by now (a timer set earlier and shorter fires first)
      expect(done).toBe(false)
      now.mockReturnValue(1_020)
      await sleeping
      expect(done).toBe(true)
    } finally {
      now.mockRestore()
    }
  })

  it("the real clock: an aborted sleep rejects with the signal's reason, at once", async () => {
    const controller = new AbortController()
    const reason = new Error('stopped by the caller')
    const sleeping = realClock.sleep(60_000, controller.signal)
    controller.abort(reason)
    await expect(sleeping).rejects.toBe(reason)
    await expect(realClock.sleep(60_000, controller.signal)).rejects.toBe(reason)
  })

  it('confirm: a slot about to be used later than the margin (held up since it was taken) is given back and refused', async () => {
    const clock = virtualClock()
    const limiter = createRateLimiter({ marginMs: 25, budgets: { g: { limit: 1, intervalMs: 1000 } } }, clock)
    const onTime = await limiter.acquire('g')
    expect(limiter.confirm(onTime)).toBe(true)
    const held = await limiter.acquire('g') // the slot at 1_001_025
    clock.t += 26 // e.g. a busy event loop between taking the slot and sending
    expect(limiter.confirm(held)).toBe(false)
    expect(limiter.tracked('g')).toBe(1) // given back: only the first send remains
  })
})
