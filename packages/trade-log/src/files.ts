/**
 * Log file names: `<kind>_YYYYMMDD.jsonl`, `<kind>_YYYYMMDD.<instance>.jsonl` for a second writer, and the old
 * bot's `<kind>_YYYYMMDD.json` (legacy, read-only).
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { TradeLogUsageError } from './errors.js'

/** One log file found in the directory. */
export interface LogFile {
  /** Absolute path. */
  path: string
  /** Base name, e.g. `trades_20250801.jsonl`. */
  name: string
  kind: string
  /** `YYYYMMDD` in the writer's time zone. */
  day: string
  /** Second-writer instance name, if any. */
  instance?: string
  /** `jsonl`, or `json` for the old bot's files (a JSON array or legacy lines). */
  format: 'jsonl' | 'json'
}

const LOG_FILE = /^([a-z][a-z0-9-]*)_(\d{8})(?:\.([A-Za-z0-9-]+))?\.(jsonl|json)$/
const INSTANCE = /^[A-Za-z0-9-]+$/

/** The file name for a kind, day and optional instance. */
export function logFileName(kind: string, day: string, instance?: string): string {
  if (instance !== undefined && !INSTANCE.test(instance)) {
    throw new TradeLogUsageError(`Instance name ${JSON.stringify(instance)} must be letters, digits and "-".`)
  }
  return instance === undefined ? `${kind}_${day}.jsonl` : `${kind}_${day}.${instance}.jsonl`
}

/** Parses a file name; null when it is not a log file name. */
export function parseLogFileName(name: string): Omit<LogFile, 'path'> | null {
  const match = LOG_FILE.exec(name)
  if (!match) return null
  const [, kind, day, instance, format] = match
  if (format === 'json' && instance !== undefined) return null
  const month = Number(day!.slice(4, 6))
  const date = Number(day!.slice(6, 8))
  if (month < 1 || month > 12 || date < 1 || date > 31) return null
  return { name, kind: kind!, day: day!, format: format as 'jsonl' | 'json', ...(instance === undefined ? {} : { instance }) }
}

/** Log files of one kind (or all kinds) in `dir`, oldest day first, main file before instance files. */
export async function listLogFiles(dir: string, kind?: string): Promise<LogFile[]> {
  const names = await readdir(dir)
  const files: LogFile[] = []
  for (const name of names) {
    const parsed = parseLogFileName(name)
    if (parsed && (kind === undefined || parsed.kind === kind)) files.push({ ...parsed, path: join(dir, name) })
  }
  return files.sort(compareLogFiles)
}

/** Orders by day, then main file, then instances by name. */
export function compareLogFiles(a: Pick<LogFile, 'day' | 'name'>, b: Pick<LogFile, 'day' | 'name'>): number {
  return a.day < b.day ? -1 : a.day > b.day ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}
