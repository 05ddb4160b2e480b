/** The client's public types: options, per-call options, hook payloads, batch entries and the client itself. */
import type { ElectronCashError, RequestPlace } from './errors.js'
import type { MethodName, MethodParams, MethodResult } from './methods.js'
import type { EndpointOptions } from './options.js'
import type { ProbeOptions, ProbeResult, WaitUntilReadyOptions } from './readiness.js'

export interface RetryOptions {
  /** Retries after the first attempt. Default 2. */
  retries?: number
  /** Delay before the first retry. Default 200 ms. */
  minDelayMs?: number
  /** Cap on the delay between retries. Default 2000 ms. */
  maxDelayMs?: number
  /** Exponential growth of the delay. Default 2. */
  factor?: number
  /** Multiply each delay by a random factor between 1 and 2. Default true. */
  jitter?: boolean
  /** Stop retrying once this long has passed since the first attempt. Default 60000 ms. */
  maxElapsedMs?: number
}

export interface CallOptions {
  /**
   * Aborts the call. While it waits in the queue it is never sent; once sent, the caller gets the abort reason at
   * once while the daemon finishes the request (the endpoint counts as busy until then).
   */
  signal?: AbortSignal
  /** Per-attempt timeout, counted from when the request leaves the queue. Default: the client's `timeoutMs` or `networkTimeoutMs`. */
  timeoutMs?: number
  /**
   * Longest wait for the endpoint's queue (the daemon serves one request at a time). When it passes, the call
   * rejects with `DaemonBusyError` and was never sent. Default: no limit.
   */
  queueTimeoutMs?: number
  /**
   * Budget of each attempt, queue wait included: the request gets what the wait left (and at most `timeoutMs`).
   * Use it with `queueTimeoutMs` for a call that must answer within a fixed time, like a health probe. Default: none.
   */
  totalTimeoutMs?: number
  /** Overrides the client's retry policy for this call; `false` disables retries. */
  retry?: RetryOptions | false
}

/** Hook payloads never contain credentials; params are redacted of wallet passwords and keys. */
export interface RequestEvent {
  method: string
  url: string
  id: number
  attempt: number
  /** Time spent waiting for the endpoint's queue, ms. */
  queuedMs: number
  params: unknown
}
export interface ResponseEvent {
  method: string
  url: string
  id: number
  attempt: number
  queuedMs: number
  /** Time the daemon took (request sent → reply read), ms, excluding `queuedMs`. */
  durationMs: number
  /** The result, redacted for methods that return secrets; undefined for batches. */
  result: unknown
}
export interface ErrorEvent {
  method: string
  url: string
  attempt: number
  queuedMs: number
  durationMs: number
  error: ElectronCashError
}
export interface RetryEvent {
  method: string
  /** The attempt that failed (1-based). */
  attempt: number
  error: ElectronCashError
  /** `'failover'`: the call moves at once to the next endpoint; `'retry'`: after a backoff delay. */
  kind: 'failover' | 'retry'
  /** Endpoint that failed. */
  url: string
  /** Endpoint tried next (failover only). */
  nextUrl?: string
  retriesLeft: number
}

export interface ClientHooks {
  onRequest?: (event: RequestEvent) => void
  onResponse?: (event: ResponseEvent) => void
  onError?: (event: ErrorEvent) => void
  onRetry?: (event: RetryEvent) => void
}

export interface ElectronCashClientOptions {
  /** Daemon URL, e.g. `http://127.0.0.1:7777`. Default: `ELECTRONCASH_URL` (comma-separated for several). */
  url?: string
  /** Several daemons in priority order (the first is the primary). Default: `[url]`. */
  endpoints?: readonly (string | EndpointOptions)[]
  /** RPC user (`rpcuser`). Default: `ELECTRONCASH_RPC_USER`, or the user in the URL. */
  username?: string
  /** RPC password (`rpcpassword`). Default: `ELECTRONCASH_RPC_PASSWORD`, or the password in the URL. */
  password?: string
  /** Where `ELECTRONCASH_*` defaults come from. Default `process.env`. */
  env?: Record<string, string | undefined>
  /** Per-attempt timeout for wallet-local calls. Default 15000 ms. */
  timeoutMs?: number
  /** Per-attempt timeout for calls that wait on an Electrum server (the daemon gives up after 30 s). Default 40000 ms. */
  networkTimeoutMs?: number
  /** Retry policy for retry-safe calls (and unsafe ones that provably never reached the daemon). Default `{ retries: 2 }`. */
  retry?: RetryOptions | false
  /** Calls executing at once per endpoint; the daemon serves one at a time. Default 1. */
  concurrency?: number
  /** How long a failed endpoint is skipped before the client tries it (the primary first) again. Default 5000 ms. */
  failoverCooldownMs?: number
  /**
   * After a call times out, the daemon may still be executing it: the client keeps that request open and treats the
   * endpoint as busy until the daemon answers. Past this long it gives up on the daemon as hung, closes the
   * connection and marks the endpoint failed. Default 120000 ms (four times the daemon's own 30 s network limit).
   */
  busyLimitMs?: number
  /** The fetch implementation. Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch
  /** Logging and metrics hooks. A throwing hook never breaks a call. */
  hooks?: ClientHooks
}

/** One entry of `client.batch`: raw, or built with `client.prepare.<method>()` for a typed, validated result. */
export interface BatchEntry<T = unknown> {
  method: string
  params?: unknown[] | Record<string, unknown>
  /** Validates and converts the raw result; throws on mismatch. */
  parse?: (raw: unknown, place: RequestPlace) => T
}
export type BatchOutcome<T = unknown> = { ok: true; result: T } | { ok: false; error: ElectronCashError }
type Outcomes<E extends readonly BatchEntry[]> = { [K in keyof E]: E[K] extends BatchEntry<infer T> ? BatchOutcome<T> : never }

type OptionalIfEmpty<P> =
  Record<never, never> extends P ? [params?: P, options?: CallOptions] : [params: P, options?: CallOptions]
/** The arguments of a typed method: its params (optional when every field is) and per-call options. */
export type MethodArgs<K extends MethodName> = OptionalIfEmpty<MethodParams<K>>
/** One typed method, e.g. `TypedMethod<'getBalance'>`. */
export type TypedMethod<K extends MethodName> = (...args: MethodArgs<K>) => Promise<MethodResult<K>>
/** One prepared-entry builder, e.g. `PreparedMethod<'getBalance'>`. */
export type PreparedMethod<K extends MethodName> = (...args: MethodArgs<K>) => BatchEntry<MethodResult<K>>
export type TypedMethods = { [K in MethodName]: TypedMethod<K> }
export type PreparedMethods = { [K in MethodName]: PreparedMethod<K> }

export interface EndpointStatus {
  url: string
  /** Priority, 0 = primary. */
  index: number
  /** False while the endpoint is skipped after a failure. */
  healthy: boolean
  /** Calls executing / waiting on this endpoint. */
  active: number
  waiting: number
  /** performance.now() when the oldest executing call started, if any. */
  busySince: number | undefined
  /** Requests whose caller gave up (timeout, abort) that the daemon is still executing; nothing is re-sent meanwhile. */
  abandoned: number
}

export interface ElectronCashClient extends TypedMethods {
  /** Calls any method with raw params; the result is checked for failure-in-result but not schema-validated. */
  call(method: string, params?: unknown[] | Record<string, unknown>, options?: CallOptions): Promise<unknown>
  /** Sends several calls in one HTTP request; one result-or-error per entry, in order. */
  batch<const E extends readonly BatchEntry[]>(entries: E, options?: CallOptions): Promise<Outcomes<E>>
  /** Builds typed batch entries: `client.batch([client.prepare.getBalance(), ...])`. */
  readonly prepare: PreparedMethods
  /** Endpoints in priority order with their health and queue state. */
  endpoints(): EndpointStatus[]
  /** Marks an endpoint healthy or failed (used by the health monitor). */
  markEndpoint(url: string, healthy: boolean): void
  /** Sends one call to one endpoint only: no queue bypass, no retry, no failover (used by probes). */
  callEndpoint(url: string, method: string, params?: unknown[] | Record<string, unknown>, options?: CallOptions): Promise<unknown>
  /**
   * Resolves once a daemon answers with a wallet loaded (and, with `requireNetwork`, connected); polls with capped
   * backoff. Rejects with `NotReadyError` naming the URLs, attempts and last cause.
   */
  waitUntilReady(options?: WaitUntilReadyOptions): Promise<ProbeResult>
  /** One health probe of one endpoint (default: the primary): up, degraded (busy, no wallet, not as configured) or down. */
  probe(options?: ProbeOptions): Promise<ProbeResult>
  /** Like `batch`, to one endpoint only, without retry or failover. */
  batchEndpoint(url: string, entries: readonly BatchEntry[], options?: CallOptions): Promise<BatchOutcome[]>
  /** Closes requests still open after their caller gave up (the CLI calls it before exiting). Calls still work after. */
  close(): void
}
