/**
 * The daemon serves one request at a time and keeps executing a request after the client stopped waiting for it.
 * These tests pin what the client does about that: probes never wait past their budget, a timed-out call is never
 * sent again into the busy daemon, and an error after retries tells whether any attempt may have reached it.
 */
import { describe, expect, it, vi } from 'vitest'
import type { ClientHooks } from './client.js'
import { createElectronCashClient } from './client.js'
import { ConnectionError, DaemonBusyError, TimeoutError } from './errors.js'
import { useFakeDaemons } from './test-support/daemons.js'
import { failingFetch } from './test-support/failing-fetch.js'

const fakes = useFakeDaemons()

function recorder() {
  const events: { hook: string; method: string }[] = []
  let onSent: () => void = () => undefined
  const sent = new Promise<void>((resolve) => {
    onSent = resolve
  })
  const hooks: ClientHooks = {
    onRequest: (event) => {
      events.push({ hook: 'request', method: event.method })
      onSent()
    },
    onRetry: (event) => events.push({ hook: 'retry', method: event.method }),
  }
  return { events, hooks, sent, sends: () => events.filter((e) => e.hook === 'request').length }
}

/** Waits until the daemon holds the stalled request: under load a request the client sent may not have arrived yet. */
async function heldByDaemon(daemon: { readonly stalled: number }) {
  await vi.waitFor(() => expect(daemon.stalled).toBe(1), { timeout: 30_000 })
}

describe('probes answer within their budget while the daemon is busy', () => {
  it('a probe started during a 30 s network stall reports busy (degraded) with how long, before the stall ends', async () => {
    const daemon = await fakes.start({ networkStallSeconds: 30 })
    const rec = recorder()
    const client = fakes.connect(daemon, { hooks: rec.hooks })
    let stallOver = false
    const stalled = client
      .getAddressBalance({ address: daemon.wallet.addresses[0]! })
      .catch((error: unknown) => error)
      .finally(() => {
        stallOver = true
      })
    await rec.sent
    const result = await client.probe({ timeoutMs: 5_000, busyAfterMs: 50 })
    expect(stallOver).toBe(false)
    expect(result).toMatchObject({ status: 'degraded', reason: 'busy', answers: false })
    expect(result.busyForMs).toBeGreaterThan(0)
    // The probe sent nothing into the busy daemon.
    expect(rec.sends()).toBe(1)
    await daemon.close()
    await stalled
  })

  it('a call with queueTimeoutMs rejects with DaemonBusyError (never sent) while the daemon is busy', async () => {
    const daemon = await fakes.start()
    daemon.inject({ type: 'stall' }, { times: 1 })
    const rec = recorder()
    const client = fakes.connect(daemon, { hooks: rec.hooks })
    const first = client.getBalance()
    await rec.sent
    const error = await client.createNewAddress({}, { queueTimeoutMs: 20 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DaemonBusyError)
    expect(error).toMatchObject({ sent: false, code: 'busy', method: 'createnewaddress' })
    await heldByDaemon(daemon)
    await daemon.releaseStalled()
    await first
    expect(daemon.calls.map((c) => c.method)).toEqual(['getbalance'])
  })
})

describe('a call the daemon may still be running is never re-sent', () => {
  it('after a client timeout the daemon counts as busy until it answers: no re-send, queued calls wait, then run', async () => {
    const daemon = await fakes.start()
    daemon.inject({ type: 'stall' }, { times: 1 })
    const rec = recorder()
    const client = fakes.connect(daemon, { hooks: rec.hooks, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1, jitter: false } })
    const error = await client.getBalance({}, { timeoutMs: 50 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ sent: true, attempts: 1 })
    expect(rec.sends()).toBe(1)
    // Busy, not failed: the endpoint stays healthy and a probe says busy at once.
    expect(client.endpoints()[0]).toMatchObject({ healthy: true, abandoned: 1 })
    expect(await client.probe({ busyAfterMs: 60_000 })).toMatchObject({ status: 'degraded', reason: 'busy' })
    // A new call waits in the client's queue instead of piling into the daemon.
    const next = client.version()
    await vi.waitFor(() => expect(client.endpoints()[0]?.waiting).toBe(1), { timeout: 30_000 })
    expect(rec.sends()).toBe(1)
    await heldByDaemon(daemon)
    await daemon.releaseStalled()
    expect(await next).toBe('4.4.5')
    expect(daemon.calls.map((c) => c.method)).toEqual(['getbalance', 'version'])
    expect(client.endpoints()[0]?.abandoned).toBe(0)
  })

  it('networkTimeoutMs below the daemon 30 s: a timed-out network call is sent once and the endpoint is not marked unhealthy', async () => {
    const daemon = await fakes.start({ networkStallSeconds: 30 })
    const rec = recorder()
    const client = fakes.connect(daemon, {
      hooks: rec.hooks,
      networkTimeoutMs: 50,
      retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1, jitter: false },
    })
    const error = await client.getAddressBalance({ address: daemon.wallet.addresses[0]! }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(rec.events.filter((e) => e.method === 'getaddressbalance')).toEqual([{ hook: 'request', method: 'getaddressbalance' }])
    expect(client.endpoints()[0]).toMatchObject({ healthy: true, abandoned: 1 })
    // A call queued meanwhile is not sent into the busy daemon, so it does not time out there either.
    const queued = client.getBalance({}, { timeoutMs: 50, retry: false }).catch((e: unknown) => e)
    await vi.waitFor(() => expect(client.endpoints()[0]?.waiting).toBe(1), { timeout: 30_000 })
    expect(rec.sends()).toBe(1)
    await daemon.close()
    expect(await queued).toBeInstanceOf(ConnectionError)
  })

  it('with a second daemon, a safe call that timed out continues there, never on the busy one', async () => {
    const primary = await fakes.start()
    const backup = await fakes.start()
    primary.inject({ type: 'stall' }, { times: 1 })
    const rec = recorder()
    // The clock moves only when the test says so: 50 ms pass for the stalled primary, none for the backup's answer.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    let balance: unknown
    try {
      const client = fakes.connect([primary, backup], { timeoutMs: 50, hooks: rec.hooks })
      const pending = client.getBalance()
      await rec.sent
      await vi.advanceTimersByTimeAsync(50)
      balance = await pending
    } finally {
      vi.useRealTimers()
    }
    expect(balance).toEqual({ confirmed: 0n, unconfirmed: 0n, unmatured: 0n })
    expect(backup.calls.map((c) => c.method)).toEqual(['getbalance'])
    await heldByDaemon(primary)
    await primary.releaseStalled()
    expect(primary.calls.map((c) => c.method)).toEqual(['getbalance'])
  })

  it('a daemon busy past busyLimitMs counts as hung: the request is closed and the endpoint marked failed', async () => {
    const daemon = await fakes.start()
    daemon.inject({ type: 'hang' }, { times: 1 })
    const client = fakes.connect(daemon, { busyLimitMs: 100, retry: false })
    await expect(client.getBalance({}, { timeoutMs: 20 })).rejects.toBeInstanceOf(TimeoutError)
    await vi.waitFor(() => expect(client.endpoints()[0]).toMatchObject({ abandoned: 0, healthy: false, active: 0 }), {
      timeout: 30_000,
    })
    daemon.clearFaults() // the daemon comes back
    expect(await client.version()).toBe('4.4.5')
    expect(client.endpoints()[0]?.healthy).toBe(true)
  })
})

describe('an error after retries describes every attempt', () => {
  /** A fetch that fails with the given system errors in turn (the last one for ever after). */
  const failing = (codes: string[]) => failingFetch(codes)
  const client = (fetch: typeof globalThis.fetch) =>
    createElectronCashClient({
      url: 'http://127.0.0.1:7777',
      username: 'u',
      password: 'p',
      env: {},
      fetch,
      retry: { retries: 2, minDelayMs: 0, maxDelayMs: 0, jitter: false },
    })

  it('error: a reset then refusals ends with sent: true and says an attempt may have reached the daemon', async () => {
    const stub = failing(['ECONNRESET', 'ECONNREFUSED', 'ECONNREFUSED'])
    const error = await client(stub.fetch)
      .getBalance()
      .catch((e: unknown) => e)
    expect(stub.calls()).toBe(3)
    expect(error).toBeInstanceOf(ConnectionError)
    expect(error).toMatchObject({ sent: true, attempts: 3, errno: 'ECONNREFUSED' })
    expect((error as Error).message).toMatch(/failed after 3 attempts .*1: ECONNRESET .*may have reached the daemon/)
    expect((error as Error).message).not.toMatch(/never reached the daemon/)
  })

  it('error: refusals only end with sent: false, "no attempt reached the daemon"', async () => {
    const stub = failing(['ECONNREFUSED'])
    const error = await client(stub.fetch)
      .addRequest({ amount: 1_000n })
      .catch((e: unknown) => e)
    expect(stub.calls()).toBe(3)
    expect(error).toMatchObject({ name: 'ConnectionError', sent: false, attempts: 3 })
    expect((error as Error).message).toMatch(/no attempt reached the daemon/)
  })
})
