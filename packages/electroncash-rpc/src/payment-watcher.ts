/**
 * `createPaymentWatcher`: creates invoices (`addrequest`) and watches them through the states of
 * `invoice-states.ts` until they are settled, invalid, or expired past the monitoring window.
 *
 * - Every poll makes one JSON-RPC batch of two wallet-local calls, whatever the number of invoices: `listrequests`
 *   (each request's status and confirmations) and `listaddresses` with balances (satoshis at each address). The
 *   daemon has no call for "these addresses only", so this is the least it allows; neither waits on a server.
 * - Each request and each balance is parsed on its own: one the client cannot read is recorded on its invoice
 *   (`watchFailure`), reported by `health()` and the `invoice-error` event, and never stops the others.
 * - State lives in an `InvoiceStore`; an event is announced (and its webhook queued) only once the commit that
 *   stores it resolves, so a restart neither misses nor repeats one.
 * - Creation is atomic from the caller's view: the intent is stored before the daemon is asked; if the daemon's
 *   answer is lost or unreadable, the request it may have created is found and removed (now, or by a later poll).
 */
import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'eventemitter3'
import { type Amount, type FiatCurrency, fiatToSats, invoiceAmountSats, parseDaemonAmount, satsToBch } from './amount.js'
import type { CallOptions, ElectronCashClient } from './client.js'
import { isConnectionError, ParamsError } from './errors.js'
import { advance, type InvoiceEventType, isWatched, type Step, triggersFor } from './invoice-states.js'
import {
  type CreationIntent,
  createJsonlInvoiceStore,
  type Invoice,
  type InvoiceEvent,
  type InvoiceStore,
  type LockedPrice,
  type OutboxEntry,
  type WatchFailure,
} from './invoice-store.js'
import { InvoiceConflictError, InvoiceCreationError, InvoiceNotFoundError, isStoreConflictError } from './payment-errors.js'
import type { RateProvider } from './rates.js'
import { listedAddressSchema, type PaymentRequest, paymentRequestSchema } from './schemas.js'

/** Something that turns events into outbox entries stored with them, e.g. `createWebhookSender`. */
export interface EventSink {
  /** The deliveries to store in the same commit as the event. */
  deliveriesFor(event: InvoiceEvent, invoice: Invoice): OutboxEntry[]
  /** Called once the commit holding them resolved. */
  enqueued(entries: readonly OutboxEntry[]): void
}

export interface InvoiceEventNotice {
  event: InvoiceEvent
  invoice: Invoice
}

export interface PaymentWatcherEvents {
  created: [Invoice]
  /** An event was stored: `payment_received`, `processing`, `settled`, `expired`, `invalid`, `paid_late`. */
  event: [InvoiceEventNotice]
  /** One invoice could not be read from the daemon this poll; the others were. */
  'invoice-error': [{ invoice: Invoice; error: Error }]
  /** A whole poll failed (daemon down, store unwritable); watching continues. */
  error: [unknown]
}

export interface PaymentWatcherOptions {
  /** Where invoices are kept. Default: a JSON Lines file at `storePath`. */
  store?: InvoiceStore
  /** Path of the default JSON Lines store. Default `'./electroncash-invoices.jsonl'`. */
  storePath?: string
  /** Confirmations before `Settled`, for invoices that do not set their own; 0 settles on first sight. Default 1. */
  confirmations?: number
  /** Time between polls. Default 5000 ms. */
  pollIntervalMs?: number
  /** How long after expiry (or creation, without expiry) a payment may still confirm and late payments are watched. Default 86,400 s. */
  monitoringSeconds?: number
  /** Clock, Unix ms. Default `Date.now`. */
  now?: () => number
  /** Options for the watcher's own daemon calls. Default none. */
  callOptions?: CallOptions
  /** Where fiat prices get their rate. Default none (fiat prices are refused). */
  rates?: RateProvider
  /** Webhook deliveries (or any outbox) stored with each event. Default none. */
  webhooks?: EventSink
  /** Creations older than this with no answer are reconciled by polls. Default 30,000 ms. */
  reconcileAfterMs?: number
  /**
   * A URL the daemon can reach: each new invoice's address is registered with the daemon's `notify`, which POSTs
   * there when the address changes; route those POSTs to `poke()` and payments are seen at once instead of at the
   * next poll. Best effort: the daemon forgets registrations when it restarts, so the watched invoices' addresses are
   * registered again (in one batch) by the first poll after `start()` and the first poll that reaches the daemon after
   * one that could not; polling still finds every payment. A function is called at each registration (a URL known
   * only once your server listens). Default none.
   */
  notifyUrl?: string | (() => string)
}

export interface CreateInvoiceOptions {
  /** The price in BCH: bigint satoshis or a decimal BCH string. Give this or `price`. */
  amount?: Amount
  /** The price in fiat, converted at the rate provider's current rate, which is locked and stored. */
  price?: { currency: FiatCurrency; amount: string }
  /** Your order id: creating again with it returns the same invoice (`existing: true`). */
  orderId?: string
  memo?: string
  /** Seconds until the invoice expires. Default: none. */
  expiresInSeconds?: number
  /** Confirmations before `Settled` for this invoice (0 = on first sight). Default: the watcher's `confirmations`. */
  confirmations?: number
  /** Derive a new address if the daemon's pool of 20 unused ones is used up. Default false. */
  force?: boolean
  metadata?: Record<string, unknown>
}

/** What `health()` reports. */
export interface WatchHealth {
  /** `degraded` while a poll fails, an invoice cannot be read, or a creation waits to be reconciled. */
  status: 'ok' | 'degraded' | 'starting'
  /** One line per problem, for a person. */
  reasons: string[]
  /** Unix ms of the last poll that reached the daemon. */
  lastPollAt: number | null
  /** Invoices whose daemon data could not be read at the last poll. */
  failingInvoices: { id: string; message: string; failures: number }[]
  /** Requests in the daemon the client could not read and that belong to no invoice. */
  unreadableRequests: number
  /** Creations waiting to be reconciled. */
  openIntents: number
}

export interface PaymentWatcher extends EventEmitter<PaymentWatcherEvents> {
  /** Creates (or, for a known order id, returns) an invoice; validated before anything reaches the daemon. */
  createInvoice(options: CreateInvoiceOptions): Promise<Invoice & { existing: boolean }>
  /** The merchant's decision: `Settled` or `Invalid` with additional status `Marked`. */
  markInvoice(id: string, status: 'Settled' | 'Invalid'): Promise<Invoice>
  getInvoice(id: string): Promise<Invoice | undefined>
  /** Every invoice in the store (latest versions). */
  invoices(): Promise<Invoice[]>
  /** Stored events, in order: all, or one invoice's. */
  events(invoiceId?: string): Promise<InvoiceEvent[]>
  /** Starts polling (the first poll runs at once). */
  start(): Promise<void>
  /** Stops polling, waits for a poll in progress and releases the store file it opened. */
  stop(): Promise<void>
  /** Runs one poll now (or joins the one running). */
  check(): Promise<void>
  /** Asks for a poll as soon as possible (e.g. from a daemon `notify` callback). */
  poke(): void
  health(): WatchHealth
}

const DEFAULT_ID = () => `inv_${randomBytes(16).toString('base64url')}`

/** A daemon request read on its own: parsed, or why it could not be. */
type RequestRead = { ok: true; request: PaymentRequest } | { ok: false; id: string | null; error: Error }

function readRequests(raw: unknown): Map<string, RequestRead> {
  const reads = new Map<string, RequestRead>()
  if (!Array.isArray(raw)) throw new TypeError(`listrequests answered ${typeof raw}, not a list`)
  for (const item of raw) {
    const address = (item as { address?: unknown })?.address
    if (typeof address !== 'string') continue
    const parsed = paymentRequestSchema.safeParse(item)
    if (parsed.success) reads.set(address, { ok: true, request: parsed.data })
    else {
      const id = (item as { id?: unknown }).id
      const issue = parsed.error.issues[0]
      reads.set(address, {
        ok: false,
        id: typeof id === 'string' ? id : null,
        error: new Error(`the daemon's request ${String(id)} cannot be read: ${issue?.path.join('.')} ${issue?.message}`),
      })
    }
  }
  return reads
}

function readBalances(raw: unknown): Map<string, bigint | Error> {
  const balances = new Map<string, bigint | Error>()
  if (!Array.isArray(raw)) throw new TypeError(`listaddresses answered ${typeof raw}, not a list`)
  for (const row of raw) {
    const parsed = listedAddressSchema.safeParse(row)
    if (!parsed.success || typeof parsed.data === 'string') continue
    const [address, balance] = parsed.data
    if (address === undefined) continue
    try {
      const sats = parseDaemonAmount(balance)
      balances.set(address, sats ?? new Error(`the balance of ${address} is unknown ("--")`))
    } catch (error) {
      balances.set(address, error as Error)
    }
  }
  return balances
}

export function createPaymentWatcher(client: ElectronCashClient, options: PaymentWatcherOptions = {}): PaymentWatcher {
  const ownStore = options.store === undefined
  const store = options.store ?? createJsonlInvoiceStore(options.storePath ?? './electroncash-invoices.jsonl')
  const defaultConfirmations = options.confirmations ?? 1
  if (!Number.isInteger(defaultConfirmations) || defaultConfirmations < 0) {
    throw new ParamsError('createPaymentWatcher: confirmations must be a whole number ≥ 0.', {
      method: 'addrequest',
      path: 'confirmations',
    })
  }
  const pollIntervalMs = options.pollIntervalMs ?? 5_000
  const monitoringSeconds = options.monitoringSeconds ?? 86_400
  const reconcileAfterMs = options.reconcileAfterMs ?? 30_000
  const now = options.now ?? Date.now
  const call = options.callOptions ?? {}
  const watcher = new EventEmitter<PaymentWatcherEvents>() as PaymentWatcher

  let running = false
  let timer: NodeJS.Timeout | undefined
  let polling: Promise<void> | undefined
  let pokeAgain = false
  /** Creations running in this process, by order id (concurrent creates with one order id wait for the first). */
  const creating = new Map<string, Promise<Invoice & { existing: boolean }>>()
  const inFlightIntents = new Set<string>()
  /** Last successful look per invoice (persisted with the next change), so lateness is judged on the latest look. */
  const observed = new Map<string, number>()
  const failing = new Map<string, WatchFailure>()
  let lastPollAt: number | null = null
  let lastPollError: { at: number; message: string } | null = null
  let unreadableRequests = 0
  let openIntents = 0
  /** Addresses this process registered with the daemon's `notify`; cleared when a poll fails (the daemon may restart). */
  const registered = new Set<string>()
  /** Set by start() and by a failed poll: the next poll that reaches the daemon registers the watched addresses. */
  let registerWatched = false

  async function eventsFor(invoice: Invoice, steps: readonly Step[], marked = false): Promise<InvoiceEvent[]> {
    const known = await store.eventsOf(invoice.id)
    const counts = new Map<string, number>()
    for (const event of known) counts.set(event.type, (counts.get(event.type) ?? 0) + 1)
    const at = now()
    return steps.flatMap((step) =>
      step.events.map((type: InvoiceEventType) => {
        const count = (counts.get(type) ?? 0) + 1
        counts.set(type, count)
        return {
          id: count === 1 ? `${invoice.id}:${type}` : `${invoice.id}:${type}:${count}`,
          type,
          invoiceId: invoice.id,
          at,
          status: step.to,
          additionalStatus: step.additionalStatus,
          received: invoice.received,
          confirmations: invoice.confirmations,
          afterExpiration: step.from === 'Expired' || step.trigger === 'late-payment',
          manuallyMarked: marked,
        }
      }),
    )
  }

  /** Stores an invoice version with its events and their deliveries, then announces them. */
  async function commitChange(invoice: Invoice, events: InvoiceEvent[]): Promise<void> {
    const outbox = options.webhooks ? events.flatMap((event) => options.webhooks!.deliveriesFor(event, invoice)) : []
    await store.commit({ invoice, events, outbox })
    if (outbox.length > 0) options.webhooks!.enqueued(outbox)
    for (const event of events) watcher.emit('event', { event: { ...event }, invoice: { ...invoice } })
  }

  async function recordFailure(invoice: Invoice, error: Error): Promise<void> {
    const previous = failing.get(invoice.id)
    const failure = { at: now(), message: error.message, failures: (previous?.failures ?? 0) + 1 }
    failing.set(invoice.id, failure)
    watcher.emit('invoice-error', { invoice, error })
    // Stored once per new message (not every poll), so the API shows it after a restart too.
    if (previous?.message !== failure.message) {
      await store.commit({ invoice: { ...invoice, watchFailure: failure, version: invoice.version + 1 } }).catch(() => undefined)
    }
  }

  async function update(
    invoice: Invoice,
    read: RequestRead | undefined,
    balance: bigint | Error | undefined,
    nowMs: number,
  ): Promise<void> {
    if (read && !read.ok && (read.id === null || read.id === invoice.requestId)) throw read.error
    // The daemon keys requests by address and may reuse one after its request was removed: match the id too.
    const request = read?.ok && read.request.id === invoice.requestId ? read.request : undefined
    if (balance instanceof Error) throw balance
    let received = balance
    if (received === undefined) {
      // An address outside the wallet (imported invoices): ask the server.
      const server = await client.getAddressBalance({ address: invoice.address }, call)
      received = server.confirmed + server.unconfirmed
    }
    const confirmations =
      request?.confirmations ?? (received > 0n && !request ? await confirmationsFromHistory(invoice.address) : 0)
    const seen = { received, confirmations, now: nowMs / 1000 }
    const base = { ...invoice, observedAt: observed.get(invoice.id) ?? invoice.observedAt }
    const { invoice: moved, steps } = advance(base, triggersFor(base, seen), seen)
    observed.set(invoice.id, seen.now)
    const txHashes = request?.txHashes ?? invoice.txHashes
    const recovered = invoice.watchFailure !== null || failing.has(invoice.id)
    failing.delete(invoice.id)
    const changed =
      steps.length > 0 ||
      moved.received !== invoice.received ||
      moved.confirmations !== invoice.confirmations ||
      txHashes.join() !== invoice.txHashes.join() ||
      recovered
    if (!changed) return
    const next: Invoice = { ...moved, txHashes, watchFailure: null, version: invoice.version + 1 }
    await commitChange(next, await eventsFor(next, steps))
  }

  async function confirmationsFromHistory(address: string): Promise<number> {
    const [history, info] = await Promise.all([client.getAddressHistory({ address }, call), client.getInfo({}, call)])
    if (history.length === 0) return 0
    return Math.min(...history.map((tx) => (tx.height > 0 ? info.blockchain_height - tx.height + 1 : 0)))
  }

  /** A request matching an unfinished creation (same amount and memo, made after it started, owned by no invoice). */
  function leftoverOf(intent: CreationIntent, raw: unknown[], owned: ReadonlySet<string>) {
    for (const item of raw) {
      const r = item as { address?: unknown; memo?: unknown; time?: unknown; 'amount (BCH)'?: unknown; id?: unknown }
      if (typeof r.address !== 'string' || owned.has(r.address) || r.memo !== intent.memo) continue
      if (typeof r.time !== 'number' || r.time < Math.floor(intent.startedAt / 1000) - 60) continue
      // The exact decimal text: the integer `amount` may be a number that lost precision.
      if (r['amount (BCH)'] !== undefined && String(r['amount (BCH)']).replace(/\.$/, '') !== satsToBch(intent.amount)) continue
      return { address: r.address, id: typeof r.id === 'string' ? r.id : null }
    }
    return undefined
  }

  /** Removes the request an unfinished creation may have left; returns what was done, or throws if the daemon cannot be asked. */
  async function reconcile(intent: CreationIntent, raw?: unknown[]): Promise<'removed' | 'none'> {
    const list = raw ?? ((await client.call('listrequests', {}, call)) as unknown[])
    const owned = new Set((await store.openInvoices()).map((invoice) => invoice.address))
    const leftover = leftoverOf(intent, Array.isArray(list) ? list : [], owned)
    if (leftover) await client.rmRequest({ address: leftover.address }, call)
    const note = leftover
      ? `removed the daemon's request ${leftover.id ?? ''} at ${leftover.address}, created without an invoice`
      : 'the daemon had no request for it'
    await store.commit({ intent: { ...intent, state: 'abandoned', note } })
    return leftover ? 'removed' : 'none'
  }

  async function poll(): Promise<void> {
    const nowMs = now()
    const open = (await store.openInvoices()).filter((invoice) => isWatched(invoice, nowMs / 1000))
    const intents = (await store.openIntents()).filter(
      (intent) => !inFlightIntents.has(intent.id) && nowMs - intent.startedAt >= reconcileAfterMs,
    )
    openIntents = (await store.openIntents()).length
    if (open.length === 0 && intents.length === 0) {
      lastPollAt = nowMs
      lastPollError = null
      return
    }
    let outcomes: Awaited<ReturnType<ElectronCashClient['batch']>>
    try {
      outcomes = await client.batch(
        [
          { method: 'listrequests', params: {} },
          { method: 'listaddresses', params: { balance: true } },
        ],
        call,
      )
      for (const outcome of outcomes) if (!outcome.ok) throw outcome.error
    } catch (error) {
      lastPollError = { at: nowMs, message: (error as Error).message }
      registered.clear()
      registerWatched = true
      throw error
    }
    lastPollAt = nowMs
    lastPollError = null
    if (registerWatched) {
      // Only then: another replica registers the invoices it creates, and each registration adds a callback.
      registerWatched = false
      await registerCallbacks(open)
    }
    const rawRequests = (outcomes[0] as { result: unknown }).result
    const requests = readRequests(rawRequests)
    const balances = readBalances((outcomes[1] as { result: unknown }).result)
    const invoiceAddresses = new Set(open.map((invoice) => invoice.address))
    unreadableRequests = [...requests].filter(([address, read]) => !read.ok && !invoiceAddresses.has(address)).length
    for (const intent of intents) {
      try {
        await reconcile(intent, rawRequests as unknown[])
      } catch (error) {
        watcher.emit('error', error)
      }
    }
    openIntents = (await store.openIntents()).length
    for (const invoice of open) {
      try {
        await update(invoice, requests.get(invoice.address), balances.get(invoice.address), nowMs)
      } catch (error) {
        if (isStoreConflictError(error)) continue // changed elsewhere; the next poll reads the new version
        await recordFailure(invoice, error instanceof Error ? error : new Error(String(error)))
      }
    }
  }

  function notifyUrl(): string | undefined {
    return typeof options.notifyUrl === 'function' ? options.notifyUrl() : options.notifyUrl
  }

  /** Registers the `notify` callback of each watched address this process has not registered since the last failed poll. */
  async function registerCallbacks(open: readonly Invoice[]): Promise<void> {
    const url = notifyUrl()
    if (url === undefined) return
    const missing = open.filter((invoice) => !registered.has(invoice.address))
    if (missing.length === 0) return
    for (const invoice of missing) registered.add(invoice.address)
    // Best effort, like the registration at creation: an offline daemon refuses it, and polls find payments anyway.
    await client
      .batch(
        missing.map((invoice) => client.prepare.notify({ address: invoice.address, url })),
        call,
      )
      .catch(() => undefined)
  }

  function runPoll(): Promise<void> {
    if (polling) {
      pokeAgain = true
      return polling
    }
    const started = performance.now()
    polling = poll()
      .catch((error: unknown) => {
        watcher.emit('error', error)
      })
      .finally(() => {
        polling = undefined
        if (pokeAgain && running) {
          pokeAgain = false
          void runPoll()
        } else schedule(performance.now() - started)
      })
    return polling
  }

  /** Polls start `pollIntervalMs` apart (a slow poll does not push the next one back), with a tenth of it idle. */
  function schedule(elapsedMs: number): void {
    if (!running) return
    clearTimeout(timer)
    timer = setTimeout(() => void runPoll(), Math.max(pollIntervalMs / 10, pollIntervalMs - elapsedMs))
  }

  function samePrice(invoice: Invoice, request: CreateInvoiceOptions, sats: bigint | undefined): boolean {
    if (request.price) {
      return invoice.price?.currency === request.price.currency && invoice.price.amount === request.price.amount
    }
    return invoice.price === null && invoice.amount === sats
  }

  async function existingFor(orderId: string, request: CreateInvoiceOptions, sats: bigint | undefined) {
    const owner = await store.findOrder(orderId)
    if (!owner) return undefined
    if ('intent' in owner) {
      throw new InvoiceConflictError(
        `Order ${orderId}: an invoice is being created for it (started ${new Date(owner.intent.startedAt).toISOString()}); retry in a few seconds.`,
        { orderId, reason: 'in-progress' },
      )
    }
    if (!samePrice(owner.invoice, request, sats)) {
      throw new InvoiceConflictError(
        `Order ${orderId} already has invoice ${owner.invoice.id} for another price; use a new order id for a new price.`,
        { orderId, invoiceId: owner.invoice.id, reason: 'price' },
      )
    }
    return owner.invoice
  }

  async function create(
    request: CreateInvoiceOptions,
    sats: bigint,
    price: LockedPrice | null,
  ): Promise<Invoice & { existing: boolean }> {
    const orderId = request.orderId ?? null
    const memo = request.memo ?? ''
    const startedAt = now()
    const intent: CreationIntent = { id: DEFAULT_ID(), orderId, amount: sats, memo, startedAt, state: 'creating', note: null }
    inFlightIntents.add(intent.id)
    try {
      try {
        await store.commit({ intent })
      } catch (error) {
        // Another process took the order id between our look and our commit.
        if (orderId !== null && isStoreConflictError(error) && error.conflict === 'order') {
          const existing = await existingFor(orderId, request, sats)
          if (existing) return { ...existing, existing: true }
        }
        throw error
      }
      let daemonRequest: PaymentRequest
      try {
        daemonRequest = await client.addRequest(
          {
            amount: sats,
            ...(memo !== '' ? { memo } : {}),
            ...(request.expiresInSeconds !== undefined ? { expiration: request.expiresInSeconds } : {}),
            ...(request.force ? { force: true } : {}),
          },
          call,
        )
      } catch (error) {
        let leftover: 'none' | 'removed' | 'recorded' = 'recorded'
        if (isConnectionError(error) && !error.sent) {
          await store.commit({ intent: { ...intent, state: 'abandoned', note: 'the daemon was never reached' } })
          leftover = 'none'
        } else {
          leftover = await reconcile(intent).catch(() => 'recorded' as const)
        }
        const what = {
          none: 'nothing was left in the daemon',
          removed: 'the request the daemon created was removed',
          recorded: 'the daemon could not be asked what it created; the creation is recorded and a later poll removes it',
        }[leftover]
        throw new InvoiceCreationError(`Creating the invoice failed (${(error as Error).message}); ${what}. Try again.`, {
          leftover,
          cause: error,
        })
      }
      const expiresAt = daemonRequest.expiresAt
      const invoice: Invoice = {
        id: intent.id,
        requestId: daemonRequest.id,
        orderId,
        address: daemonRequest.address,
        amount: daemonRequest.amount,
        memo: daemonRequest.memo,
        uri: daemonRequest.uri,
        createdAt: daemonRequest.time,
        expiresAt,
        monitoringUntil: (expiresAt ?? daemonRequest.time) + monitoringSeconds,
        status: 'New',
        additionalStatus: 'None',
        received: 0n,
        confirmations: 0,
        requiredConfirmations: request.confirmations ?? defaultConfirmations,
        observedAt: null,
        txHashes: [],
        price,
        watchFailure: null,
        version: 1,
        ...(request.metadata ? { metadata: request.metadata } : {}),
      }
      const created: InvoiceEvent = {
        id: `${invoice.id}:created`,
        type: 'created',
        invoiceId: invoice.id,
        at: now(),
        status: 'New',
        additionalStatus: 'None',
        received: 0n,
        confirmations: 0,
        afterExpiration: false,
        manuallyMarked: false,
      }
      const outbox = options.webhooks?.deliveriesFor(created, invoice) ?? []
      try {
        await store.commit({ intent: { ...intent, state: 'done', note: null }, invoice, events: [created], outbox })
      } catch (error) {
        // Not stored: take the request back so nothing is left (or leave the intent for a poll to reconcile).
        await client
          .rmRequest({ address: invoice.address }, call)
          .then(() => store.commit({ intent: { ...intent, state: 'abandoned', note: 'the invoice could not be stored' } }))
          .catch(() => undefined)
        throw error
      }
      if (outbox.length > 0) options.webhooks!.enqueued(outbox)
      const url = notifyUrl()
      if (url !== undefined) {
        // Not awaited: a daemon without a server accepts it at once, an offline one refuses it; polls cover both.
        registered.add(invoice.address)
        client.notify({ address: invoice.address, url }, call).catch(() => undefined)
      }
      watcher.emit('created', { ...invoice })
      watcher.emit('event', { event: created, invoice: { ...invoice } })
      return { ...invoice, existing: false }
    } finally {
      inFlightIntents.delete(intent.id)
    }
  }

  watcher.createInvoice = async (request) => {
    if ((request.amount === undefined) === (request.price === undefined)) {
      throw new ParamsError('createInvoice: give exactly one of amount (BCH) or price (fiat).', {
        method: 'addrequest',
        path: 'amount',
      })
    }
    const confirmations = request.confirmations ?? defaultConfirmations
    if (!Number.isInteger(confirmations) || confirmations < 0 || confirmations > 1_000) {
      throw new ParamsError('createInvoice: confirmations must be a whole number from 0 to 1000.', {
        method: 'addrequest',
        path: 'confirmations',
      })
    }
    // Validated before anything reaches the daemon (or the rate provider).
    const bchSats = request.amount !== undefined ? invoiceAmountSats(request.amount) : undefined
    if (request.price) fiatToSats(request.price.amount, request.price.currency, '1')
    const orderId = request.orderId
    if (orderId !== undefined) {
      const running = creating.get(orderId)
      if (running) {
        // One creation per order id in this process: the others wait for it and get its invoice.
        const { existing: _, ...invoice } = await running
        if (!samePrice(invoice, request, bchSats)) await existingFor(orderId, request, bchSats)
        return { ...invoice, existing: true }
      }
    }
    const task = (async () => {
      if (orderId !== undefined) {
        const existing = await existingFor(orderId, request, bchSats)
        if (existing) return { ...existing, existing: true }
      }
      let sats = bchSats
      let price: LockedPrice | null = null
      if (request.price) {
        if (!options.rates) {
          throw new ParamsError('createInvoice: a fiat price needs a rate provider (the rates option).', {
            method: 'addrequest',
            path: 'price',
          })
        }
        const quote = await options.rates.rate(request.price.currency)
        sats = invoiceAmountSats(fiatToSats(request.price.amount, request.price.currency, quote.rate))
        price = { ...request.price, rate: quote.rate, source: quote.source, quotedAt: quote.quotedAt }
      }
      return create(request, sats!, price)
    })()
    if (orderId !== undefined) {
      // Registered before the first await, so a concurrent call finds it.
      creating.set(orderId, task)
      void task.catch(() => undefined).finally(() => creating.delete(orderId))
    }
    return task
  }

  watcher.markInvoice = async (id, status) => {
    const invoice = await store.getInvoice(id)
    if (!invoice) throw new InvoiceNotFoundError(id)
    const { invoice: moved, steps } = advance(invoice, [status === 'Settled' ? 'mark-settled' : 'mark-invalid'])
    if (steps.length === 0) {
      throw new ParamsError(
        `markInvoice: invoice ${id} is ${invoice.status}/${invoice.additionalStatus}; it cannot be marked ${status}.`,
        {
          method: 'markInvoice',
          path: 'status',
        },
      )
    }
    const next = { ...moved, version: invoice.version + 1 }
    await commitChange(next, await eventsFor(next, steps, true))
    return next
  }
  watcher.getInvoice = (id) => store.getInvoice(id)
  watcher.invoices = async () => (await store.load()).invoices
  watcher.events = async (invoiceId) => (invoiceId === undefined ? (await store.load()).events : store.eventsOf(invoiceId))
  watcher.start = async () => {
    if (running) return
    await store.load()
    // Invoices from before this process: the first poll registers their callbacks (the daemon may have restarted too).
    registerWatched = true
    running = true
    await runPoll()
  }
  watcher.stop = async () => {
    running = false
    clearTimeout(timer)
    await polling
    if (ownStore) await store.close()
  }
  watcher.check = () => runPoll()
  watcher.poke = () => {
    if (running) void runPoll()
  }
  watcher.health = () => {
    const reasons: string[] = []
    if (lastPollError) reasons.push(`polls failing since ${new Date(lastPollError.at).toISOString()}: ${lastPollError.message}`)
    for (const [id, failure] of failing) {
      reasons.push(`invoice ${id} cannot be watched (${failure.failures} polls): ${failure.message}`)
    }
    if (unreadableRequests > 0)
      reasons.push(`${unreadableRequests} daemon request(s) cannot be read (not ours; the rest are watched)`)
    if (openIntents > 0) reasons.push(`${openIntents} invoice creation(s) wait to be reconciled with the daemon`)
    return {
      status: lastPollAt === null && !lastPollError ? 'starting' : reasons.length > 0 ? 'degraded' : 'ok',
      reasons,
      lastPollAt,
      failingInvoices: [...failing].map(([id, failure]) => ({ id, message: failure.message, failures: failure.failures })),
      unreadableRequests,
      openIntents,
    }
  }
  return watcher
}
