/**
 * `trade-log import`: copies a log directory (day files, the old bot's files and `convert`'s outputs, read exactly as
 * the file reader reads them) into a PostgreSQL log. Entries are inserted by key, so running it again, or importing
 * a directory that overlaps what a writer already stored, adds only what is missing.
 */
import { kindRegistry, requireKind } from '../kinds.js'
import type { Diagnostic } from '../lines.js'
import { createTradeLogReader } from '../reader.js'
import type { TimeBound } from '../time.js'
import { type EntryRow, openLogDatabase, type PostgresConnectionOptions } from './database.js'
import { entryKey } from './entry-key.js'

/** Options for `importLogDirectory`. */
export interface ImportOptions extends PostgresConnectionOptions {
  /** The log directory to read. Required. */
  dir: string
  /** Kinds to copy. Default: trades, decisions, errors, equity. */
  kinds?: readonly string[]
  /** IANA zone of the old bot's timestamps without an offset (as the reader's `timeZone`). Default `'UTC'`. */
  timeZone?: string
  /** Only entries at or after this time (a catch-up after an outage). Default: all. */
  from?: TimeBound
  /** Entries per INSERT statement. Default 1000. */
  batchSize?: number
  /** Called for every line the reader skips (damaged, duplicate). Default none. */
  onDiagnostic?: (diagnostic: Diagnostic) => void
  /** Called after every batch. Default none. */
  onProgress?: (progress: { kind: string; read: number; inserted: number }) => void
  /** Stops the import between batches (what was inserted stays; run it again to finish). Default none. */
  signal?: AbortSignal
}

/** What an import did, per kind. */
export interface ImportReport {
  /** Entries read, inserted, and already in the database (an earlier import, or a writer), per kind; `legacy`: read from the old bot's files. */
  kinds: Record<string, { read: number; inserted: number; alreadyPresent: number; legacy: number }>
  /** Lines the reader skipped or reported (see `trade-log validate` for each). */
  diagnostics: number
  /** Where the entries went, without the password. */
  target: string
}

export async function importLogDirectory(options: ImportOptions): Promise<ImportReport> {
  const kinds = options.kinds ?? ['trades', 'decisions', 'errors', 'equity']
  const registry = kindRegistry()
  for (const kind of kinds) requireKind(registry, kind)
  const batchSize = options.batchSize ?? 1000
  const database = openLogDatabase({ maxConnections: 2, ...options })
  let diagnostics = 0
  const reader = createTradeLogReader({
    dir: options.dir,
    timeZone: options.timeZone ?? 'UTC',
    onDiagnostic(diagnostic) {
      diagnostics++
      options.onDiagnostic?.(diagnostic)
    },
  })
  const report: ImportReport = {
    kinds: {},
    diagnostics: 0,
    target: `${database.target.description}#${database.target.schema}/${database.target.log}`,
  }
  try {
    await database.ready()
    for (const kind of kinds) {
      const counts = { read: 0, inserted: 0, alreadyPresent: 0, legacy: 0 }
      report.kinds[kind] = counts
      let rows: EntryRow[] = []
      const send = async () => {
        options.signal?.throwIfAborted()
        const inserted = await database.insert(rows)
        counts.inserted += inserted
        counts.alreadyPresent += rows.length - inserted
        rows = []
        options.onProgress?.({ kind, read: counts.read, inserted: counts.inserted })
      }
      for await (const record of reader.stream({
        kind: kind as 'trades',
        ...(options.from === undefined ? {} : { from: options.from }),
      })) {
        const entry = record.entry as unknown as Record<string, unknown> & { tsMs: number }
        counts.read++
        if (entry['legacy'] !== undefined) counts.legacy++
        rows.push({
          kind,
          key: entryKey(kind, entry),
          tsMs: entry.tsMs,
          market: typeof entry['market'] === 'string' ? entry['market'] : null,
          side: typeof entry['side'] === 'string' ? entry['side'] : null,
          json: JSON.stringify(entry),
        })
        if (rows.length >= batchSize) await send()
      }
      if (rows.length > 0) await send()
    }
  } finally {
    await database.close()
  }
  report.diagnostics = diagnostics
  return report
}
