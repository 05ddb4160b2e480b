/**
 * Worker thread of `readSplit`: reads the listed files with the reader's own stream and posts each kind's entries
 * in packed chunks of one file each, then that kind's diagnostics. With a fold job it folds the fills of closed
 * days itself and posts that part instead; if the other thread cannot join it, it reads those days again and sends
 * their fills.
 */
import { parentPort } from 'node:worker_threads'
import type { LogFile } from './files.js'
import type { Diagnostic } from './lines.js'
import {
  createChunker,
  type FoldJob,
  type FoldKind,
  type JobMessage,
  jobReader,
  optionsOfRecord,
  type PartAnswer,
  type WorkerJob,
  type WorkerMessage,
} from './performance-read.js'
import { createTrackerPart } from './performance-tracker.js'
import type { TradeEntry } from './schemas.js'

/** Entries per message: large enough that posting costs little, small enough that the fold starts early. */
const CHUNK = 1_000

type Post = (message: WorkerMessage, transfer?: ArrayBuffer[]) => void

async function run(job: WorkerJob, post: Post, answer: () => Promise<PartAnswer>): Promise<void> {
  const diagnostics: Diagnostic[] = []
  // This thread serves nothing else: its reads block rather than wait for the thread pool.
  const reader = jobReader(job, job.files, diagnostics, { blockingReads: true })
  for (const kind of job.kinds) {
    const chunker = createChunker(kind, post, CHUNK)
    if (kind === 'trades' && job.fold) {
      const part = foldClosedDays(job, job.fold, post, answer)
      for await (const record of reader.stream({ kind })) {
        if (part.take(record)) continue
        await part.end()
        chunker.push(record)
      }
      await part.end()
    } else {
      for await (const record of reader.stream({ kind })) chunker.push(record)
    }
    chunker.flush()
    post({ type: 'done', kind, diagnostics: diagnostics.splice(0) })
  }
}

/**
 * Folds the fills of closed days (they come first); at the first later fill, or the end, posts the part. A sell
 * beyond what the part saw bought means a position was open at the split, where the other thread cannot join the
 * part: the part then starts again at the next midnight with nothing open in it, and the days before that are sent
 * as fills (the other thread folds them, and is then flat where the new part starts if the position was closed).
 */
function foldClosedDays(job: WorkerJob, fold: FoldJob, post: Post, answer: () => Promise<PartAnswer>) {
  const dayOf = new Map(job.files.map((file) => [file.path, file.day]))
  const closed = job.files.filter((file) => file.day <= fold.closedDay)
  const closedPaths = new Set(closed.map((file) => file.path))
  const options = optionsOfRecord(fold.options)
  let tracker = createTrackerPart(options)
  // The part's first day, once it started again (the days before it are sent).
  let from: string | undefined
  let day: string | undefined
  let failed = false
  let last: { readonly file: string; readonly cursor: string } | undefined
  let posted = false
  const end = async () => {
    if (posted) return
    posted = true
    if (!last) return
    const start = from
    if (start !== undefined)
      await send(
        job,
        closed.filter((file) => file.day < start),
        post,
      )
    const part = failed ? null : tracker.part()
    const transfer: ArrayBuffer[] = []
    if (part) {
      transfer.push(part.pointTimes.buffer as ArrayBuffer)
      if (part.pointValues instanceof BigInt64Array) transfer.push(part.pointValues.buffer as ArrayBuffer)
    }
    post({ type: 'part', kind: 'trades', file: last.file, cursor: last.cursor, part }, transfer)
    if ((await answer()).type === 'resend') {
      await send(job, start === undefined ? closed : closed.filter((file) => file.day >= start), post)
    }
  }
  return {
    /** Folds the record when it is of a closed day (true), else leaves it (false: call `end` first, then send it). */
    take(record: { readonly file: string; readonly cursor: string; readonly entry: unknown }): boolean {
      if (!closedPaths.has(record.file)) return false
      const recordDay = dayOf.get(record.file)
      if (recordDay !== day) {
        if (day !== undefined && !failed && tracker.sawUnmatched() && tracker.flat()) {
          tracker = createTrackerPart(options)
          from = recordDay
        }
        day = recordDay
      }
      if (!failed) {
        try {
          tracker.add(record.entry as TradeEntry)
        } catch {
          // Out of time order, say: the other thread folds these fills and meets the same error there.
          failed = true
        }
      }
      last = record
      return true
    },
    end,
  }
}

/** The fills of `files` (closed days), as chunks; read again, so their diagnostics were posted once already. */
async function send(job: WorkerJob, files: LogFile[], post: Post): Promise<void> {
  const kind: FoldKind = 'trades'
  const chunker = createChunker(kind, post, CHUNK)
  const reader = jobReader(job, files, [], { blockingReads: true })
  for await (const record of reader.stream({ kind })) chunker.push(record)
  chunker.flush()
}

const port = parentPort
if (port) {
  // The job comes first (the worker may be started before it is known), then answers to a posted part.
  const answers: PartAnswer[] = []
  let wake: (() => void) | undefined
  port.on('message', (message: JobMessage | PartAnswer) => {
    if (message.type === 'job') {
      run(message.job, (reply, transfer) => port.postMessage(reply, transfer), answer)
        .catch((error: unknown) => {
          port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
        })
        .finally(() => port.removeAllListeners('message'))
      return
    }
    answers.push(message)
    wake?.()
  })
  const answer = async (): Promise<PartAnswer> => {
    while (answers.length === 0) await new Promise<void>((resolve) => (wake = resolve))
    return answers.shift()!
  }
}
