import { describe, expect, it, vi } from 'vitest'
import { createHealthMonitor, type HealthChange, type HealthMonitor } from './health-monitor.js'
import { useFakeDaemons } from './test-support/daemons.js'
import type { FakeDaemon } from './testing/fake-daemon.js'

const fakes = useFakeDaemons()

function nextEvent(monitor: HealthMonitor, name: 'up' | 'down' | 'degraded' | 'recovered'): Promise<HealthChange> {
  return new Promise((resolve) => monitor.once(name, resolve))
}

describe('health monitor', () => {
  it('emits up, then down only after failuresBeforeDown failed probes, alerts once, and recovers', async () => {
    const daemon = await fakes.start()
    const client = fakes.connect(daemon)
    const alerts: HealthChange[] = []
    const probesWhileDown: string[] = []
    const monitor = createHealthMonitor(client, {
      intervalMs: 5,
      failuresBeforeDown: 3,
      onDown: (change) => void alerts.push(change),
    })
    monitor.on('probe', (p) => {
      if (p.status === 'down') probesWhileDown.push(p.reason)
    })
    try {
      const up = nextEvent(monitor, 'up')
      monitor.start()
      expect((await up).to).toBe('up')
      const down = nextEvent(monitor, 'down')
      await daemon.stop()
      const change = await down
      expect(change).toMatchObject({ from: 'up', to: 'down', url: daemon.url })
      expect(probesWhileDown.length).toBeGreaterThanOrEqual(3)
      expect(alerts).toHaveLength(1)
      expect(client.endpoints()[0]?.healthy).toBe(false)
      const recovered = nextEvent(monitor, 'recovered')
      await daemon.start()
      expect((await recovered).from).toBe('down')
      expect(alerts).toHaveLength(1)
      expect(client.endpoints()[0]?.healthy).toBe(true)
    } finally {
      await monitor.stop()
    }
  })

  it('a single failed probe does not flap the state (hysteresis)', async () => {
    const daemon = await fakes.start()
    const client = fakes.connect(daemon)
    const monitor = createHealthMonitor(client, { failuresBeforeDown: 2 })
    const changes: string[] = []
    monitor.on('change', (c) => changes.push(c.to))
    await monitor.check()
    daemon.inject({ type: 'reset' }, { times: 1 })
    const [failed] = await monitor.check()
    expect(failed?.status).toBe('down')
    await monitor.check()
    expect(changes).toEqual(['up'])
    expect(monitor.states()).toEqual({ [daemon.url]: 'up' })
  })

  it('reports degraded when the wallet is unloaded and runs nothing destructive', async () => {
    const daemon = await fakes.start()
    const monitor = createHealthMonitor(fakes.connect(daemon))
    await monitor.check()
    daemon.setWalletLoaded(false)
    const degraded = nextEvent(monitor, 'degraded')
    await monitor.check()
    expect((await degraded).probe.reason).toBe('daemon up but no wallet loaded')
  })

  it('runs the recovery hook while down, with backoff between attempts, until the daemon is back', async () => {
    const daemon = await fakes.start()
    await daemon.stop()
    const attempts: number[] = []
    const monitor = createHealthMonitor(fakes.connect(daemon), {
      failuresBeforeDown: 1,
      recoveryMinDelayMs: 60_000,
      recover: async ({ attempt }) => {
        attempts.push(attempt)
      },
    })
    await monitor.check()
    await monitor.check()
    await monitor.check()
    // Within the backoff window the hook ran once, not on every probe.
    expect(attempts).toEqual([1])
  })

  it('a recovery hook that restarts the daemon brings the endpoint back up', async () => {
    const daemon = await fakes.start()
    await daemon.stop()
    const monitor = createHealthMonitor(fakes.connect(daemon), {
      intervalMs: 5,
      failuresBeforeDown: 1,
      recoveryMinDelayMs: 1,
      recover: () => daemon.start(),
    })
    try {
      const up = nextEvent(monitor, 'up')
      monitor.start()
      expect((await up).to).toBe('up')
    } finally {
      await monitor.stop()
    }
  })

  it('stop() ends probing: nothing is left scheduled once it resolves', async () => {
    const daemon = await fakes.start()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      const monitor = createHealthMonitor(fakes.connect(daemon), { intervalMs: 1_000 })
      const first = new Promise((resolve) => monitor.once('probe', resolve))
      monitor.start()
      await first
      await monitor.stop()
      expect(vi.getTimerCount()).toBe(0)
      let probes = 0
      monitor.on('probe', () => probes++)
      await vi.advanceTimersByTimeAsync(10_000)
      expect(probes).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('health monitor: an event on every transition', () => {
  type Step = [string, (daemon: FakeDaemon) => Promise<void> | void, string[]]
  /** Each step changes the daemon, runs one probe round and expects exactly these events (change:<to>, then the named one). */
  const STEPS: Step[] = [
    ['first probe of a daemon with a wallet', () => undefined, ['change:up', 'up']],
    ['wallet unloaded', (d) => d.setWalletLoaded(false), ['change:degraded', 'degraded']],
    ['wallet loaded again', (d) => d.setWalletLoaded(true), ['change:up', 'up', 'recovered']],
    ['daemon stops', (d) => d.stop(), ['change:down', 'down']],
    [
      'daemon back with no wallet',
      async (d) => {
        d.setWalletLoaded(false)
        await d.start()
      },
      ['change:degraded', 'degraded'],
    ],
    [
      'no wallet, and now offline too (another reason, same state)',
      (d) => {
        d.setWalletLoaded(true)
        d.setOffline(true)
      },
      ['change:degraded'],
    ],
    ['daemon stops while degraded', (d) => d.stop(), ['change:down', 'down']],
    [
      'daemon back, online, with its wallet',
      async (d) => {
        d.setOffline(false)
        await d.start()
      },
      ['change:up', 'up', 'recovered'],
    ],
    ['nothing changes', () => undefined, []],
  ]

  it('walks up → degraded → up → down → degraded → degraded(other reason) → down → up (expectNetwork)', async () => {
    const daemon = await fakes.start()
    const monitor = createHealthMonitor(fakes.connect(daemon, { retry: false }), { failuresBeforeDown: 1, expectNetwork: true })
    const events: string[] = []
    monitor.on('change', (c) => events.push(`change:${c.to}`))
    for (const name of ['up', 'down', 'degraded', 'recovered'] as const) monitor.on(name, () => events.push(name))
    for (const [label, act, expected] of STEPS) {
      await act(daemon)
      events.length = 0
      await monitor.check()
      expect({ step: label, events }).toEqual({ step: label, events: expected })
    }
  })

  it('a daemon running offline as configured is up, and up/recovered fire for it', async () => {
    const daemon = await fakes.start({ offline: true })
    const monitor = createHealthMonitor(fakes.connect(daemon, { retry: false }), { failuresBeforeDown: 1 })
    const events: string[] = []
    for (const name of ['up', 'down', 'degraded', 'recovered'] as const)
      monitor.on(name, (c) => events.push(`${name}:${c.reason}`))
    await monitor.check()
    await daemon.stop()
    await monitor.check()
    await daemon.start()
    await monitor.check()
    expect(events).toEqual(['up:ok', 'down:connection refused', 'up:ok', 'recovered:ok'])
  })

  it('change carries the previous and the new reason', async () => {
    const daemon = await fakes.start({ walletLoaded: false })
    const monitor = createHealthMonitor(fakes.connect(daemon), { expectNetwork: true })
    const changes: HealthChange[] = []
    monitor.on('change', (c) => changes.push(c))
    await monitor.check()
    daemon.setWalletLoaded(true)
    daemon.setNetworkStall(30)
    await monitor.check()
    expect(changes.map((c) => [c.from, c.fromReason, c.to, c.reason])).toEqual([
      ['unknown', undefined, 'degraded', 'daemon up but no wallet loaded'],
      ['degraded', 'daemon up but no wallet loaded', 'degraded', 'daemon not connected to a server'],
    ])
  })
})
