import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createJsonlInvoiceStore, createMemoryInvoiceStore, type InvoiceStore } from './invoice-store.js'
import { createPaymentWatcher } from './payment-watcher.js'
import { useFakeDaemons } from './test-support/daemons.js'
import { sampleEvent, sampleInvoice } from './test-support/invoice-store-contract.js'
import { startWebhookReceiver } from './testing/webhook-receiver.js'
import {
  createWebhookSender,
  DEFAULT_RETRY_DELAYS_MS,
  WEBHOOK_PAYLOAD_V1_FIELDS,
  type WebhookPayloadV1,
  webhookPayload,
} from './webhook-sender.js'
import { createMemoryReplayGuard, DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, verifyWebhook } from './webhook-signing.js'

const fakes = useFakeDaemons()
const secret = 'whsec-sender-test-0123'
let dir: string
const cleanups: (() => Promise<void>)[] = []
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ec-webhooks-'))
})
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  vi.useRealTimers()
  await rm(dir, { recursive: true, force: true })
})

async function receiver() {
  const r = await startWebhookReceiver()
  cleanups.push(r.close)
  return r
}

/** Stores an invoice with one event and its delivery, as the watcher does. */
async function storeEvent(
  store: InvoiceStore,
  sender: ReturnType<typeof createWebhookSender>,
  type: 'created' | 'settled' = 'created',
) {
  const invoice = sampleInvoice('inv_w', 'order-5')
  const event = sampleEvent(invoice.id, type)
  const outbox = sender.deliveriesFor(event, invoice)
  await store.commit({ invoice, events: [event], outbox })
  return { invoice, event, delivery: outbox[0]! }
}

describe('webhook sender', () => {
  it('POSTs the stored body signed with the attempt time and the delivery id; the receiver verifies it', async () => {
    const hook = await receiver()
    const store = createMemoryInvoiceStore()
    const clock = 1_790_000_000_000
    const sender = createWebhookSender({ store, url: hook.url, secret, now: () => clock })
    const { delivery, event } = await storeEvent(store, sender)
    expect(await sender.deliverDue()).toBe(1)
    const [call] = hook.calls
    expect(call!.body).toBe(delivery.body)
    expect(call!.headers[DELIVERY_HEADER]).toBe(delivery.id)
    expect(call!.headers[EVENT_HEADER]).toBe(event.id)
    const verified = await verifyWebhook({
      secret,
      body: call!.body,
      signature: call!.headers[SIGNATURE_HEADER] as string,
      replayGuard: createMemoryReplayGuard(),
      now: clock / 1000,
    })
    expect(verified.payload).toMatchObject({
      version: 1,
      deliveryId: delivery.id,
      eventId: event.id,
      type: 'invoice.created',
      orderId: 'order-5',
    })
    expect(await sender.deliveries('inv_w')).toEqual([
      expect.objectContaining({
        state: 'delivered',
        attempts: 1,
        log: [expect.objectContaining({ outcome: 'HttpSuccess', httpStatus: 200 })],
      }),
    ])
  })

  it('retries after 10 s, 1 min, then 6 × 10 min, never before a delivery is due, then gives up as failed', async () => {
    expect(DEFAULT_RETRY_DELAYS_MS).toEqual([10_000, 60_000, 600_000, 600_000, 600_000, 600_000, 600_000, 600_000])
    const hook = await receiver()
    hook.answer(503)
    const store = createMemoryInvoiceStore()
    let clock = 1_000_000
    const sender = createWebhookSender({ store, url: hook.url, secret, now: () => clock })
    const { delivery } = await storeEvent(store, sender)
    const attemptsAt: number[] = []
    for (const wait of [0, ...DEFAULT_RETRY_DELAYS_MS]) {
      clock += wait - 1
      expect(await sender.deliverDue()).toBe(0) // one millisecond early: nothing is sent
      clock += 1
      expect(await sender.deliverDue()).toBe(1)
      attemptsAt.push(clock - 1_000_000)
    }
    expect(attemptsAt).toEqual([0, 10_000, 70_000, 670_000, 1_270_000, 1_870_000, 2_470_000, 3_070_000, 3_670_000])
    const stored = (await store.getDelivery(delivery.id))!
    expect(stored).toMatchObject({ state: 'failed', attempts: 9, nextAttemptAt: null })
    expect(stored.log.map((entry) => [entry.outcome, entry.httpStatus])).toEqual(Array(9).fill(['HttpError', 503]))
    clock += 10 * 600_000
    expect(await sender.deliverDue()).toBe(0)
    expect(hook.calls.map((call) => call.headers[DELIVERY_HEADER])).toEqual(Array(9).fill(delivery.id))
  })

  it('the schedule is configurable; an unreachable receiver is logged as Failed with the reason', async () => {
    const closed = await receiver()
    await closed.close() // nothing listens on its port any more
    const url = closed.url.replace('/hooks', '/hooks?token=secret')
    const store = createMemoryInvoiceStore()
    let clock = 0
    const sender = createWebhookSender({ store, url, secret, now: () => clock, retryDelaysMs: [5] })
    const { delivery } = await storeEvent(store, sender)
    await sender.deliverDue()
    clock = 5
    await sender.deliverDue()
    const stored = (await store.getDelivery(delivery.id))!
    expect(stored).toMatchObject({ state: 'failed', attempts: 2 })
    expect(stored.log[0]).toMatchObject({ outcome: 'Failed', httpStatus: null, error: `${closed.url}: ECONNREFUSED` })
    expect(JSON.stringify(stored.log)).not.toContain('token=secret')
  })

  it('a delivery pending at a restart is sent by the next process with the same delivery id, event id and body', async () => {
    const hook = await receiver()
    const path = join(dir, 'store.jsonl')
    const first = createJsonlInvoiceStore(path)
    const before = createWebhookSender({ store: first, url: hook.url, secret })
    const { delivery } = await storeEvent(first, before)
    await first.close() // the process dies before sending
    const second = createJsonlInvoiceStore(path)
    const after = createWebhookSender({ store: second, url: hook.url, secret })
    await after.deliverDue()
    expect(hook.calls).toHaveLength(1)
    expect(hook.calls[0]!.body).toBe(delivery.body)
    expect(hook.calls[0]!.headers[DELIVERY_HEADER]).toBe(delivery.id)
    await second.close()
  })

  it('redeliver sends the event again as a new delivery that names the original', async () => {
    const hook = await receiver()
    const store = createMemoryInvoiceStore()
    const sender = createWebhookSender({ store, url: hook.url, secret })
    const { delivery, event } = await storeEvent(store, sender)
    await sender.deliverDue()
    const again = await sender.redeliver(delivery.id)
    await sender.deliverDue()
    const payloads = hook.calls.map((call) => JSON.parse(call.body) as WebhookPayloadV1)
    expect(payloads.map((p) => [p.deliveryId, p.eventId, p.isRedelivery, p.originalDeliveryId])).toEqual([
      [delivery.id, event.id, false, null],
      [again.id, event.id, true, delivery.id],
    ])
    expect((await sender.deliveries('inv_w')).map((d) => d.state)).toEqual(['delivered', 'delivered'])
    await expect(sender.redeliver('dlv_unknown')).rejects.toMatchObject({ name: 'DeliveryNotFoundError' })
  })

  it('payload version 1 keeps every field: none is removed silently (BTCPay #5496)', () => {
    // Adding a field is fine; removing or renaming one must make a new version and update this list.
    expect(WEBHOOK_PAYLOAD_V1_FIELDS).toEqual([
      'version',
      'deliveryId',
      'webhookId',
      'isRedelivery',
      'originalDeliveryId',
      'eventId',
      'type',
      'timestamp',
      'invoiceId',
      'orderId',
      'afterExpiration',
      'manuallyMarked',
      'payment',
      'invoice',
    ])
    const payload = webhookPayload(sampleEvent('inv_x', 'settled'), sampleInvoice('inv_x'), { id: 'dlv_x', webhookId: 'default' })
    expect(Object.keys(payload)).toEqual([...WEBHOOK_PAYLOAD_V1_FIELDS])
    expect(Object.keys(payload.invoice)).toEqual([
      'id',
      'orderId',
      'status',
      'additionalStatus',
      'address',
      'uri',
      'amountSats',
      'amountBch',
      'receivedSats',
      'confirmations',
      'requiredConfirmations',
      'txHashes',
      'createdAt',
      'expiresAt',
      'price',
      'metadata',
    ])
    expect(payload.invoice.amountSats).toBe('29000000')
    expect(payload.invoice.amountBch).toBe('0.29')
  })

  it('start(): an enqueued delivery is sent at once, a failed one when its retry is due (fake timers)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const store = createMemoryInvoiceStore()
    const answers = [500, 200]
    /** Each attempt's outcome, once the sender has stored it. */
    const stored: string[] = []
    let attempted: () => void = () => undefined
    const fetch = vi.fn(async () => new Response('x', { status: answers.shift() ?? 200 }))
    const sender = createWebhookSender({
      store,
      url: 'http://receiver.test/hooks',
      secret,
      fetch,
      onAttempt: (_delivery, attempt) => {
        stored.push(attempt.outcome)
        attempted()
      },
    })
    const nextAttempt = () => new Promise<void>((resolve) => (attempted = resolve))
    sender.start()
    cleanups.push(() => sender.stop())
    const { delivery } = await storeEvent(store, sender)
    const first = nextAttempt()
    sender.enqueued([delivery])
    await first // sent at once, without any timer advancing
    expect(stored).toEqual(['HttpError'])
    await vi.advanceTimersByTimeAsync(9_999)
    expect(fetch).toHaveBeenCalledTimes(1) // not before its retry is due
    const second = nextAttempt()
    await vi.advanceTimersByTimeAsync(1)
    await second
    expect(stored).toEqual(['HttpError', 'HttpSuccess'])
    expect((await store.getDelivery(delivery.id))?.state).toBe('delivered')
  })

  it('with the watcher: created, payment received, processing and settled are delivered once each, in order', async () => {
    const hook = await receiver()
    const daemon = await fakes.start()
    const store = createMemoryInvoiceStore()
    const sender = createWebhookSender({ store, url: hook.url, secret })
    const watcher = createPaymentWatcher(fakes.connect(daemon), { store, webhooks: sender })
    sender.start()
    cleanups.push(() => sender.stop())
    const invoice = await watcher.createInvoice({ amount: 10_000n, orderId: 'o-77' })
    daemon.credit(invoice.address, 10_000n)
    await watcher.check()
    daemon.mine()
    await watcher.check()
    await hook.received(4)
    const payloads = hook.calls.map((call) => JSON.parse(call.body) as WebhookPayloadV1)
    expect(payloads.map((p) => [p.type, p.invoice.status])).toEqual([
      ['invoice.created', 'New'],
      ['invoice.payment_received', 'Processing'],
      ['invoice.processing', 'Processing'],
      ['invoice.settled', 'Settled'],
    ])
    expect(new Set(payloads.map((p) => p.eventId)).size).toBe(4)
  })

  it('with the watcher: expired, paid late and invalid are delivered too, with the states they led to', async () => {
    const hook = await receiver()
    let clock = Date.UTC(2026, 10, 22)
    const daemon = await fakes.start({ now: () => clock })
    const store = createMemoryInvoiceStore()
    const sender = createWebhookSender({ store, url: hook.url, secret, now: () => clock })
    const watcher = createPaymentWatcher(fakes.connect(daemon), { store, webhooks: sender, now: () => clock })
    sender.start()
    cleanups.push(() => sender.stop())
    const late = await watcher.createInvoice({ amount: 5_000n, expiresInSeconds: 60, force: true })
    const vanishing = await watcher.createInvoice({ amount: 6_000n, force: true })
    await watcher.check()
    clock += 61_000
    const txid = daemon.credit(vanishing.address, 6_000n)
    await watcher.check()
    daemon.credit(late.address, 5_000n)
    daemon.wallet.transactions.splice(
      daemon.wallet.transactions.findIndex((tx) => tx.txid === txid),
      1,
    ) // dropped from the mempool (double spent)
    await watcher.check()
    await hook.received(8)
    const payloads = hook.calls.map((call) => JSON.parse(call.body) as WebhookPayloadV1)
    const of = (id: string) =>
      payloads.filter((p) => p.invoice.id === id).map((p) => [p.type, p.invoice.status, p.invoice.additionalStatus])
    expect(of(late.id)).toEqual([
      ['invoice.created', 'New', 'None'],
      ['invoice.expired', 'Expired', 'None'],
      ['invoice.payment_received', 'Expired', 'PaidLate'],
      ['invoice.paid_late', 'Expired', 'PaidLate'],
    ])
    expect(of(vanishing.id)).toEqual([
      ['invoice.created', 'New', 'None'],
      ['invoice.payment_received', 'Processing', 'None'],
      ['invoice.processing', 'Processing', 'None'],
      ['invoice.invalid', 'Invalid', 'None'],
    ])
  })
})
