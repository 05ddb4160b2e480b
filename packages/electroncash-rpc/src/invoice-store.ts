/**
 * Where invoices, their events and pending webhook deliveries live, so a restarted service resumes where it was.
 *
 * The interface is two calls: `load()` everything, and `commit(change)` one change (an invoice version, the events
 * it caused, outbox entries) durably and atomically. The default store is a JSON Lines file written through the
 * package's crash-safe append log: one commit is one line, synced before `commit` resolves, and a torn last line
 * from a crash is repaired before the next write. So after any crash every acknowledged commit is there, whole.
 */
import { type AppendLog, openAppendLog } from './append-log.js'
import { StoreError } from './errors.js'
import type { JsonObject } from './schemas.js'

export type InvoiceState = 'pending' | 'underpaid' | 'paid' | 'confirmed' | 'expired'

export interface Invoice {
  /** The daemon's request id; the store's key. */
  id: string
  /** Receiving address without the `bitcoincash:` prefix; the daemon keys requests by it. */
  address: string
  /** Requested amount in satoshis. */
  amount: bigint
  memo: string
  /** Unix seconds. */
  createdAt: number
  /** Unix seconds, or null for no expiry. */
  expiresAt: number | null
  uri: string
  state: InvoiceState
  /** Satoshis seen at the address (confirmed + unconfirmed). */
  received: bigint
  confirmations: number
  txHashes: string[]
  /** Your own data (order id, customer), stored with the invoice. */
  metadata?: Record<string, unknown>
}

/** Something that happened to an invoice, recorded in the same commit as the invoice version it produced. */
export interface InvoiceEvent {
  /** Stable and unique in the store (`<invoice id>:<type>`, with `:<n>` for repeats), so receivers can de-duplicate. */
  id: string
  /** `created`, `paid`, `confirmed`, `underpaid`, `overpaid`, `expired` from the payment watcher; yours may add more. */
  type: string
  invoiceId: string
  /** Unix milliseconds. */
  at: number
  /** Satoshis received at the invoice address when it happened. */
  received: bigint
  confirmations: number
}

/** A delivery waiting to be (re)sent, e.g. a webhook for an event; the latest version per `id` is kept. */
export interface OutboxEntry {
  /** The delivery id (stable across retries). */
  id: string
  /** The event it delivers. */
  eventId: string
  state: 'pending' | 'delivered' | 'failed'
  attempts: number
  /** Unix milliseconds of the next attempt, or null when none is due. */
  nextAttemptAt: number | null
  /** The sender's own fields (target, last HTTP status, last error). */
  data?: JsonObject
}

/** Everything a store holds. */
export interface InvoiceStoreContents {
  /** The latest version of each invoice, in the order they were created. */
  invoices: Invoice[]
  /** Every event, in commit order. */
  events: InvoiceEvent[]
  /** The latest version of each outbox entry, in the order they were first committed. */
  outbox: OutboxEntry[]
}

/** One atomic change: all of it is stored, or (on a crash before `commit` resolves) none of it. */
export interface InvoiceStoreChange {
  invoice?: Invoice
  events?: readonly InvoiceEvent[]
  outbox?: readonly OutboxEntry[]
}

export interface InvoiceStore {
  /** Reads everything stored. Rejects with `StoreError` (file and line) for data it cannot read; nothing is changed. */
  load(): Promise<InvoiceStoreContents>
  /** Stores one change durably and atomically; resolves once it is on disk. */
  commit(change: InvoiceStoreChange): Promise<void>
  /** Waits for pending commits and releases the file. */
  close(): Promise<void>
}

type Stored<T> = { [K in keyof T]: T[K] extends bigint ? string : T[K] }
interface StoredLine {
  invoice?: Stored<Invoice>
  events?: Stored<InvoiceEvent>[]
  outbox?: OutboxEntry[]
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
const INTEGER = /^-?\d+$/

function toStoredLine(change: InvoiceStoreChange): StoredLine {
  return {
    ...(change.invoice
      ? { invoice: { ...change.invoice, amount: String(change.invoice.amount), received: String(change.invoice.received) } }
      : {}),
    ...(change.events?.length ? { events: change.events.map((event) => ({ ...event, received: String(event.received) })) } : {}),
    ...(change.outbox?.length ? { outbox: [...change.outbox] } : {}),
  }
}

function readInvoice(value: unknown, where: { file: string; line: number }): Invoice {
  if (
    !isRecord(value) ||
    typeof value['id'] !== 'string' ||
    typeof value['address'] !== 'string' ||
    !INTEGER.test(String(value['amount'])) ||
    !INTEGER.test(String(value['received'] ?? '0'))
  ) {
    throw new StoreError(
      `${where.file}:${where.line} has an invoice record without id, address or amount; fix or remove that line (nothing was changed).`,
      where,
    )
  }
  return {
    ...(value as unknown as Invoice),
    amount: BigInt(value['amount'] as string),
    received: BigInt((value['received'] as string) ?? '0'),
  }
}

function readEvent(value: unknown, where: { file: string; line: number }): InvoiceEvent {
  if (
    !isRecord(value) ||
    typeof value['id'] !== 'string' ||
    typeof value['type'] !== 'string' ||
    !INTEGER.test(String(value['received']))
  ) {
    throw new StoreError(
      `${where.file}:${where.line} has an event without id, type or received; fix or remove that line (nothing was changed).`,
      where,
    )
  }
  return { ...(value as unknown as InvoiceEvent), received: BigInt(value['received'] as string) }
}

/** Folds stored lines into contents: latest invoice per id, every event once, latest outbox entry per id. */
function fold(lines: { value: unknown; line: number }[], file: string): InvoiceStoreContents {
  const invoices = new Map<string, Invoice>()
  const events = new Map<string, InvoiceEvent>()
  const outbox = new Map<string, OutboxEntry>()
  for (const { value, line } of lines) {
    const where = { file, line }
    if (!isRecord(value))
      throw new StoreError(`${file}:${line} is not a store record; fix or remove that line (nothing was changed).`, where)
    // Lines written before commits existed are bare invoices.
    const legacy = 'id' in value && 'address' in value && !('invoice' in value)
    const stored = (legacy ? { invoice: value } : value) as StoredLine
    if (stored.invoice !== undefined) {
      const invoice = readInvoice(stored.invoice, where)
      invoices.delete(invoice.id) // keep creation order, latest version
      invoices.set(invoice.id, invoice)
    }
    for (const event of stored.events ?? []) {
      const read = readEvent(event, where)
      if (!events.has(read.id)) events.set(read.id, read)
    }
    for (const entry of stored.outbox ?? []) {
      if (!isRecord(entry) || typeof entry['id'] !== 'string') {
        throw new StoreError(
          `${file}:${line} has an outbox entry without id; fix or remove that line (nothing was changed).`,
          where,
        )
      }
      outbox.set(entry.id, entry)
    }
  }
  return { invoices: [...invoices.values()], events: [...events.values()], outbox: [...outbox.values()] }
}

/** Applies a committed change to contents held in memory, the way `fold` would read it back. */
function merge(contents: InvoiceStoreContents, change: InvoiceStoreChange): void {
  const next = fold([{ value: toStoredLine(change), line: 0 }], 'memory')
  for (const invoice of next.invoices) {
    const index = contents.invoices.findIndex((known) => known.id === invoice.id)
    if (index >= 0) contents.invoices[index] = invoice
    else contents.invoices.push(invoice)
  }
  for (const event of next.events) if (!contents.events.some((known) => known.id === event.id)) contents.events.push(event)
  for (const entry of next.outbox) {
    const index = contents.outbox.findIndex((known) => known.id === entry.id)
    if (index >= 0) contents.outbox[index] = entry
    else contents.outbox.push(entry)
  }
}

/**
 * A JSON Lines invoice store at `path` (created on first commit), crash-safe: see the module comment. One process
 * writes a store at a time.
 */
export function createJsonlInvoiceStore(path: string): InvoiceStore {
  let opened: Promise<{ log: AppendLog; contents: InvoiceStoreContents }> | undefined
  const open = () => {
    if (!opened) {
      const attempt = openAppendLog(path).then(({ log, lines }) => ({ log, contents: fold(lines, path) }))
      // A failed open (bad line) is not kept: the caller fixes the file and tries again.
      attempt.catch(() => {
        if (opened === attempt) opened = undefined
      })
      opened = attempt
    }
    return opened
  }
  return {
    async load() {
      const { contents } = await open()
      return structuredClone(contents)
    },
    async commit(change) {
      const { log, contents } = await open()
      await log.append(toStoredLine(change))
      merge(contents, change)
    },
    async close() {
      const current = opened
      opened = undefined
      if (current) await (await current.catch(() => undefined))?.log.close()
    },
  }
}

/** An in-memory store (tests, or services that persist elsewhere). */
export function createMemoryInvoiceStore(
  initial: Partial<InvoiceStoreContents> = {},
): InvoiceStore & { readonly contents: InvoiceStoreContents } {
  const contents: InvoiceStoreContents = { invoices: [], events: [], outbox: [] }
  merge(contents, { events: initial.events ?? [], outbox: initial.outbox ?? [] })
  for (const invoice of initial.invoices ?? []) merge(contents, { invoice })
  return {
    contents,
    async load() {
      return structuredClone(contents)
    },
    async commit(change) {
      merge(contents, structuredClone(change))
    },
    async close() {},
  }
}
