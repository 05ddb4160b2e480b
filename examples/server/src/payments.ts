import {
  createElectronCashClient,
  createHealthMonitor,
  createJsonlInvoiceStore,
  createPaymentWatcher,
  createWebhookSender,
  type DeliveryAttempt,
  type ElectronCashClient,
  type HealthMonitor,
  type Invoice,
  type InvoiceStore,
  isAmountError,
  isAuthError,
  isConnectionError,
  isDaemonOfflineError,
  isDeliveryNotFoundError,
  isInvoiceConflictError,
  isInvoiceCreationError,
  isParamsError,
  isRateError,
  isTimeoutError,
  isWalletNotLoadedError,
  type OutboxEntry,
  type PaymentWatcher,
  type ProbeResult,
  type RateProvider,
  satsToBch,
  satsToFiat,
  type WebhookSender,
} from '@tradekit/electroncash-rpc'
import { createPostgresInvoiceStore } from '@tradekit/electroncash-rpc/postgres'
import type { Logger } from 'pino'
import { Counter, Gauge } from 'prom-client'
import type { CheckoutView, DeliveryView, HealthCheck, PaymentView, WalletResponse } from './api-types.js'
import { BadRequestError, NotFoundError, ServerError, UnavailableError } from './errors.js'
import type { Metrics } from './metrics.js'
import type { Hub } from './ws-hub.js'

/** Where payment events are POSTed, signed. */
export interface WebhookOptions {
  /** Receiver URL (http or https). */
  url: string
  /** HMAC-SHA256 key shared with the receiver. */
  secret: string
  /** Waits between attempts after a failure. Default: 10 s, 1 min, then 6 × 10 min. */
  retryDelaysMs?: readonly number[]
  /** Per-attempt timeout. Default: `10_000`. */
  timeoutMs?: number
  /** Injectable fetch. Default: `globalThis.fetch`. */
  fetch?: typeof fetch
}

/** BCH payments through an Electron Cash daemon. */
export interface PaymentsOptions {
  /** Daemon URL and RPC credentials (`rpcuser`/`rpcpassword`); ignored when `client` is given. */
  electronCash?: { url?: string | undefined; username?: string | undefined; password?: string | undefined }
  /** A client you built yourself (several endpoints, your own hooks). Default: one built from `electronCash`. */
  client?: ElectronCashClient
  /** JSON Lines file keeping invoices, events and webhook deliveries across restarts, or a `postgres://` URL (server replicas share it). Default: `'./data/payment-invoices.jsonl'`. */
  storePath?: string | undefined
  /** A store of your own (ignores `storePath`). Default: the JSON Lines store. */
  store?: InvoiceStore
  /** Confirmations before an invoice is `Settled`, unless the request sets its own (0 = at first sight). Default: `1`. */
  confirmations?: number
  /** How often invoices are polled (two wallet-local calls whatever their number). Default: `1_000`. */
  pollIntervalMs?: number
  /** How often the daemon is probed. Default: `5_000`. */
  monitorIntervalMs?: number
  /** Failed probes before the daemon counts as down (and the endpoints answer 503). Default: `2`. */
  failuresBeforeDown?: number
  /** Where fiat prices (`price: { currency, amount }`) get their rate. Default: none (fiat prices answer 400). */
  rates?: RateProvider | undefined
  /** POST every invoice event here, HMAC-signed, redelivered until it lands. Default: none. */
  webhook?: WebhookOptions | undefined
  /**
   * `http(s)://<host the daemon reaches>/payments/daemon-notify/<secret>`: each invoice's address is registered with
   * the daemon's `notify`, whose POSTs to that path make the watcher poll at once (payments seen in well under a
   * second instead of at the next poll); registered again after a daemon restart (see the package's `notifyUrl`).
   * A function is read at each registration (tests, a port chosen at start). Default: none (polling only).
   */
  notifyUrl?: string | (() => string) | undefined
  /** Clock, Unix ms (tests). Default: `Date.now`. */
  now?: () => number
}

/** How a payment is priced in a create request. */
export type PaymentAmount = { bch: string } | { sats: bigint } | { fiat: { currency: 'KRW' | 'USD'; amount: string } }

/** What the routes need from the payment service. */
export interface Payments {
  create(input: {
    amount: PaymentAmount
    memo: string
    expiresInSeconds: number
    orderId?: string | undefined
    confirmations?: number | undefined
  }): Promise<PaymentView & { existing: boolean }>
  get(id: string): Promise<PaymentView | undefined>
  /** The public view the checkout page shows (no order id, metadata or delivery log). */
  checkout(id: string): Promise<CheckoutView | undefined>
  /** Calls `listener` with the checkout view of every invoice that changes; returns the unsubscribe function. */
  onChange(listener: (view: CheckoutView) => void): () => void
  /** The invoice's webhook delivery log. */
  deliveries(id: string): Promise<DeliveryView[]>
  /** Sends one delivery's event again, as a new delivery. */
  redeliver(id: string, deliveryId: string): Promise<DeliveryView>
  /** The daemon said an address changed (its `notify` callback): poll now. */
  poke(): void
  wallet(): Promise<WalletResponse>
  check(): Promise<HealthCheck>
  start(): Promise<void>
  close(): Promise<void>
}

const iso = (unixSeconds: number | null) => (unixSeconds === null ? null : new Date(unixSeconds * 1000).toISOString())

export function paymentView(invoice: Invoice): PaymentView {
  return {
    id: invoice.id,
    orderId: invoice.orderId,
    address: invoice.address,
    uri: invoice.uri,
    amountSats: String(invoice.amount),
    amountBch: satsToBch(invoice.amount),
    memo: invoice.memo,
    status: invoice.status,
    additionalStatus: invoice.additionalStatus,
    receivedSats: String(invoice.received),
    confirmations: invoice.confirmations,
    requiredConfirmations: invoice.requiredConfirmations,
    txHashes: invoice.txHashes,
    createdAt: iso(invoice.createdAt)!,
    expiresAt: iso(invoice.expiresAt),
    price: invoice.price && {
      currency: invoice.price.currency,
      amount: invoice.price.amount,
      rate: invoice.price.rate,
      source: invoice.price.source,
      quotedAt: new Date(invoice.price.quotedAt).toISOString(),
    },
    checkoutUrl: `/checkout/${invoice.id}`,
    watchFailure: invoice.watchFailure && {
      at: new Date(invoice.watchFailure.at).toISOString(),
      message: invoice.watchFailure.message,
    },
  }
}

export function checkoutView(invoice: Invoice): CheckoutView {
  return {
    id: invoice.id,
    status: invoice.status,
    additionalStatus: invoice.additionalStatus,
    address: invoice.address,
    uri: invoice.uri,
    amountSats: String(invoice.amount),
    amountBch: satsToBch(invoice.amount),
    receivedSats: String(invoice.received),
    memo: invoice.memo,
    confirmations: invoice.confirmations,
    requiredConfirmations: invoice.requiredConfirmations,
    createdAt: iso(invoice.createdAt)!,
    expiresAt: iso(invoice.expiresAt),
    // The fiat value of what is owed, at the locked rate (a BCH-priced invoice has none).
    fiat: invoice.price && {
      currency: invoice.price.currency,
      amount: invoice.price.amount,
      rate: invoice.price.rate,
      received: satsToFiat(invoice.received, invoice.price.currency, invoice.price.rate),
    },
  }
}

function deliveryView(entry: OutboxEntry): DeliveryView {
  const at = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
  return {
    id: entry.id,
    eventId: entry.eventId,
    state: entry.state,
    attempts: entry.attempts,
    nextAttemptAt: at(entry.nextAttemptAt),
    originalDeliveryId: entry.originalDeliveryId,
    log: entry.log.map((attempt: DeliveryAttempt) => ({ ...attempt, at: at(attempt.at)! })),
  }
}

/** A short reason for a daemon failure, safe to show a client (no URL, no credentials, no stack). */
function reasonOf(error: unknown): string | undefined {
  if (isConnectionError(error)) return 'the daemon is unreachable (connection refused or reset)'
  if (isTimeoutError(error)) return 'the daemon did not answer in time'
  if (isAuthError(error)) return 'the daemon refused our RPC credentials (401)'
  if (isWalletNotLoadedError(error)) return 'no wallet is loaded in the daemon'
  if (isDaemonOfflineError(error)) return 'the daemon is offline (no Electrum server)'
  return undefined
}

export function createPayments(options: PaymentsOptions, deps: { metrics: Metrics; logger: Logger; hub: Hub }): Payments {
  const { metrics, logger, hub } = deps
  const client =
    options.client ??
    createElectronCashClient({
      ...(options.electronCash?.url ? { url: options.electronCash.url } : {}),
      ...(options.electronCash?.username ? { username: options.electronCash.username } : {}),
      ...(options.electronCash?.password ? { password: options.electronCash.password } : {}),
      hooks: {
        onResponse: (event) => metrics.rpcCalls.inc({ method: event.method, outcome: 'ok' }),
        onError: (event) => metrics.rpcCalls.inc({ method: event.method, outcome: event.error.code }),
      },
    })
  const monitor: HealthMonitor = createHealthMonitor(client, {
    intervalMs: options.monitorIntervalMs ?? 5_000,
    failuresBeforeDown: options.failuresBeforeDown ?? 2,
  })
  // A postgres:// URL keeps invoices, events and the webhook outbox in PostgreSQL, for several server replicas.
  const store =
    options.store ??
    (/^postgres(ql)?:\/\//i.test(options.storePath ?? '')
      ? createPostgresInvoiceStore({ url: options.storePath! })
      : createJsonlInvoiceStore(options.storePath ?? './data/payment-invoices.jsonl'))
  const watchFailures = new Counter({
    name: 'payment_watch_failures_total',
    help: 'Payment polls that failed (kind="poll") or invoices that could not be read in a poll (kind="invoice").',
    labelNames: ['kind'],
    registers: [metrics.registry],
  })
  const webhookAttempts = new Counter({
    name: 'payment_webhook_attempts_total',
    help: 'Webhook delivery attempts by outcome (HttpSuccess, HttpError, Failed).',
    labelNames: ['outcome'],
    registers: [metrics.registry],
  })
  const degraded = new Gauge({
    name: 'payment_watch_degraded',
    help: '1 while payment watching is degraded (see /health for the reasons), else 0.',
    registers: [metrics.registry],
  })
  const sender: WebhookSender | undefined = options.webhook
    ? createWebhookSender({
        store,
        url: options.webhook.url,
        secret: options.webhook.secret,
        ...(options.webhook.retryDelaysMs ? { retryDelaysMs: options.webhook.retryDelaysMs } : {}),
        ...(options.webhook.timeoutMs ? { timeoutMs: options.webhook.timeoutMs } : {}),
        ...(options.webhook.fetch ? { fetch: options.webhook.fetch } : {}),
        ...(options.now ? { now: options.now } : {}),
        onAttempt: (delivery, attempt) => {
          webhookAttempts.inc({ outcome: attempt.outcome })
          if (attempt.outcome !== 'HttpSuccess') {
            logger.warn(
              {
                delivery: delivery.id,
                event: delivery.eventId,
                status: attempt.httpStatus,
                err: attempt.error,
                state: delivery.state,
              },
              delivery.state === 'failed' ? 'webhook delivery gave up after its schedule' : 'webhook delivery failed; will retry',
            )
          }
        },
      })
    : undefined
  const watcher: PaymentWatcher = createPaymentWatcher(client, {
    store,
    confirmations: options.confirmations ?? 1,
    pollIntervalMs: options.pollIntervalMs ?? 1_000,
    ...(options.rates ? { rates: options.rates } : {}),
    ...(sender ? { webhooks: sender } : {}),
    ...(options.notifyUrl ? { notifyUrl: options.notifyUrl } : {}),
    ...(options.now ? { now: options.now } : {}),
  })
  const listeners = new Set<(view: CheckoutView) => void>()
  let lastProbe: ProbeResult | undefined

  monitor.on('probe', (probe) => {
    lastProbe = probe
  })
  monitor.on('change', (change) => {
    logger.info({ from: change.from, to: change.to, reason: change.probe.reason }, 'Electron Cash daemon health changed')
    hub.broadcast('electroncash', { status: change.to, reason: change.probe.reason })
  })
  monitor.on('error', (error) => logger.warn({ err: (error as Error).message }, 'health monitor error'))
  watcher.on('error', (error) => {
    watchFailures.inc({ kind: 'poll' })
    logger.warn({ err: reasonOf(error) ?? (error as Error).message }, 'payment poll failed; invoices are checked again next poll')
  })
  watcher.on('invoice-error', ({ invoice, error }) => {
    watchFailures.inc({ kind: 'invoice' })
    logger.warn(
      { invoice: invoice.id, err: error.message },
      'an invoice could not be read from the daemon; the others are watched',
    )
  })
  watcher.on('event', ({ event, invoice }) => {
    hub.broadcast('payment', { ...paymentView(invoice), event: event.type, eventId: event.id })
    const view = checkoutView(invoice)
    for (const listener of listeners) listener(view)
  })

  // With several daemons (failover), the service is down only when every one of them is.
  const state = () => {
    const states = Object.values(monitor.states())
    if (states.includes('up')) return 'up'
    if (states.length > 0 && states.every((value) => value === 'down')) return 'down'
    return states.includes('degraded') ? 'degraded' : 'unknown'
  }

  /** 503 with the monitor's reason while the daemon is down: clients learn why and that invoices are safe. */
  function ensureUp() {
    if (state() === 'down') {
      const reason = lastProbe?.reason ?? 'unreachable'
      throw new UnavailableError(
        `Electron Cash daemon unavailable (${reason}); retry later. Invoices already created are still being watched.`,
        { details: { reason } },
      )
    }
  }

  /** Maps a failure to 503 (a dependency's fault), 409 (the order id) or 400 (ours), never leaking daemon text. */
  function translate(error: unknown): never {
    if (isInvoiceConflictError(error)) {
      throw new ServerError(error.message, {
        code: 'conflict',
        status: 409,
        details: { reason: error.reason, ...(error.invoiceId ? { paymentId: error.invoiceId } : {}) },
      })
    }
    if (isInvoiceCreationError(error)) {
      const reason = reasonOf(error.cause) ?? 'the daemon answered something the client could not read'
      throw new UnavailableError(`Creating the payment failed: ${reason}; ${error.message.split('; ').slice(1).join('; ')}`, {
        cause: error,
        details: { reason, leftover: error.leftover },
      })
    }
    if (isRateError(error)) {
      throw new UnavailableError(`No exchange rate for ${error.currency}: ${error.message}`, { details: { reason: 'rate' } })
    }
    const reason = reasonOf(error)
    if (reason) {
      throw new UnavailableError(`Electron Cash daemon unavailable: ${reason}; retry later.`, {
        cause: error,
        details: { reason },
      })
    }
    if (isAmountError(error) || isParamsError(error)) throw new BadRequestError(`Invalid payment: ${(error as Error).message}`)
    throw error
  }

  async function invoiceOr404(id: string): Promise<Invoice> {
    const invoice = await watcher.getInvoice(id)
    if (!invoice) throw new NotFoundError(`No payment ${id}: it was never created on this server.`)
    return invoice
  }

  return {
    async create({ amount, memo, expiresInSeconds, orderId, confirmations }) {
      ensureUp()
      try {
        const invoice = await watcher.createInvoice({
          ...('sats' in amount
            ? { amount: amount.sats }
            : 'bch' in amount
              ? { amount: amount.bch as `${number}` }
              : { price: amount.fiat }),
          memo,
          expiresInSeconds,
          ...(orderId !== undefined ? { orderId } : {}),
          ...(confirmations !== undefined ? { confirmations } : {}),
          force: true,
        })
        return { ...paymentView(invoice), existing: invoice.existing }
      } catch (error) {
        return translate(error)
      }
    },
    async get(id) {
      const invoice = await watcher.getInvoice(id)
      return invoice ? paymentView(invoice) : undefined
    },
    async checkout(id) {
      const invoice = await watcher.getInvoice(id)
      return invoice ? checkoutView(invoice) : undefined
    },
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async deliveries(id) {
      await invoiceOr404(id)
      return (await store.deliveriesOf(id)).map(deliveryView)
    },
    async redeliver(id, deliveryId) {
      await invoiceOr404(id)
      if (!sender) throw new NotFoundError('No webhook is configured on this server: set PAYMENT_WEBHOOK_URL.')
      const original = await store.getDelivery(deliveryId)
      if (!original || original.invoiceId !== id) {
        throw new NotFoundError(`No delivery ${deliveryId} for payment ${id}: see GET /api/payments/${id}/deliveries.`)
      }
      try {
        return deliveryView(await sender.redeliver(deliveryId))
      } catch (error) {
        if (isDeliveryNotFoundError(error)) throw new NotFoundError(error.message)
        throw error
      }
    },
    poke() {
      watcher.poke()
    },
    async wallet() {
      ensureUp()
      try {
        const balance = await client.getBalance()
        return {
          confirmed: satsToBch(balance.confirmed),
          unconfirmed: satsToBch(balance.unconfirmed),
          confirmedSats: String(balance.confirmed),
          unconfirmedSats: String(balance.unconfirmed),
        }
      } catch (error) {
        return translate(error)
      }
    },
    async check() {
      const current = state()
      const probe = lastProbe
      const watch = watcher.health()
      degraded.set(watch.status === 'degraded' ? 1 : 0)
      const status = current === 'down' ? 'down' : current === 'up' && watch.status !== 'degraded' ? 'ok' : 'warn'
      const daemon = probe ? `${current}: ${probe.reason} (${Math.round(probe.latencyMs)} ms)` : 'not probed yet'
      return {
        status,
        summary: watch.status === 'degraded' ? `${daemon}; payments degraded: ${watch.reasons.join('; ')}` : daemon,
        url: probe?.url ?? null,
        walletLoaded: probe?.walletLoaded ?? null,
        networkConnected: probe?.networkConnected ?? null,
        serverHeight: probe?.serverHeight ?? null,
        invoicesWatched: (await store.openInvoices()).length,
        watch: {
          status: watch.status,
          reasons: watch.reasons,
          lastPollAt: watch.lastPollAt === null ? null : new Date(watch.lastPollAt).toISOString(),
          failingInvoices: watch.failingInvoices,
        },
      }
    },
    async start() {
      monitor.start()
      await monitor.check().catch(() => undefined)
      await watcher.start()
      sender?.start()
    },
    async close() {
      await Promise.allSettled([watcher.stop(), monitor.stop(), sender?.stop()])
      await store.close()
    },
  }
}
