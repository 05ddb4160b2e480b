/**
 * Live follow of a PostgreSQL log. Entries are delivered in the order they became durable, each once, whichever
 * writer or machine inserted them, a late fill with an old time included:
 * - every row records the id of the transaction that inserted it (`xid`) and a sequence number (`seq`);
 * - the follower reads rows after its watermark (xid, seq) whose transaction is older than every transaction still
 *   running (`pg_snapshot_xmin(pg_current_snapshot())`), so no row can later appear behind the watermark: a
 *   transaction that started earlier but commits later is read once it has committed;
 * - a trigger sends NOTIFY at each commit, which wakes the follower at once; a poll every `pollIntervalMs` covers a
 *   notification lost with a connection or a transaction held back by another one;
 * - a lost connection is reopened (backoff up to 5 s) and reading resumes from the watermark, so nothing appended
 *   meanwhile is missed. A cursor from `from` resumes after the entry it names, in a new process too.
 * A transaction left open elsewhere on the server holds deliveries back until it ends (said in the README).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { EventEmitter } from 'eventemitter3'
import type pg from 'pg'
import { TradeLogDatabaseError, TradeLogUsageError } from '../errors.js'
import type { FollowedRecord, Follower, FollowerEvents } from '../follow.js'
import { iterateFollower } from '../follow-iterator.js'
import { checkStoredEntry, type EntryKind } from '../kinds.js'
import type { Diagnostic } from '../lines.js'
import { databaseError, quoted } from './connection.js'
import { decodePostgresCursor, encodePostgresCursor } from './cursor.js'
import type { LogDatabase } from './database.js'
import { notifyChannel } from './migrations.js'

interface FollowerOptions {
  database: LogDatabase
  kind: EntryKind
  from: 'now' | string
  pollIntervalMs: number
  partition: (kind: string, tsMs: number) => string
  onDiagnostic?: ((diagnostic: Diagnostic) => void) | undefined
}

interface Watermark {
  xid: string
  seq: string
}

const BATCH = 500
const MAX_SEQ = '9223372036854775807'

interface Row {
  entry: Record<string, unknown>
  key: string
  seq: string
  xid: string
}

class PostgresFollower<T> extends EventEmitter<FollowerEvents<T>> implements Follower<T> {
  readonly ready: Promise<void>
  private watermark: Watermark = { xid: '0', seq: '0' }
  /** Entries committed before `from: 'now'` that the watermark alone would deliver. */
  private readonly seen = new Set<string>()
  private client: pg.Client | undefined
  private listening = false
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private again = false
  private closed = false
  private readonly stop = new AbortController()
  private readonly endListeners = new Set<() => void>()
  private readonly topic: string

  constructor(private readonly options: FollowerOptions) {
    super()
    this.topic = `${options.database.target.log}/${options.kind.name}`
    this.ready = this.start()
    this.ready.catch(() => {})
  }

  get watching(): boolean {
    return this.listening
  }

  private get where() {
    const { database, kind } = this.options
    return { table: database.entries, log: database.target.log, kind: kind.name }
  }

  /**
   * Establishes the starting position and starts listening. A database that cannot be reached yet does not fail the
   * follower (as the file follower waits for its directory): `ready` resolves, the error is emitted, and the start is
   * retried (backoff up to 5 s); `'now'` is then the moment the database was reached.
   */
  private async start(): Promise<void> {
    try {
      await this.establish()
    } catch (error) {
      if (!(error instanceof TradeLogDatabaseError)) throw error
      this.emit('error', error)
      this.establishLater()
      return
    }
    await this.begin()
  }

  private establishLater(): void {
    void (async () => {
      for (let delay = 200; !this.closed; delay = Math.min(delay * 2, 5_000)) {
        try {
          await sleep(delay, undefined, { signal: this.stop.signal })
        } catch {
          return
        }
        try {
          await this.establish()
        } catch (error) {
          if (this.closed) return
          this.emit('error', error)
          if (error instanceof TradeLogDatabaseError) continue
          return
        }
        if (!this.closed) await this.begin()
        return
      }
    })()
  }

  /** The watermark: now, or the entry a cursor names. */
  private async establish(): Promise<void> {
    const { table, log, kind } = this.where
    await this.options.database.ready()
    if (this.options.from === 'now') {
      // One statement, one snapshot: the horizon and the entries already committed beyond it agree.
      const result = await this.options.database.query<{ horizon: string; seen: string[] }>(
        'Starting to follow',
        `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon,
           coalesce((SELECT array_agg(key) FROM ${table} WHERE log = $1 AND kind = $2
             AND xid >= pg_snapshot_xmin(pg_current_snapshot())), '{}') AS seen`,
        [log, kind],
      )
      const { horizon, seen } = result.rows[0]!
      this.watermark = { xid: (BigInt(horizon) - 1n).toString(), seq: MAX_SEQ }
      for (const key of seen) this.seen.add(key)
    } else {
      const position = decodePostgresCursor(this.options.from)
      const result = await this.options.database.query<Watermark>(
        'Resuming from a cursor',
        `SELECT xid::text AS xid, seq::text AS seq FROM ${table} WHERE log = $1 AND kind = $2 AND key = $3`,
        [log, kind, position.key],
      )
      const found = result.rows[0]
      if (!found) {
        throw new TradeLogUsageError(
          `The cursor names a ${kind} entry that is not in the log ${this.options.database.target.log} of ${this.options.database.target.description}; pass a cursor this log returned.`,
        )
      }
      this.watermark = found
    }
  }

  private async begin(): Promise<void> {
    await this.listen().catch((error: unknown) => {
      this.emit('error', error)
      this.reconnectLater()
    })
    this.timer = setInterval(() => this.schedule(), this.options.pollIntervalMs)
    this.timer.unref?.()
    // Catch up at once: a resumed follower delivers what was appended since its cursor.
    this.schedule()
  }

  private async listen(): Promise<void> {
    const { target } = this.options.database
    const client = new this.options.database.driver.Client({
      connectionString: target.connectionString,
      application_name: 'tradekit-trade-log-follow',
    })
    const lost = (error?: unknown) => {
      if (this.client !== client) return
      this.client = undefined
      this.listening = false
      client.end().catch(() => undefined)
      if (this.closed) return
      this.emit('error', databaseError('Listening for new entries', target, error ?? new Error('Connection terminated')))
      this.reconnectLater()
    }
    client.on('error', lost)
    client.on('end', () => lost())
    client.on('notification', (message) => {
      if (message.payload === this.topic) this.schedule()
    })
    this.client = client
    try {
      await client.connect()
      await client.query(`LISTEN ${quoted(notifyChannel(target.schema))}`)
    } catch (error) {
      this.client = undefined
      client.end().catch(() => undefined)
      throw databaseError('Listening for new entries', target, error)
    }
    this.listening = true
    // Whatever was committed while no one listened.
    this.schedule()
  }

  private reconnecting = false
  private reconnectLater(): void {
    if (this.reconnecting || this.closed) return
    this.reconnecting = true
    void (async () => {
      let delay = 100
      while (!this.closed) {
        try {
          await sleep(delay, undefined, { signal: this.stop.signal })
        } catch {
          break
        }
        try {
          await this.listen()
          break
        } catch {
          delay = Math.min(delay * 2, 5_000)
        }
      }
      this.reconnecting = false
    })()
  }

  private schedule(): void {
    if (this.closed) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = this.fetch()
      .catch((error: unknown) => {
        if (!this.closed) this.emit('error', error)
      })
      .finally(() => {
        this.running = undefined
        if (this.again) {
          this.again = false
          this.schedule()
        }
      })
  }

  private async fetch(): Promise<void> {
    const { table, log, kind } = this.where
    for (;;) {
      const result = await this.options.database.query<Row>(
        'Following entries',
        `SELECT entry, key, seq::text AS seq, xid::text AS xid FROM ${table}
         WHERE log = $1 AND kind = $2 AND (xid, seq) > ($3::xid8, $4::bigint)
           AND xid < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY xid, seq LIMIT ${BATCH}`,
        [log, kind, this.watermark.xid, this.watermark.seq],
      )
      for (const row of result.rows) {
        if (this.closed) return
        this.watermark = { xid: row.xid, seq: row.seq }
        if (this.seen.delete(row.key)) continue
        const checked = checkStoredEntry(this.options.kind, row.entry)
        if (!checked.ok) {
          const diagnostic: Diagnostic = {
            file: `${this.options.database.target.description}#${this.options.database.target.schema}.trade_log_entries`,
            line: Number(row.seq),
            reason: `entry ${row.key} does not match the ${kind} schema`,
            code: 'schema',
          }
          this.options.onDiagnostic?.(diagnostic)
          this.emit('diagnostic', diagnostic)
          continue
        }
        const entry = checked.entry
        this.emit('entry', {
          entry: entry as T,
          file: this.options.partition(kind, entry.tsMs),
          line: Number(row.seq),
          cursor: encodePostgresCursor({ tsMs: entry.tsMs, key: row.key }),
        })
      }
      if (result.rows.length < BATCH) break
    }
    this.emit('polled')
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.stop.abort()
    await this.ready.catch(() => {})
    clearInterval(this.timer)
    await this.running
    const client = this.client
    this.client = undefined
    this.listening = false
    await client?.end().catch(() => undefined)
    for (const end of this.endListeners) end()
  }

  [Symbol.asyncIterator](): AsyncIterator<FollowedRecord<T>> {
    return iterateFollower(this, { isClosed: () => this.closed, listeners: this.endListeners })
  }
}

/** Creates a follower; use `reader.follow()`. */
export function createPostgresFollower<T>(options: FollowerOptions): Follower<T> {
  return new PostgresFollower<T>(options)
}
