/**
 * Live follow of one kind: per file `(inode, byte offset, line)` for every file of the kind, old or new; on every
 * directory event or poll tick it re-stats each file and reads what was appended, so a late fill in an old day's
 * file and a backfill of many files are delivered like any append. A new inode means the file was replaced (the old
 * descriptor is drained first, for the newest days' files, which are kept open), a smaller size means truncation
 * (start again at 0). `fs.watch` only lowers latency; the poll loop is the source of truth, because watching does
 * not work on many Docker volumes and network file systems.
 */
import { type FSWatcher, watch } from 'node:fs'
import { type FileHandle, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { EventEmitter } from 'eventemitter3'
import { type CursorPosition, comparePositions, decodeCursor, encodeCursor } from './cursor.js'
import { createDuplicateFilter, type DuplicateFilter, duplicateDiagnostic } from './duplicates.js'
import { openLogFile } from './file-source.js'
import { compareLogFiles, type LogFile, parseLogFileName } from './files.js'
import { iterateFollower } from './follow-iterator.js'
import type { EntryKind } from './kinds.js'
import { type Diagnostic, interpretLine, longerThan, nulReason, splitCompleteLines } from './lines.js'
import { shiftDayKey as shiftDay } from './time.js'

/** What to follow. */
export interface FollowOptions<N extends string> {
  /** Entry kind, e.g. `trades`. */
  kind: N
  /**
   * `'now'` delivers only entries appended from now on; a cursor resumes right after that entry (then every append,
   * whatever its time; a late fill older than the cursor appended before the resume is not delivered). Default `'now'`.
   */
  from?: 'now' | string
  /** Watch the directory with `fs.watch` for low latency. `false` polls only. Default `true`. */
  watch?: boolean
  /** Poll interval in ms; polling always runs as the fallback. Default 500. */
  pollIntervalMs?: number
}

/** A followed entry. */
export interface FollowedRecord<T> {
  entry: T
  /** Absolute path of the file. */
  file: string
  /** 1-based line number. */
  line: number
  /** Cursor pointing at this entry; pass it as `from` to resume after it. */
  cursor: string
}

/** Events a follower emits. */
export interface FollowerEvents<T> {
  entry: [record: FollowedRecord<T>]
  diagnostic: [diagnostic: Diagnostic]
  /** A file system error (the follower keeps polling). */
  error: [error: unknown]
  /** One check of the files finished (after a directory event or a poll tick), its entries emitted. */
  polled: []
}

/** An async iterable and event emitter of appended entries. */
export interface Follower<T> extends AsyncIterable<FollowedRecord<T>> {
  on<E extends keyof FollowerEvents<T>>(event: E, listener: (...args: FollowerEvents<T>[E]) => void): this
  off<E extends keyof FollowerEvents<T>>(event: E, listener: (...args: FollowerEvents<T>[E]) => void): this
  once<E extends keyof FollowerEvents<T>>(event: E, listener: (...args: FollowerEvents<T>[E]) => void): this
  /** Resolves once the starting position is established (entries appended after this are delivered). */
  readonly ready: Promise<void>
  /** True while `fs.watch` is active (false when polling only). */
  readonly watching: boolean
  /** Stops watching and polling; iterators end. */
  close(): Promise<void>
}

interface Tracked {
  file: LogFile
  ino: number
  /**
   * Bytes consumed (up to and including the last newline read) and lines counted there. Undefined until the file
   * first grows: a file that was there at the start is counted only then (`startSize` is where following began).
   */
  offset: number | undefined
  line: number
  startSize: number
  /**
   * Resuming from a cursor: the bytes this file held when following began. Only lines that start below it are
   * compared with the cursor; anything appended later is new, whatever its time (a late fill older than the cursor).
   */
  resumeBelow?: number
  /** Open for the newest two days' files, so a file replaced by rename can be drained from its old descriptor. */
  handle: FileHandle | undefined
}

interface Internal extends Omit<FollowOptions<string>, 'kind'> {
  dir: string
  kind: EntryKind
  maxLineBytes: number
  /** Zone of legacy timestamps without an offset. */
  timeZone?: string
  onDiagnostic?: (diagnostic: Diagnostic) => void
}

const READ_LIMIT = 8 * 1024 * 1024

class FollowerImpl<T> extends EventEmitter<FollowerEvents<T>> implements Follower<T> {
  readonly ready: Promise<void>
  private readonly tracked = new Map<string, Tracked>()
  private readonly resumeAfter: CursorPosition | undefined
  private readonly duplicates: DuplicateFilter
  private watcher: FSWatcher | undefined
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private again = false
  private listError: string | undefined
  private watchFailed = false
  private closed = false
  private readonly endListeners = new Set<() => void>()
  /** Files that could not be opened (reported once each). */
  private readonly unopenable = new Set<string>()

  constructor(private readonly options: Internal) {
    super()
    this.resumeAfter = options.from && options.from !== 'now' ? decodeCursor(options.from) : undefined
    this.duplicates = createDuplicateFilter(options.kind.name)
    this.ready = this.start()
    // Errors surface to whoever awaits `ready` or iterates; an unobserved start-up failure must not crash the process.
    this.ready.catch(() => {})
  }

  get watching(): boolean {
    return this.watcher !== undefined
  }

  private async start(): Promise<void> {
    const files = await this.listFiles()
    // Files up to one day older than the cursor's may hold later instants (another zone's writer): read from 0.
    const resumeDay = this.resumeAfter ? (parseLogFileName(this.resumeAfter.file)?.day ?? '00000000') : undefined
    for (const file of files) {
      if (resumeDay !== undefined && file.day >= shiftDay(resumeDay, -1)) await this.track(file, 'start', true)
      else await this.track(file, 'end')
    }
    await this.keepNewestOpen(files)
    this.startWatcher(this.listError === undefined)
    if (this.listError === undefined && !this.watcher) this.watchFailed = true
    this.timer = setInterval(() => this.schedule(), this.options.pollIntervalMs ?? 500)
    if (this.resumeAfter) await this.tick()
  }

  /** Watches the directory when asked to; a directory that appears later gets its watcher on a later poll. */
  private startWatcher(reportFailure: boolean): void {
    if (!(this.options.watch ?? true) || this.watcher || this.closed) return
    try {
      this.watcher = watch(this.options.dir, { persistent: true }, () => this.schedule())
      this.watcher.on('error', (error) => {
        this.emit('error', error)
        this.watcher?.close()
        this.watcher = undefined
      })
    } catch (error) {
      if (reportFailure) this.emit('error', error)
    }
  }

  private async listFiles(): Promise<LogFile[]> {
    let names: string[]
    try {
      names = await readdir(this.options.dir)
      this.listError = undefined
    } catch (error) {
      // Report a missing or unreadable directory once, not on every poll; keep polling for it to appear.
      const code = (error as NodeJS.ErrnoException).code ?? String(error)
      if (code !== this.listError) this.emit('error', error)
      this.listError = code
      return []
    }
    const files: LogFile[] = []
    for (const name of names) {
      const parsed = parseLogFileName(name)
      if (parsed && parsed.kind === this.options.kind.name && parsed.format === 'jsonl') {
        files.push({ ...parsed, path: join(this.options.dir, name) })
      }
    }
    return files.sort(compareLogFiles)
  }

  /**
   * Starts tracking `file`: from its start, or from its end as it is now (counted lazily, when it grows). `resuming`:
   * what it holds now is compared with the cursor.
   */
  private async track(file: LogFile, from: 'start' | 'end', resuming = false): Promise<Tracked | undefined> {
    let info: Awaited<ReturnType<typeof stat>>
    try {
      info = await stat(file.path)
    } catch {
      return undefined
    }
    if (!info.isFile()) return undefined
    const state: Tracked =
      from === 'start'
        ? {
            file,
            ino: info.ino,
            offset: 0,
            line: 0,
            startSize: 0,
            handle: undefined,
            ...(resuming ? { resumeBelow: info.size } : {}),
          }
        : { file, ino: info.ino, offset: undefined, line: 0, startSize: info.size, handle: undefined }
    this.tracked.set(file.name, state)
    return state
  }

  /** Keeps the newest two days' files open (they are the ones rotated or replaced); closes the others. */
  private async keepNewestOpen(files: LogFile[]): Promise<void> {
    const newestDay = files.at(-1)?.day
    for (const state of this.tracked.values()) {
      const hot = newestDay !== undefined && state.file.day >= shiftDay(newestDay, -1)
      if (hot && !state.handle) {
        state.handle = await this.openFile(state)
        // Opened after a replacement we have not seen yet: this descriptor belongs to the new file.
        if (state.handle && (await state.handle.stat()).ino !== state.ino) {
          await state.handle.close()
          state.handle = undefined
        }
      } else if (!hot && state.handle) {
        await state.handle.close().catch(() => {})
        state.handle = undefined
      }
    }
  }

  private schedule(): void {
    if (this.closed) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = this.tick()
      .catch((error: unknown) => {
        this.emit('error', error)
      })
      .finally(() => {
        this.running = undefined
        if (this.again) {
          this.again = false
          this.schedule()
        }
      })
  }

  private async tick(): Promise<void> {
    const records: FollowedRecord<T>[] = []
    const diagnostics: Diagnostic[] = []
    const files = await this.listFiles()
    if (this.listError === undefined && !this.watcher && !this.watchFailed) {
      this.startWatcher(true)
      if (!this.watcher) this.watchFailed = true
    }
    // A file that appears after the start is new: everything in it was appended since.
    for (const file of files) if (!this.tracked.has(file.name)) await this.track(file, 'start')
    for (const [name, state] of this.tracked) {
      let info: Awaited<ReturnType<typeof stat>>
      try {
        info = await stat(state.file.path)
      } catch {
        // Gone (rotated away or deleted): deliver what was written through the old descriptor, then forget it.
        await this.drain(state, records, diagnostics)
        await state.handle?.close().catch(() => {})
        this.tracked.delete(name)
        continue
      }
      if (info.ino !== state.ino) {
        await this.drain(state, records, diagnostics)
        await state.handle?.close().catch(() => {})
        this.tracked.delete(name)
        const replaced = await this.track(state.file, 'start')
        if (replaced) await this.readAppended(replaced, info.size, records, diagnostics)
        continue
      }
      if (state.offset !== undefined && info.size < state.offset) {
        state.offset = 0
        state.line = 0
      }
      if (info.size > (state.offset ?? state.startSize)) await this.readAppended(state, info.size, records, diagnostics)
      else if (state.offset === undefined && info.size < state.startSize) {
        // Truncated before it ever grew: everything now in it is new.
        state.offset = 0
        state.line = 0
        if (info.size > 0) await this.readAppended(state, info.size, records, diagnostics)
      }
    }
    await this.keepNewestOpen(files)
    records.sort((a, b) => comparePositions(positionOf(a), positionOf(b)))
    for (const diagnostic of diagnostics) this.report(diagnostic)
    for (const record of records) {
      if (this.closed) return
      const earlier = this.duplicates.check(record.entry as never, record.file, record.line)
      if (earlier) {
        this.report(duplicateDiagnostic(this.options.kind.name, record.file, record.line, earlier))
        continue
      }
      this.emit('entry', record)
    }
    this.emit('polled')
  }

  private async drain(state: Tracked, records: FollowedRecord<T>[], diagnostics: Diagnostic[]): Promise<void> {
    if (!state.handle) return
    const size = (await state.handle.stat().catch(() => undefined))?.size
    if (size !== undefined && size > (state.offset ?? state.startSize)) await this.readAppended(state, size, records, diagnostics)
  }

  /**
   * Opens a tracked file, or says once why it cannot (a file this process may not read is never skipped silently:
   * the same typed error the reader throws, as an `error` event; the follower keeps going with the other files).
   */
  private async openFile(state: Tracked): Promise<FileHandle | undefined> {
    try {
      const handle = await openLogFile(state.file.path)
      this.unopenable.delete(state.file.name)
      return handle
    } catch (error) {
      if (!this.unopenable.has(state.file.name)) {
        this.unopenable.add(state.file.name)
        this.emit('error', error)
      }
      return undefined
    }
  }

  /** For a file tracked from its end: the offset after the last newline before `startSize`, and the lines up to it. */
  private async countStart(state: Tracked, handle: FileHandle): Promise<void> {
    const buffer = Buffer.allocUnsafe(64 * 1024)
    let lines = 0
    let lastNewline = -1
    for (let position = 0; position < state.startSize; ) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, state.startSize - position), position)
      if (bytesRead === 0) break
      for (let index = buffer.indexOf(10); index >= 0 && index < bytesRead; index = buffer.indexOf(10, index + 1)) {
        lines++
        lastNewline = position + index
      }
      position += bytesRead
    }
    state.offset = lastNewline + 1
    state.line = lines
  }

  /** Reads `[offset, size)`, consuming only complete lines. */
  private async readAppended(
    state: Tracked,
    size: number,
    records: FollowedRecord<T>[],
    diagnostics: Diagnostic[],
  ): Promise<void> {
    const handle = state.handle ?? (await this.openFile(state))
    if (!handle) return
    try {
      if (state.offset === undefined) await this.countStart(state, handle)
      let offset = state.offset!
      while (offset < size) {
        const length = Math.min(size - offset, READ_LIMIT)
        const buffer = Buffer.allocUnsafe(length)
        const { bytesRead } = await handle.read(buffer, 0, length, offset)
        if (bytesRead === 0) break
        const chunk = buffer.subarray(0, bytesRead)
        const split = splitCompleteLines(chunk)
        if (split.consumed === 0) {
          // One line longer than the read window: skip it whole once it is complete.
          if (bytesRead < READ_LIMIT) break
          const newline = await this.findNewline(handle, offset + bytesRead, size)
          if (newline < 0) break
          state.line++
          diagnostics.push(this.tooLong(state))
          offset = newline + 1
          state.offset = offset
          continue
        }
        // Lines that were in the file at the resume are compared with the cursor; find where each starts.
        const resumeBelow = this.resumeAfter ? (state.resumeBelow ?? 0) : 0
        let lineStart = offset
        let index = 0
        for (const raw of split.lines) {
          index++
          const startedBelow = lineStart < resumeBelow
          if (resumeBelow > lineStart) lineStart = offset + chunk.indexOf(10, lineStart - offset) + 1
          state.line++
          const where = { file: state.file.path, line: state.line }
          if (split.notUtf8?.has(index)) {
            diagnostics.push({ ...where, reason: 'not valid UTF-8: the entry would not be the bytes on disk', code: 'utf8' })
            continue
          }
          if (longerThan(raw, this.options.maxLineBytes)) {
            diagnostics.push(this.tooLong(state))
            continue
          }
          const outcome = interpretLine(raw, split.hasNul, this.options.kind, where, true, {
            timeZone: this.options.timeZone ?? 'UTC',
          })
          if (outcome.nul && outcome.type === 'entry')
            diagnostics.push({ ...where, reason: nulReason(outcome.nul, true), code: 'nul' })
          if (outcome.type === 'bad') diagnostics.push({ ...where, reason: outcome.reason, code: outcome.code })
          if (outcome.type === 'unsupported') diagnostics.push({ ...where, reason: outcome.reason, code: 'unsupported' })
          if (outcome.type !== 'entry') continue
          const position = { tsMs: outcome.entry.tsMs, file: state.file.name, line: state.line }
          if (startedBelow && comparePositions(position, this.resumeAfter!) <= 0) continue
          records.push({ entry: outcome.entry as T, file: state.file.path, line: state.line, cursor: encodeCursor(position) })
        }
        offset += split.consumed
        state.offset = offset
      }
    } finally {
      if (handle !== state.handle) await handle.close().catch(() => {})
    }
  }

  private tooLong(state: Tracked): Diagnostic {
    return {
      file: state.file.path,
      line: state.line,
      reason: `line longer than ${this.options.maxLineBytes} bytes`,
      code: 'too-long',
    }
  }

  private async findNewline(handle: FileHandle, from: number, size: number): Promise<number> {
    const buffer = Buffer.allocUnsafe(64 * 1024)
    for (let offset = from; offset < size; ) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset)
      if (bytesRead === 0) return -1
      const index = buffer.subarray(0, bytesRead).indexOf(10)
      if (index >= 0) return offset + index
      offset += bytesRead
    }
    return -1
  }

  private report(diagnostic: Diagnostic): void {
    this.options.onDiagnostic?.(diagnostic)
    this.emit('diagnostic', diagnostic)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.ready.catch(() => {})
    clearInterval(this.timer)
    this.watcher?.close()
    this.watcher = undefined
    await this.running
    for (const state of this.tracked.values()) await state.handle?.close().catch(() => {})
    this.tracked.clear()
    for (const end of this.endListeners) end()
  }

  [Symbol.asyncIterator](): AsyncIterator<FollowedRecord<T>> {
    return iterateFollower(this, { isClosed: () => this.closed, listeners: this.endListeners })
  }
}

function positionOf(record: FollowedRecord<unknown>): CursorPosition {
  return { tsMs: (record.entry as { tsMs: number }).tsMs, file: record.file.split(/[\\/]/).pop()!, line: record.line }
}

/** Creates a follower; prefer `reader.follow()`. */
export function createFollower<T>(options: Internal): Follower<T> {
  return new FollowerImpl<T>(options)
}
