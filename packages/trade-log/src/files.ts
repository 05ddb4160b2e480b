/**
 * Log file names: `<kind>_YYYYMMDD.jsonl`, `<kind>_YYYYMMDD.<instance>.jsonl` for a second writer, and the old
 * bot's files, read in place: `<kind>_YYYYMMDD.json` (a JSON array or one object per line; `trades_` and
 * `analysis_` ones), `errors_YYYYMMDD.log` (plain text). Which files the reader reads for a kind is decided here,
 * in one place: `listSources`.
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
  /** The name's prefix: an entry kind, or `analysis` for the old bot's analysis files. */
  kind: string
  /** `YYYYMMDD` in the writer's time zone. */
  day: string
  /** Second-writer instance name, if any. */
  instance?: string
  /** `jsonl`; `json` for the old bot's JSON files (an array or one object per line); `log` for its plain-text error log. */
  format: 'jsonl' | 'json' | 'log'
}

const LOG_FILE = /^([a-z][a-z0-9-]*)_(\d{8})(?:\.([A-Za-z0-9-]+))?\.(jsonl|json|log)$/
const INSTANCE = /^[A-Za-z0-9-]+$/
/** Instance names `trade-log convert` gives its outputs: `legacy-<source kind>-<source day>[-log]`. */
const CONVERTED = /^legacy-([a-z][a-z0-9-]*)-(\d{8})(-log)?$/

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
  if (format !== 'jsonl' && instance !== undefined) return null
  // Plain text is read only as the old bot's error log.
  if (format === 'log' && kind !== 'errors') return null
  const month = Number(day!.slice(4, 6))
  const date = Number(day!.slice(6, 8))
  if (month < 1 || month > 12 || date < 1 || date > 31) return null
  return { name, kind: kind!, day: day!, format: format as LogFile['format'], ...(instance === undefined ? {} : { instance }) }
}

/** Log files of one name prefix (or all) in `dir`, oldest day first, main file before instance files. */
export async function listLogFiles(dir: string, kind?: string): Promise<LogFile[]> {
  return filesIn(dir, await readdir(dir), kind)
}

function filesIn(dir: string, names: string[], kind?: string): LogFile[] {
  const files: LogFile[] = []
  for (const name of names) {
    const parsed = parseLogFileName(name)
    if (parsed && (kind === undefined || parsed.kind === kind)) files.push(logFileAt(join(dir, name), parsed))
  }
  return files.sort(compareLogFiles)
}

/**
 * A listed file as an object literal of fixed shape. A spread copy (`{ ...parsed, path }`) gave the files of one
 * listing different hidden classes, and the reader's optimized code was thrown away and rebuilt file after file:
 * callgrind counted 10.7M instructions per extra daily file, 3.3M with this (BENCHMARKS.md).
 */
function logFileAt(path: string, parsed: Omit<LogFile, 'path'>): LogFile {
  const { name, kind, day, format, instance } = parsed
  return instance === undefined ? { name, kind, day, format, path } : { name, kind, day, format, instance, path }
}

/** Orders by day, then main file, then instances by name. */
export function compareLogFiles(a: Pick<LogFile, 'day' | 'name'>, b: Pick<LogFile, 'day' | 'name'>): number {
  return a.day < b.day ? -1 : a.day > b.day ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

/** True for the old bot's files (read in place, never appended to). */
export const isLegacyFile = (file: Pick<LogFile, 'format'>): boolean => file.format !== 'jsonl'

/**
 * The entry kinds a file's records are read as, and the kind whose reads report the file's damage (so a record read
 * for two kinds is reported once). The old bot logged each decision with its trade: a legacy `trades_` file holds
 * fills and decisions; its `analysis_` files hold decisions.
 */
export function kindsOfFile(file: Pick<LogFile, 'kind' | 'format'>): { reads: readonly string[]; owner: string } {
  if (file.format === 'json' && file.kind === 'trades') return { reads: ['trades', 'decisions'], owner: 'trades' }
  if (file.format === 'json' && file.kind === 'analysis') return { reads: ['decisions'], owner: 'decisions' }
  return { reads: [file.kind], owner: file.kind }
}

/** The instance name `trade-log convert` writes a legacy file's entries under. */
export function convertedInstance(source: Pick<LogFile, 'kind' | 'day' | 'format'>): string {
  return `legacy-${source.kind}-${source.day}${source.format === 'log' ? '-log' : ''}`
}

/** For a file `trade-log convert` wrote, the name of the legacy file it came from. */
export function convertedFrom(file: Pick<LogFile, 'instance'>): string | undefined {
  const match = file.instance === undefined ? null : CONVERTED.exec(file.instance)
  if (!match) return undefined
  const [, kind, day, log] = match
  return `${kind}_${day}.${log ? 'log' : 'json'}`
}

/**
 * The files the reader reads for `kind` (every kind when omitted), oldest day first: its own files, the legacy
 * files that hold its records, and the outputs of `trade-log convert` once their source is set aside. While a
 * source is still in place (a convert that stopped half way, or a source put back) its outputs are left out, so
 * each entry is read once.
 */
export async function listSources(dir: string, kind?: string): Promise<LogFile[]> {
  const all = filesIn(dir, await readdir(dir))
  const present = new Set(all.map((file) => file.name))
  return all.filter((file) => {
    const source = convertedFrom(file)
    if (source !== undefined && present.has(source)) return false
    return kind === undefined || kindsOfFile(file).reads.includes(kind)
  })
}
