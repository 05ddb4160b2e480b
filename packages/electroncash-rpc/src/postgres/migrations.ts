/**
 * The payment tables, created and upgraded by the package: numbered migrations, each applied in the transaction
 * that records it, under an advisory lock so replicas starting together apply each once. A schema newer than this
 * package knows is refused before anything is read or written.
 */
import type pg from 'pg'
import { StoreError } from '../errors.js'
import { type PostgresTarget, storeError } from './connection.js'

const MIGRATIONS: { version: number; name: string; sql: (s: string) => string }[] = [
  {
    version: 1,
    name: 'invoices, events, outbox, creations, order ids',
    sql: (s) => `
      CREATE TABLE ${s}.payment_invoices (
        id text PRIMARY KEY, status text NOT NULL, version integer NOT NULL, record json NOT NULL,
        seq bigint GENERATED ALWAYS AS IDENTITY, updated_at timestamptz NOT NULL DEFAULT now());
      CREATE INDEX payment_invoices_open ON ${s}.payment_invoices (seq) WHERE status IN ('New', 'Processing', 'Expired');
      CREATE TABLE ${s}.payment_events (
        id text PRIMARY KEY, invoice_id text NOT NULL, record json NOT NULL, seq bigint GENERATED ALWAYS AS IDENTITY,
        stored_at timestamptz NOT NULL DEFAULT now());
      CREATE INDEX payment_events_invoice ON ${s}.payment_events (invoice_id, seq);
      CREATE TABLE ${s}.payment_outbox (
        id text PRIMARY KEY, invoice_id text NOT NULL, state text NOT NULL, next_attempt_at bigint, lease_until bigint,
        record json NOT NULL, seq bigint GENERATED ALWAYS AS IDENTITY);
      CREATE INDEX payment_outbox_invoice ON ${s}.payment_outbox (invoice_id, seq);
      CREATE INDEX payment_outbox_due ON ${s}.payment_outbox (next_attempt_at, seq) WHERE state = 'pending';
      CREATE TABLE ${s}.payment_intents (
        id text PRIMARY KEY, state text NOT NULL, record json NOT NULL, seq bigint GENERATED ALWAYS AS IDENTITY);
      CREATE TABLE ${s}.payment_orders (order_id text PRIMARY KEY, owner_id text NOT NULL);
    `,
  },
]

export const PAYMENTS_SCHEMA_VERSION = MIGRATIONS.at(-1)!.version

export async function migratePayments(pool: pg.Pool, target: PostgresTarget): Promise<number> {
  const s = `"${target.schema}"`
  let client: pg.PoolClient
  try {
    client = await pool.connect()
  } catch (error) {
    throw storeError('Connecting', target, error)
  }
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`tradekit.payments:${target.schema}`])
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`)
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.payment_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    )
    const { rows } = await client.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${s}.payment_migrations`)
    const found = rows[0]?.version ?? 0
    if (found > PAYMENTS_SCHEMA_VERSION) {
      throw new StoreError(
        `The payment schema "${target.schema}" on ${target.description} is version ${found}, newer than this package knows (${PAYMENTS_SCHEMA_VERSION}): a newer @tradekit/electroncash-rpc wrote it. Upgrade this program's @tradekit/electroncash-rpc; nothing was read or changed.`,
      )
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= found) continue
      await client.query(migration.sql(s))
      await client.query(`INSERT INTO ${s}.payment_migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ])
    }
    await client.query('COMMIT')
    return found
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw storeError(`Migrating the payment schema "${target.schema}"`, target, error)
  } finally {
    client.release()
  }
}
