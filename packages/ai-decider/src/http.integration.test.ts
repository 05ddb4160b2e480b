import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClaudeDecider } from './claude.js'
import { createFallbackDecider } from './fallback.js'
import { createGptDecider } from './gpt.js'
import { createRuleDecider } from './rules.js'
import { sampleContext } from './testing/context.js'
import { anthropicText, fixture } from './testing/provider-fixtures.js'

// A real HTTP server on 127.0.0.1 (no msw in this file): real sockets, real aborts.
type Route = (request: IncomingMessage, response: ServerResponse) => void
const routes = new Map<string, Route>()
/** Each request, and whether the client hung up before the response was complete (resolved on close). */
const seen: { path: string; body: unknown; closedEarly: Promise<boolean> }[] = []
const sockets = new Set<Socket>()
let server: Server
let origin: string

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const closedEarly = new Promise<boolean>((resolve) => {
        response.on('close', () => resolve(!response.writableEnded))
      })
      seen.push({ path: request.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString() || 'null'), closedEarly })
      const prefix = `/${(request.url ?? '').split('/')[1]}`
      routes.get(prefix)?.(request, response)
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers })
  response.end(JSON.stringify(body))
}
const context = sampleContext()

describe('over real HTTP (127.0.0.1)', () => {
  it('Claude: posts the body and reads the answer and request id', async () => {
    routes.set('/ok', (_request, response) => json(response, 200, anthropicText().body, { 'request-id': 'req_real' }))
    const result = await createClaudeDecider({
      apiKey: 'sk-ant-real-123456',
      model: 'claude-sonnet-4-6',
      baseUrl: `${origin}/ok`,
    }).decide(context)
    expect(result.fallback).toBeNull()
    expect(result.audit.attempts[0]).toMatchObject({ status: 200, requestId: 'req_real' })
    expect(seen.at(-1)).toMatchObject({ path: '/ok/v1/messages', body: { model: 'claude-sonnet-4-6' } })
  })

  it('a hanging provider: the deadline holds and the connection is closed, not left open', async () => {
    routes.set('/hang', () => {})
    const before = seen.length
    const result = await createGptDecider({ apiKey: 'sk-real-123456', model: 'gpt-6', baseUrl: `${origin}/hang` }).decide(
      context,
      {
        deadlineMs: 150,
      },
    )
    expect(result.fallback?.code).toBe('timeout')
    expect(seen.length - before).toBe(1)
    expect(await seen.at(-1)!.closedEarly).toBe(true)
  })

  it('503 with retry-after-ms is retried on the same server', async () => {
    let calls = 0
    routes.set('/flaky', (_request, response) => {
      calls++
      if (calls === 1)
        json(response, 503, { type: 'error', error: { type: 'api_error', message: 'busy' } }, { 'retry-after-ms': '5' })
      else json(response, 200, fixture('anthropic.response.text').body)
    })
    const result = await createClaudeDecider({
      apiKey: 'sk-ant-real-123456',
      model: 'claude-sonnet-4-6',
      baseUrl: `${origin}/flaky`,
    }).decide(context)
    expect(calls).toBe(2)
    expect(result.audit.attempts.map((attempt) => attempt.status)).toEqual([503, 200])
  })

  it('fallback chain [hangs, answers late, rules] under a deadline ends with the rules', async () => {
    routes.set('/hang', () => {})
    routes.set('/late', (_request, response) => {
      const timer = setTimeout(() => json(response, 200, anthropicText().body), 1000)
      response.on('close', () => clearTimeout(timer))
    })
    const chain = createFallbackDecider([
      createClaudeDecider({ apiKey: 'sk-ant-real-123456', model: 'claude-sonnet-4-6', baseUrl: `${origin}/hang` }),
      createClaudeDecider({ apiKey: 'sk-ant-real-123456', model: 'claude-sonnet-4-6', baseUrl: `${origin}/late` }),
      createRuleDecider({ fastPeriod: 5, slowPeriod: 20 }),
    ])
    const result = await chain.decide(context, { deadlineMs: 300 })
    expect(result).toMatchObject({ provider: 'rules', fallback: null })
    // The hung provider times out; the late one times out too, or, when a loaded machine cut the first off late,
    // is skipped for lack of time (then it has no record). Either way it never answers within 300 ms.
    const codes = result.audit.members?.map((member) => member.fallback?.code ?? 'ok')
    expect(codes?.at(-1)).toBe('ok')
    expect(codes?.slice(0, -1)).toEqual(codes?.length === 3 ? ['timeout', 'timeout'] : ['timeout'])
  })
})
