import { EventEmitter, once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createUpbitClient } from './client.js'
import { UpbitTimeoutError } from './errors.js'
import { createTimeouts } from './timeouts.js'

describe('shared timeout slots', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  /** A manual clock: the slots read it, fake timers fire the deadlines. */
  function fakeClock() {
    vi.useFakeTimers()
    let t = 0
    return {
      now: () => t,
      advance: (ms: number) => {
        t += ms
        vi.advanceTimersByTime(ms)
      },
    }
  }

  it('a slot aborts no earlier than timeoutMs after the last request that joined it started', () => {
    const clock = fakeClock()
    const timeouts = createTimeouts(100, { slotMs: 10, now: clock.now })
    const first = timeouts.enter()
    clock.advance(9)
    const second = timeouts.enter()
    expect(second.signal).toBe(first.signal)
    clock.advance(99) // t = 108: the second request has waited 99 ms
    expect(second.signal.aborted).toBe(false)
    clock.advance(2) // t = 110: both have waited at least 100 ms
    expect(second.signal.aborted).toBe(true)
  })

  it('a request after the slot window opens a new slot with its own deadline', () => {
    const clock = fakeClock()
    const timeouts = createTimeouts(100, { slotMs: 10, now: clock.now })
    const first = timeouts.enter()
    clock.advance(10)
    const later = timeouts.enter()
    expect(later.signal).not.toBe(first.signal)
    clock.advance(100) // t = 110: the first slot's deadline
    expect(first.signal.aborted).toBe(true)
    expect(later.signal.aborted).toBe(false)
    clock.advance(10)
    expect(later.signal.aborted).toBe(true)
  })

  it('at most maxPerSlot requests share one signal', () => {
    const clock = fakeClock()
    const timeouts = createTimeouts(1000, { maxPerSlot: 3, now: clock.now })
    const signals = Array.from({ length: 7 }, () => timeouts.enter().signal)
    expect(new Set(signals).size).toBe(3)
  })

  it('the timer is cleared once the last request of a slot leaves: nothing fires after the work is done', () => {
    const clock = fakeClock()
    const timeouts = createTimeouts(10_000, { now: clock.now })
    const a = timeouts.enter()
    const b = timeouts.enter()
    expect(vi.getTimerCount()).toBe(1)
    timeouts.leave(a)
    expect(vi.getTimerCount()).toBe(1)
    timeouts.leave(b)
    expect(vi.getTimerCount()).toBe(0)
    clock.advance(20_000)
    expect(a.signal.aborted).toBe(false)
    // The emptied slot is not reused: the next request gets a fresh deadline.
    expect(timeouts.enter().signal).not.toBe(a.signal)
  })

  it('a slot that timed out is never joined again', () => {
    const clock = fakeClock()
    const timeouts = createTimeouts(50, { slotMs: 5, now: clock.now })
    const hung = timeouts.enter()
    clock.advance(60)
    expect(hung.signal.aborted).toBe(true)
    expect(timeouts.enter().signal.aborted).toBe(false)
  })

  it('a timeout longer than setTimeout can hold means no timeout, not an instant one', () => {
    const clock = fakeClock()
    const timeouts = createTimeouts(Number.POSITIVE_INFINITY, { now: clock.now })
    expect(timeouts.enabled).toBe(false)
    const slot = timeouts.enter()
    expect(vi.getTimerCount()).toBe(0)
    clock.advance(3_000_000_000)
    expect(slot.signal.aborted).toBe(false)
  })
})

describe('which signal fetch receives', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  /** A fetch that records the signal it was given and answers an empty list. */
  function recordingFetch() {
    const signals: Array<AbortSignal | null | undefined> = []
    const fetch = async (_url: string | URL | Request, init?: RequestInit) => {
      signals.push(init?.signal)
      return new Response('[]', { headers: { 'content-type': 'application/json' } })
    }
    return { fetch, signals }
  }

  it('calls that start together share one timeout signal', async () => {
    // "Together" means within one slot of the monotonic clock. The clock is frozen here, so a busy machine that
    // takes a while between the three calls cannot split them into two slots.
    vi.useFakeTimers({ toFake: ['performance'] })
    const { fetch, signals } = recordingFetch()
    const client = createUpbitClient({ baseUrl: 'http://127.0.0.1:9', fetch, rateLimit: { enabled: false } })
    await Promise.all([client.getMarkets(), client.getMarkets(), client.getMarkets()])
    expect(signals).toHaveLength(3)
    expect(signals[0]).toBeInstanceOf(AbortSignal)
    expect(new Set(signals).size).toBe(1)
  })

  it('calls a slot apart get their own timeout signals', async () => {
    vi.useFakeTimers({ toFake: ['performance'] })
    const { fetch, signals } = recordingFetch()
    const client = createUpbitClient({ baseUrl: 'http://127.0.0.1:9', fetch, rateLimit: { enabled: false } })
    const first = client.getMarkets()
    vi.advanceTimersByTime(100) // the default slot for the default 10 s timeout is 100 ms
    await Promise.all([first, client.getMarkets()])
    expect(signals).toHaveLength(2)
    expect(signals[0]).not.toBe(signals[1])
  })

  it('with timeoutMs Infinity and no caller signal, fetch gets no signal at all', async () => {
    const { fetch, signals } = recordingFetch()
    const client = createUpbitClient({ baseUrl: 'http://127.0.0.1:9', fetch, timeoutMs: Number.POSITIVE_INFINITY })
    await client.getMarkets()
    const controller = new AbortController()
    await client.getMarkets({}, { signal: controller.signal })
    expect(signals[0]).toBeNull()
    expect(signals[1]).toBeInstanceOf(AbortSignal) // follows the caller's signal
  })
})

describe('timeouts against a real server', () => {
  let close: (() => Promise<void>) | undefined
  afterEach(async () => {
    vi.useRealTimers()
    await close?.()
    close = undefined
  })

  /**
   * A loopback server that answers /v1/market/all at once and never answers /v1/ticker. `received(url)` and
   * `aborted(url)` resolve when the server saw that request arrive, or its connection go away unanswered: the
   * tests wait for these events, never for time to pass.
   */
  async function startServer() {
    const sockets = new Set<Socket>()
    const events = new EventEmitter()
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = req.url ?? ''
      events.emit(`received ${url}`)
      if (url.startsWith('/v1/market/all')) {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify([{ market: 'KRW-BTC' }]))
        return
      }
      res.on('close', () => {
        if (!res.writableEnded) events.emit(`aborted ${url}`)
      })
    })
    server.on('connection', (socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    close = () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
    return {
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      received: (url: string) => once(events, `received ${url}`),
      aborted: (url: string) => once(events, `aborted ${url}`),
    }
  }

  it('a timeout aborts the request on the wire, and a call that shared its slot but answered in time succeeds', async () => {
    const server = await startServer()
    // Fake timers and clock: the timeout fires when the test says time has passed, however slow the machine is.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const client = createUpbitClient({
      baseUrl: server.baseUrl,
      timeoutMs: 100,
      retry: { retries: 0 },
      rateLimit: { enabled: false },
    })
    const ticker = '/v1/ticker?markets=KRW-BTC'
    const arrived = server.received(ticker)
    const aborted = server.aborted(ticker)
    const hung = client.getTicker({ markets: ['KRW-BTC'] })
    await expect(client.getMarkets()).resolves.toEqual([{ market: 'KRW-BTC' }])
    await arrived
    // A 100 ms timeout in a 10 ms slot fires by 110 ms (never early: see the slot tests above).
    vi.advanceTimersByTime(110)
    const error = await hung.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpbitTimeoutError)
    expect((error as UpbitTimeoutError).message).toContain(ticker)
    // The server saw the connection go away: the request was aborted, not just abandoned.
    await aborted
  })

  it('a caller signal still aborts a call whose timeout is far away', async () => {
    const server = await startServer()
    const client = createUpbitClient({
      baseUrl: server.baseUrl,
      timeoutMs: 60_000,
      retry: { retries: 0 },
      rateLimit: { enabled: false },
    })
    const ticker = '/v1/ticker?markets=KRW-BTC'
    const arrived = server.received(ticker)
    const aborted = server.aborted(ticker)
    const controller = new AbortController()
    const pending = client.getTicker({ markets: ['KRW-BTC'] }, { signal: controller.signal })
    await arrived
    controller.abort(new Error('bot shutting down'))
    await expect(pending).rejects.toThrow('bot shutting down')
    await aborted
  })
})
