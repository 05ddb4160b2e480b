import { describe, expect, it, vi } from 'vitest'
import type { ClientHooks } from './client.js'
import { ConnectionError } from './errors.js'
import { useFakeDaemons } from './test-support/daemons.js'

const fakes = useFakeDaemons()

function urlsOfRequests() {
  const urls: string[] = []
  const retries: string[] = []
  const hooks: ClientHooks = {
    onRequest: (e) => urls.push(e.url),
    onRetry: (e) => retries.push(`${e.kind}:${e.url}->${e.nextUrl ?? ''}`),
  }
  return { urls, retries, hooks }
}

describe('failover between endpoints', () => {
  it('a safe call that fails on the primary goes to the next endpoint at once', async () => {
    const primary = await fakes.start()
    const backup = await fakes.start()
    await primary.stop()
    const seen = urlsOfRequests()
    const client = fakes.connect([primary, backup], { hooks: seen.hooks })
    expect(await client.getBalance()).toEqual({ confirmed: 0n, unconfirmed: 0n, unmatured: 0n })
    expect(seen.urls).toEqual([primary.url, backup.url])
    expect(seen.retries).toEqual([`failover:${primary.url}->${backup.url}`])
  })

  it('prefers healthy endpoints: after a failure the next calls skip the failed primary', async () => {
    const primary = await fakes.start()
    const backup = await fakes.start()
    const seen = urlsOfRequests()
    const client = fakes.connect([primary, backup], { hooks: seen.hooks, failoverCooldownMs: 60_000 })
    await primary.stop()
    await client.version()
    await client.version()
    expect(seen.urls).toEqual([primary.url, backup.url, backup.url])
    expect(client.endpoints().map((e) => e.healthy)).toEqual([false, true])
  })

  it('returns to the primary when it recovers (after the cooldown or when the monitor marks it healthy)', async () => {
    const primary = await fakes.start()
    const backup = await fakes.start()
    const seen = urlsOfRequests()
    const client = fakes.connect([primary, backup], { hooks: seen.hooks, failoverCooldownMs: 60_000 })
    await primary.stop()
    await client.version()
    await primary.start()
    client.markEndpoint(primary.url, true)
    await client.version()
    expect(seen.urls.at(-1)).toBe(primary.url)
    expect(primary.calls.map((c) => c.method)).toEqual(['version'])
  })

  it('an unsafe call fails over only when the primary refused the connection', async () => {
    const primary = await fakes.start()
    const backup = await fakes.start()
    const client = fakes.connect([primary, backup])
    primary.inject({ type: 'http502' }, { times: 1 })
    await expect(client.addRequest({ amount: 1n })).rejects.toBeInstanceOf(ConnectionError)
    expect(backup.calls).toEqual([])
    await primary.stop()
    const request = await client.addRequest({ amount: 2n })
    expect(request.amount).toBe(2n)
    expect(backup.calls.map((c) => c.method)).toEqual(['addrequest'])
  })

  it('a hung primary times out and a safe call continues on the backup', async () => {
    const primary = await fakes.start()
    const backup = await fakes.start()
    primary.inject({ type: 'hang' })
    let onPrimary: () => void = () => undefined
    const sentToPrimary = new Promise<void>((resolve) => {
      onPrimary = resolve
    })
    // The clock moves only when the test says so: 300 ms pass for the hung primary, none for the backup's answer.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      const client = fakes.connect([primary, backup], {
        timeoutMs: 300,
        hooks: { onRequest: (event) => event.url === primary.url && onPrimary() },
      })
      const requests = client.listRequests()
      await sentToPrimary
      await vi.advanceTimersByTimeAsync(300)
      expect(await requests).toEqual([])
    } finally {
      vi.useRealTimers()
    }
    expect(backup.calls.map((c) => c.method)).toEqual(['listrequests'])
  })

  it('each endpoint can carry its own credentials', async () => {
    const primary = await fakes.start({ password: 'primary-secret' })
    const backup = await fakes.start({ password: 'backup-secret' })
    const client = fakes.connect([primary], {
      endpoints: [
        { url: primary.url, username: 'user', password: 'primary-secret' },
        { url: backup.url, username: 'user', password: 'backup-secret' },
      ],
    })
    await primary.stop()
    expect(await client.version()).toBe('4.4.5')
    expect(backup.calls.map((c) => c.method)).toEqual(['version'])
  })
})

describe('batch retries', () => {
  it('a batch of safe calls is retried after a 502; one containing an unsafe call is not', async () => {
    const daemon = await fakes.start()
    const client = fakes.connect(daemon)
    daemon.inject({ type: 'http502' }, { times: 1 })
    const outcomes = await client.batch([client.prepare.getBalance(), client.prepare.version()])
    expect(outcomes.map((o) => o.ok)).toEqual([true, true])
    daemon.inject({ type: 'http502' }, { times: 1 })
    await expect(client.batch([client.prepare.version(), client.prepare.addRequest({ amount: 1n })])).rejects.toBeInstanceOf(
      ConnectionError,
    )
    expect(daemon.calls.filter((c) => c.method === 'addrequest')).toHaveLength(0)
  })
})
