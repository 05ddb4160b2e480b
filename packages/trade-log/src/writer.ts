/**
 * The bot side: validate each entry, then append `JSON.stringify(entry) + "\n"` to `<dir>/<kind>_YYYYMMDD.jsonl`
 * in one write. Durable kinds are fdatasync'ed before `append` resolves; buffered kinds go out in bounded
 * batches (each batch one write of whole lines) on a timer, when the buffer is full, and on `flush`/`close`.
 */
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { resolve } from 'node:path'
import { TradeLogIoError, TradeLogLockError, TradeLogUsageError, TradeLogValidationError } from './errors.js'
import { logFileName } from './files.js'
import {
  type BuiltinKinds,
  type Durability,
  type EntryInputOf,
  type EntryKind,
  type EntryOf,
  kindRegistry,
  prepareEntry,
  requireKind,
} from './kinds.js'
import { longerThan, MAX_LINE_BYTES } from './lines.js'
import { type HeldLock, lockPath, tryLock } from './lock.js'
import { syncDir } from './sync-dir.js'
import { assertTimeZone, createDayKeyCache } from './time.js'

/** Options for `createTradeLogWriter`. */
export interface TradeLogWriterOptions<Custom extends readonly EntryKind[] = readonly []> {
  /** Directory the files go to; resolve it with `resolveLogDir()` so bot and server agree. Required. */
  dir: string
  /** IANA time zone that names the daily files and offsets `ts`. Default `'UTC'`. */
  timeZone?: string
  /** Your own entry kinds from `defineEntryKind`. Default none. */
  kinds?: Custom
  /** Durability per kind name. Default: `durable` for trades and equity, `buffered` for decisions, errors and custom kinds. */
  durability?: Partial<Record<string, Durability>>
  /** Bytes a buffered kind may hold before it is written synchronously. Default 65536. */
  maxBufferBytes?: number
  /** How often buffered kinds are written, in ms. Default 1000. */
  flushIntervalMs?: number
  /** Flush and close on SIGINT, SIGTERM, `beforeExit` and `exit` (signals are then re-raised). Default `false`. */
  handleSignals?: boolean
  /** When another live writer holds a kind's file: `'instance'` writes `<kind>_DAY.<instance>.jsonl`, `'refuse'` throws `TradeLogLockError`. Default `'instance'`. */
  onConflict?: 'instance' | 'refuse'
  /** Always write `<kind>_DAY.<instance>.jsonl` under this name (letters, digits, `-`). Default none (the main file). */
  instance?: string
  /** A lock from another host whose heartbeat is older than this is stale, in ms. Default 30000. */
  staleLockMs?: number
  /** Create `dir` if it does not exist. Default `true`. */
  mkdir?: boolean
  /** Clock used for missing timestamps and day rotation. Default `Date.now`. */
  now?: () => number
}

type KindMap<Custom extends readonly EntryKind[]> = BuiltinKinds & { [K in Custom[number] as K['name']]: K }

/** Writes entries; get one from `createTradeLogWriter`. */
export interface TradeLogWriter<Custom extends readonly EntryKind[] = readonly []> {
  /** The absolute directory written to. */
  readonly dir: string
  /**
   * Validates and appends one entry; fills `ts`/`tsMs` from the clock when both are missing. Resolves with the
   * stored entry: for a durable kind once it is on disk, for a buffered kind once it is buffered. An invalid
   * entry rejects with `TradeLogValidationError` and writes nothing.
   */
  append<N extends keyof KindMap<Custom> & string>(
    kind: N,
    entry: EntryInputOf<KindMap<Custom>[N]>,
  ): Promise<EntryOf<KindMap<Custom>[N]>>
  /** Writes every buffer and fdatasyncs every open file. */
  flush(): Promise<void>
  /** Flushes, closes the files and releases the locks; resolves when everything is on disk. */
  close(): Promise<void>
  /** The file each kind currently appends to. */
  currentFiles(): Record<string, string>
}

interface KindState {
  kind: EntryKind
  durability: Durability
  instance: string | undefined
  lock: HeldLock | undefined
  fd: number | undefined
  day: string | undefined
  path: string | undefined
  buffer: string[]
  bufferBytes: number
}

const defaultInstanceName = () =>
  `${hostname()
    .replace(/[^A-Za-z0-9-]/g, '-')
    .slice(0, 40)}-${process.pid}`

function writeFully(fd: number, text: string, path: string): void {
  let data = Buffer.from(text)
  try {
    // A short write (signal, ENOSPC) leaves the rest for the next call rather than a gap.
    while (data.length > 0) data = data.subarray(writeSync(fd, data))
  } catch (error) {
    throw new TradeLogIoError(`Could not append to ${path}: ${(error as Error).message}. Check free space and permissions.`, {
      path,
      cause: error,
    })
  }
}

/**
 * A crash in the middle of a write can leave the file ending without a newline. Appending after it would glue
 * the next entry onto the fragment and lose both, so the fragment is finished with a newline if it is complete
 * JSON, and cut off otherwise (it was never acknowledged: a durable append resolves only after its whole line).
 */
function repairTornTail(fd: number, path: string): void {
  const size = fstatSync(fd).size
  if (size === 0) return
  const last = Buffer.alloc(1)
  readSync(fd, last, 0, 1, size - 1)
  if (last[0] === 10) return
  const window = 64 * 1024
  let start = size
  let newline = -1
  const chunks: Buffer[] = []
  while (start > 0 && newline < 0) {
    const from = Math.max(0, start - window)
    const chunk = Buffer.alloc(start - from)
    readSync(fd, chunk, 0, chunk.length, from)
    const index = chunk.lastIndexOf(10)
    if (index >= 0) newline = from + index
    chunks.unshift(index >= 0 ? chunk.subarray(index + 1) : chunk)
    start = from
  }
  const fragment = Buffer.concat(chunks).toString('utf8').replace(/\0+/g, '').trim()
  let complete = false
  try {
    complete = fragment !== '' && typeof JSON.parse(fragment) === 'object'
  } catch {}
  if (complete) writeFully(fd, '\n', path)
  else ftruncateSync(fd, newline + 1)
  fdatasyncSync(fd)
}

/** Creates a writer. Nothing is opened or locked until the first entry of a kind arrives. */
export function createTradeLogWriter<const Custom extends readonly EntryKind[] = readonly []>(
  options: TradeLogWriterOptions<Custom>,
): TradeLogWriter<Custom> {
  if (!options.dir) throw new TradeLogUsageError('createTradeLogWriter needs `dir`; use resolveLogDir() to pick it.')
  const dir = resolve(options.dir)
  const timeZone = options.timeZone ?? 'UTC'
  assertTimeZone(timeZone)
  const registry = kindRegistry(options.kinds ?? [])
  const maxBufferBytes = options.maxBufferBytes ?? 65_536
  const flushIntervalMs = options.flushIntervalMs ?? 1000
  const staleLockMs = options.staleLockMs ?? 30_000
  const onConflict = options.onConflict ?? 'instance'
  const now = options.now ?? Date.now
  const dayOf = createDayKeyCache(timeZone)
  const states = new Map<string, KindState>()
  let closed = false
  let pendingError: unknown
  let dirReady = false

  const ensureDir = () => {
    if (dirReady) return
    try {
      if (options.mkdir ?? true) mkdirSync(dir, { recursive: true })
    } catch (error) {
      throw new TradeLogIoError(
        `Could not create the log directory ${dir}: ${(error as Error).message}. Check TRADE_LOG_DIR and the volume's permissions.`,
        { path: dir, cause: error },
      )
    }
    dirReady = true
  }

  const stateOf = (name: string): KindState => {
    let state = states.get(name)
    if (state) return state
    const kind = requireKind(registry, name)
    ensureDir()
    const durability = options.durability?.[name] ?? kind.durability
    let instance = options.instance
    let attempt = tryLock(lockPath(dir, name, instance), staleLockMs, now())
    if (!attempt.ok && onConflict === 'instance' && instance === undefined) {
      instance = defaultInstanceName()
      attempt = tryLock(lockPath(dir, name, instance), staleLockMs, now())
    }
    if (!attempt.ok) throw new TradeLogLockError(attempt.path, attempt.holder)
    state = {
      kind,
      durability,
      instance,
      lock: attempt.lock,
      fd: undefined,
      day: undefined,
      path: undefined,
      buffer: [],
      bufferBytes: 0,
    }
    states.set(name, state)
    return state
  }

  const writeBuffer = (state: KindState) => {
    if (state.bufferBytes === 0 || state.fd === undefined) return
    const text = state.buffer.join('')
    writeFully(state.fd, text, state.path!)
    state.buffer = []
    state.bufferBytes = 0
  }

  const openFor = (state: KindState, day: string) => {
    if (state.day === day && state.fd !== undefined) return
    writeBuffer(state)
    if (state.fd !== undefined) {
      if (state.durability === 'durable') fdatasyncSync(state.fd)
      closeSync(state.fd)
    }
    const path = resolve(dir, logFileName(state.kind.name, day, state.instance))
    try {
      state.fd = openSync(path, 'a+')
      repairTornTail(state.fd, path)
    } catch (error) {
      throw new TradeLogIoError(`Could not open ${path} for appending: ${(error as Error).message}.`, { path, cause: error })
    }
    state.day = day
    state.path = path
    // A new file's name must be durable too, not only its bytes.
    if (state.durability === 'durable') syncDir(dir)
  }

  const flushAllSync = () => {
    let firstError: unknown
    for (const state of states.values()) {
      try {
        writeBuffer(state)
        if (state.fd !== undefined) fdatasyncSync(state.fd)
      } catch (error) {
        firstError ??= error
      }
    }
    if (firstError !== undefined) throw firstError
  }

  const timer = setInterval(() => {
    for (const state of states.values()) {
      if (state.durability !== 'buffered') continue
      try {
        writeBuffer(state)
      } catch (error) {
        pendingError ??= error
      }
    }
  }, flushIntervalMs)
  timer.unref()
  const heartbeat = setInterval(
    () => {
      for (const state of states.values()) state.lock?.touch()
    },
    Math.max(1000, Math.floor(staleLockMs / 3)),
  )
  heartbeat.unref()

  const closeSync_ = () => {
    if (closed) return
    closed = true
    clearInterval(timer)
    clearInterval(heartbeat)
    removeSignalHandlers()
    let firstError: unknown
    try {
      flushAllSync()
    } catch (error) {
      firstError = error
    }
    for (const state of states.values()) {
      if (state.fd !== undefined) {
        try {
          closeSync(state.fd)
        } catch {}
        state.fd = undefined
      }
      state.lock?.release()
    }
    if (firstError !== undefined) throw firstError
  }

  const onSignal = (signal: NodeJS.Signals) => {
    try {
      closeSync_()
    } catch {}
    // Our listener replaced Node's default action; re-raise so the process still ends as it would have.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
  }
  const onBeforeExit = () => {
    try {
      closeSync_()
    } catch {}
  }
  const handlers = options.handleSignals
    ? ([
        ['SIGINT', onSignal],
        ['SIGTERM', onSignal],
        ['beforeExit', onBeforeExit],
        ['exit', onBeforeExit],
      ] as const)
    : []
  for (const [event, handler] of handlers) process.on(event, handler)
  function removeSignalHandlers() {
    for (const [event, handler] of handlers) process.off(event, handler)
  }

  const appendSync = (name: string, input: unknown) => {
    if (closed) throw new TradeLogIoError(`This writer for ${dir} is closed; create a new one.`, { path: dir })
    if (pendingError !== undefined) {
      const error = pendingError
      pendingError = undefined
      throw error
    }
    const state = stateOf(name)
    const entry = prepareEntry(state.kind, input, now(), timeZone)
    const line = `${JSON.stringify(entry)}\n`
    // The readers' limit, checked before anything is written or acknowledged.
    if (longerThan(line, MAX_LINE_BYTES + 1)) {
      const message = `is ${Buffer.byteLength(line) - 1} bytes as a JSON line, longer than ${MAX_LINE_BYTES} bytes (MAX_LINE_BYTES), which readers skip; store large data elsewhere and log a reference`
      throw new TradeLogValidationError(state.kind.name, [{ path: '', message }], undefined)
    }
    openFor(state, dayOf(entry.tsMs))
    if (state.durability === 'durable') {
      writeFully(state.fd!, line, state.path!)
      try {
        fdatasyncSync(state.fd!)
      } catch (error) {
        throw new TradeLogIoError(`Could not sync ${state.path}: ${(error as Error).message}.`, {
          path: state.path!,
          cause: error,
        })
      }
    } else {
      state.buffer.push(line)
      state.bufferBytes += line.length
      if (state.bufferBytes >= maxBufferBytes) writeBuffer(state)
    }
    return entry
  }

  return {
    dir,
    append(kind, entry) {
      try {
        return Promise.resolve(appendSync(kind, entry) as never)
      } catch (error) {
        return Promise.reject(error)
      }
    },
    flush() {
      try {
        if (pendingError !== undefined) {
          const error = pendingError
          pendingError = undefined
          throw error
        }
        flushAllSync()
        return Promise.resolve()
      } catch (error) {
        return Promise.reject(error)
      }
    },
    close() {
      try {
        closeSync_()
        return Promise.resolve()
      } catch (error) {
        return Promise.reject(error)
      }
    },
    currentFiles() {
      const files: Record<string, string> = {}
      for (const [name, state] of states) if (state.path) files[name] = state.path
      return files
    },
  }
}
