import { describe, expect, it, vi } from 'vitest'
import { NotReadyError } from './errors.js'
import { TEST_PASSWORD, useFakeDaemons } from './test-support/daemons.js'
import { everything } from './test-support/secrets.js'

const fakes = useFakeDaemons()

describe('probe', () => {
  it('reports up with height and version when the wallet is loaded and the daemon connected', async () => {
    const daemon = await fakes.start()
    const result = await fakes.connect(daemon).probe()
    expect(result).toMatchObject({
      status: 'up',
      reason: 'ok',
      walletLoaded: true,
      networkConnected: true,
      serverHeight: 950019,
      version: '4.4.5',
    })
  })

  it.each([
    [{ offline: true }, { network: 'offline', networkConnected: false, walletLoaded: true, walletSynchronized: null }],
    [{ networkStallSeconds: 30 }, { network: 'disconnected', networkConnected: false, serverHeight: 0, walletLoaded: true }],
  ])(
    'a daemon running as configured (%j) that answers with a wallet is up, and says what its network is',
    async (options, fields) => {
      const daemon = await fakes.start(options)
      expect(await fakes.connect(daemon).probe()).toMatchObject({ status: 'up', reason: 'ok', answers: true, ...fields })
    },
  )

  it.each([
    [{ walletLoaded: false }, {}, 'daemon up but no wallet loaded', { walletLoaded: false }],
    [{ offline: true }, { expectNetwork: true }, 'daemon offline (no network)', { network: 'offline' }],
    [{ networkStallSeconds: 30 }, { expectNetwork: true }, 'daemon not connected to a server', { network: 'disconnected' }],
  ] as const)('tells apart degraded daemons: %j with %j → %s', async (options, probeOptions, reason, fields) => {
    const daemon = await fakes.start(options)
    expect(await fakes.connect(daemon).probe(probeOptions)).toMatchObject({
      status: 'degraded',
      reason,
      answers: true,
      ...fields,
    })
  })

  it('a connected wallet that is not synchronized is degraded when the network is expected, up otherwise', async () => {
    const daemon = await fakes.start()
    daemon.setSynchronized(false)
    const client = fakes.connect(daemon)
    expect(await client.probe({ expectNetwork: true })).toMatchObject({
      status: 'degraded',
      reason: 'wallet not synchronized',
      network: 'connected',
      walletSynchronized: false,
    })
    expect(await client.probe()).toMatchObject({ status: 'up', walletSynchronized: false })
    daemon.setSynchronized(true)
    expect(await client.probe({ expectNetwork: true })).toMatchObject({ status: 'up', walletSynchronized: true })
  })

  it('after close_wallet the daemon still answers getbalance, yet the probe says no wallet is loaded', async () => {
    const daemon = await fakes.start({ networkStallSeconds: 30 })
    const client = fakes.connect(daemon)
    expect(await client.closeWallet()).toBe(true)
    expect(await client.getBalance()).toEqual({ confirmed: 0n, unconfirmed: 0n, unmatured: 0n })
    expect(await client.probe()).toMatchObject({
      status: 'degraded',
      reason: 'daemon up but no wallet loaded',
      walletLoaded: false,
    })
    expect(await client.loadWallet()).toBe(true)
    expect(await client.probe()).toMatchObject({ status: 'up', walletLoaded: true })
  })

  it('requireWallet: false reports a daemon without a wallet as up', async () => {
    const daemon = await fakes.start({ walletLoaded: false })
    expect(await fakes.connect(daemon).probe({ requireWallet: false })).toMatchObject({ status: 'up', walletLoaded: false })
  })

  it('reports down with the cause: refused, wrong credentials, timed out', async () => {
    const daemon = await fakes.start()
    expect(await fakes.connect(daemon, { password: 'nope' }).probe()).toMatchObject({
      status: 'down',
      reason: 'wrong credentials (401)',
    })
    daemon.inject({ type: 'hang' }, { times: 1 })
    expect(await fakes.connect(daemon).probe({ timeoutMs: 50 })).toMatchObject({ status: 'down', reason: 'timed out' })
    await daemon.stop()
    expect(await fakes.connect(daemon).probe()).toMatchObject({
      status: 'down',
      reason: 'connection refused',
      walletLoaded: null,
    })
  })

  it('a short call in flight is waited for: the probe then answers normally', async () => {
    const daemon = await fakes.start()
    daemon.inject({ type: 'stall' }, { times: 1 })
    const client = fakes.connect(daemon)
    const first = client.getBalance()
    await vi.waitFor(() => expect(daemon.stalled).toBe(1), { timeout: 30_000 })
    const probing = client.probe({ busyAfterMs: 60_000, timeoutMs: 120_000 })
    await daemon.releaseStalled()
    expect(await probing).toMatchObject({ status: 'up' })
    await first
  })
})

describe('waitUntilReady', () => {
  it('resolves as soon as a daemon that was down starts answering', async () => {
    const daemon = await fakes.start()
    await daemon.stop()
    let refusals = 0
    let restarted: Promise<void> | undefined
    // Restart once the client has seen its first refusal.
    const client = fakes.connect(daemon, {
      hooks: {
        onError: () => {
          refusals++
          restarted ??= daemon.start()
        },
      },
    })
    const result = await client.waitUntilReady({ timeoutMs: 60_000 })
    await restarted
    expect(result).toMatchObject({ status: 'up', url: daemon.url })
    expect(refusals).toBeGreaterThan(0)
  })

  it('an offline daemon with a wallet is ready unless the network is required', async () => {
    const daemon = await fakes.start({ offline: true })
    expect(await fakes.connect(daemon).waitUntilReady({ timeoutMs: 60_000 })).toMatchObject({ status: 'up', network: 'offline' })
  })

  it('waits for the wallet to be loaded when requireWallet (the default)', async () => {
    const daemon = await fakes.start({ walletLoaded: false })
    const client = fakes.connect(daemon)
    const ready = client.waitUntilReady({ timeoutMs: 60_000 })
    // Load the wallet once a probe has seen it missing.
    await vi.waitFor(() => expect(daemon.calls.map((c) => c.method)).toContain('getbalance'), { timeout: 30_000 })
    daemon.setWalletLoaded(true)
    expect(await ready).toMatchObject({ walletLoaded: true })
  })

  it.each([
    [{}, 'connection refused', 'stop'],
    [{ password: 'wrong' }, 'wrong credentials (401)', 'none'],
    [{}, 'daemon up but no wallet loaded', 'unload'],
    [{}, 'daemon offline (no network)', 'offline'],
    [{}, 'daemon not connected to a server', 'noserver'],
  ] as const)(
    'error: rejects with NotReadyError listing URL, attempts and the cause (%j → %s)',
    async (clientOptions, reason, setup) => {
      const daemon = await fakes.start()
      if (setup === 'stop') await daemon.stop()
      if (setup === 'unload') daemon.setWalletLoaded(false)
      if (setup === 'offline') daemon.setOffline(true)
      if (setup === 'noserver') daemon.setNetworkStall(30)
      // Give up after the first complete probe: its cause is what the error must name.
      const controller = new AbortController()
      const client = fakes.connect(daemon, {
        ...clientOptions,
        hooks: { onResponse: () => controller.abort(), onError: () => controller.abort() },
      })
      const error = await client
        .waitUntilReady({ timeoutMs: 60_000, requireNetwork: true, signal: controller.signal })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(NotReadyError)
      expect(error).toMatchObject({ reason, urls: [daemon.url] })
      expect((error as NotReadyError).attempts).toBeGreaterThan(0)
      expect((error as Error).message).toContain(daemon.url)
      expect((error as Error).message).toContain(reason)
      expect(everything(error)).not.toContain(TEST_PASSWORD)
    },
  )

  it('error: wrong credentials fail at once instead of at the deadline', async () => {
    const daemon = await fakes.start()
    const error = await fakes
      .connect(daemon, { password: 'wrong' })
      .waitUntilReady({ timeoutMs: 60_000 })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'NotReadyError', reason: 'wrong credentials (401)', attempts: 1 })
  })

  it('stops waiting when the signal aborts', async () => {
    const daemon = await fakes.start()
    await daemon.stop()
    const controller = new AbortController()
    const waiting = fakes.connect(daemon).waitUntilReady({ signal: controller.signal, timeoutMs: 60_000 })
    setTimeout(() => controller.abort(), 30)
    await expect(waiting).rejects.toBeInstanceOf(NotReadyError)
  })
})
