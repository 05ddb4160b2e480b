/**
 * One log in one database, shared by the writer, the reader and `import`: the pool, the migrations (run once, on
 * first use) and statements retried after a lost connection. Retrying is safe because every write is idempotent:
 * an entry is inserted with `ON CONFLICT DO NOTHING` on its key.
 */
import pRetry from 'p-retry'
import type pg from 'pg'
import {
  createPool,
  databaseError,
  isConnectionError,
  loadDriver,
  type PostgresTarget,
  parseTarget,
  quoted,
} from './connection.js'
import { migrate } from './migrations.js'

/** Options every PostgreSQL-backed part takes. */
export interface PostgresConnectionOptions {
  /** `postgres://user:password@host:5432/database`; a `log` query parameter or a `#name` fragment names the log. Required. */
  url: string
  /** Schema holding the tables. Default `'tradekit'`. */
  schema?: string
  /** Name of the log in the schema: one per bot (the file backend's directory). Default: the URL's `log` parameter, else `'main'`. */
  log?: string
  /** Connections in the pool. Default 4. */
  maxConnections?: number
  /** Create or upgrade the tables on first use (`false`: only check the version, for a role that may not create tables). Default `true`. */
  migrate?: boolean
  /** Attempts for a statement whose connection was lost (each write is idempotent). Default 5. */
  attempts?: number
}

/** A row as stored. */
export interface EntryRow {
  kind: string
  key: string
  tsMs: number
  market: string | null
  side: string | null
  /** The entry as JSON text, exactly as returned later. */
  json: string
}

export interface LogDatabase {
  readonly target: PostgresTarget
  /** The pool (after `ready()`). */
  readonly pool: pg.Pool
  /** The `pg` module (after `ready()`). */
  readonly driver: typeof pg
  /** The schema version found before `ready()` migrated it. */
  readonly versionFound: number | undefined
  /** `"schema".trade_log_entries` */
  readonly entries: string
  /** `"schema".trade_log_checkpoints` */
  readonly checkpoints: string
  /** Resolves once the schema is known to be current (migrating it on first call). */
  ready(): Promise<void>
  /** Runs a statement after `ready()`, retried on a lost connection, with driver errors as `TradeLogDatabaseError`. */
  query<R extends pg.QueryResultRow>(what: string, text: string, params?: unknown[]): Promise<pg.QueryResult<R>>
  /** Inserts rows once each; resolves with how many were new. */
  insert(rows: readonly EntryRow[]): Promise<number>
  close(): Promise<void>
}

export function openLogDatabase(options: PostgresConnectionOptions): LogDatabase {
  const target = parseTarget(options.url, options)
  let pool: pg.Pool | undefined
  let driver: typeof pg | undefined
  let versionFound: number | undefined
  const attempts = options.attempts ?? 5
  const s = quoted(target.schema)
  let readiness: Promise<void> | undefined
  let closed = false

  const ready = () => {
    readiness ??= (async () => {
      driver ??= await loadDriver()
      pool ??= createPool(driver, target, options.maxConnections ?? 4)
      versionFound = await migrate(pool, target, options.migrate ?? true)
    })().then(
      () => undefined,
      (error: unknown) => {
        // A failed start (server not up yet) is tried again by the next call.
        readiness = undefined
        throw error
      },
    )
    return readiness
  }

  async function query<R extends pg.QueryResultRow>(what: string, text: string, params: unknown[] = []) {
    await ready()
    try {
      return await pRetry(() => pool!.query<R>(text, params), {
        retries: attempts - 1,
        minTimeout: 100,
        maxTimeout: 2_000,
        shouldRetry: ({ error }) => !closed && isConnectionError(error),
      })
    } catch (error) {
      throw databaseError(what, target, error)
    }
  }

  const insertText = `INSERT INTO ${s}.trade_log_entries (log, kind, key, ts_ms, market, side, entry)
    SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::json[])
    ON CONFLICT (log, kind, key) DO NOTHING`
  const insertOneText = `INSERT INTO ${s}.trade_log_entries (log, kind, key, ts_ms, market, side, entry)
    VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (log, kind, key) DO NOTHING`

  return {
    target,
    get pool() {
      if (!pool) throw new Error('LogDatabase.pool used before ready()')
      return pool
    },
    get versionFound() {
      return versionFound
    },
    get driver() {
      if (!driver) throw new Error('LogDatabase.driver used before ready()')
      return driver
    },
    entries: `${s}.trade_log_entries`,
    checkpoints: `${s}.trade_log_checkpoints`,
    ready,
    query,
    async insert(rows) {
      if (rows.length === 0) return 0
      if (rows.length === 1) {
        const row = rows[0]!
        const result = await query('Appending an entry', insertOneText, [
          target.log,
          row.kind,
          row.key,
          row.tsMs,
          row.market,
          row.side,
          row.json,
        ])
        return result.rowCount ?? 0
      }
      const result = await query(`Appending ${rows.length} entries`, insertText, [
        target.log,
        rows.map((row) => row.kind),
        rows.map((row) => row.key),
        rows.map((row) => row.tsMs),
        rows.map((row) => row.market),
        rows.map((row) => row.side),
        rows.map((row) => row.json),
      ])
      return result.rowCount ?? 0
    },
    async close() {
      if (closed) return
      closed = true
      await pool?.end()
    },
  }
}
