/** `probe()` and `waitUntilReady()`: is the daemon reachable, authenticated, holding a wallet, online? */
import type { BatchOutcome, ElectronCashClient } from './client.js'
import {
  type ElectronCashError,
  isAuthError,
  isConnectionError,
  isDaemonOfflineError,
  isTimeoutError,
  isWalletNotLoadedError,
  NotReadyError,
  type NotReadyReason,
} from './errors.js'
import type { DaemonInfo } from './schemas.js'

export type ProbeReason = 'ok' | 'busy' | Exclude<NotReadyReason, 'not tried'>

export interface ProbeResult {
  /** `up`: answers, wallet loaded, connected. `degraded`: answers but no wallet / offline / busy. `down`: no usable answer. */
  status: 'up' | 'degraded' | 'down'
  url: string
  reason: ProbeReason
  /** Round trip of the probe (one batch: version, getinfo, getbalance), ms. */
  latencyMs: number
  /** null when unknown (daemon unreachable or busy). */
  walletLoaded: boolean | null
  networkConnected: boolean | null
  serverHeight: number | null
  version: string | null
  /** The failure behind a `down` result. */
  error?: ElectronCashError
}

export interface ProbeOptions {
  /** Which endpoint. Default: the primary (first). */
  url?: string
  /** Probe timeout. Default 5000 ms. */
  timeoutMs?: number
  /** A call in flight for longer than this means "busy", not "dead": the probe reports degraded without sending. Default 1000 ms. */
  busyAfterMs?: number
  signal?: AbortSignal
}

function reasonFor(error: unknown): ProbeReason {
  if (isAuthError(error)) return 'wrong credentials (401)'
  if (isTimeoutError(error)) return 'timed out'
  if (isConnectionError(error)) return error.errno === 'ECONNREFUSED' ? 'connection refused' : 'unreachable'
  return 'unexpected reply'
}

export async function probe(client: ElectronCashClient, options: ProbeOptions = {}): Promise<ProbeResult> {
  const endpoints = client.endpoints()
  const endpoint = endpoints.find((e) => e.url === options.url) ?? endpoints[0]!
  const url = endpoint.url
  const busyAfterMs = options.busyAfterMs ?? 1_000
  const unknown = { walletLoaded: null, networkConnected: null, serverHeight: null, version: null }
  if (endpoint.busySince !== undefined && performance.now() - endpoint.busySince > busyAfterMs) {
    // The daemon is single-threaded: a 30 s network call holds every other request. That is not a dead daemon.
    return { status: 'degraded', url, reason: 'busy', latencyMs: 0, ...unknown }
  }
  const started = performance.now()
  let outcomes: BatchOutcome[]
  try {
    outcomes = await client.batchEndpoint(
      url,
      [client.prepare.version(), client.prepare.getInfo(), client.prepare.getBalance()],
      {
        timeoutMs: options.timeoutMs ?? 5_000,
        ...(options.signal ? { signal: options.signal } : {}),
      },
    )
  } catch (error) {
    if (options.signal?.aborted) throw error
    return {
      status: 'down',
      url,
      reason: reasonFor(error),
      latencyMs: performance.now() - started,
      ...unknown,
      error: error as ElectronCashError,
    }
  }
  const latencyMs = performance.now() - started
  const [version, info, balance] = outcomes as [BatchOutcome<string>, BatchOutcome<DaemonInfo>, BatchOutcome]
  if (!version.ok) return { status: 'down', url, reason: 'unexpected reply', latencyMs, ...unknown, error: version.error }
  const walletLoaded = balance.ok ? true : isWalletNotLoadedError(balance.error) ? false : null
  const offline = !info.ok && isDaemonOfflineError(info.error)
  const networkConnected = info.ok ? info.result.connected : offline ? false : null
  const serverHeight = info.ok ? info.result.server_height : null
  const base = { url, latencyMs, walletLoaded, networkConnected, serverHeight, version: version.result }
  if (walletLoaded === false) return { status: 'degraded', reason: 'daemon up but no wallet loaded', ...base }
  if (offline) return { status: 'degraded', reason: 'daemon offline (no network)', ...base }
  if (networkConnected === false || serverHeight === 0)
    return { status: 'degraded', reason: 'daemon not connected to a server', ...base }
  if (walletLoaded === null || networkConnected === null) {
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
  /** Also wait for an Electrum server connection (not for daemons run with --offline). Default false. */
  requireNetwork?: boolean
  /** First delay between polls. Default 50 ms. */
  minDelayMs?: number
  /** Cap on the delay between polls. Default 100 ms (a refused connection costs the daemon nothing). */
  maxDelayMs?: number
  /** Timeout of each poll. Default 5000 ms (or what is left of `timeoutMs`). */
  probeTimeoutMs?: number
}

function isReady(result: ProbeResult, options: WaitUntilReadyOptions): boolean {
  if (result.status === 'down' || result.reason === 'busy' || result.version === null) return false
  if ((options.requireWallet ?? true) && result.walletLoaded !== true) return false
  if (options.requireNetwork && result.networkConnected !== true) return false
  return true
}

const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })

/**
 * Polls every endpoint (in priority order) with capped exponential backoff and resolves with the first ready
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
        result = await probe(client, { url, timeoutMs: Math.min(options.probeTimeoutMs ?? 5_000, remaining), signal })
      } catch {
        break // aborted: keep the previous probe as the cause
      }
      if (isReady(result, options)) return result
      if (!signal.aborted) last = result
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
    await sleep(Math.min(delay, Math.max(0, deadline - performance.now())), signal)
    delay = Math.min(delay * 2, options.maxDelayMs ?? 100)
  }
  const reason: NotReadyReason = !last ? 'not tried' : last.reason === 'ok' || last.reason === 'busy' ? 'timed out' : last.reason
  throw new NotReadyError({ urls, attempts, reason, waitedMs: performance.now() - started, cause: last?.error })
}
