/**
 * Reads one log file as batches of entries in bounded memory (64 KiB reads, read ahead), reporting every line that
 * is not (only) an entry. The old bot's files are read the same way: `.json` by a record scanner, `errors_*.log`
 * line by line.
 */
import { isUtf8 } from 'node:buffer'
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import { type CursorPosition, encodeCursor } from './cursor.js'
import { TradeLogIoError } from './errors.js'
import { kindsOfFile, type LogFile } from './files.js'
import { createFillLineParser } from './fill-line.js'
import { type EntryKind, storedEntryChecker } from './kinds.js'
import { type LegacyTextHead, legacyErrorEntry, naiveTimeAssumption, parseLegacyTextLine } from './legacy.js'
import { JsonRecordScanner } from './legacy-json.js'
import {
  type Diagnostic,
  type DiagnosticCode,
  interpretLine,
  interpretText,
  interpretValue,
  invalidUtf8Lines,
  type LineOutcome,
  nulReason,
  type ReadContext,
} from './lines.js'
import { TradeEntrySchema } from './schemas.js'

/**
 * One entry read from a file, with where it came from. The reader hands these out as its records (one object per
 * entry, made once), so it has their cursor too.
 */
export class FileRecord {
  constructor(
    readonly entry: Record<string, unknown> & { ts: string; tsMs: number },
    /** Absolute path of the file. */
    readonly file: string,
    /** Base name of the file (cursors name it). */
    readonly fileName: string,
    /** 1-based line number (for a legacy `.json` file: the record's number). */
    readonly line: number,
    /** Parsed but not yet validated (only when read with `validate: false`). */
    readonly unchecked: boolean,
  ) {}
  /** Where the entry sits in the order of entries: time, file name, line. */
  get position(): CursorPosition {
    return { tsMs: this.entry.tsMs, file: this.fileName, line: this.line }
  }
  get cursor(): string {
    return encodeCursor(this.position)
  }
}

/** Callbacks for what is not an entry. */
export interface ReadHooks {
  /** A skipped line, or one holding more than its entry. */
  onDiagnostic(diagnostic: Diagnostic): void
  /** A legacy entry was normalized with these assumptions. */
  onAssumed?(assumed: string[]): void
}

/** How to read one file. */
export interface ReadFileOptions {
  /** Lines longer than this are skipped with a diagnostic. */
  maxLineBytes: number
  /** Validate every line (`false`: JSON objects with a numeric `tsMs` come back `unchecked`). Default `true`. */
  validate?: boolean
  /**
   * True when nothing will append to the file again (a legacy file, a past day's): an unterminated last line is
   * then torn and reported. Otherwise it may be a write in flight and is left for later.
   */
  finished: boolean
  /** Zone of legacy timestamps without an offset. */
  timeZone: string
  /**
   * Read with `readSync` (a worker thread, which has nothing else to do): no round trip through the thread pool,
   * which waits for a free core while every core is reading.
   */
  blockingReads?: boolean | undefined
  /** The file, already being opened (`openSizedLogFile`) by a reader that opens the next day's files early. */
  opened?: Promise<OpenedLogFile | undefined> | undefined
}

// Read size and batch size, measured with `pnpm bench read` (100 MB, 360k lines). 64 KiB reads cost ~15% less CPU
// than 16 KiB ones. Batches of at most 32 entries keep fewer objects alive per GC: peak RSS 96–97 MB, against
// 101–104 MB with 128 per batch. A file under 1 MiB (a day of a busy bot is about 0.3 MiB) is read in one read:
// each read waits for the thread pool, and with every core reading (the performance index's worker) one cost the
// reading thread about 40 µs; a year's cold fold took 0.74–0.88 s against 0.89–0.94 s with 64 KiB reads. Larger
// files keep 64 KiB reads, so an interrupted CLI stops within 64 KiB of lines.
const WHOLE_FILE = 1024 * 1024
const CHUNK = 64 * 1024
const BATCH = 32

/** A log file open for reading: its size when opened, reads from where the last one ended, and close. */
export interface OpenedLogFile {
  size: number
  read(into: Buffer, length: number): Promise<{ bytesRead: number }>
  close(): Promise<void>
}

/** Opens a log file for reading, with a typed error that says what to do when this process may not. */
export async function openLogFile(path: string): Promise<FileHandle | undefined> {
  return (await openHandle(path))?.handle
}

/** `openLogFile`, as an `OpenedLogFile`. */
export async function openSizedLogFile(path: string): Promise<OpenedLogFile | undefined> {
  const opened = await openHandle(path)
  if (!opened) return undefined
  const { handle, size } = opened
  return { size, read: (into, length) => handle.read(into, 0, length, null), close: () => handle.close() }
}

/**
 * `openSizedLogFile` with blocking calls, for a thread that serves nothing else (the performance index's worker):
 * each call through the thread pool waits for a core, and while every core reads that cost about 0.5 ms a file.
 */
export function openLogFileBlocking(path: string): OpenedLogFile | undefined {
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (error) {
    return openFailed(path, error)
  }
  let info: Stats
  try {
    info = fstatSync(fd)
    if (!info.isFile()) throw notALogFile(path, info)
  } catch (error) {
    closeSync(fd)
    throw error
  }
  return {
    size: info.size,
    read: async (into, length) => ({ bytesRead: readSync(fd, into, 0, length, null) }),
    close: async () => closeSync(fd),
  }
}

async function openHandle(path: string): Promise<{ handle: FileHandle; size: number } | undefined> {
  let handle: FileHandle
  try {
    // Non-blocking, so a FIFO named like a log cannot hang the reader; for regular files the flag does nothing.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (error) {
    return openFailed(path, error)
  }
  const info = await handle.stat()
  if (!info.isFile()) {
    await handle.close()
    throw notALogFile(path, info)
  }
  return { handle, size: info.size }
}

/** Why a log file could not be opened, as a typed error; undefined when it is gone (nothing to read). */
function openFailed(path: string, error: unknown): undefined {
  const code = (error as NodeJS.ErrnoException).code
  // Gone between listing and opening (convert set it aside, a rotation): nothing to read.
  if (code === 'ENOENT') return undefined
  if (code === 'EACCES' || code === 'EPERM') {
    throw new TradeLogIoError(
      `This process (uid ${process.getuid?.() ?? '?'}) cannot read ${path}: give it read access (chmod o+r ${path}, or run the reader as the user that writes the logs).`,
      { path, cause: error },
    )
  }
  throw new TradeLogIoError(`Could not open ${path}: ${(error as Error).message}.`, { path, cause: error })
}

function notALogFile(path: string, info: Stats): TradeLogIoError {
  return new TradeLogIoError(
    `${path} is ${info.isDirectory() ? 'a directory' : 'not a regular file'}, not a log file: move it out of the log directory.`,
    { path },
  )
}

/** Passes a line's outcome on: entries into the batch, everything else to the hooks. */
function accept(outcome: LineOutcome, line: number, batch: FileRecord[], file: LogFile, hooks: ReadHooks, report: boolean): void {
  if (outcome.type === 'entry') {
    batch.push(new FileRecord(outcome.entry, file.path, file.name, line, outcome.unchecked === true))
    if (outcome.assumed) hooks.onAssumed?.(outcome.assumed)
    if (outcome.nul && report) hooks.onDiagnostic({ file: file.path, line, reason: nulReason(outcome.nul, true), code: 'nul' })
  } else if (!report) {
    // Another kind reads this file's damage (a legacy trades file read for its decisions): said once, there.
  } else if (outcome.type === 'bad') {
    hooks.onDiagnostic({ file: file.path, line, reason: outcome.reason, code: outcome.code })
  } else if (outcome.type === 'unsupported') {
    hooks.onDiagnostic({ file: file.path, line, reason: outcome.reason, code: 'unsupported' })
  }
}

/** Where a file's outcomes go: entries into the current batch, everything else to the hooks. */
class Outcomes {
  batch: FileRecord[] = []
  constructor(
    private readonly file: LogFile,
    private readonly hooks: ReadHooks,
    private readonly report: boolean,
  ) {}
  /** An entry and nothing else to say about its line (the common case: no outcome object to look at). */
  entry(entry: FileRecord['entry'], line: number): void {
    this.batch.push(new FileRecord(entry, this.file.path, this.file.name, line, false))
  }
  add(outcome: LineOutcome, line: number): void {
    accept(outcome, line, this.batch, this.file, this.hooks, this.report)
  }
  bad(line: number, reason: string, code: DiagnosticCode): void {
    this.add({ type: 'bad', reason, code }, line)
  }
  /** Hands the batch over and starts a new one. */
  take(): FileRecord[] {
    const batch = this.batch
    this.batch = []
    return batch
  }
}

/** Called per complete line (valid UTF-8, within the limit); outcomes go to `out` (maybe for an earlier line). */
interface LineHandler {
  line(raw: string, hasNul: boolean, lineNo: number, out: Outcomes): void
  /** The file ended; `tail` is an unterminated last line, if any. */
  end(tail: Buffer | undefined, lineNo: number, out: Outcomes): void
}

/** The complete lines of a file in 64 KiB reads, oversized, non-UTF-8 and torn lines reported, batches yielded. */
async function* readLines(
  file: LogFile,
  options: ReadFileOptions,
  hooks: ReadHooks,
  handler: LineHandler,
  report: boolean,
): AsyncGenerator<FileRecord[]> {
  const opened = await (options.opened ?? (options.blockingReads ? openLogFileBlocking(file.path) : openSizedLogFile(file.path)))
  if (!opened) return
  const { maxLineBytes } = options
  // Two buffers, reused for the whole file: the next read fills one while the lines of the other are decoded. A
  // small file fits the first (one byte more, so the read that follows finds the end).
  const size = opened.size < WHOLE_FILE ? Math.max(CHUNK, opened.size + 1) : CHUNK
  let filling = Buffer.allocUnsafe(size)
  let spare = Buffer.allocUnsafe(size)
  let pending: Promise<{ bytesRead: number }> | undefined
  // A line spanning reads, kept as its parts (joined once, at its newline) so long lines cost linear time.
  let carry: Buffer[] = []
  let carryBytes = 0
  let lineNo = 0
  let skipping = false
  const out = new Outcomes(file, hooks, report)
  const tooLong = () => out.bad(lineNo, `line longer than ${maxLineBytes} bytes`, 'too-long')
  const take = (bytes: Buffer) => {
    lineNo++
    if (bytes.length > maxLineBytes) tooLong()
    else if (!isUtf8(bytes)) out.bad(lineNo, 'not valid UTF-8: the entry would not be the bytes on disk', 'utf8')
    else handler.line(bytes.toString('utf8'), bytes.includes(0), lineNo, out)
  }
  const read = (into: Buffer) => opened.read(into, size)
  try {
    pending = read(filling)
    for (;;) {
      const { bytesRead } = await pending
      pending = undefined
      if (bytesRead === 0) break
      const bytes = filling.subarray(0, bytesRead)
      ;[filling, spare] = [spare, filling]
      pending = read(filling)
      const first = bytes.indexOf(10)
      if (first < 0) {
        if (!skipping) {
          carry.push(Buffer.from(bytes))
          carryBytes += bytes.length
          if (carryBytes > maxLineBytes) {
            skipping = true
            carry = []
            carryBytes = 0
          }
        }
        continue
      }
      let start = 0
      if (skipping) {
        lineNo++
        tooLong()
        skipping = false
        start = first + 1
      } else if (carry.length > 0) {
        carry.push(bytes.subarray(0, first))
        const head = Buffer.concat(carry)
        carry = []
        carryBytes = 0
        take(head)
        start = first + 1
      }
      const last = bytes.lastIndexOf(10)
      if (last >= start) {
        // Whole lines only. Each is decoded on its own: an entry's strings may be slices of its line (the fill-line
        // parser's are), and a line of its own keeps only that line alive, not the whole 64 KiB read.
        const region = bytes.subarray(start, last)
        const hasNul = region.includes(0)
        const notUtf8 = isUtf8(region) ? undefined : invalidUtf8Lines(bytes, start, last)
        let index = 0
        for (let from = start; from <= last; ) {
          let to = bytes.indexOf(10, from)
          if (to < 0 || to > last) to = last
          index++
          lineNo++
          if (notUtf8?.has(index)) out.bad(lineNo, 'not valid UTF-8: the entry would not be the bytes on disk', 'utf8')
          else if (to - from > maxLineBytes) tooLong()
          else handler.line(bytes.toString('utf8', from, to), hasNul, lineNo, out)
          from = to + 1
          if (out.batch.length >= BATCH) yield out.take()
        }
      }
      if (last + 1 < bytesRead) {
        const rest = bytesRead - last - 1
        if (rest > maxLineBytes) skipping = true
        else {
          // Copied: this buffer is about to be read into again.
          carry.push(Buffer.from(bytes.subarray(last + 1)))
          carryBytes = rest
        }
      }
      if (out.batch.length > 0) yield out.take()
    }
    if (skipping) {
      lineNo++
      tooLong()
    } else {
      const tail = carry.length > 0 ? Buffer.concat(carry) : undefined
      if (tail) lineNo++
      handler.end(tail, lineNo, out)
    }
    if (out.batch.length > 0) yield out.take()
  } finally {
    // A consumer that stops early leaves a read in flight: let it land before closing the descriptor.
    await pending?.catch(() => undefined)
    await opened.close()
  }
}

/** JSONL: one entry per line. */
function jsonlHandler(file: LogFile, kind: EntryKind, options: ReadFileOptions, context: ReadContext): LineHandler {
  const validate = options.validate ?? true
  const check = storedEntryChecker(kind)
  // A fill as the writer writes it is read by one regular expression (fill-line.ts); any other line goes on below.
  const fillLine = validate && kind.schema === TradeEntrySchema ? createFillLineParser() : undefined
  return {
    line(raw, hasNul, lineNo, out) {
      if (fillLine && !hasNul) {
        const entry = fillLine(raw)
        if (entry) {
          out.entry(entry, lineNo)
          return
        }
      }
      // The common line, one JSON object and nothing around it: interpretLine would clean nothing off it, so parse
      // and check it here without its outcome objects. Anything else (or anything wrong) takes the general path.
      if (validate && !hasNul && raw.charCodeAt(0) === 123 && raw.charCodeAt(raw.length - 1) === 125) {
        let value: unknown
        try {
          value = JSON.parse(raw)
        } catch {}
        // No old bot's record passes the check (it has no `tsMs`, which every entry has): records take the general
        // path, which reads them as the entries they stand for.
        if (value !== undefined) {
          const checked = check(value)
          if (checked.ok) {
            out.entry(checked.entry, lineNo)
            return
          }
        }
      }
      const outcome = interpretLine(raw, hasNul, kind, { file: file.path, line: lineNo }, validate, context)
      // Most lines are an entry with nothing to report: straight into the batch.
      if (outcome.type === 'entry' && !outcome.unchecked && !outcome.assumed && !outcome.nul) out.entry(outcome.entry, lineNo)
      else out.add(outcome, lineNo)
    },
    end(tail, lineNo, out) {
      if (!tail) return
      // An unterminated last line that is already complete JSON only lacks its newline: read it. Anything else is a
      // write in flight (today's file) or torn by a crash (a file nothing appends to any more).
      if (!isUtf8(tail)) {
        if (options.finished) out.bad(lineNo, 'torn last line (no newline), not valid UTF-8', 'torn')
        return
      }
      const outcome = interpretLine(
        tail.toString('utf8'),
        tail.includes(0),
        kind,
        { file: file.path, line: lineNo },
        validate,
        context,
      )
      if (outcome.type === 'entry') out.add(outcome, lineNo)
      else if (options.finished && outcome.type !== 'blank') {
        const nulOnly = outcome.type === 'bad' && outcome.code === 'nul'
        if (nulOnly) out.add(outcome, lineNo)
        else
          out.bad(
            lineNo,
            `torn last line: ${tail.length} bytes with no newline that are not an entry (a crash while it was written)`,
            'torn',
          )
      }
    },
  }
}

/** The old bot's `errors_YYYYMMDD.log`: an entry per timestamped line, with the untimed lines after it (a traceback). */
function textLogHandler(file: LogFile, kind: EntryKind, options: ReadFileOptions, hooks: ReadHooks): LineHandler {
  let head: { at: number; value: LegacyTextHead; continuation: string[]; bytes: number } | undefined
  let orphans: { first: number; count: number } | undefined
  const flush = (out: Outcomes) => {
    if (orphans) {
      const { first, count } = orphans
      orphans = undefined
      const reason = `${count} line(s) of text before the first timestamped line: there is no time to give them, so they are not read as an error entry`
      out.add({ type: 'unsupported', reason }, first)
    }
    if (!head) return
    const { at, value, continuation, bytes } = head
    head = undefined
    if (bytes > options.maxLineBytes) {
      out.bad(at, `entry longer than ${options.maxLineBytes} bytes`, 'too-long')
      return
    }
    while (continuation.length > 0 && continuation.at(-1)!.trim() === '') continuation.pop()
    const entry = legacyErrorEntry(value, continuation, { file: file.name, record: at }, options.timeZone)
    const outcome = interpretValue(entry, kind, { file: file.path, line: at })
    if (outcome.type === 'entry' && value.naive) hooks.onAssumed?.([naiveTimeAssumption(options.timeZone)])
    out.add(outcome, at)
  }
  const line = (raw: string, hasNul: boolean, lineNo: number, out: Outcomes) => {
    let text = raw
    if (hasNul && raw.includes('\0')) {
      text = raw.replace(/\0+/g, '')
      out.bad(lineNo, nulReason(raw.length - text.length, text.trim() !== ''), 'nul')
    }
    text = text.replace(/\r$/, '').replace(/^\uFEFF/, '')
    const parsed = parseLegacyTextLine(text, options.timeZone)
    if (parsed) {
      flush(out)
      head = { at: lineNo, value: parsed, continuation: [], bytes: Buffer.byteLength(text) }
    } else if (head) {
      head.continuation.push(text)
      head.bytes += Buffer.byteLength(text) + 1
    } else if (text.trim() !== '') {
      if (orphans) orphans.count++
      else orphans = { first: lineNo, count: 1 }
    }
  }
  return {
    line,
    end(tail, lineNo, out) {
      // Nothing appends to the old bot's log any more: its last line is a line, newline or not.
      if (tail) line(tail.toString('utf8'), tail.includes(0), lineNo, out)
      flush(out)
    },
  }
}

async function* readLegacyJson(
  file: LogFile,
  kind: EntryKind,
  options: ReadFileOptions,
  hooks: ReadHooks,
  report: boolean,
): AsyncGenerator<FileRecord[]> {
  const handle = await openLogFile(file.path)
  if (!handle) return
  const scanner = new JsonRecordScanner(options.maxLineBytes)
  const context: ReadContext = { timeZone: options.timeZone, source: file.kind }
  const buffer = Buffer.allocUnsafe(CHUNK)
  const handle_ = (events: ReturnType<JsonRecordScanner['feed']>, batch: FileRecord[]) => {
    for (const event of events) {
      if (event.type === 'value') {
        // Entries are numbered by record (their cursor position); diagnostics name the line the record starts on.
        const outcome = interpretText(event.text, kind, { file: file.path, line: event.record }, true, context)
        if (outcome.type === 'entry') accept(outcome, event.record, batch, file, hooks, report)
        else accept(outcome, event.line, batch, file, hooks, report)
      } else if (event.type === 'nul') {
        accept({ type: 'bad', reason: nulReason(event.count, false), code: 'nul' }, event.line, batch, file, hooks, report)
      } else {
        accept({ type: 'bad', reason: event.reason, code: event.code }, event.line, batch, file, hooks, report)
      }
    }
  }
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null)
      const batch: FileRecord[] = []
      handle_(bytesRead === 0 ? scanner.end() : scanner.feed(buffer.subarray(0, bytesRead)), batch)
      if (batch.length > 0) yield batch
      if (bytesRead === 0) break
    }
  } finally {
    await handle.close()
  }
}

/**
 * Reads every entry of `file` as `kind`, in file order, in batches. With `validate: false`, JSONL lines that parse
 * to an object with a numeric `tsMs` come back `unchecked`: validate them with `interpretValue` before use.
 */
export function readLogFile(
  file: LogFile,
  kind: EntryKind,
  options: ReadFileOptions,
  hooks: ReadHooks,
): AsyncGenerator<FileRecord[]> {
  // A file read as two kinds (the old bot's trades: fills and decisions) reports its damage in one of them.
  const report = kindsOfFile(file).owner === kind.name
  if (file.format === 'json') return readLegacyJson(file, kind, options, hooks, report)
  if (file.format === 'log') return readLines(file, options, hooks, textLogHandler(file, kind, options, hooks), report)
  return readLines(file, options, hooks, jsonlHandler(file, kind, options, { timeZone: options.timeZone }), report)
}
