/**
 * Where invoices, their events, pending webhook deliveries (the outbox) and creations in progress live, so a
 * restarted service resumes where it was.
 *
 * `InvoiceStore` is the one interface the watcher and the webhook sender use; a database implementation fills the
 * same contract (`commit` is one transaction; the invariants below are unique constraints and a version check):
 * - a commit is atomic and durable before it resolves: the invoice version, the events it caused and their outbox
 *   entries are stored together or not at all;
 * - an invoice's `version` is the stored one plus one (1 for a new invoice), else `StoreConflictError('version')`;
 * - an event id is stored once, else `StoreConflictError('event')`;
 * - an order id belongs to one invoice (or one creation in progress), else `StoreConflictError('order')`.
 *
 * The default store is a JSON Lines file written through the package's crash-safe append log: one commit is one
 * line, synced before `commit` resolves, and a torn last line from a crash is repaired before the next write.
 */
import { z } from 'zod'
import type { FiatCurrency } from './amount.js'
import { type AppendLog, openAppendLog } from './append-log.js'
import { StoreError } from './errors.js'
import {
  type AdditionalStatus,
  INVOICE_STATUSES,
  type InvoiceEventType,
  type InvoiceStatus,
  type MachineInvoice,
} from './invoice-states.js'
import { StoreConflictError } from './payment-errors.js'

/** A fiat price locked at creation: what the customer was asked to pay and at which rate. */
export interface LockedPrice {
  currency: FiatCurrency
  /** The fiat amount, decimal string. */
  amount: string
  /** Fiat per 1 BCH, decimal string. */
  rate: string
  /** The rate provider's name. */
  source: string
  /** When the rate was quoted, Unix milliseconds. */
  quotedAt: number
}

/** The last failure to read this invoice's state from the daemon (cleared by the next good read). */
export interface WatchFailure {
  /** Unix milliseconds. */
  at: number
  message: string
  /** Failed polls in a row. */
  failures: number
}

export interface Invoice extends MachineInvoice {
  /** The invoice id: random, unguessable, stable. */
  id: string
  /** The daemon's payment request id. */
  requestId: string
  /** The merchant's order id; one invoice per order id. */
  orderId: string | null
  /** Receiving address without the `bitcoincash:` prefix; the daemon keys requests by it. */
  address: string
  memo: string
  /** BIP21 `bitcoincash:` URI with the amount. */
  uri: string
  txHashes: string[]
  /** The fiat price and rate locked at creation, or null for an invoice priced in BCH. */
  price: LockedPrice | null
  watchFailure: WatchFailure | null
  /** 1 when created, +1 with every stored change. */
  version: number
  /** Your own data (customer, cart), stored with the invoice. */
  metadata?: Record<string, unknown>
}

/** Something that happened to an invoice, recorded in the same commit as the invoice version it produced. */
export interface InvoiceEvent {
  /** Stable and unique: `<invoice id>:<type>`, with `:2`, `:3` for repeats. Receivers de-duplicate on it. */
  id: string
  type: InvoiceEventType
  invoiceId: string
  /** Unix milliseconds. */
  at: number
  status: InvoiceStatus
  additionalStatus: AdditionalStatus
  /** Satoshis received when it happened. */
  received: bigint
  confirmations: number
  /** The payment arrived after the invoice expired. */
  afterExpiration: boolean
  /** Set by the merchant (`markInvoice`), not by a payment. */
  manuallyMarked: boolean
}

/** One try to deliver a webhook, as the delivery log shows it. */
export interface DeliveryAttempt {
  /** Unix milliseconds. */
  at: number
  /** `HttpSuccess` (2xx), `HttpError` (another status), `Failed` (no answer: refused, timeout, reset). */
  outcome: 'HttpSuccess' | 'HttpError' | 'Failed'
  httpStatus: number | null
  error: string | null
  durationMs: number
}

/** A webhook delivery: created with its event, sent until it lands or the schedule runs out. */
export interface OutboxEntry {
  /** The delivery id (signed, stable across retries and restarts). */
  id: string
  eventId: string
  invoiceId: string
  /** Which webhook endpoint. */
  target: string
  state: 'pending' | 'delivered' | 'failed'
  attempts: number
  /** Unix milliseconds of the next attempt, or null when none is due. */
  nextAttemptAt: number | null
  /** Unix milliseconds. */
  createdAt: number
  /** The exact body sent (and signed), the same on every attempt. */
  body: string
  /** For a manual redelivery: the delivery it repeats. */
  originalDeliveryId: string | null
  log: DeliveryAttempt[]
}

/**
 * A creation in progress: stored before the daemon is asked, so a request the daemon created but we never recorded
 * (crash, unreadable reply) is found and removed later. It owns its order id until it is `done` or `abandoned`.
 */
export interface CreationIntent {
  /** The id the invoice gets. */
  id: string
  orderId: string | null
  amount: bigint
  memo: string
  /** Unix milliseconds. */
  startedAt: number
  state: 'creating' | 'done' | 'abandoned'
  /** What happened, for the operator. */
  note: string | null
}

/** Everything a store holds. */
export interface InvoiceStoreContents {
  /** The latest version of each invoice, in the order they were created. */
  invoices: Invoice[]
  /** Every event, in commit order. */
  events: InvoiceEvent[]
  /** The latest version of each outbox entry, in the order they were first committed. */
  outbox: OutboxEntry[]
  /** The latest version of each creation intent. */
  intents: CreationIntent[]
}

/** One atomic change: all of it is stored, or (on a crash before `commit` resolves, or a conflict) none of it. */
export interface InvoiceStoreChange {
  invoice?: Invoice
  events?: readonly InvoiceEvent[]
  outbox?: readonly OutboxEntry[]
  intent?: CreationIntent
}

export interface InvoiceStore {
  /** Reads everything stored. Rejects with `StoreError` (file and line) for data it cannot read; nothing is changed. */
  load(): Promise<InvoiceStoreContents>
  getInvoice(id: string): Promise<Invoice | undefined>
  /** The invoice, or the creation in progress, that owns an order id. */
  findOrder(orderId: string): Promise<{ invoice: Invoice } | { intent: CreationIntent } | undefined>
  /** Invoices in `New`, `Processing` or `Expired` (the watcher applies the monitoring window). */
  openInvoices(): Promise<Invoice[]>
  /** Creations neither done nor abandoned. */
  openIntents(): Promise<CreationIntent[]>
  /** An invoice's events, in order. */
  eventsOf(invoiceId: string): Promise<InvoiceEvent[]>
  /** An invoice's deliveries (the delivery log), in order. */
  deliveriesOf(invoiceId: string): Promise<OutboxEntry[]>
  getDelivery(id: string): Promise<OutboxEntry | undefined>
  /**
   * Pending deliveries due at `now` (oldest first, at most `limit`) and when the next pending one is due. A store
   * shared by several processes leases what it returns for `leaseMs` so no other process sends it meanwhile.
   */
  dueDeliveries(now: number, limit: number, leaseMs: number): Promise<{ due: OutboxEntry[]; nextAt: number | null }>
  /** Stores one change durably and atomically (see the module comment for the conflicts it refuses). */
  commit(change: InvoiceStoreChange): Promise<void>
  /** Waits for pending commits and releases the file. */
  close(): Promise<void>
}

// ---- Stored form: bigint as decimal strings; older records converted on read ----

const bigintText = z.union([z.string().regex(/^-?\d+$/), z.number().int()]).transform((value) => BigInt(value))

/** Invoices written before the BTCPay states (`pending`, `underpaid`, `paid`, `confirmed`, `expired`). */
const LEGACY_STATES: Record<string, [InvoiceStatus, AdditionalStatus]> = {
  pending: ['New', 'None'],
  underpaid: ['New', 'PaidPartial'],
  paid: ['Processing', 'None'],
  confirmed: ['Settled', 'None'],
  expired: ['Expired', 'None'],
}
const LEGACY_EVENTS: Record<string, InvoiceEventType> = {
  underpaid: 'payment_received',
  overpaid: 'payment_received',
  paid: 'processing',
  confirmed: 'settled',
}

const invoiceRecord = z
  .looseObject({
    id: z.string().min(1),
    address: z.string().min(1),
    amount: bigintText,
    received: bigintText.default(0n),
    memo: z.string().default(''),
    createdAt: z.number(),
    expiresAt: z.number().nullable().default(null),
    uri: z.string().default(''),
    txHashes: z.array(z.string()).default([]),
    confirmations: z.number().int().default(0),
    status: z.enum(INVOICE_STATUSES).optional(),
    state: z.string().optional(),
  })
  .transform((record): Invoice => {
    const legacy = record.status === undefined ? (LEGACY_STATES[record.state ?? 'pending'] ?? ['New', 'None']) : undefined
    const { state: _state, ...rest } = record
    const defaults = {
      requestId: record.id,
      orderId: null,
      requiredConfirmations: 1,
      monitoringUntil: (record.expiresAt ?? record.createdAt) + 86_400,
      observedAt: null,
      price: null,
      watchFailure: null,
      version: 1,
      additionalStatus: 'None',
    }
    return {
      ...defaults,
      ...rest,
      ...(legacy ? { status: legacy[0], additionalStatus: legacy[1] } : {}),
    } as unknown as Invoice
  })

const eventRecord = z
  .looseObject({ id: z.string().min(1), type: z.string(), invoiceId: z.string(), received: bigintText })
  .transform(
    (record): InvoiceEvent =>
      ({
        status: 'New',
        additionalStatus: 'None',
        confirmations: 0,
        at: 0,
        afterExpiration: false,
        manuallyMarked: false,
        ...record,
        type: (LEGACY_EVENTS[record.type] ?? record.type) as InvoiceEventType,
      }) as InvoiceEvent,
  )

const outboxRecord = z.looseObject({ id: z.string().min(1), eventId: z.string(), state: z.string() }).transform(
  (record): OutboxEntry =>
    ({
      invoiceId: '',
      target: 'default',
      attempts: 0,
      nextAttemptAt: null,
      createdAt: 0,
      body: '',
      originalDeliveryId: null,
      log: [],
      ...record,
    }) as OutboxEntry,
)

const intentRecord = z
  .looseObject({ id: z.string().min(1), amount: bigintText, state: z.enum(['creating', 'done', 'abandoned']) })
  .transform((record) => record as unknown as CreationIntent)

const lineRecord = z.looseObject({
  invoice: invoiceRecord.optional(),
  events: z.array(eventRecord).optional(),
  outbox: z.array(outboxRecord).optional(),
  intent: intentRecord.optional(),
})

const toJson = (value: unknown) =>
  JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v))) as unknown

/** Reads one stored line (or a bare invoice, as lines were written before commits existed). */
function readLine(value: unknown, where: { file: string; line: number }): InvoiceStoreChange {
  const isRecord = value !== null && typeof value === 'object' && !Array.isArray(value)
  const legacy = isRecord && 'id' in value && 'address' in value && !('invoice' in value)
  const parsed = lineRecord.safeParse(legacy ? { invoice: value } : value)
  if (!isRecord || !parsed.success) {
    const issue = parsed.success ? 'not an object' : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)[0]
    throw new StoreError(
      `${where.file}:${where.line} is not a store record (${issue}); fix or remove that line (nothing was changed).`,
      where,
    )
  }
  const { invoice, events, outbox, intent } = parsed.data
  return {
    ...(invoice ? { invoice } : {}),
    ...(events ? { events } : {}),
    ...(outbox ? { outbox } : {}),
    ...(intent ? { intent } : {}),
  }
}

// ---- The in-memory index both stores keep ----

const OPEN: ReadonlySet<InvoiceStatus> = new Set(['New', 'Processing', 'Expired'])

class StoreIndex {
  readonly invoices = new Map<string, Invoice>()
  readonly events = new Map<string, InvoiceEvent>()
  readonly eventsByInvoice = new Map<string, InvoiceEvent[]>()
  readonly outbox = new Map<string, OutboxEntry>()
  readonly outboxByInvoice = new Map<string, string[]>()
  readonly intents = new Map<string, CreationIntent>()
  /** order id → the invoice or intent id that owns it */
  readonly orders = new Map<string, string>()
  /** Delivery id → lease end (ms), for deliveries handed out by `dueDeliveries` and not yet updated. */
  readonly leases = new Map<string, number>()

  /** Throws `StoreConflictError` when the change breaks an invariant; changes nothing. */
  check(change: InvoiceStoreChange): void {
    const { invoice, intent } = change
    if (invoice) {
      const stored = this.invoices.get(invoice.id)
      const expected = (stored?.version ?? 0) + 1
      if (invoice.version !== expected) {
        throw new StoreConflictError(
          `invoice ${invoice.id} version ${invoice.version} is not the next one (stored: ${stored?.version ?? 'none'})`,
          'version',
        )
      }
      if (!stored && invoice.orderId !== null) this.checkOrder(invoice.orderId, invoice.id)
    }
    if (intent && intent.state === 'creating' && intent.orderId !== null && !this.intents.has(intent.id)) {
      this.checkOrder(intent.orderId, intent.id)
    }
    for (const event of change.events ?? []) {
      if (this.events.has(event.id)) throw new StoreConflictError(`event ${event.id} is already stored`, 'event')
    }
  }

  private checkOrder(orderId: string, id: string): void {
    const owner = this.orders.get(orderId)
    if (owner !== undefined && owner !== id) {
      throw new StoreConflictError(`order id ${orderId} already belongs to ${owner}`, 'order')
    }
  }

  apply(change: InvoiceStoreChange): void {
    if (change.intent) {
      const intent = change.intent
      this.intents.set(intent.id, intent)
      if (intent.orderId !== null) {
        if (intent.state === 'abandoned' && this.orders.get(intent.orderId) === intent.id) this.orders.delete(intent.orderId)
        else if (intent.state === 'creating') this.orders.set(intent.orderId, intent.id)
      }
    }
    if (change.invoice) {
      const invoice = change.invoice
      this.invoices.set(invoice.id, invoice)
      if (invoice.orderId !== null) this.orders.set(invoice.orderId, invoice.id)
    }
    for (const event of change.events ?? []) {
      if (this.events.has(event.id)) continue
      this.events.set(event.id, event)
      const list = this.eventsByInvoice.get(event.invoiceId) ?? []
      list.push(event)
      this.eventsByInvoice.set(event.invoiceId, list)
    }
    for (const entry of change.outbox ?? []) {
      if (!this.outbox.has(entry.id)) {
        const list = this.outboxByInvoice.get(entry.invoiceId) ?? []
        list.push(entry.id)
        this.outboxByInvoice.set(entry.invoiceId, list)
      }
      this.outbox.set(entry.id, entry)
      this.leases.delete(entry.id)
    }
  }

  contents(): InvoiceStoreContents {
    return {
      invoices: [...this.invoices.values()],
      events: [...this.events.values()],
      outbox: [...this.outbox.values()],
      intents: [...this.intents.values()],
    }
  }

  findOrder(orderId: string): { invoice: Invoice } | { intent: CreationIntent } | undefined {
    const owner = this.orders.get(orderId)
    if (owner === undefined) return undefined
    const invoice = this.invoices.get(owner)
    if (invoice) return { invoice }
    const intent = this.intents.get(owner)
    return intent ? { intent } : undefined
  }

  due(now: number, limit: number, leaseMs: number): { due: OutboxEntry[]; nextAt: number | null } {
    const due: OutboxEntry[] = []
    let nextAt: number | null = null
    for (const entry of this.outbox.values()) {
      if (entry.state !== 'pending' || entry.nextAttemptAt === null) continue
      const leased = this.leases.get(entry.id)
      const at = Math.max(entry.nextAttemptAt, leased ?? 0)
      if (at <= now && due.length < limit) {
        due.push(entry)
        this.leases.set(entry.id, now + leaseMs)
      } else if (nextAt === null || at < nextAt) nextAt = at
    }
    return { due, nextAt }
  }
}

/** The read side of a store over its index (`indexNow` opens the store first when needed). */
function readApi(indexNow: () => Promise<StoreIndex>) {
  const copy = <T>(value: T): T => structuredClone(value)
  return {
    load: async () => copy((await indexNow()).contents()),
    getInvoice: async (id: string) => copy((await indexNow()).invoices.get(id)),
    findOrder: async (orderId: string) => copy((await indexNow()).findOrder(orderId)),
    openInvoices: async () => copy([...(await indexNow()).invoices.values()].filter((invoice) => OPEN.has(invoice.status))),
    openIntents: async () => copy([...(await indexNow()).intents.values()].filter((intent) => intent.state === 'creating')),
    eventsOf: async (invoiceId: string) => copy((await indexNow()).eventsByInvoice.get(invoiceId) ?? []),
    deliveriesOf: async (invoiceId: string) => {
      const index = await indexNow()
      return copy((index.outboxByInvoice.get(invoiceId) ?? []).map((id) => index.outbox.get(id)!))
    },
    getDelivery: async (id: string) => copy((await indexNow()).outbox.get(id)),
    dueDeliveries: async (now: number, limit: number, leaseMs: number) => copy((await indexNow()).due(now, limit, leaseMs)),
  }
}

/**
 * A JSON Lines invoice store at `path` (created on first commit), crash-safe: see the module comment. One process
 * writes a store at a time.
 */
export function createJsonlInvoiceStore(path: string): InvoiceStore {
  let opened: Promise<{ log: AppendLog; index: StoreIndex }> | undefined
  /** Commits are checked and applied in order, so a check sees every commit before it. */
  let queue: Promise<unknown> = Promise.resolve()
  const open = () => {
    if (!opened) {
      const attempt = openAppendLog(path).then(({ log, lines }) => {
        const index = new StoreIndex()
        for (const { value, line } of lines) index.apply(readLine(value, { file: path, line }))
        return { log, index }
      })
      // A failed open (bad line) is not kept: the caller fixes the file and tries again.
      attempt.catch(() => {
        if (opened === attempt) opened = undefined
      })
      opened = attempt
    }
    return opened
  }
  return {
    ...readApi(async () => (await open()).index),
    async commit(change) {
      const { log, index } = await open()
      const run = queue.then(async () => {
        index.check(change)
        await log.append(toJson(change))
        index.apply(structuredClone(change))
      })
      queue = run.catch(() => undefined)
      return run
    },
    async close() {
      const was = opened
      opened = undefined
      await queue
      if (was) await (await was.catch(() => undefined))?.log.close()
    },
  }
}

/** An in-memory store with the same rules (tests, or a service that persists elsewhere). */
export function createMemoryInvoiceStore(initial: InvoiceStoreChange[] = []): InvoiceStore & {
  readonly contents: InvoiceStoreContents
} {
  const index = new StoreIndex()
  for (const change of initial) index.apply(structuredClone(change))
  return {
    ...readApi(async () => index),
    get contents() {
      return index.contents()
    },
    async commit(change) {
      index.check(change)
      index.apply(structuredClone(change))
    },
    async close() {},
  }
}
