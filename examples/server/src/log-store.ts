import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import {
  createTradeLogReader,
  type DecisionEntry,
  type Diagnostic,
  type EquityEntry,
  type ErrorEntry,
  type Follower,
  resolveLogDir,
  type TradeEntry,
  type TradeLogReader,
} from '@tradekit/trade-log'
import { createPostgresTradeLogReader, isPostgresUrl, type PostgresTradeLogReader } from '@tradekit/trade-log/postgres'
import { LRUCache } from 'lru-cache'
import type { Logger } from 'pino'
import type { CandlesResponse, DecisionQualityResponse, EquityResponse, HealthCheck, Page, PricesResponse } from './api-types.js'
import type { CandleInterval } from './candle-buckets.js'
import type { CursorCodec } from './cursor-codec.js'
import { ServerError, UnavailableError } from './errors.js'
import { diagnoseLogDir } from './log-doctor.js'
import type { Metrics } from './metrics.js'
import type { EquityQuery, ListQuery, StatsQuery } from './query.js'
import { rangeOf } from './series.js'
import { createStatsCache, type StatsCache } from './stats-cache.js'

export type ListedKind = 'trades' | 'decisions' | 'errors'
export type FollowedKind = ListedKind | 'equity'
type EntryByKind = { trades: TradeEntry; decisions: DecisionEntry; errors: ErrorEntry; equity: EquityEntry }

export interface LogStoreOptions {
  /** A log directory, or a `postgres://` URL (`#name` picks the log in the database) for the PostgreSQL backend. */
  logDir: string | undefined
  timeZone: string
  cursors: CursorCodec
  metrics: Metrics
  logger: Logger
  /** Where the all-time performance checkpoint is kept; `false` keeps it in memory. Default: inside the log directory. */
  performanceCacheFile?: string | false | undefined
  /** Bytes of serialized pages kept for repeated list queries. Default: 32 MiB. */
  pageCacheBytes?: number | undefined
  /** Quote-currency cash before the first fill. Default: derived from the bot's equity log. */
  startingBalance?: string | undefined
}

/** The server's view of the trade log: pages, statistics (cached), live follow and the directory's health. */
export interface LogStore {
  /** Absolute directory read. */
  readonly dir: string
  /** One page, parsed and not cached (the merged view of several bots reads it). */
  list(kind: ListedKind, query: ListQuery): Promise<Page<EntryByKind[ListedKind]>>
  /** The page as UTF-8 JSON bytes, encoded once per cached page (a page is ~40 kB; encoding it per request showed up in profiles). */
  listJson(kind: ListedKind, query: ListQuery): Promise<Buffer>
  portfolio(): Promise<unknown>
  performance(query: StatsQuery): Promise<unknown>
  /** How good the decisions in the range were, judged `horizon` ms after each (trade-log's `decisionQuality`). */
  decisionQuality(query: StatsQuery & { horizon: number }): Promise<DecisionQualityResponse>
  equity(query: EquityQuery): Promise<EquityResponse>
  daily(query: StatsQuery): Promise<unknown>
  prices(query: { market?: string | undefined; points: number }): Promise<PricesResponse>
  candles(query: { market?: string | undefined; interval: CandleInterval | 'auto'; limit: number }): Promise<CandlesResponse>
  doctor(): Promise<HealthCheck>
  /** Computes the all-time statistics in the background so the first dashboard load does not wait for them. */
  warm(): void
  /** The bot's newest cycle: the time in its newest decision or equity entry, and when that file was last written. */
  lastCycle(): Promise<{ entryMs: number; writtenMs: number } | undefined>
  /** Calls `listener` for every entry appended from now on (all kinds), until `close()`; resolves once watching. */
  follow(listener: (kind: FollowedKind, entry: unknown) => void): Promise<void>
  close(): Promise<void>
}

const FOLLOWED: FollowedKind[] = ['trades', 'decisions', 'errors', 'equity']

/** A small, fixed set of metric labels for skipped-line reasons (free text would explode label cardinality). */
export function classifyDiagnostic(reason: string): string {
  if (/json/i.test(reason)) return 'invalid_json'
  if (/long|bytes/i.test(reason)) return 'too_long'
  if (/nul|binary/i.test(reason)) return 'nul_bytes'
  return 'invalid_entry'
}

export function createLogStore(options: LogStoreOptions): LogStore {
  const { cursors, metrics, logger } = options
  // A postgres:// URL instead of a directory: the same reader API over the database (one log of it).
  const database: PostgresTradeLogReader | undefined = isPostgresUrl(options.logDir)
    ? createPostgresTradeLogReader({ url: options.logDir, onDiagnostic: (diagnostic) => countDiagnostic(diagnostic) })
    : undefined
  const resolved = database
    ? { dir: database.target, reason: 'a postgres:// URL' }
    : resolveLogDir(options.logDir, { log: (message) => logger.info(message) })
  const { dir } = resolved
  const countDiagnostic = (diagnostic: Diagnostic) => {
    const kind = /([a-z][a-z0-9-]*)_\d{8}[^/\\]*$/.exec(diagnostic.file)?.[1] ?? 'unknown'
    metrics.logDiagnostics.inc({ kind, reason: classifyDiagnostic(diagnostic.reason) })
  }
  // Every skipped line, from pages, snapshots and followers alike, lands in the metrics.
  const readerOptions = { dir, onDiagnostic: countDiagnostic }
  const reader: TradeLogReader = database ?? createTradeLogReader(readerOptions)
  const followers: Follower<unknown>[] = []
  const stats: StatsCache = createStatsCache({
    reader,
    timeZone: options.timeZone,
    // A checkpoint that cannot be used or written costs a slow first request: say why in the server log.
    onWarning: (message) => logger.warn(message),
    startingBalance: options.startingBalance,
    // A first start on a log no checkpoint covers reads part of it in a worker thread while folding (issue 23).
    ...(database ? {} : { workerRead: { onDiagnostic: readerOptions.onDiagnostic, startEarly: true } }),
    ...(options.performanceCacheFile === undefined ? {} : { performanceCacheFile: options.performanceCacheFile }),
  })

  // One gate for every data answer: while the directory cannot be read, every route says so (503) instead of some
  // answering from memory and others failing. The check is shared for a moment so a busy server stats it rarely.
  const CHECK_DIR_EVERY_MS = 500
  let dirCheck: { at: number; result: Promise<void> } | undefined
  let unavailableSince: number | undefined

  function unavailableError(cause?: unknown): UnavailableError {
    unavailableSince ??= Date.now()
    return new UnavailableError(
      'The trade-log directory cannot be read, and answers from memory would be stale: see GET /health (with a token) for the path and the fix.',
      { cause, details: { stale: true, unavailableSince: new Date(unavailableSince).toISOString() } },
    )
  }

  async function checkDir(): Promise<void> {
    try {
      if (database) {
        await database.check()
        unavailableSince = undefined
        return
      }
      if (!(await stat(dir)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' })
      await access(dir, constants.R_OK | constants.X_OK)
      unavailableSince = undefined
    } catch (error) {
      throw unavailableError(error)
    }
  }

  async function lastWrite(): Promise<string | null> {
    const at = await database?.lastWrittenMs(['trades', 'decisions', 'errors', 'equity'])
    return at === undefined ? null : new Date(at).toISOString()
  }

  function available(): Promise<void> {
    const now = Date.now()
    if (!dirCheck || now - dirCheck.at >= CHECK_DIR_EVERY_MS) {
      dirCheck = { at: now, result: checkDir() }
      dirCheck.result.catch(() => undefined)
    }
    return dirCheck.result
  }

  /** Reading failed because of the directory, not the request: answer 503 and check the directory again next time. */
  function unavailable(error: unknown): never {
    if (error instanceof ServerError) throw error
    const code = (error as { code?: unknown }).code
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR' || code === 'EPERM') {
      dirCheck = undefined
      throw unavailableError(error)
    }
    throw error
  }

  /** Runs `read` behind the directory gate, mapping a read that fails on the directory to the same 503. */
  async function guarded<T>(read: () => Promise<T>): Promise<T> {
    await available()
    try {
      return await read()
    } catch (error) {
      return unavailable(error)
    }
  }

  // Serialized pages, bounded by bytes (a flood of distinct large queries must not grow the heap), dropped per kind
  // whenever the follower sees an append of that kind, and after a short TTL in case a change slips past it: the
  // dashboard's and most clients' "newest 100" is then a map lookup with no encoding.
  const PAGE_TTL_MS = 2_000
  const pages = new LRUCache<string, Buffer>({
    maxSize: options.pageCacheBytes ?? 32 * 1024 * 1024,
    sizeCalculation: (value, key) => value.length + key.length,
    ttl: PAGE_TTL_MS,
    ttlAutopurge: true,
    dispose: () => reportCacheSize(),
  })
  const reading = new Map<string, Promise<Buffer>>()
  const generation: Record<ListedKind, number> = { trades: 0, decisions: 0, errors: 0 }
  const reportCacheSize = () => metrics.pageCacheBytes.set(pages.calculatedSize)

  function dropPages(kind: string) {
    if (!(kind in generation)) return
    generation[kind as ListedKind] += 1
    for (const key of [...pages.keys()]) if (key.startsWith(`${kind}|`)) pages.delete(key)
    for (const key of [...reading.keys()]) if (key.startsWith(`${kind}|`)) reading.delete(key)
  }

  function pageBytes(kind: ListedKind, query: ListQuery): Promise<Buffer> {
    const key = `${kind}|${JSON.stringify([query.limit, query.order, query.from, query.to, query.market, query.side, query.cursor])}`
    const hit = pages.get(key)
    if (hit) return Promise.resolve(hit)
    const pending = reading.get(key)
    if (pending) return pending
    const seen = generation[kind]
    const read = readPage(kind, query).then((page) => Buffer.from(JSON.stringify(page)))
    reading.set(key, read)
    read.then(
      (bytes) => {
        if (reading.get(key) === read) reading.delete(key)
        // A page read before an append of its kind may miss the new entry: serve it once, never cache it.
        if (seen === generation[kind]) pages.set(key, bytes)
        reportCacheSize()
      },
      () => {
        if (reading.get(key) === read) reading.delete(key)
      },
    )
    return read
  }

  function listJson(kind: ListedKind, query: ListQuery): Promise<Buffer> {
    metrics.logReads.inc({ kind })
    return guarded(() => pageBytes(kind, query))
  }

  async function readPage<K extends ListedKind>(kind: K, query: ListQuery): Promise<Page<EntryByKind[K]>> {
    const page = await reader.readEntries({
      kind,
      limit: query.limit,
      order: query.order,
      ...(query.from === undefined ? {} : { from: query.from }),
      ...(query.to === undefined ? {} : { to: query.to }),
      ...(query.market === undefined ? {} : { market: query.market }),
      ...(query.side === undefined ? {} : { side: query.side }),
      ...(query.cursor === undefined ? {} : { cursor: cursors.decode(query.cursor) }),
    })
    return {
      items: page.entries as EntryByKind[K][],
      nextCursor: page.nextCursor === null ? null : cursors.encode(page.nextCursor),
      skippedLines: page.diagnostics.length,
    }
  }

  async function newest<K extends FollowedKind>(kind: K): Promise<EntryByKind[K] | undefined> {
    const page = await reader.readEntries({ kind, limit: 1 })
    return page.entries[0] as EntryByKind[K] | undefined
  }

  return {
    dir,
    listJson,
    list: (kind, query) => guarded(() => readPage(kind, query)),
    portfolio: () => guarded(() => stats.portfolio()),
    performance: (query) => guarded(() => stats.performance(rangeOf(query))),
    decisionQuality: (query) => guarded(() => stats.decisionQuality(rangeOf(query), query.horizon)),
    daily: (query) => guarded(() => stats.daily(rangeOf(query))),
    equity: (query) => guarded(() => stats.equity(rangeOf(query), query.points)),
    prices: (query) => guarded(() => stats.prices(query.market, query.points)),
    candles: (query) => guarded(() => stats.candles(query.market, query.interval, query.limit)),
    warm() {
      void Promise.all([stats.performance(rangeOf({ period: 'all' })), stats.portfolio()]).catch(() => undefined)
    },
    doctor: () =>
      database
        ? database.check().then(
            async () => ({
              status: 'ok',
              summary: `PostgreSQL log ${dir} reachable`,
              dir,
              source: resolved.reason,
              lastWriteAt: await lastWrite(),
            }),
            (error: unknown) => ({ status: 'down', summary: (error as Error).message, dir, source: resolved.reason }),
          )
        : diagnoseLogDir(dir, { timeZone: options.timeZone, source: resolved.reason }),
    async lastCycle() {
      try {
        if (database) {
          const [writtenMs, decision, equity] = await Promise.all([
            database.lastWrittenMs(['decisions', 'equity']),
            newest('decisions'),
            newest('equity'),
          ])
          const entries = [decision?.tsMs, equity?.tsMs].filter((value): value is number => value !== undefined)
          return entries.length === 0 || writtenMs === undefined ? undefined : { entryMs: Math.max(...entries), writtenMs }
        }
        const newestFiles = await Promise.all(
          (['decisions', 'equity'] as const).map(async (kind) => (await reader.files(kind)).at(-1)),
        )
        const written = await Promise.all(
          newestFiles.map((file) => (file ? stat(file.path).then((info) => info.mtimeMs) : undefined)),
        )
        const [decision, equity] = await Promise.all([newest('decisions'), newest('equity')])
        const entries = [decision?.tsMs, equity?.tsMs].filter((value): value is number => value !== undefined)
        const writes = written.filter((value): value is number => value !== undefined)
        if (entries.length === 0 || writes.length === 0) return undefined
        return { entryMs: Math.max(...entries), writtenMs: Math.max(...writes) }
      } catch {
        return undefined
      }
    },
    async follow(listener) {
      for (const kind of FOLLOWED) {
        const follower = reader.follow({ kind, from: 'now' })
        follower.on('entry', (record) => {
          dropPages(kind)
          stats.invalidate(kind)
          listener(kind, record.entry)
        })
        follower.on('error', (error) =>
          logger.debug({ kind, err: (error as Error).message }, 'trade-log follow error (still polling)'),
        )
        followers.push(follower as Follower<unknown>)
      }
      // A missing directory is not fatal: the followers keep polling until it appears.
      await Promise.all(followers.map((follower) => follower.ready.catch(() => undefined)))
    },
    async close() {
      await Promise.all(followers.splice(0).map((follower) => follower.close()))
      await database?.close()
    },
  }
}
