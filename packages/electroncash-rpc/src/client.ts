/** `createElectronCashClient`: transport, queue, retries, failover, typed methods and batches. */
import pRetry from 'p-retry'
import type { z } from 'zod'
import type {
  BatchEntry,
  BatchOutcome,
  CallOptions,
  ElectronCashClient,
  ElectronCashClientOptions,
  EndpointStatus,
} from './client-types.js'
import { failureInResult, rpcErrorFrom } from './daemon-errors.js'
import {
  ConfigError,
  type ElectronCashError,
  isConnectionError,
  isElectronCashError,
  isTimeoutError,
  ParamsError,
  ProtocolError,
  type RequestPlace,
} from './errors.js'
import { METHODS, type MethodName, resultSchemaFor, toWireParams } from './methods.js'
import { type Endpoint, positiveNumber, resolveEndpoints } from './options.js'
import { type CallQueue, createCallQueue } from './queue.js'
import { type ProbeOptions, probe, type WaitUntilReadyOptions, waitUntilReady } from './readiness.js'
import { redactParams, redactResult } from './redact.js'
import { isRetryable, NETWORK_BOUND_METHODS, retrySafety } from './retry-policy.js'
import { postJsonRpc } from './transport.js'

export type * from './client-types.js'

interface EndpointState {
  endpoint: Endpoint
  queue: CallQueue
  downUntil: number
}

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
    {
      ...place,
      cause: error,
    },
  )
}

function zodPath(issues: readonly { path: readonly PropertyKey[]; message: string }[]): { path: string; message: string } {
  const issue = issues[0]
  return { path: issue ? issue.path.map(String).join('.') : '', message: issue?.message ?? 'invalid' }
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
  const concurrency = options.concurrency ?? 1
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ConfigError(`concurrency must be a positive integer (calls at once per endpoint), got ${concurrency}`)
  }
  const fetchImpl = options.fetch ?? globalThis.fetch
  const hooks = options.hooks ?? {}
  const states: EndpointState[] = endpoints.map((endpoint) => ({ endpoint, queue: createCallQueue(concurrency), downUntil: 0 }))
  let nextId = 1

  const ordered = (): EndpointState[] => {
    const now = performance.now()
    return [...states].sort(
      (a, b) => Number(a.downUntil > now) - Number(b.downUntil > now) || a.endpoint.index - b.endpoint.index,
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
  const isAbort = (error: unknown) => error instanceof Error && error.name === 'AbortError'

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
    const slot = await state.queue.acquire(call?.signal)
    const url = state.endpoint.url
    const started = performance.now()
    try {
      safeHook(hooks.onRequest, { method, url, id, attempt, queuedMs: slot.queuedMs, params: hookParams })
      const reply = await postJsonRpc({
        endpoint: state.endpoint,
        method,
        body,
        timeoutMs: timeoutFor(method, call),
        signal: call?.signal,
        fetch: fetchImpl,
      })
      // Handled while the slot is held, so hooks see each call's request and response back to back.
      return handle(reply, { queuedMs: slot.queuedMs, started })
    } catch (error) {
      if (isConnectionError(error) || isTimeoutError(error)) state.downUntil = performance.now() + cooldownMs
      const failure = call?.signal?.aborted || isAbort(error) ? error : toElectronCashError(error, { url, method })
      if (failure && typeof failure === 'object') timings.set(failure, { queuedMs: slot.queuedMs, started })
      throw failure
    } finally {
      slot.release()
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

  /** Runs `once` on the preferred endpoint, failing over at once for retry-safe failures. */
  async function acrossEndpoints<T>(
    method: string,
    retryMethod: (error: unknown) => boolean,
    attempt: number,
    retriesLeft: () => number,
    once: (state: EndpointState) => Promise<T>,
  ): Promise<T> {
    const order = ordered()
    let lastError: unknown
    for (let i = 0; i < order.length; i++) {
      const state = order[i]!
      try {
        const result = await once(state)
        state.downUntil = 0
        return result
      } catch (error) {
        lastError = error
        const next = order[i + 1]
        if (!next || !(isConnectionError(error) || isTimeoutError(error)) || !retryMethod(error)) throw error
        safeHook(hooks.onRetry, {
          method,
          attempt,
          error: error as ElectronCashError,
          kind: 'failover',
          url: state.endpoint.url,
          nextUrl: next.endpoint.url,
          retriesLeft: retriesLeft(),
        })
      }
    }
    throw lastError
  }

  async function withRetry<T>(
    method: string,
    retryMethod: (error: unknown) => boolean,
    call: CallOptions | undefined,
    run: (attempt: number, retriesLeft: () => number) => Promise<T>,
  ): Promise<T> {
    const policy = call?.retry ?? options.retry
    const retries = policy === false ? 0 : Math.max(0, policy?.retries ?? 2)
    if (retries === 0) return run(1, () => 0)
    let left = retries
    return pRetry((attempt) => run(attempt, () => left), {
      retries,
      factor: policy ? (policy.factor ?? 2) : 2,
      minTimeout: policy ? (policy.minDelayMs ?? 200) : 200,
      maxTimeout: policy ? (policy.maxDelayMs ?? 2_000) : 2_000,
      randomize: policy ? (policy.jitter ?? true) : true,
      maxRetryTime: policy ? (policy.maxElapsedMs ?? 60_000) : 60_000,
      ...(call?.signal ? { signal: call.signal } : {}),
      shouldRetry: ({ error }) => retryMethod(error),
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        left = retriesLeft
        if (retriesLeft > 0 && retryMethod(error) && isElectronCashError(error)) {
          const url = (error as { url?: string }).url ?? ''
          safeHook(hooks.onRetry, { method, attempt: attemptNumber, error, kind: 'retry', url, retriesLeft })
        }
      },
    })
  }

  async function callOn(
    state: EndpointState,
    method: string,
    params: unknown[] | Record<string, unknown>,
    attempt: number,
    call: CallOptions | undefined,
  ): Promise<{ result: unknown; url: string }> {
    const id = nextId++
    const place = { url: state.endpoint.url, method }
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params })
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
          result: redactResult(method, result),
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
    params: unknown[] | Record<string, unknown> = [],
    call?: CallOptions,
  ): Promise<{ result: unknown; url: string }> {
    const retryMethod = (error: unknown) => isRetryable(method, error)
    return withRetry(method, retryMethod, call, (attempt, left) =>
      acrossEndpoints(method, retryMethod, attempt, left, (state) => callOn(state, method, params, attempt, call)),
    )
  }

  async function batchOn(state: EndpointState, entries: readonly BatchEntry[], attempt: number, call: CallOptions | undefined) {
    const ids = entries.map(() => nextId++)
    const body = JSON.stringify(
      entries.map((entry, i) => ({ jsonrpc: '2.0', id: ids[i], method: entry.method, params: entry.params ?? [] })),
    )
    const hookParams = entries.map((entry) => ({ method: entry.method, params: redactParams(entry.method, entry.params ?? []) }))
    const longest = entries.reduce((max, entry) => Math.max(max, timeoutFor(entry.method, call)), 0)
    const url = state.endpoint.url
    const reply = await exchange(
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

  function parseParams(name: MethodName, params: unknown): Record<string, unknown> {
    const spec = METHODS[name]
    const parsed = (spec.params as z.ZodType).safeParse(params ?? {})
    if (!parsed.success) {
      const { path, message } = zodPath(parsed.error.issues)
      throw new ParamsError(`${name}: invalid parameter ${path || '(params)'}: ${message}; nothing was sent.`, {
        method: spec.rpc,
        path,
      })
    }
    return parsed.data as Record<string, unknown>
  }

  function parseResult(name: MethodName, params: unknown, raw: unknown, place: RequestPlace): unknown {
    const parsed = resultSchemaFor(name, params as Record<string, unknown>).safeParse(raw)
    if (!parsed.success) {
      const { path, message } = zodPath(parsed.error.issues)
      throw new ProtocolError(
        `${place.method} on ${place.url}: the reply does not match the expected shape at ${path || '(result)'}: ${message}.`,
        { ...place, path },
      )
    }
    return parsed.data
  }

  const client = {
    async call(method: string, params?: unknown[] | Record<string, unknown>, call?: CallOptions) {
      return (await callDetailed(method, params ?? [], call)).result
    },
    async batch(entries: readonly BatchEntry[], call?: CallOptions) {
      if (entries.length === 0) return []
      const allSafe = entries.every((entry) => retrySafety(entry.method) === 'safe')
      const retryMethod = (error: unknown) => isRetryable(allSafe ? 'version' : 'batch', error)
      return withRetry('batch', retryMethod, call, (attempt, left) =>
        acrossEndpoints('batch', retryMethod, attempt, left, (state) => batchOn(state, entries, attempt, call)),
      )
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
      }))
    },
    markEndpoint(url: string, healthy: boolean) {
      stateFor(url).downUntil = healthy ? 0 : performance.now() + cooldownMs
    },
    async callEndpoint(url: string, method: string, params?: unknown[] | Record<string, unknown>, call?: CallOptions) {
      return (await callOn(stateFor(url), method, params ?? [], 1, call)).result
    },
    async batchEndpoint(url: string, entries: readonly BatchEntry[], call?: CallOptions) {
      return batchOn(stateFor(url), entries, 1, call)
    },
    waitUntilReady: (readyOptions?: WaitUntilReadyOptions) =>
      waitUntilReady(client as unknown as ElectronCashClient, readyOptions),
    probe: (probeOptions?: ProbeOptions) => probe(client as unknown as ElectronCashClient, probeOptions),
    prepare: {} as Record<string, unknown>,
  } as Record<string, unknown> & { prepare: Record<string, unknown> }

  for (const name of Object.keys(METHODS) as MethodName[]) {
    const spec = METHODS[name]
    client[name] = async (params?: unknown, call?: CallOptions) => {
      const wire = toWireParams(spec, parseParams(name, params))
      const { result, url } = await callDetailed(spec.rpc, wire, call)
      return parseResult(name, params, result, { url, method: spec.rpc })
    }
    client.prepare[name] = (params?: unknown): BatchEntry => ({
      method: spec.rpc,
      params: toWireParams(spec, parseParams(name, params)),
      parse: (raw, place) => parseResult(name, params, raw, place),
    })
  }

  return client as unknown as ElectronCashClient
}
