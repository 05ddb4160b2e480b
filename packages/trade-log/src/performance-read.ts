/**
 * A performance index's full fold on two cores: this thread reads the first days (about `SHARE_HERE` of the bytes)
 * with the reader's own stream while a worker thread reads the rest the same way, and folds the worker's entries
 * after its own, in file order, as they arrive. The result is the one stream's: each kind's duplicate filter is
 * continued here over the worker's entries, and a repeat across the split sends the caller back to one read.
 * Only the fields a performance tracker reads cross the thread for fills (`performanceFields`), packed in one
 * string per chunk: structured clone of whole entries cost more than the parse it saves (1.3 s for a year of fills).
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'
import { createDuplicateFilter, type DuplicateFilter } from './duplicates.js'
import type { LogFile } from './files.js'
import type { Diagnostic } from './lines.js'
import type { PerformanceOptions } from './performance.js'
import type { PerformanceStateOptions, TrackerPart } from './performance-tracker.js'
import { createReader, type ReaderInternals } from './reader.js'
import type { EquityEntry, TradeEntry } from './schemas.js'

/** How the worker's reader reads: pass what the index's reader was created with. */
export interface WorkerReadOptions {
  /** The reader's `timeZone` (the old bot's timestamps without an offset). Default `'UTC'`. */
  timeZone?: string
  /** The reader's `maxLineBytes`. Default `MAX_LINE_BYTES`. */
  maxLineBytes?: number
  /** The reader's `onDiagnostic`: skipped lines are reported here once the read has succeeded. Default none. */
  onDiagnostic?: (diagnostic: Diagnostic) => void
  /** The reader's `strict`: then the log is read in this thread, so its first bad line throws. Default `false`. */
  strict?: boolean
  /** Smaller logs are read in this thread: starting a worker (0.2–0.5 s) costs more than it saves. Default 8 MiB. */
  minBytes?: number
  /**
   * Start the worker when the index is created, so its start-up (loading its modules: about 0.05 s built, 0.5 s
   * from source through tsx) is not on the first `result()`'s path. Unreferenced while it waits; it ends with the
   * first `result()` whether or not it was needed. Default `false`: started by the first `result()` that needs it.
   */
  startEarly?: boolean
}

/** `WorkerReadOptions.minBytes`'s default: about a month of a busy bot's fills. */
export const WORKER_READ_MIN_BYTES = 8 * 1024 * 1024

export type FoldKind = 'trades' | 'equity'

/** Fills of closed days the worker folds itself (`createTrackerPart`) instead of sending them. */
export interface FoldJob {
  /** The index's tracker options, as its state records them. */
  options: PerformanceStateOptions
  /** Last closed day (`YYYYMMDD`): fills of later days are sent, as the index folds them after its checkpoint. */
  closedDay: string
}

/** What the worker is asked to read. */
export interface WorkerJob {
  dir: string
  files: LogFile[]
  kinds: readonly FoldKind[]
  timeZone: string | undefined
  maxLineBytes: number | undefined
  fold?: FoldJob | undefined
}

/** Consecutive entries of one file, packed. */
export interface PackedChunk {
  type: 'chunk'
  kind: FoldKind
  /** Absolute path of the file every entry of the chunk came from. */
  file: string
  /** Cursor of the chunk's last entry. */
  cursor: string
  /** `fields`: `FIELD_COUNT` NUL-separated fields per fill; `json`: a JSON array of the entries' fields. */
  packing: 'fields' | 'json'
  data: string
}

/** The worker's fold of its closed days' fills (null: it could not fold them, they are to be sent). */
export interface PartMessage {
  type: 'part'
  kind: 'trades'
  /** File and cursor of the last fill folded. */
  file: string
  cursor: string
  part: TrackerPart | null
}

export type WorkerMessage =
  | PackedChunk
  | PartMessage
  | { type: 'done'; kind: FoldKind; diagnostics: Diagnostic[] }
  | { type: 'failed'; message: string }

/** This thread's answer to a part: joined, or send its fills after all. */
export type PartAnswer = { type: 'merged' } | { type: 'resend' }

/** Decoded chunk, as the index folds it. */
export interface ReadChunk {
  kind: FoldKind
  file: string
  cursor: string
  entries: (TradeEntry | EquityEntry)[]
  /** Entries already folded into the index's tracker (a worker's part joined by `merge`); `entries` is then empty. */
  folded?: number
}

/** Starts the worker; replaced in tests (to kill it, or to act as if worker threads were unavailable). */
export type StartWorker = (target: string | URL, options: WorkerOptions) => Worker

/** The worker did not finish its read; the caller reads in this thread instead. */
export class WorkerReadFailed extends Error {
  override readonly name = 'WorkerReadFailed'
}

const SEPARATOR = '\u0000'
const FIELD_COUNT = 10

/**
 * The fields of an entry a performance tracker reads (`createPerformanceTracker`'s `add`): a fill's time, market,
 * side, amounts, order and decision; a snapshot's time, total and position prices. A test folds the full entries and
 * these side by side.
 */
export function performanceFields(kind: FoldKind, entry: TradeEntry | EquityEntry): TradeEntry | EquityEntry {
  if (kind === 'trades') {
    const { ts, tsMs, market, side, volume, price, funds, fee, orderId, decisionId } = entry as TradeEntry
    const fill = { ts, tsMs, market, side, volume, price, funds, fee, orderId } as TradeEntry
    if (decisionId !== undefined) fill.decisionId = decisionId
    return fill
  }
  const { ts, tsMs, total, positions } = entry as EquityEntry
  return { ts, tsMs, total, positions: positions.map(({ market, price }) => ({ market, price })) } as EquityEntry
}

/**
 * Packs a chunk's entries: fills as plain fields when no string holds the separator, else their fields as JSON;
 * snapshots whole, as JSON (a repeated snapshot is known by every field).
 */
export function packEntries(
  kind: FoldKind,
  entries: readonly (TradeEntry | EquityEntry)[],
): Pick<PackedChunk, 'packing' | 'data'> {
  if (kind === 'trades') {
    const fields: string[] = []
    let plain = true
    for (const entry of entries) {
      const fill = entry as TradeEntry
      // decisionId is never empty (the schema says min 1), so '' stands for its absence.
      const { orderId, decisionId = '' } = fill
      if (orderId.includes(SEPARATOR) || decisionId.includes(SEPARATOR)) {
        plain = false
        break
      }
      fields.push(
        fill.ts,
        String(fill.tsMs),
        fill.market,
        fill.side,
        fill.volume,
        fill.price,
        fill.funds,
        fill.fee,
        orderId,
        decisionId,
      )
    }
    if (plain) return { packing: 'fields', data: fields.join(SEPARATOR) }
  }
  return {
    packing: 'json',
    data: JSON.stringify(kind === 'trades' ? entries.map((entry) => performanceFields(kind, entry)) : entries),
  }
}

/** The entries `packEntries` packed: a fill's `performanceFields`, a whole snapshot. */
export function unpackEntries(chunk: Pick<PackedChunk, 'packing' | 'data'>): (TradeEntry | EquityEntry)[] {
  if (chunk.packing === 'json') return JSON.parse(chunk.data) as (TradeEntry | EquityEntry)[]
  const fields = chunk.data.split(SEPARATOR)
  const entries: TradeEntry[] = []
  for (let i = 0; i + FIELD_COUNT <= fields.length; i += FIELD_COUNT) {
    const fill = {
      ts: fields[i]!,
      tsMs: Number(fields[i + 1]),
      market: fields[i + 2]!,
      side: fields[i + 3] as TradeEntry['side'],
      volume: fields[i + 4]!,
      price: fields[i + 5]!,
      funds: fields[i + 6]!,
      fee: fields[i + 7]!,
      orderId: fields[i + 8]!,
    } as TradeEntry
    const decisionId = fields[i + 9]!
    if (decisionId !== '') fill.decisionId = decisionId
    entries.push(fill)
  }
  return entries
}

/** This module's own file: the worker entry sits beside it (in `src/` from source, in `dist/` when built). */
function hereFile(): string {
  // CommonJS build: __filename; ESM (built, tsx, vitest): import.meta.url.
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url)
}

const LOADER_OPTIONS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader'])

/** Node options without the ones that load modules or hooks into every thread (`--import tsx`, `-r x`, `--loader=x`). */
export function withoutLoaders(options: readonly string[]): string[] {
  const kept: string[] = []
  for (let i = 0; i < options.length; i++) {
    const option = options[i]!
    const name = option.split('=', 1)[0]!
    if (!LOADER_OPTIONS.has(name)) kept.push(option)
    else if (!option.includes('=')) i++ // its value is the next item
  }
  return kept
}

/** The worker entry beside this module, and how to start it; undefined when there is none. */
export function workerEntry(): { target: string | URL; options: WorkerOptions } | undefined {
  const here = hereFile()
  const extension = extname(here)
  const file = join(dirname(here), `performance-read-worker${extension}`)
  if (!existsSync(file)) return undefined
  // Built: plain JavaScript that needs no loader. A worker inherits the process's options, and a loader there
  // (`--import tsx` in development) costs its start 0.3–0.5 s, so those are left out.
  if (extension !== '.ts') return { target: pathToFileURL(file), options: { execArgv: withoutLoaders(process.execArgv) } }
  // From source (tests, tsx): the entry and what it imports are bundled into one script with esbuild (what tsx
  // runs on), once per process. Registering tsx's loader in the worker instead cost its start 0.3–0.5 s.
  try {
    bundled ??= bundleWorker(here, file)
    return { target: bundled, options: { eval: true, execArgv: withoutLoaders(process.execArgv) } }
  } catch {
    return undefined
  }
}

let bundled: string | undefined

/** The worker entry `file` and its imports as one CommonJS script, bundled by tsx's esbuild. */
function bundleWorker(here: string, file: string): string {
  const tsx = createRequire(here).resolve('tsx/esm/api')
  const esbuild = createRequire(tsx)('esbuild') as {
    buildSync(options: Record<string, unknown>): { outputFiles: { text: string }[] }
  }
  const { outputFiles } = esbuild.buildSync({
    entryPoints: [file],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  })
  return outputFiles[0]!.text
}

/** A reader of exactly `files`, with the job's options, collecting its diagnostics in `diagnostics`. */
export function jobReader(
  job: Omit<WorkerJob, 'files' | 'kinds'>,
  files: LogFile[],
  diagnostics: Diagnostic[],
  internals: Omit<ReaderInternals, 'files'> = {},
) {
  return createReader(
    {
      dir: job.dir,
      ...(job.timeZone === undefined ? {} : { timeZone: job.timeZone }),
      ...(job.maxLineBytes === undefined ? {} : { maxLineBytes: job.maxLineBytes }),
      onDiagnostic: (diagnostic) => diagnostics.push(diagnostic),
    },
    { ...internals, files },
  )
}

/** The options a state records, as options again (for the worker's own tracker). */
export function optionsOfRecord(record: PerformanceStateOptions): PerformanceOptions {
  const { startingBalance, now, keepClosedTrades, ...rest } = record
  return {
    ...rest,
    ...(startingBalance === null ? {} : { startingBalance }),
    ...(now === null ? {} : { now }),
    ...(keepClosedTrades === null ? {} : { keepClosedTrades }),
  }
}

/** Posts `entries` of one kind in packed chunks of one file each, at most `size` entries a chunk. */
export function createChunker(kind: FoldKind, post: (message: WorkerMessage) => void, size: number) {
  let file = ''
  let last: { readonly cursor: string } | undefined
  let entries: (TradeEntry | EquityEntry)[] = []
  const flush = () => {
    if (entries.length === 0 || !last) return
    post({ type: 'chunk', kind, file, cursor: last.cursor, ...packEntries(kind, entries) })
    entries = []
  }
  return {
    push(record: { readonly file: string; readonly cursor: string; readonly entry: unknown }) {
      if (record.file !== file || entries.length >= size) {
        flush()
        file = record.file
      }
      entries.push(record.entry as TradeEntry | EquityEntry)
      last = record
    },
    flush,
  }
}

const defaultStart: StartWorker = (target, options) => new Worker(target, options)

/** What starts a worker's read: it waits for this after starting. */
export interface JobMessage {
  type: 'job'
  job: WorkerJob
}

/** A started read worker, waiting for its job; `failure` is set once it errs or exits. */
export interface ReadWorker {
  readonly worker: Worker
  failure: WorkerReadFailed | undefined
  /** Called when `failure` is set (the reader waiting for a message looks again). */
  onChange: (() => void) | undefined
}

/**
 * Starts a read worker, which loads its modules and waits for a job (`readSplit`). Unreferenced, so an idle one
 * never keeps the process alive. Throws `WorkerReadFailed` when none can start.
 */
export function startReadWorker(start: StartWorker = defaultStart): ReadWorker {
  const entry = workerEntry()
  if (!entry) throw new WorkerReadFailed('the worker entry file is not beside this module')
  let worker: Worker
  try {
    worker = start(entry.target, entry.options)
  } catch (error) {
    throw new WorkerReadFailed(`cannot start a worker thread: ${(error as Error).message}`, { cause: error })
  }
  const handle: ReadWorker = { worker, failure: undefined, onChange: undefined }
  worker.unref()
  worker.on('error', (error) => {
    handle.failure ??= new WorkerReadFailed(`the read worker failed: ${error.message}`, { cause: error })
    handle.onChange?.()
  })
  worker.on('exit', (code) => {
    handle.failure ??= new WorkerReadFailed(`the read worker exited (code ${code}) before the end of the log`)
    handle.onChange?.()
  })
  return handle
}

/**
 * Share of the bytes read here. Both threads read and fold their days; this one also answers the request, lists
 * the files before the split, and joins the worker's part and computes the result after it. Timed on a year (the
 * example server's cold /api/performance, `pnpm bench cold`, with tracing): at 0.5 the worker's part was always
 * waiting when this thread finished its days, at 0.45 it came 0–60 ms after, at 0.4 up to 240 ms after.
 */
export const SHARE_HERE = 0.47

/** Entries this thread's own reading yields at a time. */
const HERE_CHUNK = 64

/** What `readSplit` reads: the listed files, their sizes, and the reader's options. */
export interface SplitJob extends WorkerJob {
  /** Bytes of each file by path (missing: 0). */
  sizes: ReadonlyMap<string, number>
  /** Share of the bytes read here. Default `SHARE_HERE`. */
  share?: number | undefined
  /** Joins the worker's part (with `fold`; null: the worker could not fold); false: it sends those fills instead. */
  merge?: ((part: TrackerPart | null) => boolean) | undefined
}

/** The days before the split (read here) and from it on (read by the worker); the worker gets at least one day. */
export function splitDays(files: readonly LogFile[], sizes: ReadonlyMap<string, number>, share = SHARE_HERE) {
  const days = [...new Set(files.map((file) => file.day))].sort()
  const byDay = new Map<string, number>()
  let total = 0
  for (const file of files) {
    const size = sizes.get(file.path) ?? 0
    byDay.set(file.day, (byDay.get(file.day) ?? 0) + size)
    total += size
  }
  let count = 0
  let bytes = 0
  while (count < days.length - 1 && bytes + byDay.get(days[count]!)! <= share * total) bytes += byDay.get(days[count++]!)!
  const first = new Set(days.slice(0, count))
  return { here: files.filter((file) => first.has(file.day)), worker: files.filter((file) => !first.has(file.day)) }
}

/**
 * Each kind of `job.kinds` in full, in turn, in `reader.stream`'s order and without its repeats, in chunks: the
 * first days read here, the rest by a worker thread meanwhile. Returns the diagnostics (in the one stream's order)
 * after a complete read. Throws `WorkerReadFailed` when no worker can start, it stops before the end, or an entry it
 * read repeats one read here (the one stream's filter could then drop what the worker's kept, or the reverse).
 */
export async function* readSplit(
  job: SplitJob,
  start: StartWorker = defaultStart,
  ready?: ReadWorker,
): AsyncGenerator<ReadChunk, Diagnostic[], undefined> {
  const { here, worker: theirs } = splitDays(job.files, job.sizes, job.share)
  const { sizes: _sizes, share: _share, merge, ...rest } = job
  const handle = ready ?? startReadWorker(start)
  const { worker } = handle
  worker.ref()
  const queue: WorkerMessage[] = []
  let wake: (() => void) | undefined
  const notify = () => {
    wake?.()
    wake = undefined
  }
  handle.onChange = notify
  worker.on('message', (message: WorkerMessage) => {
    queue.push(message)
    notify()
  })
  worker.postMessage({ type: 'job', job: { ...rest, files: theirs } } satisfies JobMessage)
  const nextMessage = async (): Promise<WorkerMessage> => {
    for (;;) {
      const message = queue.shift()
      if (message !== undefined) return message
      if (handle.failure) throw handle.failure
      await new Promise<void>((resolve) => {
        wake = resolve
      })
    }
  }
  const diagnostics: Diagnostic[] = []
  const filters = new Map<string, DuplicateFilter>()
  const reader = jobReader(job, here, diagnostics, { duplicateFilter: (kind) => filters.get(kind) })
  try {
    for (const kind of job.kinds) {
      // This kind's duplicate filter as the one stream has it at the split: the reader's own, which this thread's
      // stream fed what it kept (a repeat is never remembered, so what was kept is enough).
      const filter = createDuplicateFilter(kind)
      filters.set(kind, filter)
      let chunk: ReadChunk | undefined
      let last: { readonly cursor: string } | undefined
      for await (const record of reader.stream({ kind })) {
        // Small chunks: entries waiting in one live through garbage collections (a file's 1,000 fills cost this
        // thread twice the collector time of the worker, which folds each as it is read).
        if (chunk && (chunk.file !== record.file || chunk.entries.length >= HERE_CHUNK)) {
          yield { ...chunk, cursor: last!.cursor }
          chunk = undefined
        }
        chunk ??= { kind, file: record.file, cursor: '', entries: [] }
        chunk.entries.push(record.entry as TradeEntry | EquityEntry)
        last = record
      }
      if (chunk) yield { ...chunk, cursor: last!.cursor }
      for (;;) {
        const message = await nextMessage()
        if (message.type === 'failed') throw new WorkerReadFailed(`the read worker failed: ${message.message}`)
        if (message.type === 'done') {
          diagnostics.push(...message.diagnostics)
          break
        }
        if (message.type === 'part') {
          // Its first fill is later than every fill here (the join checks), so none repeats one read here.
          const merged = merge?.(message.part) === true
          worker.postMessage({ type: merged ? 'merged' : 'resend' } satisfies PartAnswer)
          if (merged) yield { kind, file: message.file, cursor: message.cursor, entries: [], folded: message.part!.added }
          continue
        }
        const entries = unpackEntries(message)
        for (let i = 0; i < entries.length; i++) {
          // The worker's filter started empty at the split; the one that remembers the days before must agree.
          if (filter.check(entries[i]!, message.file, i)) {
            throw new WorkerReadFailed(`an entry of ${message.file} repeats one read before the split`)
          }
        }
        yield { kind: message.kind, file: message.file, cursor: message.cursor, entries }
      }
    }
    return diagnostics
  } finally {
    worker.removeAllListeners('message')
    void worker.terminate()
  }
}
