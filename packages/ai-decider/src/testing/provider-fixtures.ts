/**
 * Test-only helpers (not exported from the package): the provider fixtures in ./fixtures and msw handlers that
 * answer with them and record every request the adapters send.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { delay, HttpResponse, http } from 'msw'
import { type SetupServer, setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, vi } from 'vitest'

/** Retry settings that keep tests fast: 1–2 ms backoff. */
export const fastRetry = { retry: { minDelayMs: 1, maxDelayMs: 2, minAttemptMs: 1 } }

/** An msw server for the current test file: unhandled requests are errors; handlers and env stubs reset per test. */
export function useMswServer(): SetupServer {
  const server = setupServer()
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
  afterEach(() => {
    server.resetHandlers()
    vi.unstubAllEnvs()
  })
  afterAll(() => server.close())
  return server
}

export interface Fixture {
  status: number
  headers: Record<string, string>
  body: Record<string, unknown>
}

/** Every fixture's name (file name without `.json`), read from the folder: tests enumerate them, never a list. */
export function fixtureNames(): string[] {
  return readdirSync(new URL('./fixtures/', import.meta.url))
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort()
}

/** Loads `fixtures/<name>.json` (copied from the research notes; see fixtures/README.md). */
export function fixture(name: string): Fixture {
  const raw = JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as {
    _http?: { status?: number; headers?: Record<string, string> }
    body: Record<string, unknown>
  }
  return { status: raw._http?.status ?? 200, headers: raw._http?.headers ?? {}, body: raw.body }
}

/** The fixtures' decision, in this package's wire names. */
export const wireDecision = {
  action: 'hold',
  confidence: 0.62,
  size: 0,
  reason: 'RSI neutral, MACD histogram negative but flattening; no edge.',
  stopLoss: null,
  takeProfit: null,
}

/** A copy of `value` with `transform` applied to a structured clone. */
export function edit<T>(value: T, transform: (copy: T) => void): T {
  const copy = structuredClone(value)
  transform(copy)
  return copy
}

/** The Anthropic text-block fixture carrying `text` as the model's answer. */
export function anthropicText(text: string = JSON.stringify(wireDecision)): Fixture {
  return edit(fixture('anthropic.response.text'), (f) => {
    ;(f.body.content as { text: string }[])[0]!.text = text
  })
}

export interface Captured {
  url: string
  headers: Record<string, string>
  body: unknown
}

/** A reply: a fixture, `'hang'` (never answers) or `'network'` (connection error). */
export type Reply = Fixture | 'hang' | 'network'

/**
 * An msw handler for POST `url` answering with `replies` in order (the last one repeats), recording requests.
 * `onRequest` runs when a request has arrived (e.g. to abort it in flight, without a timer).
 */
export function replying(url: string, replies: Reply[], options: { onRequest?: (captured: Captured) => void } = {}) {
  const captured: Captured[] = []
  const handler = http.post(url, async ({ request }) => {
    captured.push({
      url: request.url,
      headers: Object.fromEntries(request.headers.entries()),
      body: await request.json(),
    })
    options.onRequest?.(captured.at(-1)!)
    const reply = replies[Math.min(captured.length - 1, replies.length - 1)]!
    if (reply === 'hang') {
      await delay('infinite')
      return HttpResponse.error()
    }
    if (reply === 'network') return HttpResponse.error()
    return HttpResponse.json(reply.body, { status: reply.status, headers: reply.headers })
  })
  return { handler, captured }
}
