/**
 * `createWebhookSender`: signed webhooks delivered from the store's outbox until they land.
 *
 * - Each event gets one delivery, created in the same commit as the event (the watcher asks `deliveriesFor`), with a
 *   random delivery id and the exact body: both are stored, so a delivery pending when the process is killed is
 *   sent after the restart with the same ids and bytes.
 * - The first attempt is immediate; after a failure (no answer, or a status other than 2xx) the next attempts wait
 *   `retryDelaysMs` (default 10 s, 1 min, then 6 × 10 min, as BTCPay Server does). The schedule is stored with the
 *   delivery, so it survives restarts too. A delivery whose schedule runs out is `failed`; `redeliver` sends it
 *   again as a new delivery (`isRedelivery`, `originalDeliveryId`).
 * - Every attempt is logged on the delivery (time, outcome, HTTP status, error) and committed.
 */
import { randomBytes } from 'node:crypto'
import { satsToBch } from './amount.js'
import type { DeliveryAttempt, Invoice, InvoiceEvent, InvoiceStore, OutboxEntry } from './invoice-store.js'
import { DeliveryNotFoundError } from './payment-errors.js'
import type { EventSink } from './payment-watcher.js'
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signWebhook } from './webhook-signing.js'

/** The payload version. Fields are only ever added within a version; removing or changing one makes a new version. */
export const WEBHOOK_PAYLOAD_VERSION = 1

/** What the invoice looks like in a webhook (version 1). */
export interface WebhookInvoiceV1 {
  id: string
  orderId: string | null
  status: Invoice['status']
  additionalStatus: Invoice['additionalStatus']
  address: string
  uri: string
  amountSats: string
  amountBch: string
  receivedSats: string
  confirmations: number
  requiredConfirmations: number
  txHashes: string[]
  /** ISO 8601. */
  createdAt: string
  expiresAt: string | null
  price: { currency: string; amount: string; rate: string; source: string } | null
  metadata: Record<string, unknown> | null
}

/** The JSON body of every webhook, version 1. */
export interface WebhookPayloadV1 {
  version: 1
  deliveryId: string
  webhookId: string
  isRedelivery: boolean
  originalDeliveryId: string | null
  /** Stable per event: de-duplicate on it. */
  eventId: string
  type: `invoice.${InvoiceEvent['type']}`
  /** When the event happened, Unix seconds. */
  timestamp: number
  invoiceId: string
  orderId: string | null
  afterExpiration: boolean
  manuallyMarked: boolean
  payment: { receivedSats: string; confirmations: number }
  invoice: WebhookInvoiceV1
}

/** The fields of version 1, in order: a test pins them so none is removed silently. */
export const WEBHOOK_PAYLOAD_V1_FIELDS = [
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
] as const satisfies readonly (keyof WebhookPayloadV1)[]

/** The webhook body for an event (version 1). */
export function webhookPayload(
  event: InvoiceEvent,
  invoice: Invoice,
  delivery: { id: string; webhookId: string; originalDeliveryId?: string | null },
): WebhookPayloadV1 {
  return {
    version: 1,
    deliveryId: delivery.id,
    webhookId: delivery.webhookId,
    isRedelivery: Boolean(delivery.originalDeliveryId),
    originalDeliveryId: delivery.originalDeliveryId ?? null,
    eventId: event.id,
    type: `invoice.${event.type}`,
    timestamp: Math.floor(event.at / 1000),
    invoiceId: invoice.id,
    orderId: invoice.orderId,
    afterExpiration: event.afterExpiration,
    manuallyMarked: event.manuallyMarked,
    payment: { receivedSats: String(event.received), confirmations: event.confirmations },
    invoice: {
      id: invoice.id,
      orderId: invoice.orderId,
      status: event.status,
      additionalStatus: event.additionalStatus,
      address: invoice.address,
      uri: invoice.uri,
      amountSats: String(invoice.amount),
      amountBch: satsToBch(invoice.amount),
      receivedSats: String(event.received),
      confirmations: event.confirmations,
      requiredConfirmations: invoice.requiredConfirmations,
      txHashes: invoice.txHashes,
      createdAt: new Date(invoice.createdAt * 1000).toISOString(),
      expiresAt: invoice.expiresAt === null ? null : new Date(invoice.expiresAt * 1000).toISOString(),
      price: invoice.price && {
        currency: invoice.price.currency,
        amount: invoice.price.amount,
        rate: invoice.price.rate,
        source: invoice.price.source,
      },
      metadata: invoice.metadata ?? null,
    },
  }
}

/** 10 s, 1 min, then six times 10 min: BTCPay Server's schedule. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [10_000, 60_000, ...Array<number>(6).fill(600_000)]

export interface WebhookSenderOptions {
  /** The store holding the outbox (the watcher's). */
  store: InvoiceStore
  /** Receiver URL (http or https). */
  url: string
  /** HMAC-SHA256 key shared with the receiver. */
  secret: string
  /** The webhook's name in payloads and the delivery log. Default `'default'`. */
  webhookId?: string
  /** Waits after the first, second, ... failed attempt. Default `DEFAULT_RETRY_DELAYS_MS` (8 retries). */
  retryDelaysMs?: readonly number[]
  /** Per-attempt timeout. Default 10,000 ms. */
  timeoutMs?: number
  /** Deliveries sent at once. Default 16. */
  concurrency?: number
  /** Injectable fetch. Default `globalThis.fetch`. */
  fetch?: typeof fetch
  /** Clock, Unix ms. Default `Date.now`. */
  now?: () => number
  /** Called after every attempt is stored (logs, metrics). */
  onAttempt?: (delivery: OutboxEntry, attempt: DeliveryAttempt) => void
}

export interface WebhookSender extends EventSink {
  /** Starts sending due deliveries (and wakes at the next one due). */
  start(): void
  /** Stops and waits for attempts in flight. */
  stop(): Promise<void>
  /** Sends every delivery due now, once; resolves with how many were attempted. */
  deliverDue(): Promise<number>
  /** Sends an event again as a new delivery (`isRedelivery: true`); returns it once stored. */
  redeliver(deliveryId: string): Promise<OutboxEntry>
  /** An invoice's delivery log. */
  deliveries(invoiceId: string): Promise<OutboxEntry[]>
}

const newDeliveryId = () => `dlv_${randomBytes(12).toString('base64url')}`
/** A URL safe to log: no credentials, no query string. */
const safeUrl = (url: string) => {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`
  } catch {
    return '<invalid url>'
  }
}
const MAX_LOG = 50
/** The longest a timer waits before the sender looks at the store again. */
const MAX_SLEEP_MS = 60_000

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const { store } = options
  if (!options.secret) throw new TypeError('createWebhookSender: a secret is required; webhooks are always signed.')
  const target = safeUrl(options.url)
  if (!/^https?:/.test(target)) throw new TypeError(`createWebhookSender: ${target} is not an http(s) URL.`)
  const webhookId = options.webhookId ?? 'default'
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS
  const timeoutMs = options.timeoutMs ?? 10_000
  const concurrency = options.concurrency ?? 16
  const now = options.now ?? Date.now
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args))
  const leaseMs = timeoutMs * 3
  let running = false
  let timer: NodeJS.Timeout | undefined
  let pass: Promise<void> | undefined
  let again = false

  function entryFor(id: string, event: InvoiceEvent, body: string, originalDeliveryId: string | null): OutboxEntry {
    return {
      id,
      eventId: event.id,
      invoiceId: event.invoiceId,
      target: webhookId,
      state: 'pending',
      attempts: 0,
      nextAttemptAt: now(),
      createdAt: now(),
      body,
      originalDeliveryId,
      log: [],
    }
  }

  async function attempt(entry: OutboxEntry): Promise<void> {
    const started = now()
    let outcome: DeliveryAttempt
    try {
      const response = await doFetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'tradekit-webhooks/1',
          [SIGNATURE_HEADER]: signWebhook({
            secret: options.secret,
            body: entry.body,
            deliveryId: entry.id,
            timestamp: Math.floor(started / 1000),
          }),
          [DELIVERY_HEADER]: entry.id,
          [EVENT_HEADER]: entry.eventId,
        },
        body: entry.body,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
      })
      await response.body?.cancel().catch(() => undefined)
      outcome = {
        at: started,
        outcome: response.ok ? 'HttpSuccess' : 'HttpError',
        httpStatus: response.status,
        error: response.ok ? null : `${target} answered HTTP ${response.status}`,
        durationMs: now() - started,
      }
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause
      const name = (error as Error).name
      const what =
        name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause?.code ?? cause?.message ?? (error as Error).message)
      outcome = { at: started, outcome: 'Failed', httpStatus: null, error: `${target}: ${what}`, durationMs: now() - started }
    }
    const attempts = entry.attempts + 1
    const delivered = outcome.outcome === 'HttpSuccess'
    const delay = delays[attempts - 1]
    const next: OutboxEntry = {
      ...entry,
      attempts,
      state: delivered ? 'delivered' : delay === undefined ? 'failed' : 'pending',
      nextAttemptAt: delivered || delay === undefined ? null : outcome.at + outcome.durationMs + delay,
      log: [...entry.log, outcome].slice(-MAX_LOG),
    }
    await store.commit({ outbox: [next] })
    options.onAttempt?.(next, outcome)
  }

  /** Attempts running now (the loop never waits for the slowest of them before starting the next due one). */
  const inFlight = new Set<Promise<void>>()

  /** Starts attempts for due deliveries while slots are free; sleeps until the next one is due. */
  async function pump(): Promise<void> {
    for (;;) {
      const free = concurrency - inFlight.size
      if (free <= 0) return // a finishing attempt pumps again
      const { due, nextAt } = await store.dueDeliveries(now(), free, leaseMs)
      for (const entry of due) {
        if (entry.target !== webhookId) continue
        const running = attempt(entry)
          .catch(() => undefined)
          .finally(() => {
            inFlight.delete(running)
            wake()
          })
        inFlight.add(running)
      }
      if (due.length < free) {
        sleepUntil(nextAt)
        return
      }
    }
  }

  function sleepUntil(at: number | null): void {
    clearTimeout(timer)
    if (!running) return
    const wait = Math.min(MAX_SLEEP_MS, Math.max(0, (at ?? Number.POSITIVE_INFINITY) - now()))
    timer = setTimeout(wake, wait)
  }

  function wake(): void {
    if (!running) return
    if (pass) {
      again = true
      return
    }
    pass = pump()
      .catch(() => undefined)
      .finally(() => {
        pass = undefined
        if (again) {
          again = false
          wake()
        }
      })
  }

  /** One pass over what is due now, waiting for every attempt (tests, scripts). */
  async function deliverDue(): Promise<number> {
    let total = 0
    for (;;) {
      const { due } = await store.dueDeliveries(now(), concurrency, leaseMs)
      const mine = due.filter((entry) => entry.target === webhookId)
      await Promise.all(mine.map((entry) => attempt(entry).catch(() => undefined)))
      total += mine.length
      if (due.length < concurrency) return total
    }
  }

  return {
    deliveriesFor(event, invoice) {
      const id = newDeliveryId()
      const body = JSON.stringify(webhookPayload(event, invoice, { id, webhookId }))
      return [entryFor(id, event, body, null)]
    },
    enqueued() {
      wake()
    },
    start() {
      if (running) return
      running = true
      wake()
    },
    async stop() {
      running = false
      clearTimeout(timer)
      await pass
      await Promise.all(inFlight)
    },
    deliverDue,
    async redeliver(deliveryId) {
      const original = await store.getDelivery(deliveryId)
      if (!original) throw new DeliveryNotFoundError(deliveryId)
      const id = newDeliveryId()
      const payload = JSON.parse(original.body) as WebhookPayloadV1
      const body = JSON.stringify({ ...payload, deliveryId: id, isRedelivery: true, originalDeliveryId: original.id })
      const entry = entryFor(id, { id: original.eventId, invoiceId: original.invoiceId } as InvoiceEvent, body, original.id)
      await store.commit({ outbox: [entry] })
      wake()
      return entry
    },
    deliveries: (invoiceId) => store.deliveriesOf(invoiceId),
  }
}
