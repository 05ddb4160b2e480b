/**
 * Connecting the invoice store to PostgreSQL: the URL is described without its password (all that errors ever show),
 * `pg` is loaded on first use (an optional peer dependency), and driver errors become `StoreError`.
 */
import type pg from 'pg'
import { StoreError } from '../errors.js'

export interface PostgresTarget {
  connectionString: string
  /** `postgres://user@host:port/database`: never the password. */
  description: string
  schema: string
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,40}$/

export function parseTarget(url: string, schema = 'tradekit'): PostgresTarget {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new TypeError('The invoice store URL is not a URL; expected postgres://user:password@host:5432/database.')
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) {
    throw new TypeError(`The invoice store needs a postgres:// URL, got a ${parsed.protocol} URL.`)
  }
  if (!IDENTIFIER.test(schema))
    throw new TypeError(`Schema name ${JSON.stringify(schema)} must be lower-case letters, digits and "_".`)
  const described = new URL(parsed.href)
  described.password = ''
  for (const name of [...described.searchParams.keys()])
    if (/pass|secret|key|token/i.test(name)) described.searchParams.delete(name)
  return { connectionString: parsed.href, description: described.href, schema }
}

type Driver = typeof pg
let driver: Promise<Driver> | undefined

/** Loads `pg` once; without it, says what to install. */
export function loadDriver(): Promise<Driver> {
  driver ??= import('pg').then(
    (module) => (module as { default?: Driver }).default ?? (module as unknown as Driver),
    (error: unknown) => {
      driver = undefined
      throw new StoreError('The PostgreSQL invoice store needs the pg package, which is not installed: npm install pg.', {
        cause: error,
      })
    },
  )
  return driver
}

export function createPool(driver: Driver, target: PostgresTarget, max: number): pg.Pool {
  const pool = new driver.Pool({
    connectionString: target.connectionString,
    max,
    application_name: 'tradekit-payments',
    connectionTimeoutMillis: 30_000,
  })
  // An idle connection the server ends (a restart) must not crash the process: the next query reconnects.
  pool.on('error', () => undefined)
  return pool
}

/** The connection failed, not the statement. */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code
  if (
    typeof code === 'string' &&
    (/^08/.test(code) || /^57P0[123]$/.test(code) || /^E(CONNRESET|CONNREFUSED|PIPE|TIMEDOUT)$/.test(code))
  ) {
    return true
  }
  return /Connection terminated|connection timeout|not queryable/i.test(error instanceof Error ? error.message : '')
}

export function storeError(what: string, target: PostgresTarget, error: unknown): StoreError {
  if (error instanceof StoreError) return error
  const detail = error instanceof Error ? error.message : String(error)
  const hint = isConnectionError(error) ? ' Check that PostgreSQL is running and reachable, and the URL.' : ''
  return new StoreError(`${what} failed on ${target.description}: ${detail}.${hint}`, { cause: error })
}
