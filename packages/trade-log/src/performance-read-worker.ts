/**
 * Worker thread of `readSplit`: reads the listed files with the reader's own stream and posts each kind's entries
 * in packed chunks of one file each, then that kind's diagnostics.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { Diagnostic } from './lines.js'
import { jobReader, type PackedChunk, packEntries, type WorkerJob, type WorkerMessage } from './performance-read.js'
import type { EquityEntry, TradeEntry } from './schemas.js'

/** Entries per message: large enough that posting costs little, small enough that the fold starts early. */
const CHUNK = 1_000

async function run(job: WorkerJob, post: (message: WorkerMessage) => void): Promise<void> {
  const diagnostics: Diagnostic[] = []
  const reader = jobReader(job, job.files, diagnostics)
  for (const kind of job.kinds) {
    let file = ''
    let cursorOf: { readonly cursor: string } | undefined
    let entries: (TradeEntry | EquityEntry)[] = []
    const flush = () => {
      if (entries.length === 0 || !cursorOf) return
      const chunk: PackedChunk = { type: 'chunk', kind, file, cursor: cursorOf.cursor, ...packEntries(kind, entries) }
      post(chunk)
      entries = []
    }
    for await (const record of reader.stream({ kind })) {
      if (record.file !== file || entries.length >= CHUNK) {
        flush()
        file = record.file
      }
      entries.push(record.entry as TradeEntry | EquityEntry)
      cursorOf = record
    }
    flush()
    post({ type: 'done', kind, diagnostics: diagnostics.splice(0) })
  }
}

const port = parentPort
if (port) {
  run(workerData as WorkerJob, (message) => port.postMessage(message)).catch((error: unknown) => {
    port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
  })
}
