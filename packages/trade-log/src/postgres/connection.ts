/**
 * Connecting to PostgreSQL: the URL is checked and described without its password (the description is all that
 * errors, logs and CLI output ever show), and driver errors become `TradeLogDatabaseError`.
 */
import type pg from 'pg'
import { TradeLogDatabaseError, TradeLogUsageError } from '../errors.js'

/** Where a log lives in a database, parsed from the options. */
export interface PostgresTarget {
  /** The URL to connect with (without the `log` parameter, which is ours). */
  connectionString: string
  /** `postgres://user@host:port/database`: never the password. */
  description: string
  /** Schema of the tables. */
  schema: string
  /** Name of the log inside the schema (one per bot). */
  log: string
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,40}$/
const LOG_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

/** The URL without its password (and without a password given as a query parameter). */
export function describeUrl(url: URL): string {
  const copy = new URL(url.href)
  copy.password = ''
  for (const name of [...copy.searchParams.keys()]) {
    if (/pass|secret|key|token/i.test(name)) copy.searchParams.delete(name)
  }
  return copy.href
}

/** True for a `postgres://` or `postgresql://` URL (how the bot and server tell a database from a directory). */
export function isPostgresUrl(value: string | undefined): value is string {
  return value !== undefined && /^postgres(ql)?:\/\//i.test(value.trim())
}

/** Parses `url` (a `log` query parameter names the log) and checks `schema` and `log`. */
export function parseTarget(url: string, options: { schema?: string | undefined; log?: string | undefined }): PostgresTarget {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new TradeLogUsageError('The PostgreSQL URL is not a URL; expected postgres://user:password@host:5432/database.')
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) {
    throw new TradeLogUsageError(
      `Expected a postgres:// URL, got a ${parsed.protocol} URL; a directory path selects the file backend.`,
    )
  }
  // The log may be named in the URL, as `?log=alpha` or `#alpha` (the form that fits a comma-separated list).
  const log =
    options.log ?? parsed.searchParams.get('log') ?? (parsed.hash.length > 1 ? decodeURIComponent(parsed.hash.slice(1)) : 'main')
  parsed.searchParams.delete('log')
  parsed.hash = ''
  const schema = options.schema ?? 'tradekit'
  if (!IDENTIFIER.test(schema)) {
    throw new TradeLogUsageError(`Schema name ${JSON.stringify(schema)} must be lower-case letters, digits and "_".`)
  }
  if (!LOG_NAME.test(log)) {
    throw new TradeLogUsageError(`Log name ${JSON.stringify(log)} must be letters, digits, "_", "." and "-" (at most 64).`)
  }
  return { connectionString: parsed.href, description: describeUrl(parsed), schema, log }
}

type Driver = typeof pg
let driver: Promise<Driver> | undefined

/**
 * The `pg` driver, loaded on first connection: it is an optional peer dependency, so programs that keep their logs
 * in files never load it, and one that asks for PostgreSQL without it installed is told what to install.
 */
export function loadDriver(): Promise<Driver> {
  driver ??= import('pg').then(
    (module) => (module as { default?: Driver }).default ?? (module as unknown as Driver),
    (error: unknown) => {
      driver = undefined
      throw new TradeLogUsageError(
        'The PostgreSQL backend needs the pg package, which is not installed: npm install pg (or pnpm add pg).',
        { cause: error },
      )
    },
  )
  return driver
}

/** A pool whose connections answer `bigint` columns as strings (pg's default) and log nothing. */
export function createPool(driver: Driver, target: PostgresTarget, max: number): pg.Pool {
  const pool = new driver.Pool({
    connectionString: target.connectionString,
    max,
    application_name: 'tradekit-trade-log',
    connectionTimeoutMillis: 30_000,
  })
  // An idle connection the server ends (a restart) must not crash the process: the next query reconnects.
  pool.on('error', () => undefined)
  return pool
}

/** Errors that mean the connection, not the statement, failed: the statement may be retried. */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') {
    // Class 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now).
    if (/^08/.test(code) || /^57P0[123]$/.test(code)) return true
    if (/^E(CONNRESET|CONNREFUSED|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|AI_AGAIN)$/.test(code)) return true
  }
  const message = error instanceof Error ? error.message : ''
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(message)
}

/** Wraps a driver error with what failed and where (never the password). */
export function databaseError(what: string, target: PostgresTarget, error: unknown): TradeLogDatabaseError {
  if (error instanceof TradeLogDatabaseError) return error
  const sqlState = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : undefined
  const detail = error instanceof Error ? error.message : String(error)
  const hint = isConnectionError(error)
    ? ' Check that PostgreSQL is running and reachable, and the URL (host, port, database).'
    : sqlState === '28P01' || sqlState === '28000'
      ? ' Check the user and password in the URL.'
      : sqlState === '42501'
        ? ' Grant this user the rights on the schema, or run the migrations as its owner.'
        : ''
  return new TradeLogDatabaseError(`${what} failed on ${target.description}: ${detail}.${hint}`, {
    target: target.description,
    sqlState: sqlState && /^[0-9A-Z]{5}$/.test(sqlState) ? sqlState : undefined,
    cause: error,
  })
}

/** Quotes an identifier already checked against `IDENTIFIER`. */
export const quoted = (identifier: string) => `"${identifier}"`
