import { join } from 'node:path'
import { createFixedRateProvider } from '@tradekit/electroncash-rpc'
import { type FakeDaemon, startFakeDaemon, startWebhookReceiver } from '@tradekit/electroncash-rpc/testing'
import pino, { type Logger } from 'pino'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { PaymentsOptions } from './payments.js'
import { writeLogFixture } from './test-support/log-fixture.js'
import { TEST_TOKEN, type TestServer, useServers } from './test-support/test-server.js'
import { createMemoryReplayGuard, DELIVERY_HEADER, SIGNATURE_HEADER, verifyWebhook } from './webhook.js'
import type { HubMessage } from './ws-hub.js'

const servers = useServers()
const WEBHOOK_SECRET = 'webhook-secret-for-tests-0123'

async function receiver() {
  const hook = await startWebhookReceiver()
  servers.defer(hook.close)
  return hook
}

/** Polls `read` until `done` (each read is a real request; no timing is asserted). */
async function until<T>(read: () => Promise<T> | T, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read()
    if (done(value)) return value
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

async function setup(options: { webhook?: string; payments?: Partial<PaymentsOptions>; logger?: Logger } = {}): Promise<{
  daemon: FakeDaemon
  app: TestServer
  messages: HubMessage[]
}> {
  const daemon = await startFakeDaemon()
  servers.defer(() => daemon.close())
  const dir = servers.tempDir()
  writeLogFixture(dir, { days: 1, tradesPerDay: 2 })
  const app = await servers.start({
    logDir: dir,
    ...(options.logger ? { logger: options.logger } : {}),
    payments: {
      electronCash: { url: daemon.url, username: daemon.username, password: daemon.password },
      storePath: join(dir, '..', `${dir.split('/').at(-1)}-invoices.jsonl`),
      pollIntervalMs: 50,
      monitorIntervalMs: 50,
      failuresBeforeDown: 1,
      ...(options.webhook ? { webhook: { url: options.webhook, secret: WEBHOOK_SECRET } } : {}),
      ...options.payments,
    },
  })
  const messages: HubMessage[] = []
  const socket = new WebSocket(`${app.url.replace('http', 'ws')}/ws`, ['tradekit.v1', `bearer.${TEST_TOKEN}`])
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as HubMessage))
  await new Promise((resolve) => socket.once('message', resolve))
  servers.defer(() => socket.terminate())
  return { daemon, app, messages }
}

const status = (app: TestServer, id: string) => async () => (await app.get(`/api/payments/${id}`)).body

describe('BCH payments', () => {
  it('an invoice goes New → Processing → Settled on /ws and in signed webhooks, one per event', async () => {
    const hook = await receiver()
    const { daemon, app, messages } = await setup({ webhook: hook.url })
    const created = await app.post('/api/payments', { amountBch: '0.0015', memo: 'order 42', expiresInSeconds: 900 })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ amountSats: '150000', amountBch: '0.0015', memo: 'order 42', status: 'New' })
    expect(created.body.uri).toMatch(/^bitcoincash:q[a-z0-9]+\?amount=0\.0015$/)
    expect(created.body.checkoutUrl).toBe(`/checkout/${created.body.id}`)
    expect(Date.parse(created.body.expiresAt) - Date.parse(created.body.createdAt)).toBe(900_000)

    daemon.credit(created.body.address, 150_000n)
    await until(status(app, created.body.id), (payment) => payment.status === 'Processing')
    daemon.mine(1)
    const settled = await until(status(app, created.body.id), (payment) => payment.status === 'Settled')
    expect(settled).toMatchObject({ receivedSats: '150000', confirmations: 1, additionalStatus: 'None' })
    const pushed = await until(
      () => messages.filter((message) => message.type === 'payment').map((message) => (message.data as { event: string }).event),
      (events) => events.includes('settled'),
    )
    expect(pushed).toEqual(['created', 'payment_received', 'processing', 'settled'])

    await hook.received(4)
    const replayGuard = createMemoryReplayGuard()
    const types: string[] = []
    for (const call of hook.calls) {
      const verified = await verifyWebhook({
        secret: WEBHOOK_SECRET,
        body: call.body,
        signature: call.headers[SIGNATURE_HEADER] as string,
        replayGuard,
      })
      expect(verified.deliveryId).toBe(call.headers[DELIVERY_HEADER])
      types.push((verified.payload as { type: string }).type)
      expect(call.body).not.toContain(daemon.password)
    }
    expect(types).toEqual(['invoice.created', 'invoice.payment_received', 'invoice.processing', 'invoice.settled'])
    // The receiver has the calls; the sender stores each outcome right after its answer.
    const deliveries = await until(
      () => app.get(`/api/payments/${created.body.id}/deliveries`),
      (reply) => reply.body.items.every((d: { state: string }) => d.state !== 'pending'),
    )
    expect(deliveries.body.items.map((d: { state: string; attempts: number }) => `${d.state}/${d.attempts}`)).toEqual(
      Array(4).fill('delivered/1'),
    )
  })

  it('accepts satoshis and refuses floats, both amounts, or sub-satoshi BCH with a 400 naming the field', async () => {
    const { app } = await setup()
    const sats = await app.post('/api/payments', { amountSats: '2500' })
    expect(sats.status).toBe(201)
    expect(sats.body.amountBch).toBe('0.000025')
    for (const [body, message] of [
      [{ amountBch: 0.29 }, /body field amountBch/],
      [{ amountBch: '0.000000001' }, /at most 8 decimals/],
      [{ amountBch: '0.1', amountSats: '10' }, /exactly one of amountBch, amountSats or price/],
      [{}, /exactly one of amountBch, amountSats or price/],
      [{ amountSats: '10', extra: true }, /unknown body field "extra"/],
      [{ price: { currency: 'EUR', amount: '10' } }, /body field price\.currency/],
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

  it('the attack: 99,999,999.99999999 BCH is a 400 before the daemon is asked; one unreadable request never stops detection', async () => {
    const hook = await receiver()
    const { daemon, app } = await setup({ webhook: hook.url })
    const attack = await app.post('/api/payments', { amountBch: '99999999.99999999' })
    expect(attack.status).toBe(400)
    expect(attack.body.error.message).toMatch(/more than the 21,000,000 BCH that can ever exist/)
    for (const amountBch of ['0.00000545', '0']) {
      expect((await app.post('/api/payments', { amountBch })).body.error.message).toMatch(/below the dust limit/)
    }
    expect(daemon.calls.filter((call) => call.method === 'addrequest')).toEqual([])

    // The same request made behind the server's back (the old schema let it through): JSON cannot carry its amount.
    daemon.wallet.addRequest(9_999_999_999_999_999n, 'attack', null, true)
    const paying = await app.post('/api/payments', { amountSats: '40000', memo: 'a real order' })
    expect(paying.status).toBe(201)
    daemon.credit(paying.body.address, 40_000n)
    await until(status(app, paying.body.id), (payment) => payment.status === 'Processing')
    await hook.received(3)
    // Visible: /health says degraded and why (and stays ready: payments are detected).
    const health = await until(
      () => app.get('/health'),
      (reply) => reply.body.checks?.electronCash.status === 'warn',
    )
    expect(health.status).toBe(200)
    expect(health.body.checks.electronCash.summary).toMatch(/payments degraded: 1 daemon request\(s\) cannot be read/)
  })

  it('an invoice whose daemon data cannot be read shows the failure on itself, in a warning, /health and /metrics; the others settle', async () => {
    const lines: { level: number; msg: string; invoice?: string }[] = []
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) })
    const { daemon, app } = await setup({ logger })
    const broken = (await app.post('/api/payments', { amountSats: '10000', memo: 'broken' })).body
    const fine = (await app.post('/api/payments', { amountSats: '20000', memo: 'fine' })).body
    const request = daemon.wallet.requests.get(broken.address)!
    daemon.wallet.requests.set(broken.address, { ...request, amount: 9_999_999_999_999_999n })
    daemon.credit(fine.address, 20_000n, { confirmations: 1 })
    await until(status(app, fine.id), (payment) => payment.status === 'Settled')
    const failing = await until(status(app, broken.id), (payment) => payment.watchFailure !== null)
    expect(failing.watchFailure.message).toMatch(/the daemon's request [0-9a-f]+ cannot be read/)
    const health = await until(
      () => app.get('/health'),
      (reply) => reply.body.checks?.electronCash.status === 'warn',
    )
    expect(health.body.checks.electronCash.watch.failingInvoices[0].id).toBe(broken.id)
    expect(health.body.checks.electronCash.summary).toMatch(new RegExp(`invoice ${broken.id} cannot be watched`))
    const metrics = await app.get('/metrics')
    expect(metrics.text).toMatch(/payment_watch_failures_total\{kind="invoice"\} [1-9]/)
    expect(metrics.text).toMatch(/payment_watch_degraded 1/)
    const warning = lines.find((line) => line.invoice === broken.id)
    expect(warning).toMatchObject({ level: 40, msg: 'an invoice could not be read from the daemon; the others are watched' })
  })

  it('one order id, one invoice: a repeat answers 200 with the same payment, concurrent creates make one', async () => {
    const { daemon, app } = await setup()
    const first = await app.post('/api/payments', { amountSats: '5000', orderId: 'order-1001' })
    const again = await app.post('/api/payments', { amountSats: '5000', orderId: 'order-1001' })
    expect([first.status, again.status]).toEqual([201, 200])
    expect(again.body).toEqual(first.body)
    const burst = await Promise.all(
      Array.from({ length: 8 }, () => app.post('/api/payments', { amountSats: '7000', orderId: 'order-1002' })),
    )
    expect(new Set(burst.map((reply) => reply.body.id)).size).toBe(1)
    expect(burst.map((reply) => reply.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201])
    expect(daemon.requests().filter((request) => request.amount === 7_000n)).toHaveLength(1)
    const conflict = await app.post('/api/payments', { amountSats: '9000', orderId: 'order-1001' })
    expect(conflict.status).toBe(409)
    expect(conflict.body.error).toMatchObject({ code: 'conflict', reason: 'price', paymentId: first.body.id })
  })

  it('priced in KRW or USD: the rate is locked at creation and shown with the payment', async () => {
    const { app } = await setup({ payments: { rates: createFixedRateProvider({ KRW: '650000', USD: '480.50' }) } })
    const krw = await app.post('/api/payments', { price: { currency: 'KRW', amount: '10000' } })
    expect(krw.status).toBe(201)
    expect(krw.body).toMatchObject({
      amountSats: '1538462',
      price: { currency: 'KRW', amount: '10000', rate: '650000', source: 'fixed' },
    })
    const usd = await app.post('/api/payments', { price: { currency: 'USD', amount: '12.34' } })
    expect(usd.body).toMatchObject({ amountSats: '2568159', price: { currency: 'USD', rate: '480.5' } })
    const noRates = await setup()
    const refused = await noRates.app.post('/api/payments', { price: { currency: 'KRW', amount: '10000' } })
    expect(refused.status).toBe(400)
    expect(refused.body.error.message).toMatch(/needs a rate provider/)
  })

  it('a failed delivery is in the log with its status and next attempt; redeliver sends the event again', async () => {
    const hook = await receiver()
    hook.answer(500)
    const { app } = await setup({
      webhook: hook.url,
      payments: { webhook: { url: hook.url, secret: WEBHOOK_SECRET, retryDelaysMs: [3_600_000] } },
    })
    const created = (await app.post('/api/payments', { amountSats: '5000' })).body
    const [failed] = (
      await until(
        () => app.get(`/api/payments/${created.id}/deliveries`),
        (reply) => reply.body.items[0]?.attempts === 1,
      )
    ).body.items
    expect(failed).toMatchObject({ state: 'pending', attempts: 1, log: [{ outcome: 'HttpError', httpStatus: 500 }] })
    expect(Date.parse(failed.nextAttemptAt) - Date.parse(failed.log[0].at)).toBeGreaterThanOrEqual(3_600_000)
    hook.answer(200)
    const redelivered = await app.post(`/api/payments/${created.id}/deliveries/${failed.id}/redeliver`, {})
    expect(redelivered.status).toBe(202)
    expect(redelivered.body).toMatchObject({ originalDeliveryId: failed.id, eventId: failed.eventId })
    await hook.received(2)
    expect(JSON.parse(hook.calls[1]!.body)).toMatchObject({
      isRedelivery: true,
      originalDeliveryId: failed.id,
      eventId: failed.eventId,
    })
    expect((await app.post(`/api/payments/${created.id}/deliveries/dlv_nope/redeliver`, {})).status).toBe(404)
  })

  it("with notifyUrl the daemon's notify callback shows a payment at once (the next poll is 10 minutes away)", async () => {
    const secret = 'daemon-notify-secret-0123456789'
    let base = ''
    const { daemon, app } = await setup({
      payments: { pollIntervalMs: 600_000, notifyUrl: () => `${base}/payments/daemon-notify/${secret}` },
    })
    base = app.url
    const created = (await app.post('/api/payments', { amountSats: '30000' })).body
    await until(
      () => daemon.notifications(),
      (list) => list.some((n) => n.body.address === created.address && n.outcome === 'delivered'),
    )
    daemon.credit(created.address, 30_000n)
    await until(status(app, created.id), (payment) => payment.status === 'Processing')
    const wrong = await app.post('/payments/daemon-notify/not-the-secret-0123456789', {}, { token: null })
    expect(wrong.status).toBe(404)
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
    // A probe in flight when the daemon stopped sees its connection reset ("unreachable"); every later one is
    // refused. Wait for the verdict the closed port gives, rather than for whichever probe came first.
    const health = await until(
      () => app.get('/health'),
      (reply) =>
        reply.body.checks?.electronCash.status === 'down' && /connection refused/.test(reply.body.checks.electronCash.summary),
    )
    expect(health.status).toBe(503)
    expect(health.body.reasons.join(' ')).toMatch(/electron cash: down: connection refused/)
    const refused = await app.post('/api/payments', { amountSats: '1000' })
    expect(refused.status).toBe(503)
    expect(refused.body.error).toMatchObject({ code: 'unavailable', reason: 'connection refused' })
    expect(refused.body.error.message).toMatch(/still being watched/)
    expect((await app.get('/api/wallet')).status).toBe(503)
    expect((await app.get(`/api/payments/${created.body.id}`)).body.status).toBe('New')
    for (const reply of [health, refused]) expect(reply.text).not.toContain(daemon.password)

    await daemon.start()
    daemon.credit(created.body.address, 40_000n)
    await until(status(app, created.body.id), (payment) => payment.status === 'Processing')
    await until(
      () => app.get('/health'),
      (reply) => reply.status === 200,
    )
    // The /ws push of the monitor's transitions arrives on its own socket: wait for it rather than race it.
    const transitions = await until(
      () =>
        messages
          .filter((message) => message.type === 'electroncash')
          .map((message) => (message.data as { status: string }).status),
      (list) => list.includes('down') && list.at(-1) === 'up',
    )
    expect(transitions.indexOf('down')).toBeLessThan(transitions.lastIndexOf('up'))
    const rpc = await app.get('/metrics')
    expect(rpc.text).toMatch(/electroncash_rpc_calls_total\{method="[a-z]+",outcome="ok"\} \d+/)
  })
})
