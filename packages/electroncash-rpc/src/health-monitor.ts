/**
 * `createHealthMonitor`: probes every endpoint on an interval, with hysteresis, tells the client which endpoints
 * to prefer, emits an event on every transition (up/down/degraded/recovered/change), and can run the operator's
 * recovery command with backoff.
 */
import { EventEmitter } from 'eventemitter3'
import type { ElectronCashClient } from './client.js'
import type { ProbeReason, ProbeResult } from './readiness.js'

export type HealthState = 'unknown' | 'up' | 'degraded' | 'down'

export interface HealthChange {
  url: string
  from: HealthState
  to: HealthState
  /** The reason of the previous state (`undefined` before the first). */
  fromReason: ProbeReason | undefined
  /** The reason of the new state, e.g. `'daemon up but no wallet loaded'`. */
  reason: ProbeReason
  probe: ProbeResult
}

export interface RecoveryContext {
  url: string
  /** 1 for the first recovery attempt of this outage. */
  attempt: number
  /** The probe that showed the endpoint down. */
  probe: ProbeResult
}

export interface HealthMonitorOptions {
  /** Time between probe rounds. Default 30000 ms. */
  intervalMs?: number
  /** Consecutive `down` probes before an endpoint is declared down. Default 3. */
  failuresBeforeDown?: number
  /** Consecutive `up` probes before a down or degraded endpoint is declared up again. Default 1. */
  successesBeforeUp?: number
  /** Probe timeout (queue wait included). Default 5000 ms. */
  probeTimeoutMs?: number
  /** Treat a missing wallet as degraded. Default true. */
  requireWallet?: boolean
  /**
   * The daemons are meant to be online: offline mode, no Electrum server or an unsynchronized wallet count as
   * degraded. Default false: daemons running offline or without a server as configured are `up`.
   */
  expectNetwork?: boolean
  /** Called once per outage when an endpoint goes down (e.g. send an alert). Errors are emitted as `error`. */
  onDown?: (change: HealthChange) => void | Promise<void>
  /** The operator's recovery command (e.g. restart the container), run while an endpoint is down, with backoff. */
  recover?: (context: RecoveryContext) => void | Promise<void>
  /** First delay before recovery is retried within one outage. Default 30000 ms. */
  recoveryMinDelayMs?: number
  /** Cap on the delay between recovery attempts. Default 600000 ms. */
  recoveryMaxDelayMs?: number
}

/**
 * `change` fires on every transition: a new state, or a new reason within `degraded`. `up`, `down` and `degraded`
 * fire when an endpoint enters that state; `recovered` when it becomes `up` after `down` or `degraded`. A `busy`
 * probe (the daemon is executing another call) keeps the current state.
 */
export interface HealthMonitorEvents {
  probe: [ProbeResult]
  up: [HealthChange]
  down: [HealthChange]
  degraded: [HealthChange]
  recovered: [HealthChange]
  change: [HealthChange]
  error: [unknown]
}

export interface HealthMonitor extends EventEmitter<HealthMonitorEvents> {
  /** Starts probing (the first round runs at once). */
  start(): void
  /** Stops probing and waits for a round in progress; no events after it resolves. */
  stop(): Promise<void>
  /** Runs one probe round now and returns the probes. */
  check(): Promise<ProbeResult[]>
  /** Current state per endpoint URL. */
  states(): Record<string, HealthState>
}

interface EndpointHealth {
  state: HealthState
  reason: ProbeReason | undefined
  failures: number
  successes: number
  recoveryAttempt: number
  nextRecoveryAt: number
}

export function createHealthMonitor(client: ElectronCashClient, options: HealthMonitorOptions = {}): HealthMonitor {
  const intervalMs = options.intervalMs ?? 30_000
  const failuresBeforeDown = Math.max(1, options.failuresBeforeDown ?? 3)
  const successesBeforeUp = Math.max(1, options.successesBeforeUp ?? 1)
  const recoveryMin = options.recoveryMinDelayMs ?? 30_000
  const recoveryMax = options.recoveryMaxDelayMs ?? 600_000
  const emitter = new EventEmitter<HealthMonitorEvents>() as HealthMonitor
  const health = new Map<string, EndpointHealth>()
  let timer: NodeJS.Timeout | undefined
  let running = false
  let round: Promise<ProbeResult[]> | undefined
  let controller = new AbortController()

  const entry = (url: string): EndpointHealth => {
    let found = health.get(url)
    if (!found) {
      found = { state: 'unknown', reason: undefined, failures: 0, successes: 0, recoveryAttempt: 0, nextRecoveryAt: 0 }
      health.set(url, found)
    }
    return found
  }

  const safely = async (fn: () => void | Promise<void>) => {
    try {
      await fn()
    } catch (error) {
      if (emitter.listenerCount('error') > 0) emitter.emit('error', error)
    }
  }

  function transition(url: string, h: EndpointHealth, to: HealthState, probe: ProbeResult): HealthChange | undefined {
    const sameReason = to !== 'degraded' || h.reason === probe.reason
    if (h.state === to && sameReason) {
      h.reason = probe.reason
      return undefined
    }
    const change: HealthChange = { url, from: h.state, to, fromReason: h.reason, reason: probe.reason, probe }
    const entered = h.state !== to
    h.state = to
    h.reason = probe.reason
    emitter.emit('change', change)
    if (!entered) return change
    if (to === 'down') emitter.emit('down', change)
    if (to === 'degraded') emitter.emit('degraded', change)
    if (to === 'up') {
      emitter.emit('up', change)
      if (change.from === 'down' || change.from === 'degraded') emitter.emit('recovered', change)
    }
    return change
  }

  async function observe(probe: ProbeResult): Promise<void> {
    const h = entry(probe.url)
    emitter.emit('probe', probe)
    if (probe.status === 'down') {
      h.successes = 0
      h.failures++
      if (h.failures >= failuresBeforeDown) {
        client.markEndpoint(probe.url, false)
        const change = transition(probe.url, h, 'down', probe)
        if (change) {
          h.recoveryAttempt = 0
          h.nextRecoveryAt = 0
          if (options.onDown) await safely(() => options.onDown!(change))
        }
        if (options.recover && performance.now() >= h.nextRecoveryAt) {
          h.recoveryAttempt++
          h.nextRecoveryAt = performance.now() + Math.min(recoveryMax, recoveryMin * 2 ** (h.recoveryAttempt - 1))
          await safely(() => options.recover!({ url: probe.url, attempt: h.recoveryAttempt, probe }))
        }
      }
      return
    }
    h.failures = 0
    if (probe.status === 'degraded') {
      h.successes = 0
      // busy is not a failure: keep the current state.
      if (probe.reason !== 'busy') transition(probe.url, h, 'degraded', probe)
      client.markEndpoint(probe.url, true)
      return
    }
    h.successes++
    if (h.state === 'unknown' || h.successes >= successesBeforeUp) {
      client.markEndpoint(probe.url, true)
      transition(probe.url, h, 'up', probe)
    }
  }

  async function runRound(): Promise<ProbeResult[]> {
    const results: ProbeResult[] = []
    for (const { url } of client.endpoints()) {
      if (controller.signal.aborted) break
      try {
        const probe = await client.probe({
          url,
          signal: controller.signal,
          timeoutMs: options.probeTimeoutMs ?? 5_000,
          requireWallet: options.requireWallet ?? true,
          expectNetwork: options.expectNetwork ?? false,
        })
        results.push(probe)
        await observe(probe)
      } catch (error) {
        if (!controller.signal.aborted) await safely(() => Promise.reject(error))
      }
    }
    return results
  }

  function schedule(): void {
    if (!running) return
    timer = setTimeout(() => {
      round = runRound().finally(schedule)
    }, intervalMs)
  }

  emitter.start = () => {
    if (running) return
    running = true
    controller = new AbortController()
    round = runRound().finally(schedule)
  }
  emitter.stop = async () => {
    running = false
    if (timer) clearTimeout(timer)
    controller.abort()
    await round?.catch(() => undefined)
  }
  emitter.check = () => runRound()
  emitter.states = () => Object.fromEntries([...health].map(([url, h]) => [url, h.state]))
  return emitter
}
