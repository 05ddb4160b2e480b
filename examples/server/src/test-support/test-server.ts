import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach } from 'vitest'
import { type RunningServer, type StartOptions, startServer } from '../server.js'

export const TEST_TOKEN = 'test-token-0123456789abcdef'

/** Temp dirs and servers started in a test, closed after it. */
export function useServers() {
  const cleanups: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  return {
    tempDir(prefix = 'example-server-'): string {
      const dir = mkdtempSync(join(tmpdir(), prefix))
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
      return dir
    },
    async start(options: Partial<StartOptions> & { logDir: string }): Promise<TestServer> {
      const running = await startServer({
        port: 0,
        auth: { token: TEST_TOKEN },
        logger: pino({ level: 'silent' }),
        dashboard: false,
        ...options,
      })
      cleanups.push(() => running.close())
      return testClient(running)
    },
    defer(cleanup: () => Promise<void> | void) {
      cleanups.push(cleanup)
    },
  }
}

export interface TestServer extends RunningServer {
  /** GET with the test token (or `token: null` for none); returns status, headers and parsed JSON (or text). */
  get(path: string, init?: { token?: string | null; headers?: Record<string, string> }): Promise<Reply>
  post(
    path: string,
    body: unknown,
    init?: { token?: string | null; raw?: string; headers?: Record<string, string> },
  ): Promise<Reply>
}

export interface Reply {
  status: number
  headers: Headers
  // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
  body: any
  text: string
}

function testClient(running: RunningServer): TestServer {
  async function request(
    method: string,
    path: string,
    init: { token?: string | null; headers?: Record<string, string>; body?: string },
  ) {
    const headers: Record<string, string> = { ...init.headers }
    const token = init.token === undefined ? TEST_TOKEN : init.token
    if (token !== null) headers['authorization'] = `Bearer ${token}`
    if (init.body !== undefined) headers['content-type'] ??= 'application/json'
    const response = await fetch(`${running.url}${path}`, {
      method,
      headers,
      ...(init.body === undefined ? {} : { body: init.body }),
    })
    const text = await response.text()
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {}
    return { status: response.status, headers: response.headers, body, text }
  }
  return Object.assign(running, {
    get: (path: string, init: { token?: string | null; headers?: Record<string, string> } = {}) => request('GET', path, init),
    post: (path: string, body: unknown, init: { token?: string | null; raw?: string; headers?: Record<string, string> } = {}) =>
      request('POST', path, { ...init, body: init.raw ?? JSON.stringify(body) }),
  })
}
