import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { type FakeDaemon, startFakeDaemon } from '@tradekit/electroncash-rpc/testing'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { writeLogFixture } from './test-support/log-fixture.js'
import { TEST_TOKEN, type TestServer, useServers } from './test-support/test-server.js'
import { SIGNATURE_HEADER, verifyWebhook } from './webhook.js'
import type { HubMessage } from './ws-hub.js'

const servers = useServers()
const WEBHOOK_SECRET = 'webhook-secret-for-tests-0123'

/** A local receiver that records the webhook calls it gets. */
async function webhookReceiver() {
  const calls: { body: string; signature: string }[] = []
  const server = createServer((req: IncomingMessage, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      calls.push({ body, signature: String(req.headers[SIGNATURE_HEADER] ?? '') })
      res.end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.defer(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/payments`, calls }
}

async function until<T>(read: () => Promise<T> | T, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read()
    if (done(value)) return value
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

async function setup(
  options: { webhook?: string } = {},
): Promise<{ daemon: FakeDaemon; app: TestServer; messages: HubMessage[] }> {
  const daemon = await startFakeDaemon()
  servers.defer(() => daemon.close())
  const dir = servers.tempDir()
  writeLogFixture(dir, { days: 1, tradesPerDay: 2 })
  const app = await servers.start({
    logDir: dir,
    payments: {
      electronCash: { url: daemon.url, username: daemon.username, password: daemon.password },
      storePath: join(dir, '..', `${dir.split('/').at(-1)}-invoices.jsonl`),
      pollIntervalMs: 50,
      monitorIntervalMs: 50,
      failuresBeforeDown: 1,
      ...(options.webhook ? { webhook: { url: options.webhook, secret: WEBHOOK_SECRET, attempts: 1 } } : {}),
    },
  })
  const messages: HubMessage[] = []
  const socket = new WebSocket(`${app.url.replace('http', 'ws')}/ws`, ['tradekit.v1', `bearer.${TEST_TOKEN}`])
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as HubMessage))
  await new Promise((resolve) => socket.once('message', resolve))
  servers.defer(() => socket.terminate())
  return { daemon, app, messages }
}

describe('BCH payments', () => {
  it('creates an invoice (BCH as a decimal string) and reports it paid and confirmed on /ws and the signed webhook', async () => {
    const hook = await webhookReceiver()
    const { daemon, app, messages } = await setup({ webhook: hook.url })
    const created = await app.post('/api/payments', { amountBch: '0.0015', memo: 'order 42', expiresInSeconds: 900 })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ amountSats: '150000', amountBch: '0.0015', memo: 'order 42', status: 'pending' })
    expect(created.body.uri).toMatch(/^bitcoincash:/)
    expect(Date.parse(created.body.expiresAt) - Date.parse(created.body.createdAt)).toBe(900_000)
    expect((await app.get(`/api/payments/${created.body.id}`)).body.status).toBe('pending')

    daemon.credit(created.body.address, 150_000n)
    const paid = await until(
      () => app.get(`/api/payments/${created.body.id}`),
      (reply) => reply.body.status === 'paid',
    )
    expect(paid.body.receivedSats).toBe('150000')
    daemon.mine(1)
    await until(
      () => app.get(`/api/payments/${created.body.id}`),
      (reply) => reply.body.status === 'confirmed',
    )
    const pushed = await until(
      () =>
        messages.filter((message) => message.type === 'payment').map((message) => (message.data as { status: string }).status),
      (statuses) => statuses.includes('confirmed'),
    )
    expect(pushed).toEqual(['paid', 'confirmed'])
    const calls = await until(
      () => hook.calls,
      (list) => list.length === 2,
    )
    for (const call of calls) expect(verifyWebhook(WEBHOOK_SECRET, call.body, call.signature)).toBe(true)
    expect(calls.map((call) => JSON.parse(call.body).type)).toEqual(['payment.paid', 'payment.confirmed'])
    expect(verifyWebhook('another-secret', calls[0]!.body, calls[0]!.signature)).toBe(false)
    for (const call of calls) expect(call.body).not.toContain(daemon.password)
  })

  it('accepts satoshis and refuses floats, both amounts, or sub-satoshi BCH with a 400 naming the field', async () => {
    const { app } = await setup()
    const sats = await app.post('/api/payments', { amountSats: '2500' })
    expect(sats.status).toBe(201)
    expect(sats.body.amountBch).toBe('0.000025')
    for (const [body, message] of [
      [{ amountBch: 0.29 }, /body field amountBch/],
      [{ amountBch: '0.000000001' }, /at most 8 decimals/],
      [{ amountBch: '0.1', amountSats: '10' }, /exactly one of amountBch or amountSats/],
      [{}, /exactly one of amountBch or amountSats/],
      [{ amountSats: '10', extra: true }, /unknown body field "extra"/],
    ] as const) {
      const reply = await app.post('/api/payments', body)
      expect(reply.status).toBe(400)
      expect(reply.body.error.message).toMatch(message)
    }
    const malformed = await app.post('/api/payments', null, { raw: '{"amountSats": ' })
    expect(malformed.status).toBe(400)
    expect(malformed.body.error.message).toBe('Request body is not valid JSON.')
    expect((await app.get('/api/payments/unknown-id')).status).toBe(404)
    expect((await app.get('/api/payments/..%2F..%2Fetc')).status).toBe(400)
  })

  it('GET /api/wallet shows the balance in BCH and satoshis', async () => {
    const { daemon, app } = await setup()
    const address = (await app.post('/api/payments', { amountSats: '100000' })).body.address
    daemon.credit(address, 70_000n, { confirmations: 3 })
    daemon.credit(address, 5_000n)
    const wallet = await until(
      () => app.get('/api/wallet'),
      (reply) => reply.body.unconfirmedSats === '5000',
    )
    expect(wallet.body).toEqual({ confirmed: '0.0007', unconfirmed: '0.00005', confirmedSats: '70000', unconfirmedSats: '5000' })
  })

  it('daemon down: 503 with the reason, health says so, invoices stay readable; after it returns the invoice is still watched', async () => {
    const { daemon, app, messages } = await setup()
    const created = await app.post('/api/payments', { amountSats: '40000', memo: 'before the outage' })
    expect(created.status).toBe(201)
    await daemon.stop()
    await until(
      () => app.get('/health'),
      (reply) => reply.body.checks?.electronCash.status === 'down',
    )
    const health = await app.get('/health')
    expect(health.status).toBe(503)
    expect(health.body.reasons.join(' ')).toMatch(/electron cash: down: connection refused/)
    const refused = await app.post('/api/payments', { amountSats: '1000' })
    expect(refused.status).toBe(503)
    expect(refused.body.error).toMatchObject({ code: 'unavailable', reason: 'connection refused' })
    expect(refused.body.error.message).toMatch(/still being watched/)
    expect((await app.get('/api/wallet')).status).toBe(503)
    expect((await app.get(`/api/payments/${created.body.id}`)).body.status).toBe('pending')
    for (const reply of [health, refused]) expect(reply.text).not.toContain(daemon.password)

    await daemon.start()
    daemon.credit(created.body.address, 40_000n)
    await until(
      () => app.get(`/api/payments/${created.body.id}`),
      (reply) => reply.body.status === 'paid',
    )
    await until(
      () => app.get('/health'),
      (reply) => reply.status === 200,
    )
    const transitions = messages
      .filter((message) => message.type === 'electroncash')
      .map((message) => (message.data as { status: string }).status)
    expect(transitions).toContain('down')
    expect(transitions.at(-1)).toBe('up')
    const rpc = await app.get('/metrics')
    expect(rpc.text).toMatch(/electroncash_rpc_calls_total\{method="[a-z]+",outcome="ok"\} \d+/)
  })
})
