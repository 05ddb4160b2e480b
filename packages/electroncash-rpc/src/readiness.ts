/**
 * `probe()` and `waitUntilReady()`: can the daemon answer, does it see the network, is a wallet loaded and
 * synchronized? One batch (`version`, `getinfo`, `getbalance`), never stuck behind another call for longer than
 * the probe's own timeout.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { BatchOutcome, ElectronCashClient } from './client.js'
import {
  type ElectronCashError,
  isAuthError,
  isConnectionError,
  isDaemonBusyError,
  isDaemonOfflineError,
  isElectronCashError,
  isTimeoutError,
  isWalletNotLoadedError,
  NotReadyError,
  type NotReadyReason,
} from './errors.js'
import type { DaemonInfo } from './schemas.js'

export type ProbeReason = 'ok' | 'busy' | Exclude<NotReadyReason, 'not tried'>

/**
 * What the daemon's network looks like: `connected` to an Electrum server; `disconnected` (network on, no server
 * answering); `offline` (the daemon runs with `offline: true` / `--offline`); `null` when unknown.
 */
export type NetworkState = 'connected' | 'disconnected' | 'offline'

/**
 * - `up`: answers, and is as configured: a wallet is loaded (unless `requireWallet: false`) and, with
 *   `expectNetwork: true`, connected to an Electrum server with the wallet synchronized.
 * - `degraded`: answers but cannot serve payments as configured (busy with another call, no wallet, not
 *   connected or not synchronized when the network is expected).
 * - `down`: no usable answer (refused, unreachable, timed out, wrong credentials, not an Electron Cash daemon).
 */
export type ProbeStatus = 'up' | 'degraded' | 'down'

export interface ProbeResult {
  status: ProbeStatus
  url: string
  reason: ProbeReason
  /** Round trip of the probe including any wait for a busy daemon, ms. */
  latencyMs: number
  /** The daemon answered the probe. */
  answers: boolean
  /** The daemon's network; null when unknown (down or busy). */
  network: NetworkState | null
  /**
   * A wallet is loaded and open. True only when `getbalance` answers and, with the network on, the daemon lists
   * the wallet (after `close_wallet` the daemon still answers `getbalance` but lists no wallet). In offline mode
   * the daemon lists nothing, so `getbalance` answering is the best evidence there is. Null when unknown.
   */
  walletLoaded: boolean | null
  /** The wallet is synchronized with its server; null when unknown (offline, down, busy, no wallet). */
  walletSynchronized: boolean | null
  /** `network === 'connected'`; null when unknown. */
  networkConnected: boolean | null
  serverHeight: number | null
  version: string | null
  /** With `reason: 'busy'`: how long the daemon has been executing the request ahead of the probe, ms. */
  busyForMs?: number
  /** The failure behind a `down` (or unexplained `degraded`) result. */
  error?: ElectronCashError
}

export interface ProbeOptions {
  /** Which endpoint. Default: the primary (first). */
  url?: string
  /** The probe's whole budget, queue wait included: it always answers within this. Default 5000 ms. */
  timeoutMs?: number
  /**
   * How long the probe waits behind a call the daemon is executing before it reports `busy` (degraded) without
   * sending, counted from when that call started. A call abandoned after a client timeout means busy at once.
   * Default 1000 ms.
   */
  busyAfterMs?: number
  /** Treat a missing wallet as degraded. Default true. */
  requireWallet?: boolean
  /**
   * The daemon is meant to be online: offline mode, no Electrum server or an unsynchronized wallet are degraded.
   * Default false: a daemon running offline or without a server as configured is `up` if it answers with a wallet.
   */
  expectNetwork?: boolean
  signal?: AbortSignal
}

function reasonFor(error: unknown): ProbeReason {
  if (isAuthError(error)) return 'wrong credentials (401)'
  if (isTimeoutError(error)) return 'timed out'
  if (isConnectionError(error)) return error.errno === 'ECONNREFUSED' ? 'connection refused' : 'unreachable'
  return 'unexpected reply'
}

const UNKNOWN = {
  answers: false,
  network: null,
  walletLoaded: null,
  walletSynchronized: null,
  networkConnected: null,
  serverHeight: null,
  version: null,
} as const

export async function probe(client: ElectronCashClient, options: ProbeOptions = {}): Promise<ProbeResult> {
  const endpoints = client.endpoints()
  const endpoint = endpoints.find((e) => e.url === options.url?.replace(/\/$/, '')) ?? endpoints[0]!
  const url = endpoint.url
  const timeoutMs = options.timeoutMs ?? 5_000
  const busyAfterMs = options.busyAfterMs ?? 1_000
  const started = performance.now()
  // Never queue behind another call for longer than the budget: busy is reported instead.
  const busyFor = endpoint.busySince === undefined ? 0 : started - endpoint.busySince
  const queueTimeoutMs = endpoint.abandoned > 0 ? 0 : Math.min(Math.max(0, busyAfterMs - busyFor), Math.max(0, timeoutMs - 1))
  let outcomes: BatchOutcome[]
  try {
    outcomes = await client.batchEndpoint(
      url,
      [client.prepare.version(), client.prepare.getInfo(), client.prepare.getBalance()],
      {
        timeoutMs,
        totalTimeoutMs: timeoutMs,
        queueTimeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      },
    )
  } catch (error) {
    // Aborted by the caller: no result. A real failure that arrived as the signal fired is still a result.
    if (options.signal?.aborted && !isElectronCashError(error)) throw error
    const latencyMs = performance.now() - started
    if (isDaemonBusyError(error)) {
      // The daemon serves one request at a time: one that takes 30 s holds every other. That is not a dead daemon.
      return { status: 'degraded', url, reason: 'busy', latencyMs, ...UNKNOWN, busyForMs: error.busyForMs }
    }
    return { status: 'down', url, reason: reasonFor(error), latencyMs, ...UNKNOWN, error: error as ElectronCashError }
  }
  const latencyMs = performance.now() - started
  const [version, info, balance] = outcomes as [BatchOutcome<string>, BatchOutcome<DaemonInfo>, BatchOutcome]
  if (!version.ok) return { status: 'down', url, reason: 'unexpected reply', latencyMs, ...UNKNOWN, error: version.error }

  const offline = !info.ok && isDaemonOfflineError(info.error)
  const network: NetworkState | null = info.ok
    ? info.result.connected
      ? 'connected'
      : 'disconnected'
    : offline
      ? 'offline'
      : null
  // With the network on the daemon lists its open wallets; getbalance alone answers from a closed one too.
  const listed = info.ok ? Object.keys(info.result.wallets).length > 0 : undefined
  const walletLoaded = balance.ok ? (listed ?? true) : isWalletNotLoadedError(balance.error) ? false : null
  const walletSynchronized = info.ok && walletLoaded === true && listed ? Object.values(info.result.wallets).every(Boolean) : null
  const base = {
    url,
    latencyMs,
    answers: true,
    network,
    walletLoaded,
    walletSynchronized,
    networkConnected: network === null ? null : network === 'connected',
    serverHeight: info.ok ? info.result.server_height : null,
    version: version.result,
  }
  const requireWallet = options.requireWallet ?? true
  if (requireWallet && walletLoaded === false) return { status: 'degraded', reason: 'daemon up but no wallet loaded', ...base }
  if (options.expectNetwork) {
    if (network === 'offline') return { status: 'degraded', reason: 'daemon offline (no network)', ...base }
    if (network === 'disconnected' || base.serverHeight === 0)
      return { status: 'degraded', reason: 'daemon not connected to a server', ...base }
    if (requireWallet && walletSynchronized === false) return { status: 'degraded', reason: 'wallet not synchronized', ...base }
  }
  if ((requireWallet && walletLoaded === null) || network === null) {
    const error = !balance.ok ? balance.error : !info.ok ? info.error : undefined
    return { status: 'degraded', reason: 'unexpected reply', ...base, ...(error ? { error } : {}) }
  }
  return { status: 'up', reason: 'ok', ...base }
}

export interface WaitUntilReadyOptions {
  /** Give up after this long. Default 60000 ms. */
  timeoutMs?: number
  signal?: AbortSignal
  /** Also wait for a loaded wallet. Default true. */
  requireWallet?: boolean
  /** Also wait for an Electrum server connection and a synchronized wallet (not for daemons run offline). Default false. */
  requireNetwork?: boolean
  /** First delay between polls. Default 50 ms. */
  minDelayMs?: number
  /** Cap on the delay between polls. Default 100 ms (a refused connection costs the daemon nothing). */
  maxDelayMs?: number
  /** Timeout of each poll. Default 5000 ms (or what is left of `timeoutMs`). */
  probeTimeoutMs?: number
}

/**
 * Polls every endpoint (in priority order) with capped exponential backoff and resolves with the first `up`
 * probe. Rejects with `NotReadyError` (URLs, attempts, last cause in plain words) at the deadline or on abort,
 * and at once on wrong credentials.
 */
export async function waitUntilReady(client: ElectronCashClient, options: WaitUntilReadyOptions = {}): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? 60_000
  const started = performance.now()
  const deadline = started + timeoutMs
  const urls = client.endpoints().map((e) => e.url)
  let delay = options.minDelayMs ?? 50
  let attempts = 0
  let last: ProbeResult | undefined
  const deadlineSignal = AbortSignal.timeout(timeoutMs)
  const signal = options.signal ? AbortSignal.any([options.signal, deadlineSignal]) : deadlineSignal
  while (!signal.aborted) {
    for (const url of urls) {
      const remaining = deadline - performance.now()
      if (remaining <= 0 || signal.aborted) break
      attempts++
      let result: ProbeResult
      try {
        result = await probe(client, {
          url,
          timeoutMs: Math.min(options.probeTimeoutMs ?? 5_000, remaining),
          signal,
          requireWallet: options.requireWallet ?? true,
          expectNetwork: options.requireNetwork ?? false,
        })
      } catch {
        break // aborted: keep the previous probe as the cause
      }
      if (result.status === 'up') return result
      // A probe cut short by the deadline (timed out, or busy behind one that was) says less than the daemon's
      // last real answer: keep that one as the cause.
      const cutShort = (result.reason === 'timed out' || result.reason === 'busy') && last?.answers === true
      if (!cutShort) last = result
      // Wrong credentials do not fix themselves: say so now rather than at the deadline.
      if (result.reason === 'wrong credentials (401)') {
        throw new NotReadyError({
          urls,
          attempts,
          reason: result.reason,
          waitedMs: performance.now() - started,
          cause: result.error,
        })
      }
    }
    // An abort (deadline or caller) just ends the wait; the loop then stops.
    await sleep(Math.min(delay, Math.max(0, deadline - performance.now())), undefined, { signal }).catch(() => undefined)
    delay = Math.min(delay * 2, options.maxDelayMs ?? 100)
  }
  const reason: NotReadyReason = !last ? 'not tried' : last.reason === 'ok' || last.reason === 'busy' ? 'timed out' : last.reason
  throw new NotReadyError({ urls, attempts, reason, waitedMs: performance.now() - started, cause: last?.error })
}
