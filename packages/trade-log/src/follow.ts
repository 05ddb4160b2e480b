/**
 * Live follow of one kind: per file `(inode, byte offset, line)`; on every directory event or poll tick it
 * re-stats each file and reads what was appended. A new inode means the file was replaced (the old descriptor is
 * drained first), a smaller size means truncation (start again at 0), a new day's file is picked up when it
 * appears. `fs.watch` only lowers latency; the poll loop is the source of truth, because watching does not work
 * on many Docker volumes and network file systems.
 */
import { type FSWatcher, watch } from 'node:fs'
import { type FileHandle, open, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { EventEmitter } from 'eventemitter3'
import { type CursorPosition, comparePositions, decodeCursor, encodeCursor } from './cursor.js'
import { compareLogFiles, type LogFile, parseLogFileName } from './files.js'
import type { EntryKind } from './kinds.js'
import { type Diagnostic, interpretLine, splitCompleteLines } from './lines.js'
import { shiftDayKey as shiftDay } from './time.js'

/** What to follow. */
export interface FollowOptions<N extends string> {
  /** Entry kind, e.g. `trades`. */
  kind: N
  /** `'now'` delivers only entries appended from now on; a cursor resumes right after that entry. Default `'now'`. */
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
}

/** An async iterable and event emitter of appended entries. */
export interface Follower<T> extends AsyncIterable<FollowedRecord<T>> {
  on<E extends keyof FollowerEvents<T>>(event: E, listener: (...args: FollowerEvents<T>[E]) => void): this
  off<E extends keyof FollowerEvents<T>>(event: E, listener: (...args: FollowerEvents<T>[E]) => void): this
  /** Resolves once the starting position is established (entries appended after this are delivered). */
  readonly ready: Promise<void>
  /** True while `fs.watch` is active (false when polling only). */
  readonly watching: boolean
  /** Stops watching and polling; iterators end. */
  close(): Promise<void>
}

interface Tracked {
  file: LogFile
  handle: FileHandle
  ino: number
  offset: number
  line: number
}

interface Internal extends Omit<FollowOptions<string>, 'kind'> {
  dir: string
  kind: EntryKind
  maxLineBytes: number
  onDiagnostic?: (diagnostic: Diagnostic) => void
}

const READ_LIMIT = 8 * 1024 * 1024

class FollowerImpl<T> extends EventEmitter<FollowerEvents<T>> implements Follower<T> {
  readonly ready: Promise<void>
  private readonly tracked = new Map<string, Tracked>()
  private readonly resumeAfter: CursorPosition | undefined
  private watcher: FSWatcher | undefined
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private again = false
  private listError: string | undefined
  private watchFailed = false
  private closed = false
  private readonly endListeners = new Set<() => void>()

  constructor(private readonly options: Internal) {
    super()
    this.resumeAfter = options.from && options.from !== 'now' ? decodeCursor(options.from) : undefined
    this.ready = this.start()
    // Errors surface to whoever awaits `ready` or iterates; an unobserved start-up failure must not crash the process.
    this.ready.catch(() => {})
  }

  get watching(): boolean {
    return this.watcher !== undefined
  }

  private async start(): Promise<void> {
    const files = await this.listFiles()
    if (this.resumeAfter) {
      const resumeDay = parseLogFileName(this.resumeAfter.file)?.day ?? '00000000'
      // Files up to one day older than the cursor's may hold later instants (another zone's writer).
      for (const file of files) if (file.day >= shiftDay(resumeDay, -1)) await this.track(file, 0)
    } else {
      const newestDay = files.at(-1)?.day
      for (const file of files) {
        if (newestDay && file.day >= shiftDay(newestDay, -1)) await this.track(file, 'end')
      }
    }
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

  private async track(file: LogFile, from: 0 | 'end'): Promise<void> {
    let handle: FileHandle
    try {
      handle = await open(file.path, 'r')
    } catch {
      return
    }
    const info = await handle.stat()
    const state: Tracked = { file, handle, ino: info.ino, offset: 0, line: 0 }
    if (from === 'end') {
      // Count the lines already there so that line numbers (and cursors) match the reader's.
      const records: FollowedRecord<T>[] = []
      await this.readAppended(state, info.size, records, false)
    }
    this.tracked.set(file.name, state)
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
    const files = await this.listFiles()
    if (this.listError === undefined && !this.watcher && !this.watchFailed) {
      this.startWatcher(true)
      if (!this.watcher) this.watchFailed = true
    }
    const newestDay = files.at(-1)?.day
    for (const file of files) {
      if (!this.tracked.has(file.name) && (!newestDay || file.day >= shiftDay(newestDay, -1))) await this.track(file, 0)
    }
    for (const [name, state] of this.tracked) {
      let info: Awaited<ReturnType<typeof stat>>
      try {
        info = await stat(state.file.path)
      } catch {
        // Gone (rotated away or deleted): deliver what was written through the old descriptor, then forget it.
        await this.drain(state, records)
        await state.handle.close().catch(() => {})
        this.tracked.delete(name)
        continue
      }
      if (info.ino !== state.ino) {
        await this.drain(state, records)
        await state.handle.close().catch(() => {})
        this.tracked.delete(name)
        await this.track(state.file, 0)
        const replaced = this.tracked.get(name)
        if (replaced) await this.readAppended(replaced, (await replaced.handle.stat()).size, records, true)
        continue
      }
      if (info.size < state.offset) {
        state.offset = 0
        state.line = 0
      }
      if (info.size > state.offset) await this.readAppended(state, info.size, records, true)
    }
    // Forget files more than a day older than the newest: they no longer grow.
    for (const [name, state] of this.tracked) {
      if (newestDay && state.file.day < shiftDay(newestDay, -1)) {
        await state.handle.close().catch(() => {})
        this.tracked.delete(name)
      }
    }
    records.sort((a, b) => comparePositions(positionOf(a), positionOf(b)))
    for (const record of records) {
      if (this.closed) return
      this.emit('entry', record)
    }
  }

  private async drain(state: Tracked, records: FollowedRecord<T>[]): Promise<void> {
    const size = (await state.handle.stat().catch(() => undefined))?.size
    if (size !== undefined && size > state.offset) await this.readAppended(state, size, records, true)
  }

  /** Reads `[offset, size)`, consuming only complete lines. */
  private async readAppended(state: Tracked, size: number, records: FollowedRecord<T>[], deliver: boolean): Promise<void> {
    while (state.offset < size) {
      const length = Math.min(size - state.offset, READ_LIMIT)
      const buffer = Buffer.allocUnsafe(length)
      const { bytesRead } = await state.handle.read(buffer, 0, length, state.offset)
      if (bytesRead === 0) return
      const chunk = buffer.subarray(0, bytesRead)
      const split = splitCompleteLines(chunk)
      if (split.consumed === 0) {
        // One line longer than the read window: skip it whole once it is complete.
        if (bytesRead < READ_LIMIT) return
        const newline = await this.findNewline(state, state.offset + bytesRead, size)
        if (newline < 0) return
        state.line++
        this.report(
          { file: state.file.path, line: state.line, reason: `line longer than ${this.options.maxLineBytes} bytes` },
          deliver,
        )
        state.offset = newline + 1
        continue
      }
      for (const raw of split.lines) {
        state.line++
        if (!deliver) continue
        if (Buffer.byteLength(raw) > this.options.maxLineBytes) {
          this.report(
            { file: state.file.path, line: state.line, reason: `line longer than ${this.options.maxLineBytes} bytes` },
            true,
          )
          continue
        }
        const outcome = interpretLine(raw, split.hasNul, this.options.kind, { file: state.file.path, line: state.line })
        if (outcome.type === 'bad') this.report({ file: state.file.path, line: state.line, reason: outcome.reason }, true)
        if (outcome.type !== 'entry') continue
        const position = { tsMs: outcome.entry.tsMs, file: state.file.name, line: state.line }
        if (this.resumeAfter && comparePositions(position, this.resumeAfter) <= 0) continue
        records.push({ entry: outcome.entry as T, file: state.file.path, line: state.line, cursor: encodeCursor(position) })
      }
      state.offset += split.consumed
    }
  }

  private async findNewline(state: Tracked, from: number, size: number): Promise<number> {
    const buffer = Buffer.allocUnsafe(64 * 1024)
    for (let offset = from; offset < size; ) {
      const { bytesRead } = await state.handle.read(buffer, 0, buffer.length, offset)
      if (bytesRead === 0) return -1
      const index = buffer.subarray(0, bytesRead).indexOf(10)
      if (index >= 0) return offset + index
      offset += bytesRead
    }
    return -1
  }

  private report(diagnostic: Diagnostic, deliver: boolean): void {
    if (!deliver) return
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
    for (const state of this.tracked.values()) await state.handle.close().catch(() => {})
    this.tracked.clear()
    for (const end of this.endListeners) end()
  }

  [Symbol.asyncIterator](): AsyncIterator<FollowedRecord<T>> {
    const queue: FollowedRecord<T>[] = []
    let wake: (() => void) | undefined
    let failure: unknown
    const onEntry = (record: FollowedRecord<T>) => {
      queue.push(record)
      wake?.()
    }
    const onEnd = () => wake?.()
    this.on('entry', onEntry)
    this.endListeners.add(onEnd)
    this.ready.catch((error: unknown) => {
      failure = error
      wake?.()
    })
    const finish = () => {
      this.off('entry', onEntry)
      this.endListeners.delete(onEnd)
    }
    return {
      next: async () => {
        while (queue.length === 0 && !this.closed && failure === undefined) {
          await new Promise<void>((resolve) => {
            wake = resolve
          })
          wake = undefined
        }
        if (failure !== undefined) {
          finish()
          throw failure
        }
        if (queue.length > 0) return { value: queue.shift()!, done: false }
        finish()
        return { value: undefined, done: true }
      },
      return: async () => {
        finish()
        await this.close()
        return { value: undefined, done: true }
      },
    }
  }
}

function positionOf(record: FollowedRecord<unknown>): CursorPosition {
  return { tsMs: (record.entry as { tsMs: number }).tsMs, file: record.file.split(/[\\/]/).pop()!, line: record.line }
}

/** Creates a follower; prefer `reader.follow()`. */
export function createFollower<T>(options: Internal): Follower<T> {
  return new FollowerImpl<T>(options)
}
