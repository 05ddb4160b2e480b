/**
 * The bot side on PostgreSQL, behind the file writer's `TradeLogWriter` interface: validate, then insert. A durable
 * kind's `append` resolves once its transaction committed; a buffered kind's rows go out in one statement per batch
 * (on a timer, when the buffer is full, and on `flush`/`close`). Every insert is idempotent on the entry's key.
 */
import { TradeLogIoError, TradeLogValidationError } from '../errors.js'
import { type Durability, type EntryInputOf, type EntryKind, kindRegistry, prepareEntry, requireKind } from '../kinds.js'
import { longerThan, MAX_LINE_BYTES } from '../lines.js'
import { assertTimeZone } from '../time.js'
import type { TradeLogWriter } from '../writer.js'
import { type EntryRow, openLogDatabase, type PostgresConnectionOptions } from './database.js'
import { entryKey } from './entry-key.js'

/** Options for `createPostgresTradeLogWriter`. */
export interface PostgresTradeLogWriterOptions<Custom extends readonly EntryKind[] = readonly []>
  extends PostgresConnectionOptions {
  /** IANA time zone that offsets `ts`. Default `'UTC'`. */
  timeZone?: string
  /** Your own entry kinds from `defineEntryKind`. Default none. */
  kinds?: Custom
  /** Durability per kind name. Default: `durable` for trades and equity, `buffered` for decisions, errors and custom kinds. */
  durability?: Partial<Record<string, Durability>>
  /** Bytes a buffered kind may hold before it is sent. Default 65536. */
  maxBufferBytes?: number
  /** How often buffered kinds are sent, in ms. Default 1000. */
  flushIntervalMs?: number
  /** Clock used for missing timestamps. Default `Date.now`. */
  now?: () => number
}

/**
 * Creates a writer into a PostgreSQL log. Nothing connects until the first append; the tables are created or
 * upgraded then (see the README's "PostgreSQL" section).
 */
export function createPostgresTradeLogWriter<const Custom extends readonly EntryKind[] = readonly []>(
  options: PostgresTradeLogWriterOptions<Custom>,
): TradeLogWriter<Custom> {
  const database = openLogDatabase({ maxConnections: 2, ...options })
  const timeZone = options.timeZone ?? 'UTC'
  assertTimeZone(timeZone)
  const registry = kindRegistry(options.kinds ?? [])
  const now = options.now ?? Date.now
  const maxBufferBytes = options.maxBufferBytes ?? 65_536
  let buffer: EntryRow[] = []
  let bufferBytes = 0
  let sending: Promise<void> = Promise.resolve()
  let pendingError: unknown
  let closed = false
  const kindsWritten = new Set<string>()

  /** Sends the buffer; batches go out one after another, in the order they were buffered. */
  const sendBuffer = (): Promise<void> => {
    if (buffer.length === 0) return sending
    const rows = buffer
    buffer = []
    bufferBytes = 0
    // Each batch waits for the one before (order kept); one that failed was reported through `pendingError`.
    sending = sending
      .catch(() => undefined)
      .then(() => database.insert(rows))
      .then(() => undefined)
    return sending
  }

  const timer = setInterval(() => {
    sendBuffer().catch((error: unknown) => {
      pendingError ??= error
    })
  }, options.flushIntervalMs ?? 1000)
  timer.unref()

  const takePendingError = () => {
    if (pendingError === undefined) return
    const error = pendingError
    pendingError = undefined
    // A later flush must not fail again on the batch already reported.
    sending = Promise.resolve()
    throw error
  }

  return {
    dir: `${database.target.description}#${database.target.schema}/${database.target.log}`,
    append: (async (name: string, input: unknown) => {
      if (closed) {
        throw new TradeLogIoError(`This writer for ${database.target.description} is closed; create a new one.`, {
          path: database.target.description,
        })
      }
      takePendingError()
      const kind = requireKind(registry, name)
      const entry = prepareEntry(kind, input, now(), timeZone)
      const json = JSON.stringify(entry)
      // The same limit as the file backend, so a log can move between backends and readers never skip an entry.
      if (longerThan(json, MAX_LINE_BYTES)) {
        const message = `is ${Buffer.byteLength(json)} bytes as JSON, longer than ${MAX_LINE_BYTES} bytes (MAX_LINE_BYTES); store large data elsewhere and log a reference`
        throw new TradeLogValidationError(kind.name, [{ path: '', message }], undefined)
      }
      const row: EntryRow = {
        kind: kind.name,
        key: entryKey(kind.name, entry),
        tsMs: entry.tsMs,
        market: typeof entry['market'] === 'string' ? entry['market'] : null,
        side: typeof entry['side'] === 'string' ? entry['side'] : null,
        json,
      }
      kindsWritten.add(kind.name)
      const durability = options.durability?.[kind.name] ?? kind.durability
      if (durability === 'durable') {
        await database.insert([row])
      } else {
        buffer.push(row)
        bufferBytes += json.length
        if (bufferBytes >= maxBufferBytes) void sendBuffer().catch((error: unknown) => (pendingError ??= error))
      }
      return entry
    }) as TradeLogWriter<Custom>['append'],
    async flush() {
      takePendingError()
      await sendBuffer()
    },
    async close() {
      if (closed) return
      closed = true
      clearInterval(timer)
      try {
        takePendingError()
        await sendBuffer()
      } finally {
        await database.close()
      }
    },
    currentFiles() {
      const files: Record<string, string> = {}
      for (const name of kindsWritten)
        files[name] = `${database.target.description}#${database.target.schema}/${database.target.log}/${name}`
      return files
    },
  }
}

export type { EntryInputOf }
