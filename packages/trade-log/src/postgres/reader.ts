/**
 * The server side on PostgreSQL, behind the file reader's `TradeLogReader` interface: newest-first pages with the
 * same cursors, ranges, a constant-memory stream, and `follow` (LISTEN/NOTIFY, with catch-up). Order is by time:
 * (tsMs, key), where tsMs is the writer's clock and the key breaks ties the same way on every machine, whichever
 * writer inserted first. Every entry is validated against its kind as it is read, as from a file.
 */
import { TradeLogStrictReadError, TradeLogUsageError } from '../errors.js'
import type { LogFile } from '../files.js'
import { checkStoredEntry, type EntryKind, kindRegistry, requireKind } from '../kinds.js'
import type { Diagnostic } from '../lines.js'
import type { PerformanceIndexStore } from '../performance-checkpoint.js'
import type { LogRecord, ReadEntriesOptions, ReadPage, StreamOptions, TradeLogReader } from '../reader.js'
import { type TimeBound, toEpochMs } from '../time.js'
import { decodePostgresCursor, encodePostgresCursor } from './cursor.js'
import { type LogDatabase, openLogDatabase, type PostgresConnectionOptions } from './database.js'
import { createPostgresFollower } from './follow.js'

export type { TimeBound }

/** Options for `createPostgresTradeLogReader`. */
export interface PostgresTradeLogReaderOptions<Custom extends readonly EntryKind[] = readonly []>
  extends PostgresConnectionOptions {
  /** Your own entry kinds from `defineEntryKind`. Default none. */
  kinds?: Custom
  /** Throw `TradeLogStrictReadError` at the first entry that fails its schema instead of skipping it. Default `false`. */
  strict?: boolean
  /** Called for every skipped entry, besides the diagnostics each page returns. Default none. */
  onDiagnostic?: (diagnostic: Diagnostic) => void
  /** How often a follower checks for entries when no notification came, in ms. Default 1000. */
  pollIntervalMs?: number
}

/** A day of one kind's entries, fingerprinted so the performance index can tell what changed: entry count and a checksum of their keys. */
interface DayPrint {
  size: number
  mtimeMs: number
}

/** A `TradeLogReader` over PostgreSQL, with what a server needs besides. */
export interface PostgresTradeLogReader<Custom extends readonly EntryKind[] = readonly []> extends TradeLogReader<Custom> {
  /** Where the index of `createPerformanceIndex` keeps its checkpoint (a table). */
  readonly performanceStore: PerformanceIndexStore
  /** The server, database, schema and log, without the password. */
  readonly target: string
  /** Checks the connection and the schema version; throws `TradeLogDatabaseError` or `TradeLogSchemaVersionError`. */
  check(): Promise<void>
  /** When the newest entry of any of `kinds` was committed (epoch ms), or undefined for none. */
  lastWrittenMs(kinds: readonly string[]): Promise<number | undefined>
  /** Text that changes whenever an entry of `kind` is added (cheap: one index lookup), for caches. */
  changeToken(kind: string): Promise<string>
  /** Closes the followers and the pool. */
  close(): Promise<void>
}

const DAY_MS = 86_400_000
const STREAM_BATCH = 1000

const dayKeyOf = (epochDay: number) => new Date(epochDay * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')

interface Row {
  entry: Record<string, unknown>
  key: string
  seq: string
}

export function createPostgresTradeLogReader<const Custom extends readonly EntryKind[] = readonly []>(
  options: PostgresTradeLogReaderOptions<Custom>,
): PostgresTradeLogReader<Custom> {
  const database: LogDatabase = openLogDatabase(options)
  const { target } = database
  const registry = kindRegistry(options.kinds ?? [])
  const where = `${target.description}#${target.schema}/${target.log}`
  const table = `${target.description}#${target.schema}.trade_log_entries`
  const followers = new Set<{ close(): Promise<void> }>()
  let lastPrints = new Map<string, DayPrint>()

  /** The virtual file an entry belongs to: its kind and UTC day (the performance index partitions by it). */
  const partition = (kind: string, tsMs: number) => `${where}/${kind}/${dayKeyOf(Math.floor(tsMs / DAY_MS))}`

  const prepare = (query: StreamOptions<string> & { limit?: number }, desc: boolean) => {
    const kind = requireKind(registry, query.kind)
    if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 1)) {
      throw new TradeLogUsageError(`limit must be a positive integer, got ${JSON.stringify(query.limit)}.`)
    }
    const clauses = ['log = $1', 'kind = $2']
    const params: unknown[] = [target.log, kind.name]
    const add = (clause: (n: string) => string, value: unknown) => {
      params.push(value)
      clauses.push(clause(`$${params.length}`))
    }
    if (query.from !== undefined) add((n) => `ts_ms >= ${n}`, Math.ceil(toEpochMs(query.from, 'from')))
    if (query.to !== undefined) add((n) => `ts_ms < ${n}`, Math.ceil(toEpochMs(query.to, 'to')))
    if (query.market !== undefined) add((n) => `market = ${n}`, query.market)
    if (query.side !== undefined) add((n) => `side = ${n}`, query.side)
    const strict = query.strict ?? options.strict ?? false
    const diagnostics: Diagnostic[] = []
    const check = (row: Row): (Record<string, unknown> & { tsMs: number }) | undefined => {
      const result = checkStoredEntry(kind, row.entry)
      if (result.ok) return result.entry
      const diagnostic: Diagnostic = {
        file: table,
        line: Number(row.seq),
        reason: `entry ${row.key} does not match the ${kind.name} schema: ${result.issues.map((i) => `${i.path || '(entry)'}: ${i.message}`).join('; ')}`,
        code: 'schema',
      }
      if (strict) throw new TradeLogStrictReadError(diagnostic)
      diagnostics.push(diagnostic)
      options.onDiagnostic?.(diagnostic)
      return undefined
    }
    /** Clauses plus "after this position" in the direction read. */
    const after = (position: { tsMs: number; key: string } | undefined) => {
      if (!position) return { text: clauses.join(' AND '), params }
      const n = params.length
      return {
        text: `${clauses.join(' AND ')} AND (ts_ms, key) ${desc ? '<' : '>'} ($${n + 1}, $${n + 2})`,
        params: [...params, position.tsMs, position.key],
      }
    }
    const cursor = query.cursor === undefined ? undefined : decodePostgresCursor(query.cursor)
    return { kind, check, after, cursor, diagnostics }
  }

  const toRecord = (kind: string, row: Row, entry: Record<string, unknown> & { tsMs: number }): LogRecord<never> => ({
    entry: entry as never,
    file: partition(kind, entry.tsMs),
    line: Number(row.seq),
    cursor: encodePostgresCursor({ tsMs: entry.tsMs, key: row.key }),
  })

  async function readEntries(query: ReadEntriesOptions<string>): Promise<ReadPage<never>> {
    const desc = (query.order ?? 'desc') === 'desc'
    const { kind, check, after, cursor, diagnostics } = prepare(query, desc)
    const limit = query.limit ?? 100
    const { text, params } = after(cursor)
    const direction = desc ? 'DESC' : 'ASC'
    const result = await database.query<Row>(
      `Reading ${kind.name}`,
      `SELECT entry, key, seq::text AS seq FROM ${database.entries} WHERE ${text}
       ORDER BY ts_ms ${direction}, key ${direction} LIMIT ${limit + 1}`,
      params,
    )
    const rows = result.rows
    const page = rows.slice(0, limit)
    const entries: unknown[] = []
    for (const row of page) {
      const entry = check(row)
      if (entry) entries.push(entry)
    }
    const last = page.at(-1)
    return {
      entries: entries as never[],
      nextCursor:
        rows.length > limit && last
          ? encodePostgresCursor({ tsMs: Number((last.entry as { tsMs: unknown }).tsMs), key: last.key })
          : null,
      diagnostics,
      assumed: [],
      filesRead: [table],
    }
  }

  async function* stream(query: StreamOptions<string>): AsyncGenerator<LogRecord<never>> {
    const { kind, check, after, cursor } = prepare(query, false)
    let position = cursor
    for (;;) {
      const { text, params } = after(position)
      const result = await database.query<Row>(
        `Reading ${kind.name}`,
        `SELECT entry, key, seq::text AS seq FROM ${database.entries} WHERE ${text}
         ORDER BY ts_ms, key LIMIT ${STREAM_BATCH}`,
        params,
      )
      for (const row of result.rows) {
        const entry = check(row)
        if (entry) yield toRecord(kind.name, row, entry)
      }
      const last = result.rows.at(-1)
      if (!last || result.rows.length < STREAM_BATCH) return
      position = { tsMs: Number((last.entry as { tsMs: unknown }).tsMs), key: last.key }
    }
  }

  async function files(kind?: string): Promise<LogFile[]> {
    if (kind !== undefined) requireKind(registry, kind)
    const result = await database.query<{ kind: string; day: number; entries: number; checksum: string }>(
      'Listing the days of the log',
      // Per kind and UTC day: how many entries, and a sum over their keys that changes when any entry does.
      `SELECT kind, (ts_ms / ${DAY_MS})::int AS day, count(*)::int AS entries,
         coalesce(sum(('x' || substr(key, 1, 8))::bit(32)::int::bigint), 0)::text AS checksum
       FROM ${database.entries} WHERE log = $1 ${kind === undefined ? '' : 'AND kind = $2'}
       GROUP BY kind, day ORDER BY day, kind`,
      kind === undefined ? [target.log] : [target.log, kind],
    )
    const prints = new Map<string, DayPrint>()
    const list = result.rows.map((row): LogFile => {
      const day = dayKeyOf(row.day)
      const name = `${row.kind}_${day}`
      prints.set(name, { size: row.entries, mtimeMs: Number(row.checksum) })
      return { path: `${where}/${row.kind}/${day}`, name, kind: row.kind, day, format: 'jsonl' }
    })
    lastPrints = kind === undefined ? prints : new Map([...lastPrints, ...prints])
    return list
  }

  const performanceStore: PerformanceIndexStore = {
    async fingerprints(listed) {
      const missing = listed.some((file) => !lastPrints.has(file.name))
      if (missing) await files()
      return new Map(listed.flatMap((file) => (lastPrints.has(file.name) ? [[file.name, lastPrints.get(file.name)!]] : [])))
    },
    async loadCheckpoint(name) {
      const result = await database.query<{ body: string }>(
        'Reading the performance checkpoint',
        `SELECT body FROM ${database.checkpoints} WHERE log = $1 AND name = $2`,
        [target.log, name],
      )
      return result.rows[0]?.body
    },
    async saveCheckpoint(name, body) {
      await database.query(
        'Saving the performance checkpoint',
        `INSERT INTO ${database.checkpoints} (log, name, body) VALUES ($1, $2, $3)
         ON CONFLICT (log, name) DO UPDATE SET body = excluded.body, saved_at = now()`,
        [target.log, name, body],
      )
    },
  }

  return {
    dir: where,
    target: where,
    performanceStore,
    readEntries: readEntries as TradeLogReader<Custom>['readEntries'],
    stream: stream as TradeLogReader<Custom>['stream'],
    follow: ((query: { kind: string; from?: 'now' | string; pollIntervalMs?: number }) => {
      const kind = requireKind(registry, query.kind)
      const follower = createPostgresFollower({
        database,
        kind,
        from: query.from ?? 'now',
        pollIntervalMs: query.pollIntervalMs ?? options.pollIntervalMs ?? 1000,
        partition,
        onDiagnostic: options.onDiagnostic,
      })
      followers.add(follower)
      void follower.ready.catch(() => undefined)
      const close = follower.close.bind(follower)
      follower.close = async () => {
        followers.delete(follower)
        await close()
      }
      return follower
    }) as TradeLogReader<Custom>['follow'],
    files: files as TradeLogReader<Custom>['files'],
    async check() {
      await database.query('Checking the connection', 'SELECT 1')
    },
    async lastWrittenMs(kinds) {
      let newest: number | undefined
      for (const kind of kinds) {
        const result = await database.query<{ at: string }>(
          'Reading the newest write',
          `SELECT (extract(epoch FROM written_at) * 1000)::float8::text AS at FROM ${database.entries}
           WHERE log = $1 AND kind = $2 ORDER BY xid DESC, seq DESC LIMIT 1`,
          [target.log, kind],
        )
        const at = result.rows[0] ? Number(result.rows[0].at) : undefined
        if (at !== undefined && (newest === undefined || at > newest)) newest = at
      }
      return newest
    },
    async changeToken(kind) {
      const result = await database.query<{ token: string }>(
        'Reading the newest write',
        `SELECT xid::text || '/' || seq::text AS token FROM ${database.entries}
         WHERE log = $1 AND kind = $2 ORDER BY xid DESC, seq DESC LIMIT 1`,
        [target.log, requireKind(registry, kind).name],
      )
      return result.rows[0]?.token ?? 'empty'
    },
    async close() {
      await Promise.all([...followers].map((follower) => follower.close()))
      await database.close()
    },
  }
}
