import { describe, expect, it } from 'vitest'
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
    [{ walletLoaded: false }, 'daemon up but no wallet loaded', { walletLoaded: false }],
    [{ offline: true }, 'daemon offline (no network)', { networkConnected: false }],
    [{ networkStallSeconds: 30 }, 'daemon not connected to a server', { networkConnected: false, serverHeight: 0 }],
  ])('tells apart degraded daemons: %j → %s', async (options, reason, fields) => {
    const daemon = await fakes.start(options)
    expect(await fakes.connect(daemon).probe()).toMatchObject({ status: 'degraded', reason, ...fields })
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

  it('a long call in flight makes the probe report busy instead of dead, without sending', async () => {
    const daemon = await fakes.start({ networkStallSeconds: 0.3 })
    const client = fakes.connect(daemon)
    const slow = client.getAddressBalance({ address: daemon.wallet.addresses[0]! }).catch(() => 'failed')
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(await client.probe({ busyAfterMs: 10 })).toMatchObject({ status: 'degraded', reason: 'busy' })
    await slow
    expect(daemon.calls.map((c) => c.method)).toEqual(['getaddressbalance'])
  })
})

describe('waitUntilReady', () => {
  it('resolves as soon as a daemon that was down starts answering', async () => {
    const daemon = await fakes.start()
    await daemon.stop()
    const client = fakes.connect(daemon)
    let polls = 0
    const ready = client.waitUntilReady({ timeoutMs: 10_000 })
    // Restart after the client has seen refusals.
    const restart = (async () => {
      while (polls < 2) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        polls++
      }
      await daemon.start()
    })()
    const result = await ready
    await restart
    expect(result).toMatchObject({ status: 'up', url: daemon.url })
  })

  it('waits for the wallet to be loaded when requireWallet (the default)', async () => {
    const daemon = await fakes.start({ walletLoaded: false })
    const client = fakes.connect(daemon)
    const ready = client.waitUntilReady({ timeoutMs: 10_000 })
    setTimeout(() => daemon.setWalletLoaded(true), 50)
    expect(await ready).toMatchObject({ walletLoaded: true })
  })

  it.each([
    [{}, 'connection refused', 'stop'],
    [{ password: 'wrong' }, 'wrong credentials (401)', 'none'],
    [{}, 'daemon up but no wallet loaded', 'unload'],
    [{}, 'daemon offline (no network)', 'offline'],
  ] as const)(
    'error: rejects with NotReadyError listing URL, attempts and the cause (%j → %s)',
    async (clientOptions, reason, setup) => {
      const daemon = await fakes.start()
      if (setup === 'stop') await daemon.stop()
      if (setup === 'unload') daemon.setWalletLoaded(false)
      if (setup === 'offline') daemon.setOffline(true)
      const client = fakes.connect(daemon, clientOptions)
      const error = await client.waitUntilReady({ timeoutMs: 1_000, requireNetwork: true }).catch((e: unknown) => e)
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
