/**
 * The server side: range queries with cursor pagination over daily files, a constant-memory stream, and live
 * follow. Files are chosen by the day in their name, so the newest page touches only the newest days.
 */
import { resolve } from 'node:path'
import { comparePositions, decodeCursor } from './cursor.js'
import { createDuplicateFilter, type DuplicateFilter, duplicateDiagnostic } from './duplicates.js'
import { TradeLogStrictReadError, TradeLogUsageError } from './errors.js'
import {
  FileRecord,
  type OpenedLogFile,
  openSizedLogFile,
  type ReadFileOptions,
  type ReadHooks,
  readLogFile,
} from './file-source.js'
import { isLegacyFile, kindsOfFile, type LogFile, listSources } from './files.js'
import { createFollower, type Follower, type FollowOptions } from './follow.js'
import { type BuiltinKinds, type EntryKind, type EntryOf, kindRegistry, requireKind } from './kinds.js'
import { DEFAULT_MAX_LINE_BYTES, type Diagnostic, interpretValue } from './lines.js'
import { assertTimeZone, type TimeBound, toEpochMs } from './time.js'

export type { TimeBound }

/** Options for `createTradeLogReader`. */
export interface TradeLogReaderOptions<Custom extends readonly EntryKind[] = readonly []> {
  /** Directory to read; resolve it with `resolveLogDir()` so bot and server agree. Required. */
  dir: string
  /** Your own entry kinds from `defineEntryKind`. Default none. */
  kinds?: Custom
  /** Throw `TradeLogStrictReadError` at the first bad line instead of skipping it. Default `false`. */
  strict?: boolean
  /** Longer lines are skipped with a diagnostic, keeping memory bounded. Default `MAX_LINE_BYTES` (1 MiB), the writer's limit. */
  maxLineBytes?: number
  /** Called for every skipped line, in addition to the diagnostics each page returns. Default none. */
  onDiagnostic?: (diagnostic: Diagnostic) => void
  /**
   * IANA zone of the old bot's timestamps that have no offset (Python's `datetime.now().isoformat()` and logging's
   * `asctime` are local time), also used for the `ts` of its entries. New entries carry their own offset. Default `'UTC'`.
   */
  timeZone?: string
  /** Clock deciding which files are finished (a past day's: a torn last line is then reported). Default `Date.now`. */
  now?: () => number
}

/** What only this package's own tools (doctor, validate, convert) pass. */
export interface ReaderInternals {
  /** Leaves files out of every read (doctor reports the ones it cannot open, and reads the rest). */
  skipFile?: (file: LogFile) => boolean
  /** Reads exactly these files instead of listing the directory (validate of one named file). */
  files?: LogFile[]
  /** Reads with `readSync` (see `ReadFileOptions.blockingReads`): only in a thread that serves nothing else. */
  blockingReads?: boolean
  /** The duplicate filter a stream of `kind` uses, when its caller wants to keep asking it (a read split). */
  duplicateFilter?: (kind: string) => DuplicateFilter | undefined
}

type KindMap<Custom extends readonly EntryKind[]> = BuiltinKinds & { [K in Custom[number] as K['name']]: K }
type KindName<Custom extends readonly EntryKind[]> = keyof KindMap<Custom> & string

/** What to read. */
export interface ReadEntriesOptions<N extends string> {
  /** Entry kind, e.g. `trades`. */
  kind: N
  /** Entries at or after this time. Default: no lower bound. */
  from?: TimeBound
  /** Entries before this time (exclusive). Default: no upper bound. */
  to?: TimeBound
  /** Only entries whose `market` equals this. Default: all. */
  market?: string
  /** Only entries whose `side` equals this (trades). Default: both. */
  side?: 'buy' | 'sell'
  /** Page size. Default 100. */
  limit?: number
  /** Continue after the entry this cursor points at (from a previous page's `nextCursor`). Default: start. */
  cursor?: string
  /** `desc` is newest first. Default `desc`. */
  order?: 'asc' | 'desc'
  /** Override the reader's `strict`. */
  strict?: boolean
}

/** One page of entries. */
export interface ReadPage<T> {
  entries: T[]
  /** Pass as `cursor` to get the next page; `null` when there is none. */
  nextCursor: string | null
  /** Lines skipped in the files read for this page. */
  diagnostics: Diagnostic[]
  /** Assumptions made to read the old bot's entries (empty when none were read). */
  assumed: string[]
  /** The files opened for this page (absolute paths). */
  filesRead: string[]
}

/** One entry with where it came from. */
export interface LogRecord<T> {
  entry: T
  /** Absolute path of the file. */
  file: string
  /** 1-based line number (for the old bot's `.json` files: the record's number). */
  line: number
  /** Cursor pointing at this entry. */
  readonly cursor: string
}

/** What to stream: everything in `[from, to)`, oldest first. */
export type StreamOptions<N extends string> = Omit<ReadEntriesOptions<N>, 'limit' | 'order'>

/** Reads a log directory; get one from `createTradeLogReader`. */
export interface TradeLogReader<Custom extends readonly EntryKind[] = readonly []> {
  /** The absolute directory read. */
  readonly dir: string
  /** One page of entries, newest first unless `order: 'asc'`. */
  readEntries<N extends KindName<Custom>>(options: ReadEntriesOptions<N>): Promise<ReadPage<EntryOf<KindMap<Custom>[N]>>>
  /** Every matching entry, oldest first, in constant memory (two 64 KiB read buffers per open file). */
  stream<N extends KindName<Custom>>(options: StreamOptions<N>): AsyncIterable<LogRecord<EntryOf<KindMap<Custom>[N]>>>
  /** Entries as they are appended, across rotation, truncation and replacement. Close it when done. */
  follow<N extends KindName<Custom>>(options: FollowOptions<N>): Follower<EntryOf<KindMap<Custom>[N]>>
  /** The files read for a kind (or for any kind), oldest first: its own, and the old bot's files that hold its entries. */
  files(kind?: KindName<Custom>): Promise<LogFile[]>
}

// A file named for day D in any zone (UTC-12 to UTC+14) holds instants in [D 00:00Z - 14h, D+1 00:00Z + 12h).
const EARLIEST_OFFSET_MS = 14 * 3_600_000
const LATEST_OFFSET_MS = 12 * 3_600_000
const DAY_MS = 86_400_000

function dayWindow(day: string): { start: number; end: number } {
  const utc = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8)))
  return { start: utc - EARLIEST_OFFSET_MS, end: utc + DAY_MS + LATEST_OFFSET_MS }
}

type AnyRecord = FileRecord

function groupByDay(files: LogFile[]): LogFile[][] {
  const groups = new Map<string, LogFile[]>()
  for (const file of files) {
    const group = groups.get(file.day)
    if (group) group.push(file)
    else groups.set(file.day, [file])
  }
  return [...groups.values()]
}

/**
 * Files opened ahead of their reading (JSON Lines only: the other formats open their own). A failed open is
 * reported when its file is read, as without opening ahead; `close` closes what was opened and never read.
 */
function createOpenAhead() {
  const opened = new Map<string, Promise<OpenedLogFile | undefined>>()
  return {
    start(files: readonly LogFile[]) {
      for (const file of files) {
        if (file.format !== 'jsonl' || opened.has(file.path)) continue
        const handle = openSizedLogFile(file.path)
        handle.catch(() => undefined) // awaited when the file is read; this only keeps it from counting as unhandled
        opened.set(file.path, handle)
      }
    },
    options(file: LogFile, options: ReadFileOptions): ReadFileOptions {
      const handle = opened.get(file.path)
      if (!handle) return options
      opened.delete(file.path)
      return { ...options, opened: handle }
    },
    async close() {
      const unread = [...opened.values()]
      opened.clear()
      await Promise.all(unread.map((handle) => handle.then((open) => open?.close()).catch(() => undefined)))
    },
  }
}

/** Creates a reader for `dir`. It opens files only when asked. */
export function createTradeLogReader<const Custom extends readonly EntryKind[] = readonly []>(
  options: TradeLogReaderOptions<Custom>,
): TradeLogReader<Custom> {
  return createReader(options, {})
}

/** `createTradeLogReader` with the internals doctor uses. */
export function createReader<const Custom extends readonly EntryKind[] = readonly []>(
  options: TradeLogReaderOptions<Custom>,
  internals: ReaderInternals,
): TradeLogReader<Custom> {
  if (!options.dir) throw new TradeLogUsageError('createTradeLogReader needs `dir`; use resolveLogDir() to pick it.')
  const dir = resolve(options.dir)
  const registry = kindRegistry(options.kinds ?? [])
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES
  const timeZone = options.timeZone ?? 'UTC'
  // UTC needs no check (the first Intl lookup in a process costs tens of milliseconds).
  if (timeZone !== 'UTC') assertTimeZone(timeZone)
  const now = options.now ?? Date.now

  const listFiles = async (kind?: string) => {
    const files = internals.files
      ? internals.files.filter((file) => kind === undefined || kindsOfFile(file).reads.includes(kind))
      : await listSources(dir, kind)
    return internals.skipFile ? files.filter((file) => !internals.skipFile!(file)) : files
  }
  /** How to read a file: a legacy or past day's file is finished, so its torn last line is reported. */
  const fileOptions = (file: LogFile, validate = true): ReadFileOptions => ({
    maxLineBytes,
    validate,
    timeZone,
    finished: isLegacyFile(file) || dayWindow(file.day).end <= now(),
    ...(internals.blockingReads ? { blockingReads: true } : {}),
  })

  const prepare = (query: StreamOptions<string> & { limit?: number }) => {
    const kind = requireKind(registry, query.kind)
    const from = query.from === undefined ? Number.NEGATIVE_INFINITY : toEpochMs(query.from, 'from')
    const to = query.to === undefined ? Number.POSITIVE_INFINITY : toEpochMs(query.to, 'to')
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor)
    if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 1)) {
      throw new TradeLogUsageError(`limit must be a positive integer, got ${JSON.stringify(query.limit)}.`)
    }
    const matches = (entry: Record<string, unknown> & { tsMs: number }) =>
      entry.tsMs >= from &&
      entry.tsMs < to &&
      (query.market === undefined || entry['market'] === query.market) &&
      (query.side === undefined || entry['side'] === query.side)
    const strict = query.strict ?? options.strict ?? false
    const diagnostics: Diagnostic[] = []
    const assumed = new Set<string>()
    const hooks: ReadHooks = {
      onDiagnostic(diagnostic) {
        if (strict) throw new TradeLogStrictReadError(diagnostic)
        diagnostics.push(diagnostic)
        options.onDiagnostic?.(diagnostic)
      },
      onAssumed(list) {
        for (const item of list) assumed.add(item)
      },
    }
    const inRange = (file: LogFile) => {
      const window = dayWindow(file.day)
      return window.end > from && window.start < to
    }
    return { kind, from, to, cursor, matches, diagnostics, assumed, hooks, inRange }
  }

  async function readEntries(query: ReadEntriesOptions<string>): Promise<ReadPage<never>> {
    const { kind, cursor, matches, diagnostics, assumed, hooks, inRange } = prepare(query)
    const limit = query.limit ?? 100
    const desc = (query.order ?? 'desc') === 'desc'
    const files = (await listFiles(kind.name)).filter(inRange)
    const groups = groupByDay(files)
    if (desc) groups.reverse()
    const direction = desc ? -1 : 1
    const order = (a: AnyRecord, b: AnyRecord) => direction * comparePositions(a.position, b.position)
    const afterCursor = (record: AnyRecord) => cursor === undefined || direction * comparePositions(record.position, cursor) > 0
    // Entries at the cursor's time but not after it are read too, only so a repeat of one of them is known as such.
    const atCursorTime = (record: AnyRecord) => cursor !== undefined && record.entry.tsMs === cursor.tsMs
    let collected: AnyRecord[] = []
    const filesRead: string[] = []
    for (const group of groups) {
      const window = dayWindow(group[0]!.day)
      // Skip days that lie entirely on the far side of the cursor.
      if (cursor && (desc ? window.start > cursor.tsMs : window.end <= cursor.tsMs)) continue
      // Stop once a full page is certainly newer (older) than anything this day can hold.
      const edge = collected[limit]
      if (edge && (desc ? window.end <= edge.position.tsMs : window.start > edge.position.tsMs)) break
      // Parse the day, order it by the raw positions, then validate only as far as the page needs: the
      // (limit + 1)th valid entry of this day bounds what it can contribute. Validation does not change tsMs.
      const candidates: Candidate[] = []
      for (const file of group) {
        filesRead.push(file.path)
        for await (const batch of readLogFile(file, kind, fileOptions(file, false), hooks)) {
          for (const record of batch) {
            if (afterCursor(record)) candidates.push({ record, seed: false })
            else if (atCursorTime(record)) candidates.push({ record, seed: true })
          }
        }
      }
      candidates.sort((a, b) => comparePositions(a.record.position, b.record.position))
      // Runs of equal time, oldest position first inside each: a repeat is reported where it repeats.
      const runs: Candidate[][] = []
      for (const candidate of candidates) {
        const run = runs.at(-1)
        if (run && run[0]!.record.entry.tsMs === candidate.record.entry.tsMs) run.push(candidate)
        else runs.push([candidate])
      }
      if (desc) runs.reverse()
      let found = 0
      for (const run of runs) {
        if (found > limit) break
        const duplicates = internals.duplicateFilter?.(kind.name) ?? createDuplicateFilter(kind.name)
        const kept: AnyRecord[] = []
        for (const { record, seed } of run) {
          let checked = record
          if (record.unchecked) {
            const outcome = interpretValue(record.entry, kind, { file: record.file, line: record.line })
            if (outcome.type === 'bad' && !seed)
              hooks.onDiagnostic({ file: record.file, line: record.line, reason: outcome.reason, code: outcome.code })
            if (outcome.type !== 'entry') continue
            if (outcome.assumed) hooks.onAssumed?.(outcome.assumed)
            checked = new FileRecord(outcome.entry, record.file, record.fileName, record.line, false)
          }
          const earlier = duplicates.check(checked.entry, checked.file, checked.line)
          if (earlier) {
            if (!seed) hooks.onDiagnostic(duplicateDiagnostic(kind.name, checked.file, checked.line, earlier))
            continue
          }
          if (seed || !matches(checked.entry)) continue
          kept.push(checked)
        }
        if (desc) kept.reverse()
        collected.push(...kept)
        found += kept.length
      }
      collected.sort(order)
      if (collected.length > limit + 1) collected = collected.slice(0, limit + 1)
    }
    const page = collected.slice(0, limit)
    return {
      entries: page.map((record) => record.entry) as never[],
      nextCursor: collected.length > limit ? page[page.length - 1]!.cursor : null,
      diagnostics,
      assumed: [...assumed],
      filesRead,
    }
  }

  // A hand-written iterator over batches: one promise per record instead of a generator's resume machinery.
  function stream(query: StreamOptions<string>): AsyncIterable<LogRecord<never>> {
    return {
      [Symbol.asyncIterator]() {
        const batches = streamBatches(query)
        let batch: AnyRecord[] = []
        let index = 0
        const nextBatch = async (): Promise<IteratorResult<LogRecord<never>>> => {
          while (index >= batch.length) {
            const next = await batches.next()
            if (next.done) return { value: undefined, done: true }
            batch = next.value
            index = 0
          }
          return { value: batch[index++] as unknown as LogRecord<never>, done: false }
        }
        return {
          next(): Promise<IteratorResult<LogRecord<never>>> {
            // Within a batch: a resolved promise, without an async function's frame per record.
            if (index < batch.length)
              return Promise.resolve({ value: batch[index++] as unknown as LogRecord<never>, done: false })
            return nextBatch()
          },
          async return(): Promise<IteratorResult<LogRecord<never>>> {
            await batches.return(undefined)
            return { value: undefined, done: true }
          },
        }
      },
    }
  }

  async function* streamBatches(query: StreamOptions<string>): AsyncGenerator<AnyRecord[]> {
    const { kind, cursor, matches, hooks, inRange, from, to } = prepare(query)
    // No bound, filter or cursor: every record is selected, so skip the per-record test.
    const everything =
      from === Number.NEGATIVE_INFINITY &&
      to === Number.POSITIVE_INFINITY &&
      query.market === undefined &&
      query.side === undefined &&
      cursor === undefined
    const duplicates = internals.duplicateFilter?.(kind.name) ?? createDuplicateFilter(kind.name)
    const files = (await listFiles(kind.name)).filter(inRange)
    const groups = groupByDay(files).filter((group) => !cursor || dayWindow(group[0]!.day).end > cursor.tsMs)
    const opening = createOpenAhead()
    const optionsOf = (file: LogFile) => opening.options(file, fileOptions(file))
    try {
      for (const [g, group] of groups.entries()) {
        // The next day's files are opened while this day's lines are read: an open waits on the thread pool.
        if (g + 1 < groups.length && !internals.blockingReads) opening.start(groups[g + 1]!)
        for await (const batch of mergeFiles(group, kind, optionsOf, hooks)) {
          // Repeats are found before any filter, so one before the cursor still marks its copy after it.
          let unique = batch
          for (let i = 0; i < batch.length; i++) {
            const record = batch[i]!
            const earlier = duplicates.check(record.entry, record.file, record.line)
            if (!earlier) {
              if (unique !== batch) unique.push(record)
              continue
            }
            if (unique === batch) unique = batch.slice(0, i)
            if (cursor === undefined || comparePositions(record.position, cursor) > 0) {
              hooks.onDiagnostic(duplicateDiagnostic(kind.name, record.file, record.line, earlier))
            }
          }
          const selected = everything
            ? unique
            : unique.filter(
                (record) => matches(record.entry) && (cursor === undefined || comparePositions(record.position, cursor) > 0),
              )
          if (selected.length > 0) yield selected
        }
      }
    } finally {
      await opening.close()
    }
  }

  return {
    dir,
    readEntries: readEntries as TradeLogReader<Custom>['readEntries'],
    stream: stream as TradeLogReader<Custom>['stream'],
    follow: ((query: FollowOptions<string>) =>
      createFollower({
        ...query,
        dir,
        kind: requireKind(registry, query.kind),
        maxLineBytes,
        timeZone,
        ...(options.onDiagnostic ? { onDiagnostic: options.onDiagnostic } : {}),
      })) as TradeLogReader<Custom>['follow'],
    files: (kind) => listFiles(kind),
  }
}

interface Candidate {
  record: AnyRecord
  /** At the cursor's time, not after it: read only to recognise repeats. */
  seed: boolean
}

/** Merges the files of one day (main + instances) by time, in batches; each file is in append order. */
function mergeFiles(
  files: LogFile[],
  kind: EntryKind,
  fileOptions: (file: LogFile) => ReadFileOptions,
  hooks: ReadHooks,
): AsyncGenerator<FileRecord[]> {
  // One file (the usual day): its batches as they are, without another generator in between.
  if (files.length === 1) return readLogFile(files[0]!, kind, fileOptions(files[0]!), hooks)
  return mergeSorted(files, kind, fileOptions, hooks)
}

async function* mergeSorted(
  files: LogFile[],
  kind: EntryKind,
  fileOptions: (file: LogFile) => ReadFileOptions,
  hooks: ReadHooks,
): AsyncGenerator<FileRecord[]> {
  const heads = files.map((file) => ({
    source: readLogFile(file, kind, fileOptions(file), hooks),
    batch: [] as FileRecord[],
    index: 0,
  }))
  const advance = async (head: (typeof heads)[number]) => {
    while (head.index >= head.batch.length) {
      const next = await head.source.next()
      if (next.done) return false
      head.batch = next.value
      head.index = 0
    }
    return true
  }
  let live = (await Promise.all(heads.map(async (head) => ((await advance(head)) ? head : undefined)))).filter(
    (head) => head !== undefined,
  )
  try {
    let out: FileRecord[] = []
    while (live.length > 0) {
      let best = live[0]!
      let bestRecord = best.batch[best.index]!
      for (const head of live.slice(1)) {
        const candidate = head.batch[head.index]!
        if (comparePositions(candidate.position, bestRecord.position) < 0) {
          best = head
          bestRecord = candidate
        }
      }
      out.push(bestRecord)
      best.index++
      if (best.index >= best.batch.length) {
        // About to wait for I/O: hand over what is merged so far.
        yield out
        out = []
        if (!(await advance(best))) live = live.filter((head) => head !== best)
      }
    }
    if (out.length > 0) yield out
  } finally {
    await Promise.all(heads.map((head) => head.source.return(undefined)))
  }
}
