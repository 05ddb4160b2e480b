/**
 * `performance()` over a whole log directory that a new process does not have to read again: the tracker's state
 * after the last closed day is saved with the size and mtime of every file folded into it, and a later process
 * that finds all of them unchanged resumes from it and reads only the newer files.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { z } from 'zod'
import { TradeLogUsageError } from './errors.js'
import { type LogFile, parseLogFileName } from './files.js'
import { type Performance, type PerformanceOptions, performance } from './performance.js'
import {
  type ReadChunk,
  type ReadWorker,
  readSplit,
  type StartWorker,
  startReadWorker,
  WORKER_READ_MIN_BYTES,
  WorkerReadFailed,
  type WorkerReadOptions,
} from './performance-read.js'
import {
  createPerformanceTracker,
  mergeTrackerPart,
  type PerformanceTracker,
  type PerformanceTrackerState,
  type TrackerPart,
} from './performance-tracker.js'
import type { LogRecord, TradeLogReader } from './reader.js'
import type { EquityEntry, TradeEntry } from './schemas.js'

/**
 * Round trips an index keeps in `closedTrades` unless told otherwise: a dashboard's recent list, with a checkpoint
 * that stays small. Processes that use the same options share one checkpoint file (a bot keeping it current, a
 * server starting on the directory), so the default matters.
 */
export const INDEX_CLOSED_TRADES = 20

/**
 * A log that is not a directory (PostgreSQL): how its days are fingerprinted and where the checkpoint is kept.
 * `createPerformanceIndex` uses the reader's `performanceStore` when it has one and no `cacheFile` is given.
 */
export interface PerformanceIndexStore {
  /** `size` and `mtimeMs` stand for whatever changes when a listed day's entries do. */
  fingerprints(files: readonly LogFile[]): Promise<Map<string, { size: number; mtimeMs: number }>>
  loadCheckpoint(name: string): Promise<string | undefined>
  saveCheckpoint(name: string, body: string): Promise<void>
}

/** Options of `createPerformanceIndex`: the reader, where to keep the checkpoint, and `performance()`'s options. */
export interface PerformanceIndexOptions extends PerformanceOptions {
  /** Keep only the newest this many round trips in `closedTrades`. Default: `INDEX_CLOSED_TRADES` (20), not all as in `performance()`. */
  keepClosedTrades?: number
  /** Reader of the log directory (its trades and equity files are folded). Required. */
  reader: Pick<TradeLogReader, 'dir' | 'files' | 'stream'> & { performanceStore?: PerformanceIndexStore }
  /**
   * Checkpoint file, or `false` to keep the checkpoint in memory only. Default:
   * `<log dir>/.trade-log-cache/performance-<hash of the options>.json` (a dot-folder: the reader, `listLogFiles` and
   * `doctor` only look at `<kind>_YYYYMMDD` files, so they never take it for a log).
   */
  cacheFile?: string | false
  /** Called when a checkpoint is not used (why) or cannot be written. Default: ignored. */
  onWarning?: (message: string) => void
  /**
   * Fold a log no checkpoint covers while a worker thread reads and checks it (two cores instead of one), with a
   * reader made from these options, which must be the options `reader` was created with. The answer is the same;
   * without worker threads, or if the worker fails, the log is read here as without this option. Only for a
   * directory reader (not PostgreSQL). Default: off.
   */
  workerRead?: WorkerReadOptions | false
}

/** What only this package's tests pass. */
export interface PerformanceIndexInternals {
  /** Starts the read worker (tests kill it, or throw as if worker threads were unavailable). */
  startWorker?: StartWorker
  /** Share of the log's bytes read in this thread (tests split anywhere). Default `SHARE_HERE`. */
  splitShare?: number
}

/** What the last `result()` did. */
export interface PerformanceIndexRefresh {
  /** `unchanged`: no file changed; `checkpoint`: resumed from a checkpoint; `full`: folded every file; `sorted`: entries were out of time order, so everything was read and sorted (no checkpoint). */
  mode: 'unchanged' | 'checkpoint' | 'full' | 'sorted'
  /** Entries folded by this call. */
  entriesRead: number
  /** Why a saved checkpoint was not used, when one was found but refused. */
  reason?: string
  /** Last closed day (`YYYYMMDD`) in the checkpoint now held, or null while the log has a single day. */
  checkpointDay: string | null
  /** Present when a worker thread read part of the log (`workerRead`). */
  worker?: true
  /**
   * With `worker`, when the worker's days include closed ones: `joined` when it folded them and the fold was joined
   * to this thread's (no position open at the split), `sent` when it sent their fills to be folded here.
   */
  workerPart?: 'joined' | 'sent'
}

/** Performance of a whole log directory, kept up to date from a checkpoint. */
export interface PerformanceIndex {
  /** `performance(every trade and equity entry in the log, options)` as the files are at the call or later, reading only files that changed. */
  result(): Promise<Performance>
  /** What the last `result()` did (for logs and tests). */
  readonly lastRefresh: PerformanceIndexRefresh | undefined
  /** The checkpoint file, or null when kept in memory. */
  readonly cacheFile: string | null
}

const CHECKPOINT_FORMAT = 'tradekit.performance-checkpoint'
/** 2: trackers of the full report (issue 21). A checkpoint of another version is ignored and recomputed. */
const CHECKPOINT_VERSION = 2
const KINDS = ['trades', 'equity'] as const
type Kind = (typeof KINDS)[number]

const fingerprintSchema = z.object({ name: z.string(), size: z.number(), mtimeMs: z.number() })
type Fingerprint = z.output<typeof fingerprintSchema>
const checkpointSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.literal(CHECKPOINT_VERSION),
  closedDay: z.string().regex(/^\d{8}$/),
  files: z.array(fingerprintSchema),
  cursors: z.object({ trades: z.string().nullable(), equity: z.string().nullable() }),
  tracker: z.looseObject({ format: z.string() }),
})
interface Checkpoint {
  closedDay: string
  files: Fingerprint[]
  cursors: Record<Kind, string | null>
  tracker: PerformanceTrackerState
}

/** An entry read ahead, with its kind (its record computes the cursor only when asked). */
interface Read {
  kind: Kind
  record: LogRecord<TradeEntry | EquityEntry>
}

const sameFile = (a: Fingerprint, b: Fingerprint | undefined) => b !== undefined && a.size === b.size && a.mtimeMs === b.mtimeMs

/** Creates the index; nothing is read until the first `result()`. */
export function createPerformanceIndex(
  options: PerformanceIndexOptions,
  internals: PerformanceIndexInternals = {},
): PerformanceIndex {
  const { reader, onWarning, cacheFile: cacheOption, workerRead, ...rest } = options
  const performanceOptions: PerformanceOptions = { keepClosedTrades: INDEX_CLOSED_TRADES, ...rest }
  // Checks the options once, up front (a bad option is the caller's error, not the cache's).
  const optionsRecord = createPerformanceTracker(performanceOptions).state().options
  const checkpointName = `performance-${createHash('sha256').update(JSON.stringify(optionsRecord)).digest('hex').slice(0, 12)}.json`
  const store = cacheOption === undefined ? reader.performanceStore : undefined
  const cacheFile =
    cacheOption === false
      ? null
      : store
        ? `${reader.dir}#${checkpointName}`
        : (cacheOption ?? join(reader.dir, '.trade-log-cache', checkpointName))
  if (cacheFile !== null && parseLogFileName(basename(cacheFile)) !== null) {
    throw new TradeLogUsageError(
      `cacheFile ${JSON.stringify(cacheFile)} is named like a log file; readers would take it for one. Choose another name.`,
    )
  }

  // Started now when asked (`startEarly`) and the first full read will need it; taken by that read, ended by the
  // first refresh either way.
  let early: Promise<ReadWorker | undefined> | undefined
  if (workerRead && workerRead.startEarly === true && !workerRead.strict && !store) {
    early = (async () => {
      if (
        cacheFile !== null &&
        (await stat(cacheFile).then(
          () => true,
          () => false,
        ))
      )
        return undefined
      const { files, prints } = await listing()
      let bytes = 0
      for (const print of prints.values()) bytes += print.size
      if (bytes < (workerRead.minBytes ?? WORKER_READ_MIN_BYTES) || new Set(files.map((file) => file.day)).size < 2)
        return undefined
      return startReadWorker(internals.startWorker)
    })().catch(() => undefined) // the first full read starts its own, and warns if it cannot
  }
  const takeEarlyWorker = async () => {
    const taken = early
    early = undefined
    return taken
  }

  let checkpoint: Checkpoint | undefined
  let loaded = false
  let current: { files: Map<string, Fingerprint>; result: Performance } | undefined
  let lastRefresh: PerformanceIndexRefresh | undefined
  let running: Promise<Performance> | undefined

  async function listing(): Promise<{ files: LogFile[]; prints: Map<string, Fingerprint> }> {
    // One directory listing for both kinds.
    const files = (await reader.files()).filter((file) => (KINDS as readonly string[]).includes(file.kind))
    const prints = new Map<string, Fingerprint>()
    if (store) {
      for (const [name, print] of await store.fingerprints(files)) prints.set(name, { name, ...print })
      return { files: files.filter((file) => prints.has(file.name)), prints }
    }
    const stats = await Promise.all(
      files.map((file) =>
        stat(file.path).then(
          (info) => info,
          () => undefined,
        ),
      ),
    )
    files.forEach((file, i) => {
      const info = stats[i]
      if (info) prints.set(file.name, { name: file.name, size: info.size, mtimeMs: info.mtimeMs })
    })
    return { files: files.filter((file) => prints.has(file.name)), prints }
  }

  async function loadCheckpoint(): Promise<Checkpoint | undefined> {
    if (cacheFile === null) return undefined
    let text: string
    try {
      const stored = store ? await store.loadCheckpoint(checkpointName) : await readFile(cacheFile, 'utf8')
      if (stored === undefined) return undefined
      text = stored
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        onWarning?.(`Cannot read checkpoint ${cacheFile}: ${(error as Error).message}; recomputing.`)
      return undefined
    }
    try {
      const parsed = checkpointSchema.parse(JSON.parse(text))
      const tracker = parsed.tracker as unknown as PerformanceTrackerState
      return { closedDay: parsed.closedDay, files: parsed.files, cursors: parsed.cursors, tracker }
    } catch (error) {
      onWarning?.(`Ignoring checkpoint ${cacheFile} (${describe(error)}); recomputing from the log.`)
      return undefined
    }
  }

  async function saveCheckpoint(saved: Checkpoint): Promise<void> {
    if (cacheFile === null) return
    const body = JSON.stringify({ format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, ...saved })
    if (store) {
      await store.saveCheckpoint(checkpointName, body).catch((error: unknown) => {
        onWarning?.(`Cannot write checkpoint ${cacheFile}: ${(error as Error).message}; the next start will read the whole log.`)
      })
      return
    }
    // Unique per write: two indexes in one process (a bot and a server in the demo) may save in the same millisecond.
    const temp = `${cacheFile}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
    try {
      await mkdir(dirname(cacheFile), { recursive: true })
      // Write then rename: a reader sees the old checkpoint or the new one, never half of one.
      await writeFile(temp, body)
      await rename(temp, cacheFile)
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined)
      onWarning?.(`Cannot write checkpoint ${cacheFile}: ${(error as Error).message}; the next start will read the whole log.`)
    }
  }

  /** Why `saved` does not describe the files as they are now, or undefined when it still does. */
  function staleReason(saved: Checkpoint, files: LogFile[], prints: Map<string, Fingerprint>): string | undefined {
    for (const print of saved.files) {
      const now = prints.get(print.name)
      if (!now) return `${print.name} was removed`
      if (!sameFile(print, now)) return `${print.name} changed (size ${print.size} → ${now.size})`
    }
    const known = new Set(saved.files.map((print) => print.name))
    const added = files.find((file) => file.day <= saved.closedDay && !known.has(file.name))
    return added ? `${added.name} was added on or before the checkpoint's day ${saved.closedDay}` : undefined
  }

  /** The records of `kind` after `cursor` (all of them without one). */
  const recordsAfter = (kind: Kind, cursor: string | null) =>
    reader.stream({ kind, ...(cursor === null ? {} : { cursor }) }) as AsyncIterable<LogRecord<TradeEntry | EquityEntry>>

  /** Every record after `cursors`, trades then equity, in memory (only the few days after a checkpoint). */
  async function readAhead(cursors: Record<Kind, string | null>): Promise<Read[]> {
    const all: Read[] = []
    for (const kind of KINDS) for await (const record of recordsAfter(kind, cursors[kind])) all.push({ kind, record })
    return all
  }

  async function refresh(): Promise<Performance> {
    const listed = listing()
    listed.catch(() => undefined) // awaited below; this only keeps it from counting as unhandled meanwhile
    // First call: read the checkpoint, and already the entries after it while the files are being fingerprinted
    // (they are folded only if every fingerprint matches).
    let ahead: { from: Checkpoint; reads: Promise<Read[] | undefined> } | undefined
    if (!loaded) {
      checkpoint = await loadCheckpoint()
      loaded = true
      if (checkpoint) ahead = { from: checkpoint, reads: readAhead(checkpoint.cursors).catch(() => undefined) }
    }
    const { files, prints } = await listed
    if (
      current &&
      current.files.size === prints.size &&
      [...prints.values()].every((p) => sameFile(p, current!.files.get(p.name)))
    ) {
      lastRefresh = { mode: 'unchanged', entriesRead: 0, checkpointDay: checkpoint?.closedDay ?? null }
      return current.result
    }
    let reason = checkpoint ? staleReason(checkpoint, files, prints) : undefined
    if (reason) {
      onWarning?.(`Checkpoint ${cacheFile ?? '(in memory)'} no longer matches the log: ${reason}; recomputing.`)
      checkpoint = undefined
    }
    const days = [...new Set(files.map((file) => file.day))].sort()
    const closedDay = days.length > 1 ? days.at(-2)! : null
    const dayOf = new Map(files.map((file) => [file.path, file.day]))
    let base = checkpoint
    let tracker: PerformanceTracker
    try {
      // Restoring checks the tracker state's own version, options and layout.
      tracker = createPerformanceTracker(base ? { ...performanceOptions, state: base.tracker } : performanceOptions)
    } catch (error) {
      reason = describe(error)
      onWarning?.(`Ignoring checkpoint ${cacheFile ?? '(in memory)'} (${reason}); recomputing from the log.`)
      checkpoint = base = undefined
      tracker = createPerformanceTracker(performanceOptions)
    }
    const cursors: Record<Kind, string | null> = base ? { ...base.cursors } : { trades: null, equity: null }
    let open: (TradeEntry | EquityEntry)[] = []
    let entriesRead = 0
    // The newest record of each kind folded into the closed days (or a chunk's last); its cursor is taken once, at the end.
    let lastClosed: Partial<Record<Kind, { readonly cursor: string }>> = {}
    const isClosed = (file: string) => {
      const day = dayOf.get(file) ?? parseLogFileName(basename(file))?.day
      return closedDay !== null && day !== undefined && day <= closedDay
    }
    const fold = (kind: Kind, record: LogRecord<TradeEntry | EquityEntry>) => {
      entriesRead++
      if (isClosed(record.file)) {
        tracker.add(record.entry)
        lastClosed[kind] = record
      } else open.push(record.entry)
    }
    // A chunk holds entries of one file, so of one day: all closed or all open.
    const foldChunk = ({ kind, file, cursor, entries, folded }: ReadChunk) => {
      entriesRead += folded ?? entries.length
      if (isClosed(file)) {
        for (const entry of entries) tracker.add(entry)
        lastClosed[kind] = { cursor }
      } else for (const entry of entries) open.push(entry)
    }
    const earlyReads = ahead && ahead.from === base ? await ahead.reads : undefined
    let split = false
    let workerPart: PerformanceIndexRefresh['workerPart']
    try {
      if (earlyReads) for (const { kind, record } of earlyReads) fold(kind, record)
      else if (
        !base &&
        workerRead &&
        !store &&
        (await foldInWorker(files, prints, closedDay, foldChunk, (part) => {
          const joined = part !== null && mergeTrackerPart(tracker, part)
          workerPart = joined ? 'joined' : 'sent'
          return joined
        }))
      )
        split = true
      else {
        if (entriesRead > 0) {
          // The worker stopped part way: start again from nothing, in this thread.
          tracker = createPerformanceTracker(performanceOptions)
          open = []
          entriesRead = 0
          lastClosed = {}
        }
        for (const kind of KINDS) for await (const record of recordsAfter(kind, cursors[kind])) fold(kind, record)
      }
      for (const kind of KINDS) cursors[kind] = lastClosed[kind]?.cursor ?? cursors[kind]
      if (closedDay !== null && closedDay !== base?.closedDay) {
        checkpoint = {
          closedDay,
          files: files.filter((file) => file.day <= closedDay).map((file) => prints.get(file.name)!),
          cursors: { ...cursors },
          tracker: tracker.state(),
        }
        await saveCheckpoint(checkpoint)
      }
      for (const entry of open) tracker.add(entry)
    } catch (error) {
      if (!(error instanceof TradeLogUsageError) || !/time order/.test(error.message)) throw error
      // Out-of-order entries cannot be folded; sort everything, as performance() does, and keep no checkpoint.
      reason = error.message
      onWarning?.(`${reason} Computing from every entry, sorted, without a checkpoint.`)
      checkpoint = undefined
      const all: (TradeEntry | EquityEntry)[] = []
      for (const kind of KINDS) for await (const record of reader.stream({ kind })) all.push(record.entry as TradeEntry)
      const result = performance(all, performanceOptions)
      current = { files: prints, result }
      lastRefresh = { mode: 'sorted', entriesRead: all.length, reason, checkpointDay: null }
      return result
    }
    const result = tracker.result()
    current = { files: prints, result }
    lastRefresh = {
      mode: base ? 'checkpoint' : 'full',
      entriesRead,
      ...(reason === undefined ? {} : { reason }),
      checkpointDay: checkpoint?.closedDay ?? null,
      ...(split ? { worker: true as const } : {}),
      ...(split && workerPart ? { workerPart } : {}),
    }
    return result
  }

  /**
   * Folds every chunk of a read split with a worker; false (and a warning) when it could not finish, the caller
   * then reads here.
   * Skipped lines are reported to `workerRead.onDiagnostic` only after a complete read, so each is reported once.
   */
  async function foldInWorker(
    files: LogFile[],
    prints: Map<string, Fingerprint>,
    closedDay: string | null,
    foldChunk: (chunk: ReadChunk) => void,
    merge: (part: TrackerPart | null) => boolean,
  ): Promise<boolean> {
    if (!workerRead || workerRead.strict || new Set(files.map((file) => file.day)).size < 2) return false
    const sizes = new Map(files.map((file) => [file.path, prints.get(file.name)?.size ?? 0]))
    let bytes = 0
    for (const size of sizes.values()) bytes += size
    if (bytes < (workerRead.minBytes ?? WORKER_READ_MIN_BYTES)) return false
    const chunks = readSplit(
      {
        dir: reader.dir,
        files,
        sizes,
        share: internals.splitShare,
        kinds: KINDS,
        timeZone: workerRead.timeZone,
        maxLineBytes: workerRead.maxLineBytes,
        // The worker folds the fills of its closed days itself; they are joined here when that gives the same fold.
        ...(closedDay === null ? {} : { fold: { options: optionsRecord, closedDay }, merge }),
      },
      internals.startWorker,
      await takeEarlyWorker(),
    )
    try {
      for (;;) {
        const next = await chunks.next()
        if (next.done) {
          for (const diagnostic of next.value) workerRead.onDiagnostic?.(diagnostic)
          return true
        }
        foldChunk(next.value)
      }
    } catch (error) {
      if (!(error instanceof WorkerReadFailed)) throw error
      onWarning?.(`${error.message}; reading the log in this thread instead.`)
      return false
    } finally {
      await chunks.return(undefined as never)
    }
  }

  let queued: Promise<Performance> | undefined
  function result(): Promise<Performance> {
    if (!running) {
      running = refresh().finally(() => {
        running = undefined
        // Not needed (a checkpoint, a small log) or already used: an idle worker is not kept.
        void takeEarlyWorker().then((idle) => idle?.worker.terminate())
      })
      return running
    }
    // The refresh under way may have listed the files before this call: one more runs after it, shared by every
    // caller arriving meanwhile, so an answer never predates the call that asked for it.
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined
        return result()
      })
    return queued
  }

  return {
    result,
    get lastRefresh() {
      return lastRefresh
    },
    cacheFile,
  }
}

function describe(error: unknown): string {
  if (error instanceof z.ZodError) {
    const issue = error.issues[0]!
    return `${issue.path.join('.') || 'file'}: ${issue.message}`
  }
  return error instanceof Error ? error.message : String(error)
}
