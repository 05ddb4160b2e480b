/** `createElectronCashClient`: transport, queue, retries, failover, typed methods and batches. */
import pRetry, { AbortError } from 'p-retry'
import type { z } from 'zod'
import type {
  BatchEntry,
  BatchOutcome,
  CallOptions,
  ElectronCashClient,
  ElectronCashClientOptions,
  EndpointStatus,
  MethodArgs,
  PreparedMethod,
  PreparedMethods,
  TypedMethod,
  TypedMethods,
} from './client-types.js'
import { failureInResult, rpcErrorFrom } from './daemon-errors.js'
import {
  ConfigError,
  ConnectionError,
  DaemonBusyError,
  type ElectronCashError,
  isConnectionError,
  isDaemonBusyError,
  isElectronCashError,
  isTimeoutError,
  ParamsError,
  ProtocolError,
  type RequestPlace,
  TimeoutError,
} from './errors.js'
import { METHODS, type MethodName, type MethodResult, resultSchemaFor, toWireParams } from './methods.js'
import { guardMoney } from './money-params.js'
import { type Endpoint, positiveNumber, resolveEndpoints } from './options.js'
import { type CallQueue, createCallQueue, type QueueSlot, QueueWaitExceeded } from './queue.js'
import { type ProbeOptions, probe, type WaitUntilReadyOptions, waitUntilReady } from './readiness.js'
import { redactParams, redactResult } from './redact.js'
import { isRetryable, NETWORK_BOUND_METHODS, neverReachedDaemon, retrySafety } from './retry-policy.js'
import { postJsonRpc } from './transport.js'

export type * from './client-types.js'

interface EndpointState {
  endpoint: Endpoint
  queue: CallQueue
  downUntil: number
  /** Requests whose caller gave up while the daemon still executes them, with the means to close them. */
  abandoned: Set<{ close: () => void }>
}

/** What one call (all its attempts, retries and failovers) has seen so far. */
interface CallHistory {
  attempts: number
  errors: unknown[]
  /** Endpoints where an attempt timed out: nothing is re-sent there while the daemon is busy with it. */
  timedOutOn: Set<EndpointState>
}

type Params = unknown[] | Record<string, unknown>

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

function safeHook<T>(hook: ((event: T) => void) | undefined, event: T): void {
  if (!hook) return
  try {
    hook(event)
  } catch {
    // A logging hook must never break a payment call.
  }
}

function toElectronCashError(error: unknown, place: RequestPlace): ElectronCashError {
  if (isElectronCashError(error)) return error
  return new ProtocolError(
    `${place.method} on ${place.url} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
    { ...place, cause: error },
  )
}

function zodPath(issues: readonly { path: readonly PropertyKey[]; message: string }[]): { path: string; message: string } {
  const issue = issues[0]
  return { path: issue ? issue.path.map(String).join('.') : '', message: issue?.message ?? 'invalid' }
}

/** JSON for a request body; a bigint outside an amount parameter (or a cycle) is refused before anything is sent. */
function toJson(value: unknown, method: string): string {
  try {
    return JSON.stringify(value, (key, v) => {
      if (typeof v === 'bigint') {
        throw new ParamsError(
          `${method}: ${key || 'a parameter'} is a bigint, but only amount parameters take bigint satoshis; nothing was sent.`,
          { method, path: key },
        )
      }
      return v
    })
  } catch (error) {
    if (isElectronCashError(error)) throw error
    throw new ParamsError(`${method}: params cannot be sent as JSON (${(error as Error).message}); nothing was sent.`, {
      method,
      path: '',
    })
  }
}

const TIMED_OUT = Symbol('timed out')
const ABORTED = Symbol('aborted')

/** Settles with the promise, or rejects with TIMED_OUT / ABORTED first; the promise itself keeps running. */
function raceDeadline<T>(promise: Promise<T>, ms: number, signal: AbortSignal | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(ABORTED)
    const cleanup = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
    const onAbort = () => {
      cleanup()
      reject(ABORTED)
    }
    const timer = setTimeout(
      () => {
        cleanup()
        reject(TIMED_OUT)
      },
      Math.max(1, Math.ceil(ms)),
    )
    signal?.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        cleanup()
        resolve(value)
      },
      (error: unknown) => {
        cleanup()
        reject(error)
      },
    )
  })
}

/** What an attempt's failure says about delivery, for the summary after retries. */
function attemptWords(error: unknown): string {
  if (isTimeoutError(error)) return `timed out on ${error.url} (the daemon may have executed it)`
  if (isDaemonBusyError(error)) return `not sent: ${error.url} was busy`
  if (isConnectionError(error)) {
    const what = error.errno ?? 'connection failed'
    return error.sent ? `${what} on ${error.url} (may have reached the daemon)` : `${what} on ${error.url} (not sent)`
  }
  return isElectronCashError(error) ? error.name : String(error)
}

/**
 * The error a call ends with after several attempts: it says whether ANY attempt may have reached the daemon,
 * not only the last one (a refused retry after a reset must not claim "never reached the daemon").
 */
function summarize(method: string, error: unknown, history: CallHistory): unknown {
  if (history.attempts <= 1 || !isElectronCashError(error)) return error
  const mayHaveReached = history.errors.some((e) => !neverReachedDaemon(e))
  // Every attempt waited for a busy daemon and none was sent: the last busy error says so already.
  if (isDaemonBusyError(error) && !mayHaveReached) return error
  const steps = history.errors.map((e, i) => `${i + 1}: ${attemptWords(e)}`).join('; ')
  if (isTimeoutError(error)) {
    return new TimeoutError({ url: error.url, method, timeoutMs: error.timeoutMs, attempts: history.attempts, cause: error })
  }
  if (isConnectionError(error) || isDaemonBusyError(error)) {
    const url = error.url
    const next = mayHaveReached
      ? 'an attempt may have reached the daemon, which may have executed it; unsafe calls are not repeated automatically'
      : 'no attempt reached the daemon'
    return new ConnectionError(`${method} failed after ${history.attempts} attempts (${steps}); ${next}.`, {
      url,
      method,
      sent: mayHaveReached,
      errno: isConnectionError(error) ? error.errno : undefined,
      attempts: history.attempts,
      cause: error,
    })
  }
  return error
}

/**
 * One value per method of the table. Each value's type is checked where `make` is written (it must return the
 * method's own `TypedMethod<K>` / `PreparedMethod<K>`); that every name is present follows from walking the table's
 * keys. (TypeScript cannot index a mapped type with a generic key on write, hence the one assertion here.)
 */
function everyTypedMethod(make: <K extends MethodName>(name: K) => TypedMethod<K>): TypedMethods {
  const out: Partial<Record<MethodName, unknown>> = {}
  for (const name of Object.keys(METHODS) as MethodName[]) out[name] = make(name)
  return out as TypedMethods
}
function everyPreparedMethod(make: <K extends MethodName>(name: K) => PreparedMethod<K>): PreparedMethods {
  const out: Partial<Record<MethodName, unknown>> = {}
  for (const name of Object.keys(METHODS) as MethodName[]) out[name] = make(name)
  return out as PreparedMethods
}

export function createElectronCashClient(options: ElectronCashClientOptions = {}): ElectronCashClient {
  const endpoints = resolveEndpoints({
    url: options.url,
    endpoints: options.endpoints,
    username: options.username,
    password: options.password,
    env: options.env ?? process.env,
  })
  const timeoutMs = positiveNumber('timeoutMs', options.timeoutMs, 15_000)
  const networkTimeoutMs = positiveNumber('networkTimeoutMs', options.networkTimeoutMs, 40_000)
  const cooldownMs = positiveNumber('failoverCooldownMs', options.failoverCooldownMs, 5_000)
  const busyLimitMs = positiveNumber('busyLimitMs', options.busyLimitMs, 120_000)
  const concurrency = options.concurrency ?? 1
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ConfigError(`concurrency must be a positive integer (calls at once per endpoint), got ${concurrency}`)
  }
  const fetchImpl = options.fetch ?? globalThis.fetch
  const hooks = options.hooks ?? {}
  const states: EndpointState[] = endpoints.map((endpoint) => ({
    endpoint,
    queue: createCallQueue(concurrency),
    downUntil: 0,
    abandoned: new Set(),
  }))
  let nextId = 1

  /** Healthy endpoints first, then ones not busy with an abandoned request, then priority. */
  const ordered = (): EndpointState[] => {
    const now = performance.now()
    return [...states].sort(
      (a, b) =>
        Number(a.downUntil > now) - Number(b.downUntil > now) ||
        Number(a.abandoned.size > 0) - Number(b.abandoned.size > 0) ||
        a.endpoint.index - b.endpoint.index,
    )
  }
  const stateFor = (url: string): EndpointState => {
    const state = states.find((s) => s.endpoint.url === url.replace(/\/$/, ''))
    if (!state) throw new ParamsError(`${url} is not one of this client's endpoints`, { method: 'callEndpoint', path: 'url' })
    return state
  }
  const timeoutFor = (method: string, call: CallOptions | undefined) =>
    call?.timeoutMs ?? (NETWORK_BOUND_METHODS.has(method) ? networkTimeoutMs : timeoutMs)

  // Queue/daemon timing of a failed exchange, for onError, without adding fields to the error.
  const timings = new WeakMap<object, { queuedMs: number; started: number }>()

  async function acquire(state: EndpointState, method: string, call: CallOptions | undefined): Promise<QueueSlot> {
    try {
      return await state.queue.acquire(call?.signal, call?.queueTimeoutMs)
    } catch (error) {
      if (error instanceof QueueWaitExceeded) {
        throw new DaemonBusyError({
          url: state.endpoint.url,
          method,
          busyForMs: error.busyForMs,
          waitedMs: error.waitedMs,
        })
      }
      throw error
    }
  }

  /**
   * The caller stopped waiting (timeout or abort) but the daemon is still executing the request: keep it open and
   * the slot taken until the daemon answers, so nothing else (a retry least of all) is sent into the busy daemon.
   * Past `busyLimitMs` the daemon counts as hung: the connection is closed and the endpoint marked failed.
   */
  function abandon(
    state: EndpointState,
    slot: QueueSlot,
    request: Promise<unknown>,
    controller: AbortController,
    sentAt: number,
  ) {
    const entry = { close: () => controller.abort() }
    const hung = setTimeout(
      () => {
        state.downUntil = performance.now() + cooldownMs
        controller.abort()
      },
      Math.max(0, busyLimitMs - (performance.now() - sentAt)),
    )
    hung.unref?.()
    state.abandoned.add(entry)
    const done = () => {
      clearTimeout(hung)
      state.abandoned.delete(entry)
      slot.release()
    }
    request.then(done, done)
  }

  /** One HTTP exchange with one endpoint, through its queue. */
  async function exchange<T>(
    state: EndpointState,
    method: string,
    body: string,
    id: number,
    hookParams: unknown,
    attempt: number,
    call: CallOptions | undefined,
    handle: (reply: unknown, timing: { queuedMs: number; started: number }) => T,
  ): Promise<T> {
    const slot = await acquire(state, method, call)
    const url = state.endpoint.url
    const started = performance.now()
    const timing = { queuedMs: slot.queuedMs, started }
    let abandoned = false
    try {
      safeHook(hooks.onRequest, { method, url, id, attempt, queuedMs: slot.queuedMs, params: hookParams })
      const controller = new AbortController()
      const request = postJsonRpc({ endpoint: state.endpoint, method, body, signal: controller.signal, fetch: fetchImpl })
      const limit =
        call?.totalTimeoutMs === undefined
          ? timeoutFor(method, call)
          : Math.max(1, Math.min(timeoutFor(method, call), call.totalTimeoutMs - slot.queuedMs))
      let reply: unknown
      try {
        reply = await raceDeadline(request, limit, call?.signal)
      } catch (error) {
        if (error !== TIMED_OUT && error !== ABORTED) throw error
        abandoned = true
        abandon(state, slot, request, controller, started)
        if (error === ABORTED) throw call?.signal?.reason
        throw new TimeoutError({ url, method, timeoutMs: limit })
      }
      // Handled while the slot is held, so hooks see each call's request and response back to back.
      return handle(reply, timing)
    } catch (error) {
      if (isConnectionError(error)) state.downUntil = performance.now() + cooldownMs
      const failure = call?.signal?.aborted ? error : toElectronCashError(error, { url, method })
      if (failure && typeof failure === 'object') timings.set(failure, timing)
      throw failure
    } finally {
      if (!abandoned) slot.release()
    }
  }

  function interpret(reply: unknown, id: number, place: RequestPlace): unknown {
    if (!isObject(reply)) {
      throw new ProtocolError(
        `${place.method} on ${place.url} got ${reply === undefined ? 'an empty reply' : 'a reply that is not a JSON-RPC object'}.`,
        place,
      )
    }
    if (reply['error'] !== null && reply['error'] !== undefined) {
      if (reply['id'] !== id && reply['id'] !== null) {
        throw new ProtocolError(
          `${place.method} on ${place.url} got a reply for id ${String(reply['id'])}, expected ${id}.`,
          place,
        )
      }
      throw rpcErrorFrom(reply['error'] as { code?: unknown; message?: unknown }, place)
    }
    if (reply['id'] !== id) {
      throw new ProtocolError(`${place.method} on ${place.url} got a reply for id ${String(reply['id'])}, expected ${id}.`, place)
    }
    if (!('result' in reply))
      throw new ProtocolError(`${place.method} on ${place.url} got a reply without result or error.`, place)
    const failure = failureInResult(reply['result'], place)
    if (failure) throw failure
    return reply['result']
  }

  /**
   * Runs a call with retries (p-retry) and failover: each attempt goes to the preferred endpoint and fails over at
   * once for retry-safe failures. An endpoint where the call timed out gets nothing re-sent while the daemon is still
   * busy with it; when no endpoint is left the call ends. The final error covers every attempt.
   */
  async function attempts<T>(
    method: string,
    retryable: (error: unknown) => boolean,
    call: CallOptions | undefined,
    once: (state: EndpointState, attempt: number) => Promise<T>,
  ): Promise<T> {
    const history: CallHistory = { attempts: 0, errors: [], timedOutOn: new Set() }
    const policy = call?.retry ?? options.retry
    const retries = policy === false ? 0 : Math.max(0, policy?.retries ?? 2)
    let left = retries

    /** Endpoints this call may still be sent to: not one still busy with an attempt of it that timed out. */
    const candidates = () => ordered().filter((s) => !(history.timedOutOn.has(s) && s.abandoned.size > 0))
    const runAttempt = async (): Promise<T> => {
      const order = candidates()
      if (order.length === 0) throw new AbortError(history.errors.at(-1) as Error)
      let lastError: unknown
      for (let i = 0; i < order.length; i++) {
        const state = order[i]!
        history.attempts++
        try {
          const result = await once(state, history.attempts)
          state.downUntil = 0
          return result
        } catch (error) {
          lastError = error
          history.errors.push(error)
          if (isTimeoutError(error)) history.timedOutOn.add(state)
          const next = order[i + 1]
          const movable = isConnectionError(error) || isTimeoutError(error) || isDaemonBusyError(error)
          if (!next || !movable || !retryable(error)) throw error
          safeHook(hooks.onRetry, {
            method,
            attempt: history.attempts,
            error: error as ElectronCashError,
            kind: 'failover',
            url: state.endpoint.url,
            nextUrl: next.endpoint.url,
            retriesLeft: left,
          })
        }
      }
      throw lastError
    }

    try {
      if (retries === 0) return await runAttempt()
      return await pRetry(runAttempt, {
        retries,
        factor: policy ? (policy.factor ?? 2) : 2,
        minTimeout: policy ? (policy.minDelayMs ?? 200) : 200,
        maxTimeout: policy ? (policy.maxDelayMs ?? 2_000) : 2_000,
        randomize: policy ? (policy.jitter ?? true) : true,
        maxRetryTime: policy ? (policy.maxElapsedMs ?? 60_000) : 60_000,
        ...(call?.signal ? { signal: call.signal } : {}),
        shouldRetry: ({ error }) => retryable(error) && candidates().length > 0,
        onFailedAttempt: ({ error, retriesLeft }) => {
          left = retriesLeft
          if (retriesLeft > 0 && retryable(error) && candidates().length > 0 && isElectronCashError(error)) {
            const url = (error as { url?: string }).url ?? ''
            safeHook(hooks.onRetry, { method, attempt: history.attempts, error, kind: 'retry', url, retriesLeft })
          }
        },
      })
    } catch (error) {
      throw summarize(method, error, history)
    }
  }

  async function callOn(
    state: EndpointState,
    method: string,
    params: Params,
    attempt: number,
    call: CallOptions | undefined,
  ): Promise<{ result: unknown; url: string }> {
    const id = nextId++
    const place = { url: state.endpoint.url, method }
    // The money gate and the JSON encoding run before anything is queued or sent.
    const body = toJson({ jsonrpc: '2.0', id, method, params: guardMoney(method, params) }, method)
    const timing = { queuedMs: 0, started: performance.now() }
    try {
      return await exchange(state, method, body, id, redactParams(method, params), attempt, call, (reply, exchanged) => {
        const result = interpret(reply, id, place)
        safeHook(hooks.onResponse, {
          method,
          url: place.url,
          id,
          attempt,
          queuedMs: exchanged.queuedMs,
          durationMs: performance.now() - exchanged.started,
          result: redactResult(method, params, result),
        })
        return { result, url: place.url }
      })
    } catch (error) {
      if (isElectronCashError(error)) {
        const t = timings.get(error) ?? timing
        safeHook(hooks.onError, {
          method,
          url: place.url,
          attempt,
          queuedMs: t.queuedMs,
          durationMs: performance.now() - t.started,
          error,
        })
      }
      throw error
    }
  }

  async function callDetailed(
    method: string,
    params: Params = [],
    call?: CallOptions,
  ): Promise<{ result: unknown; url: string }> {
    const retryable = (error: unknown) => isRetryable(method, error)
    return attempts(method, retryable, call, (state, attempt) => callOn(state, method, params, attempt, call))
  }

  async function batchOn(state: EndpointState, entries: readonly BatchEntry[], attempt: number, call: CallOptions | undefined) {
    const ids = entries.map(() => nextId++)
    const body = toJson(
      entries.map((entry, i) => ({
        jsonrpc: '2.0',
        id: ids[i],
        method: entry.method,
        params: guardMoney(entry.method, entry.params ?? []),
      })),
      'batch',
    )
    const hookParams = entries.map((entry) => ({ method: entry.method, params: redactParams(entry.method, entry.params ?? []) }))
    const longest = entries.reduce((max, entry) => Math.max(max, timeoutFor(entry.method, call)), 0)
    const url = state.endpoint.url
    const started = performance.now()
    let reply: unknown
    try {
      reply = await exchange(
        state,
        'batch',
        body,
        ids[0] ?? 0,
        hookParams,
        attempt,
        { ...call, timeoutMs: call?.timeoutMs ?? longest },
        (raw, exchanged) => {
          safeHook(hooks.onResponse, {
            method: 'batch',
            url,
            id: ids[0] ?? 0,
            attempt,
            queuedMs: exchanged.queuedMs,
            durationMs: performance.now() - exchanged.started,
            result: undefined,
          })
          return raw
        },
      )
    } catch (error) {
      if (isElectronCashError(error)) {
        const t = timings.get(error) ?? { queuedMs: 0, started }
        safeHook(hooks.onError, {
          method: 'batch',
          url,
          attempt,
          queuedMs: t.queuedMs,
          durationMs: performance.now() - t.started,
          error,
        })
      }
      throw error
    }
    if (!Array.isArray(reply)) {
      const error =
        isObject(reply) && reply['error'] ? rpcErrorFrom(reply['error'] as object, { url, method: 'batch' }) : undefined
      throw error ?? new ProtocolError(`batch on ${url} got a reply that is not an array.`, { url, method: 'batch' })
    }
    const byId = new Map<unknown, unknown>()
    for (const item of reply) if (isObject(item)) byId.set(item['id'], item)
    return entries.map((entry, i): BatchOutcome => {
      const place = { url, method: entry.method }
      try {
        const item = byId.get(ids[i])
        if (item === undefined) throw new ProtocolError(`batch on ${url} has no reply for ${entry.method} (id ${ids[i]}).`, place)
        const raw = interpret(item, ids[i]!, place)
        return { ok: true, result: entry.parse ? entry.parse(raw, place) : raw }
      } catch (error) {
        return { ok: false, error: toElectronCashError(error, place) }
      }
    })
  }

  function parseParams<K extends MethodName>(name: K, params: unknown): Record<string, unknown> {
    const spec = METHODS[name]
    const parsed = (spec.params as z.ZodType<Record<string, unknown>>).safeParse(params ?? {})
    if (!parsed.success) {
      const { path, message } = zodPath(parsed.error.issues)
      throw new ParamsError(`${name}: invalid parameter ${path || '(params)'}: ${message}; nothing was sent.`, {
        method: spec.rpc,
        path,
      })
    }
    return parsed.data
  }

  function parseResult<K extends MethodName>(name: K, params: unknown, raw: unknown, place: RequestPlace): MethodResult<K> {
    const parsed = resultSchemaFor(name, params as Record<string, unknown> | undefined).safeParse(raw)
    if (!parsed.success) {
      const { path, message } = zodPath(parsed.error.issues)
      throw new ProtocolError(
        `${place.method} on ${place.url}: the reply does not match the expected shape at ${path || '(result)'}: ${message}.`,
        { ...place, path },
      )
    }
    return parsed.data
  }

  /** The typed method for one table entry; its signature is checked against `TypedMethods[K]`. */
  function typedMethod<K extends MethodName>(name: K): TypedMethod<K> {
    const spec = METHODS[name]
    const method = async (...[params, call]: MethodArgs<K>): Promise<MethodResult<K>> => {
      const wire = toWireParams(spec, parseParams(name, params))
      const { result, url } = await callDetailed(spec.rpc, wire, call)
      return parseResult(name, params, result, { url, method: spec.rpc })
    }
    return method
  }

  /** The prepared batch entry builder for one table entry. */
  function preparedMethod<K extends MethodName>(name: K): PreparedMethod<K> {
    const spec = METHODS[name]
    const prepare = (...[params]: MethodArgs<K>): BatchEntry<MethodResult<K>> => ({
      method: spec.rpc,
      params: toWireParams(spec, parseParams(name, params)),
      parse: (raw, place) => parseResult(name, params, raw, place),
    })
    return prepare
  }

  const typed = everyTypedMethod(typedMethod)
  const prepare = everyPreparedMethod(preparedMethod)

  const client: ElectronCashClient = {
    ...typed,
    prepare,
    async call(method: string, params?: Params, call?: CallOptions) {
      return (await callDetailed(method, params ?? [], call)).result
    },
    async batch<const E extends readonly BatchEntry[]>(entries: E, call?: CallOptions) {
      if (entries.length === 0) return [] as never
      const allSafe = entries.every((entry) => retrySafety(entry.method) === 'safe')
      const retryable = (error: unknown) => isRetryable(allSafe ? 'version' : 'batch', error)
      return (await attempts('batch', retryable, call, (state, attempt) => batchOn(state, entries, attempt, call))) as never
    },
    endpoints(): EndpointStatus[] {
      const now = performance.now()
      return states.map((s) => ({
        url: s.endpoint.url,
        index: s.endpoint.index,
        healthy: s.downUntil <= now,
        active: s.queue.active,
        waiting: s.queue.waiting,
        busySince: s.queue.busySince,
        abandoned: s.abandoned.size,
      }))
    },
    markEndpoint(url: string, healthy: boolean) {
      stateFor(url).downUntil = healthy ? 0 : performance.now() + cooldownMs
    },
    async callEndpoint(url: string, method: string, params?: Params, call?: CallOptions) {
      return (await callOn(stateFor(url), method, params ?? [], 1, call)).result
    },
    async batchEndpoint(url: string, entries: readonly BatchEntry[], call?: CallOptions) {
      return batchOn(stateFor(url), entries, 1, call)
    },
    waitUntilReady: (readyOptions?: WaitUntilReadyOptions) => waitUntilReady(client, readyOptions),
    probe: (probeOptions?: ProbeOptions) => probe(client, probeOptions),
    close() {
      for (const state of states) for (const entry of [...state.abandoned]) entry.close()
    },
  }
  return client
}
