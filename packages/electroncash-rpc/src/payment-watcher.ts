/**
 * `createPaymentWatcher`: creates invoices (`addrequest`) and watches them until confirmed or expired, with
 * events `paid`, `confirmed`, `expired`, `underpaid`, `overpaid`. State lives in an `InvoiceStore` so a restart
 * resumes watching. Each poll reads the daemon's request statuses (`listrequests`) and the wallet's address
 * balances (`listaddresses`); for addresses outside the wallet and requests the daemon no longer has, it falls back
 * to the server's address balance and history.
 */
import { EventEmitter } from 'eventemitter3'
import { type Amount, bchToSats } from './amount.js'
import type { CallOptions, ElectronCashClient } from './client.js'
import { ParamsError } from './errors.js'
import { createJsonlInvoiceStore, type Invoice, type InvoiceEvent, type InvoiceStore } from './invoice-store.js'
import type { PaymentRequest } from './schemas.js'

export interface PaymentEvent {
  invoice: Invoice
  /** Satoshis received at the invoice address so far. */
  received: bigint
  confirmations: number
}

export interface PaymentWatcherEvents {
  created: [Invoice]
  /** Enough was received (seen, maybe unconfirmed). */
  paid: [PaymentEvent]
  /** The payment reached `confirmations`. Final. */
  confirmed: [PaymentEvent]
  /** Something, but less than the amount, was received. Emitted again when more arrives. */
  underpaid: [PaymentEvent & { missing: bigint }]
  /** More than the amount was received. */
  overpaid: [PaymentEvent & { excess: bigint }]
  /** Expired before being paid in full. Final. */
  expired: [PaymentEvent]
  /** A poll failed (daemon down, store unwritable); watching continues. */
  error: [unknown]
}

export interface PaymentWatcherOptions {
  /** Where invoices are kept. Default: a JSON Lines file at `storePath`. */
  store?: InvoiceStore
  /** Path of the default JSON Lines store. Default `'./electroncash-invoices.jsonl'`. */
  storePath?: string
  /** Confirmations for `confirmed`. Default 1. */
  confirmations?: number
  /** Time between polls. Default 5000 ms. */
  pollIntervalMs?: number
  /** Clock for expiry, ms. Default `Date.now`. */
  now?: () => number
  /** Options for the watcher's own daemon calls. Default none. */
  callOptions?: CallOptions
}

export interface CreateInvoiceOptions {
  /** bigint satoshis or a decimal BCH string; must be positive. */
  amount: Amount
  memo?: string
  /** Seconds until the invoice expires. Default: none. */
  expiresInSeconds?: number
  /** Derive a new address if the pool of 20 unused ones is used up. Default false. */
  force?: boolean
  metadata?: Record<string, unknown>
}

export interface PaymentWatcher extends EventEmitter<PaymentWatcherEvents> {
  /** Creates a payment request on the daemon, stores it and watches it. */
  createInvoice(options: CreateInvoiceOptions): Promise<Invoice>
  /** Loads the store and starts polling (the first poll runs at once). */
  start(): Promise<void>
  /** Stops polling, waits for a poll in progress and releases the store file it opened. */
  stop(): Promise<void>
  /** Loads the store if needed and runs one poll now. */
  check(): Promise<void>
  /** Invoices known to the watcher, latest state. */
  invoices(): Invoice[]
  /** Every stored event (`created`, `paid`, ...), in order, with stable ids. */
  events(): InvoiceEvent[]
}

const FINAL = new Set(['confirmed', 'expired'])

const fingerprint = (invoice: Invoice) =>
  JSON.stringify(invoice, (_key, value) => (typeof value === 'bigint' ? `${value}n` : value))

export function createPaymentWatcher(client: ElectronCashClient, options: PaymentWatcherOptions = {}): PaymentWatcher {
  const ownStore = options.store === undefined
  const store = options.store ?? createJsonlInvoiceStore(options.storePath ?? './electroncash-invoices.jsonl')
  const required = Math.max(1, options.confirmations ?? 1)
  const pollIntervalMs = options.pollIntervalMs ?? 5_000
  const now = options.now ?? Date.now
  const call = options.callOptions ?? {}
  const watcher = new EventEmitter<PaymentWatcherEvents>() as PaymentWatcher
  /** By invoice id (the daemon may reuse an address once its request is removed unpaid). */
  const invoices = new Map<string, Invoice>()
  const events: InvoiceEvent[] = []
  let loaded: Promise<void> | undefined
  let running = false
  let timer: NodeJS.Timeout | undefined
  let polling: Promise<void> | undefined

  const load = () => {
    if (!loaded) {
      const attempt = store.load().then((stored) => {
        for (const invoice of stored.invoices) if (!invoices.has(invoice.id)) invoices.set(invoice.id, invoice)
        events.push(...stored.events)
      })
      // A store that could not be read is read again next time (after the operator fixed it).
      attempt.catch(() => {
        if (loaded === attempt) loaded = undefined
      })
      loaded = attempt
    }
    return loaded
  }

  /** An event with an id that is stable across restarts: `<invoice>:<type>`, then `:2`, `:3` for repeats. */
  const eventFor = (invoice: Invoice, type: string, received: bigint, confirmations: number): InvoiceEvent => {
    const base = `${invoice.id}:${type}`
    const repeats = events.filter((event) => event.id === base || event.id.startsWith(`${base}:`)).length
    return {
      id: repeats === 0 ? base : `${base}:${repeats + 1}`,
      type,
      invoiceId: invoice.id,
      at: now(),
      received,
      confirmations,
    }
  }

  /**
   * Satoshis seen at an address: the wallet's own view (`listaddresses` balances, one wallet-local call per poll
   * that works offline and never waits on a server), else the server's (`getaddressbalance`).
   */
  async function receivedAt(address: string, walletBalances: Map<string, bigint>): Promise<bigint> {
    const own = walletBalances.get(address)
    if (own !== undefined) return own
    const balance = await client.getAddressBalance({ address }, call)
    return balance.confirmed + balance.unconfirmed
  }

  async function confirmationsFromHistory(address: string): Promise<number> {
    const [history, info] = await Promise.all([client.getAddressHistory({ address }, call), client.getInfo({}, call)])
    if (history.length === 0) return 0
    return Math.min(...history.map((tx) => (tx.height > 0 ? info.blockchain_height - tx.height + 1 : 0)))
  }

  async function update(
    invoice: Invoice,
    request: PaymentRequest | undefined,
    walletBalances: Map<string, bigint>,
  ): Promise<void> {
    const before = fingerprint(invoice)
    const previouslyReceived = invoice.received
    const received = await receivedAt(invoice.address, walletBalances)
    const paidByDaemon = request?.status === 'Paid' || request?.status === 'Unconfirmed'
    const paid = received >= invoice.amount || paidByDaemon
    let confirmations = invoice.confirmations
    if (paid) confirmations = request?.confirmations ?? (await confirmationsFromHistory(invoice.address))
    const event = (): PaymentEvent => ({ invoice: { ...invoice }, received, confirmations })
    invoice.received = received
    invoice.confirmations = confirmations
    invoice.txHashes = request?.txHashes ?? invoice.txHashes
    const emits: (() => void)[] = []
    const happened: string[] = []
    if (paid) {
      if (invoice.state === 'pending' || invoice.state === 'underpaid') {
        invoice.state = 'paid'
        happened.push('paid')
        emits.push(() => watcher.emit('paid', event()))
        if (received > invoice.amount) {
          happened.push('overpaid')
          emits.push(() => watcher.emit('overpaid', { ...event(), excess: received - invoice.amount }))
        }
      }
      if (confirmations >= required) {
        invoice.state = 'confirmed'
        happened.push('confirmed')
        emits.push(() => watcher.emit('confirmed', event()))
      }
    } else {
      const expired = request?.status === 'Expired' || (invoice.expiresAt !== null && now() / 1000 > invoice.expiresAt)
      if (expired) {
        invoice.state = 'expired'
        happened.push('expired')
        emits.push(() => watcher.emit('expired', event()))
      } else if (received > 0n && received !== previouslyReceived) {
        invoice.state = 'underpaid'
        happened.push('underpaid')
        emits.push(() => watcher.emit('underpaid', { ...event(), missing: invoice.amount - received }))
      }
    }
    if (fingerprint(invoice) === before) return
    // Persist first, invoice and events in one commit: an event is announced only once the store has it, so a
    // restart never misses or repeats it.
    const recorded: InvoiceEvent[] = []
    for (const type of happened) {
      const record = eventFor(invoice, type, received, confirmations)
      recorded.push(record)
      events.push(record)
    }
    try {
      await store.commit({ invoice: { ...invoice }, events: recorded })
    } catch (error) {
      events.splice(events.length - recorded.length, recorded.length)
      throw error
    }
    for (const emit of emits) emit()
  }

  async function poll(): Promise<void> {
    await load()
    const open = [...invoices.values()].filter((invoice) => !FINAL.has(invoice.state))
    if (open.length === 0) return
    const requests = new Map((await client.listRequests({}, call)).map((request) => [request.address, request]))
    const walletBalances = new Map<string, bigint>()
    for (const row of await client.listAddresses({ balance: true }, call)) {
      if (row.balance !== null) walletBalances.set(row.address, row.balance)
    }
    for (const invoice of open) {
      try {
        // The daemon keys requests by address and may reuse one after its request was removed: match the id too.
        const request = requests.get(invoice.address)
        await update(invoice, request?.id === invoice.id ? request : undefined, walletBalances)
      } catch (error) {
        watcher.emit('error', error)
      }
    }
  }

  const runPoll = () =>
    poll().catch((error: unknown) => {
      watcher.emit('error', error)
    })

  function schedule(): void {
    if (!running) return
    timer = setTimeout(() => {
      polling = runPoll().finally(schedule)
    }, pollIntervalMs)
  }

  watcher.createInvoice = async (invoiceOptions) => {
    await load()
    const sats = typeof invoiceOptions.amount === 'bigint' ? invoiceOptions.amount : bchToSats(invoiceOptions.amount)
    if (sats <= 0n) {
      throw new ParamsError('createInvoice: amount must be positive; an invoice for 0 is never "paid".', {
        method: 'addrequest',
        path: 'amount',
      })
    }
    const request = await client.addRequest(
      {
        amount: invoiceOptions.amount,
        ...(invoiceOptions.memo !== undefined ? { memo: invoiceOptions.memo } : {}),
        ...(invoiceOptions.expiresInSeconds !== undefined ? { expiration: invoiceOptions.expiresInSeconds } : {}),
        ...(invoiceOptions.force ? { force: true } : {}),
      },
      call,
    )
    const invoice: Invoice = {
      id: request.id,
      address: request.address,
      amount: request.amount,
      memo: request.memo,
      createdAt: request.time,
      expiresAt: request.expiresAt,
      uri: request.uri,
      state: 'pending',
      received: 0n,
      confirmations: 0,
      txHashes: [],
      ...(invoiceOptions.metadata ? { metadata: invoiceOptions.metadata } : {}),
    }
    const created = eventFor(invoice, 'created', 0n, 0)
    await store.commit({ invoice, events: [created] })
    events.push(created)
    invoices.set(invoice.id, invoice)
    watcher.emit('created', { ...invoice })
    return { ...invoice }
  }
  watcher.start = async () => {
    if (running) return
    await load()
    running = true
    polling = runPoll().finally(schedule)
  }
  watcher.stop = async () => {
    running = false
    if (timer) clearTimeout(timer)
    await polling
    // The store the watcher opened itself is released (it reopens on the next use).
    if (ownStore) await store.close()
  }
  watcher.check = () => poll()
  watcher.invoices = () => [...invoices.values()].map((invoice) => ({ ...invoice }))
  watcher.events = () => events.map((event) => ({ ...event }))
  return watcher
}
