/**
 * The trade-log tables, created and upgraded by the package itself: numbered migrations applied in order, each in
 * the one transaction that also records it, under an advisory lock so processes starting together apply each once.
 * A database whose recorded version is newer than this package knows is refused before anything is read or written.
 */
import type pg from 'pg'
import { TradeLogSchemaVersionError } from '../errors.js'
import { databaseError, type PostgresTarget, quoted } from './connection.js'

interface Migration {
  version: number
  name: string
  sql: (schema: string, channel: string) => string
}

/**
 * Entries are stored once per (log, kind, key): `key` is the entry's identity (see `entry-key.ts`), so an append
 * retried after a lost reply inserts nothing. `xid`/`seq` record the order entries became durable, which `follow`
 * reads in; pages and streams read in time order, (ts_ms, key).
 */
const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'entries, checkpoints, notify trigger',
    sql: (s, channel) => `
      CREATE TABLE ${s}.trade_log_entries (
        log text COLLATE "C" NOT NULL,
        kind text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        ts_ms bigint NOT NULL,
        market text COLLATE "C",
        side text COLLATE "C",
        entry json NOT NULL,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        written_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (log, kind, key)
      );
      CREATE INDEX trade_log_entries_time ON ${s}.trade_log_entries (log, kind, ts_ms, key);
      CREATE INDEX trade_log_entries_market_time ON ${s}.trade_log_entries (log, kind, market, ts_ms, key);
      CREATE INDEX trade_log_entries_commit_order ON ${s}.trade_log_entries (log, kind, xid, seq);
      CREATE TABLE ${s}.trade_log_checkpoints (
        log text COLLATE "C" NOT NULL,
        name text COLLATE "C" NOT NULL,
        body text NOT NULL,
        saved_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (log, name)
      );
      CREATE FUNCTION ${s}.trade_log_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        -- Sent at commit, once per distinct payload in a transaction: followers then read what is new.
        PERFORM pg_notify('${channel}', NEW.log || '/' || NEW.kind);
        RETURN NULL;
      END
      $fn$;
      CREATE TRIGGER trade_log_entries_notify AFTER INSERT ON ${s}.trade_log_entries
        FOR EACH ROW EXECUTE FUNCTION ${s}.trade_log_notify();
    `,
  },
]

/** The newest schema version this package writes. */
export const TRADE_LOG_SCHEMA_VERSION = MIGRATIONS.at(-1)!.version

/** The NOTIFY channel of a schema. */
export const notifyChannel = (schema: string) => `${schema}_trade_log`

async function recordedVersion(client: pg.PoolClient, schema: string): Promise<number> {
  const exists = await client.query<{ found: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS found`, [
    `${quoted(schema)}.trade_log_migrations`,
  ])
  if (!exists.rows[0]!.found) return 0
  const result = await client.query<{ version: number | null }>(
    `SELECT max(version) AS version FROM ${quoted(schema)}.trade_log_migrations`,
  )
  return result.rows[0]!.version ?? 0
}

function newerError(target: PostgresTarget, found: number): TradeLogSchemaVersionError {
  return new TradeLogSchemaVersionError(
    `The trade-log schema "${target.schema}" on ${target.description} is version ${found}, newer than this package knows (${TRADE_LOG_SCHEMA_VERSION}): a newer @tradekit/trade-log wrote it. Upgrade this program's @tradekit/trade-log; nothing was read or changed.`,
    { found, supported: TRADE_LOG_SCHEMA_VERSION },
  )
}

/**
 * Brings the schema to `TRADE_LOG_SCHEMA_VERSION` (or, with `apply: false`, only checks it); returns the version
 * found before. Throws `TradeLogSchemaVersionError` for a newer schema.
 */
export async function migrate(pool: pg.Pool, target: PostgresTarget, apply = true): Promise<number> {
  let client: pg.PoolClient
  try {
    client = await pool.connect()
  } catch (error) {
    throw databaseError('Connecting', target, error)
  }
  const s = quoted(target.schema)
  try {
    const before = await recordedVersion(client, target.schema)
    if (before > TRADE_LOG_SCHEMA_VERSION) throw newerError(target, before)
    if (before === TRADE_LOG_SCHEMA_VERSION || !apply) {
      if (before < TRADE_LOG_SCHEMA_VERSION && !apply) {
        throw databaseError(
          'Checking the schema',
          target,
          new Error(
            `the trade-log schema "${target.schema}" is at version ${before}, this package needs ${TRADE_LOG_SCHEMA_VERSION}; run the migrations (a writer, or migrate: true)`,
          ),
        )
      }
      return before
    }
    let applied = before
    await client.query('BEGIN')
    try {
      // One migrating process at a time per schema; the others wait here, then find the work done.
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`tradekit.trade-log:${target.schema}`])
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`)
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${s}.trade_log_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      )
      // Read again under the lock: another process may have migrated while this one waited.
      const current = await recordedVersion(client, target.schema)
      if (current > TRADE_LOG_SCHEMA_VERSION) throw newerError(target, current)
      applied = current
      for (const migration of MIGRATIONS) {
        if (migration.version <= current) continue
        await client.query(migration.sql(s, notifyChannel(target.schema)))
        await client.query(`INSERT INTO ${s}.trade_log_migrations (version, name) VALUES ($1, $2)`, [
          migration.version,
          migration.name,
        ])
      }
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw error
    }
    return applied
  } catch (error) {
    if (error instanceof TradeLogSchemaVersionError) throw error
    throw databaseError(`Migrating the trade-log schema "${target.schema}"`, target, error)
  } finally {
    client.release()
  }
}
