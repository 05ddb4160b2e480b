/**
 * The `InvoiceStore` contract on PostgreSQL, for a payment service that runs as several replicas against one
 * database and one daemon. Every invariant is the database's, not a read-then-write in one process:
 * - a commit is one transaction;
 * - an invoice version is written only over the one before it (`UPDATE ... WHERE version = v - 1`, or an insert for
 *   version 1), so two replicas that saw the same payment cannot both record it;
 * - an event id is a primary key, so a change is announced under one id;
 * - an order id is a primary key of `payment_orders`, owned by one creation or invoice: concurrent creates with one
 *   order id on several replicas yield one invoice;
 * - due webhook deliveries are claimed with `FOR UPDATE SKIP LOCKED` and leased until a time: replicas never wait on
 *   each other, a claimed delivery is not sent by another replica while its lease runs, and a replica killed while
 *   sending leaves a lease that simply ends (the README says why this, not an open transaction or advisory lock).
 */
import pRetry from 'p-retry'
import type pg from 'pg'
import type {
  CreationIntent,
  Invoice,
  InvoiceEvent,
  InvoiceStore,
  InvoiceStoreChange,
  InvoiceStoreContents,
  OutboxEntry,
} from '../invoice-store.js'
import { StoreConflictError } from '../payment-errors.js'
import { createPool, isConnectionError, loadDriver, type PostgresTarget, parseTarget, storeError } from './connection.js'
import { migratePayments } from './migrations.js'

/** Options for `createPostgresInvoiceStore`. */
export interface PostgresInvoiceStoreOptions {
  /** `postgres://user:password@host:5432/database`. Required. */
  url: string
  /** Schema holding the tables. Default `'tradekit'`. */
  schema?: string
  /** Connections in the pool. Default 4. */
  maxConnections?: number
  /** Attempts for a statement whose connection was lost before it ran (reads, and claims). Default 5. */
  attempts?: number
}

const OPEN_STATUSES = ['New', 'Processing', 'Expired']

// bigint amounts as decimal strings in the stored JSON, and back.
const encode = (value: unknown) => JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v))
const invoiceOf = (row: { record: Record<string, unknown> }): Invoice => ({
  ...(row.record as unknown as Invoice),
  amount: BigInt(row.record['amount'] as string),
  received: BigInt(row.record['received'] as string),
})
const eventOf = (row: { record: Record<string, unknown> }): InvoiceEvent => ({
  ...(row.record as unknown as InvoiceEvent),
  received: BigInt(row.record['received'] as string),
})
const intentOf = (row: { record: Record<string, unknown> }): CreationIntent => ({
  ...(row.record as unknown as CreationIntent),
  amount: BigInt(row.record['amount'] as string),
})
const outboxOf = (row: { record: Record<string, unknown> }): OutboxEntry => row.record as unknown as OutboxEntry

/** An invoice store on PostgreSQL; the tables are created or upgraded on first use. */
export function createPostgresInvoiceStore(options: PostgresInvoiceStoreOptions): InvoiceStore & {
  /** The server, database and schema, without the password. */
  readonly target: string
} {
  const target: PostgresTarget = parseTarget(options.url, options.schema)
  const s = `"${target.schema}"`
  const attempts = options.attempts ?? 5
  let pool: pg.Pool | undefined
  let opening: Promise<pg.Pool> | undefined
  let closed = false

  const open = (): Promise<pg.Pool> => {
    opening ??= (async () => {
      const driver = await loadDriver()
      const created = createPool(driver, target, options.maxConnections ?? 4)
      try {
        await migratePayments(created, target)
      } catch (error) {
        await created.end().catch(() => undefined)
        throw error
      }
      pool = created
      return created
    })().catch((error: unknown) => {
      opening = undefined
      throw error
    })
    return opening
  }

  /** A read (or an idempotent claim), retried on a lost connection. */
  async function read<R extends pg.QueryResultRow>(what: string, text: string, params: unknown[] = []): Promise<R[]> {
    const ready = await open()
    try {
      const result = await pRetry(() => ready.query<R>(text, params), {
        retries: attempts - 1,
        minTimeout: 100,
        maxTimeout: 2_000,
        shouldRetry: ({ error }) => !closed && isConnectionError(error),
      })
      return result.rows
    } catch (error) {
      throw storeError(what, target, error)
    }
  }

  async function commit(change: InvoiceStoreChange): Promise<void> {
    const ready = await open()
    let client: pg.PoolClient
    try {
      client = await ready.connect()
    } catch (error) {
      throw storeError('Connecting', target, error)
    }
    try {
      await client.query('BEGIN')
      await apply(client, change)
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined)
      // A commit whose connection broke may or may not have landed: the caller reloads (as after a conflict).
      if (error instanceof StoreConflictError) throw error
      throw storeError('Committing an invoice change', target, error)
    } finally {
      client.release()
    }
  }

  async function claimOrder(client: pg.PoolClient, orderId: string, owner: string): Promise<void> {
    await client.query(`INSERT INTO ${s}.payment_orders (order_id, owner_id) VALUES ($1, $2) ON CONFLICT (order_id) DO NOTHING`, [
      orderId,
      owner,
    ])
    const { rows } = await client.query<{ owner_id: string }>(`SELECT owner_id FROM ${s}.payment_orders WHERE order_id = $1`, [
      orderId,
    ])
    if (rows[0] && rows[0].owner_id !== owner) {
      throw new StoreConflictError(`order id ${orderId} already belongs to ${rows[0].owner_id}`, 'order')
    }
  }

  async function apply(client: pg.PoolClient, change: InvoiceStoreChange): Promise<void> {
    const { intent, invoice } = change
    if (intent) {
      const existing = await client.query(`SELECT 1 FROM ${s}.payment_intents WHERE id = $1`, [intent.id])
      if (intent.orderId !== null && intent.state === 'creating' && existing.rowCount === 0) {
        await claimOrder(client, intent.orderId, intent.id)
      }
      if (intent.orderId !== null && intent.state === 'abandoned') {
        await client.query(`DELETE FROM ${s}.payment_orders WHERE order_id = $1 AND owner_id = $2`, [intent.orderId, intent.id])
      }
      await client.query(
        `INSERT INTO ${s}.payment_intents (id, state, record) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, record = excluded.record`,
        [intent.id, intent.state, encode(intent)],
      )
    }
    if (invoice) {
      const record = encode(invoice)
      const written =
        invoice.version === 1
          ? await client.query(
              `INSERT INTO ${s}.payment_invoices (id, status, version, record) VALUES ($1, $2, 1, $3) ON CONFLICT (id) DO NOTHING`,
              [invoice.id, invoice.status, record],
            )
          : await client.query(
              `UPDATE ${s}.payment_invoices SET status = $2, version = $3, record = $4, updated_at = now()
               WHERE id = $1 AND version = $3 - 1`,
              [invoice.id, invoice.status, invoice.version, record],
            )
      if (written.rowCount !== 1) {
        const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${s}.payment_invoices WHERE id = $1`, [
          invoice.id,
        ])
        throw new StoreConflictError(
          `invoice ${invoice.id} version ${invoice.version} is not the next one (stored: ${rows[0]?.version ?? 'none'})`,
          'version',
        )
      }
      if (invoice.version === 1 && invoice.orderId !== null) await claimOrder(client, invoice.orderId, invoice.id)
    }
    for (const event of change.events ?? []) {
      const inserted = await client.query(
        `INSERT INTO ${s}.payment_events (id, invoice_id, record) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
        [event.id, event.invoiceId, encode(event)],
      )
      if (inserted.rowCount !== 1) throw new StoreConflictError(`event ${event.id} is already stored`, 'event')
    }
    for (const entry of change.outbox ?? []) {
      // A delivered or failed entry is final: a replica whose lease ran out cannot turn it back.
      await client.query(
        `INSERT INTO ${s}.payment_outbox (id, invoice_id, state, next_attempt_at, record) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, next_attempt_at = excluded.next_attempt_at,
           record = excluded.record, lease_until = NULL
         WHERE ${s}.payment_outbox.state = 'pending'`,
        [entry.id, entry.invoiceId, entry.state, entry.nextAttemptAt, encode(entry)],
      )
    }
  }

  type Row = { record: Record<string, unknown> }

  return {
    target: `${target.description}#${target.schema}`,
    async load(): Promise<InvoiceStoreContents> {
      const [invoices, events, outbox, intents] = await Promise.all([
        read<Row>('Loading invoices', `SELECT record FROM ${s}.payment_invoices ORDER BY seq`),
        read<Row>('Loading events', `SELECT record FROM ${s}.payment_events ORDER BY seq`),
        read<Row>('Loading deliveries', `SELECT record FROM ${s}.payment_outbox ORDER BY seq`),
        read<Row>('Loading creations', `SELECT record FROM ${s}.payment_intents ORDER BY seq`),
      ])
      return {
        invoices: invoices.map(invoiceOf),
        events: events.map(eventOf),
        outbox: outbox.map(outboxOf),
        intents: intents.map(intentOf),
      }
    },
    async getInvoice(id) {
      const rows = await read<Row>('Reading an invoice', `SELECT record FROM ${s}.payment_invoices WHERE id = $1`, [id])
      return rows[0] ? invoiceOf(rows[0]) : undefined
    },
    async findOrder(orderId) {
      const rows = await read<{ invoice: Row['record'] | null; intent: Row['record'] | null }>(
        'Finding an order',
        `SELECT i.record AS invoice, c.record AS intent FROM ${s}.payment_orders o
         LEFT JOIN ${s}.payment_invoices i ON i.id = o.owner_id LEFT JOIN ${s}.payment_intents c ON c.id = o.owner_id
         WHERE o.order_id = $1`,
        [orderId],
      )
      const row = rows[0]
      if (row?.invoice) return { invoice: invoiceOf({ record: row.invoice }) }
      if (row?.intent) return { intent: intentOf({ record: row.intent }) }
      return undefined
    },
    async openInvoices() {
      const rows = await read<Row>(
        'Reading open invoices',
        `SELECT record FROM ${s}.payment_invoices WHERE status = ANY($1) ORDER BY seq`,
        [OPEN_STATUSES],
      )
      return rows.map(invoiceOf)
    },
    async openIntents() {
      const rows = await read<Row>(
        'Reading creations',
        `SELECT record FROM ${s}.payment_intents WHERE state = 'creating' ORDER BY seq`,
      )
      return rows.map(intentOf)
    },
    async eventsOf(invoiceId) {
      const rows = await read<Row>(
        'Reading events',
        `SELECT record FROM ${s}.payment_events WHERE invoice_id = $1 ORDER BY seq`,
        [invoiceId],
      )
      return rows.map(eventOf)
    },
    async deliveriesOf(invoiceId) {
      const rows = await read<Row>(
        'Reading deliveries',
        `SELECT record FROM ${s}.payment_outbox WHERE invoice_id = $1 ORDER BY seq`,
        [invoiceId],
      )
      return rows.map(outboxOf)
    },
    async getDelivery(id) {
      const rows = await read<Row>('Reading a delivery', `SELECT record FROM ${s}.payment_outbox WHERE id = $1`, [id])
      return rows[0] ? outboxOf(rows[0]) : undefined
    },
    async dueDeliveries(now, limit, leaseMs) {
      // Claim and lease in one statement: rows another replica is claiming right now are skipped, not waited for.
      const claimed = await read<Row & { seq: string }>(
        'Claiming due deliveries',
        `WITH due AS (
           SELECT id FROM ${s}.payment_outbox
           WHERE state = 'pending' AND next_attempt_at IS NOT NULL AND greatest(next_attempt_at, coalesce(lease_until, 0)) <= $1
           ORDER BY next_attempt_at, seq LIMIT $2
           FOR UPDATE SKIP LOCKED)
         UPDATE ${s}.payment_outbox o SET lease_until = $1::bigint + $3::bigint FROM due WHERE o.id = due.id
         RETURNING o.record, o.seq::text AS seq`,
        [now, limit, leaseMs],
      )
      const due = claimed
        .map((row) => ({ entry: outboxOf(row), seq: BigInt(row.seq) }))
        .sort((a, b) => a.entry.nextAttemptAt! - b.entry.nextAttemptAt! || (a.seq < b.seq ? -1 : 1))
        .map((item) => item.entry)
      const next = await read<{ at: string | null }>(
        'Reading the next due delivery',
        `SELECT min(greatest(next_attempt_at, coalesce(lease_until, 0)))::text AS at FROM ${s}.payment_outbox
         WHERE state = 'pending' AND next_attempt_at IS NOT NULL AND NOT (id = ANY($1))`,
        [due.map((entry) => entry.id)],
      )
      return { due, nextAt: next[0]?.at == null ? null : Number(next[0].at) }
    },
    commit,
    async close() {
      if (closed) return
      closed = true
      await opening?.catch(() => undefined)
      await pool?.end()
    },
  }
}
