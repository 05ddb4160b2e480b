/**
 * `doctor(dir)`: can this directory be read (and written), which log files are in it, are their lines good, and
 * which files look like logs but will never be found (wrong extension, separator, date format or time zone).
 * Ends with a one-line verdict that says what to do.
 */
import { constants } from 'node:fs'
import { access, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { readLogFile } from './file-source.js'
import { type LogFile, listLogFiles, parseLogFileName } from './files.js'
import { type EntryKind, kindRegistry } from './kinds.js'
import { dayKey, dayKeyToIsoDate } from './time.js'

/** Files of one kind. */
export interface DoctorKindReport {
  kind: string
  files: number
  /** Files written by a second writer (`<kind>_DAY.<instance>.jsonl`). */
  instanceFiles: number
  /** `YYYY-MM-DD` of the oldest and newest file. */
  firstDay: string
  lastDay: string
  bytes: number
  /** ISO time of the newest modification. */
  lastWriteAt: string
  /** Entries read (null when `scan` is false). */
  entries: number | null
  /** Lines skipped as invalid (null when `scan` is false). */
  badLines: number | null
}

/** A file that looks like a log but does not match the naming the reader uses, or needs attention. */
export interface NearMiss {
  file: string
  reason: string
  /** What to do about it. */
  fix: string
}

/** What `doctor` found. */
export interface DoctorReport {
  /** Absolute path examined. */
  dir: string
  exists: boolean
  readable: boolean
  writable: boolean
  kinds: DoctorKindReport[]
  nearMisses: NearMiss[]
  /** Other directories that do hold trade logs (when this one has none). */
  candidates: string[]
  verdict: { ok: boolean; message: string }
}

/** Options for `doctor`. */
export interface DoctorOptions {
  /** Time zone the writer names files in. Default `'UTC'`. */
  timeZone?: string
  /** Your own entry kinds. Default none. */
  kinds?: readonly EntryKind[]
  /** Read every line to count entries and bad lines, and check file days against entry times. Default `true`. */
  scan?: boolean
  /** Clock for "last write … ago". Default `Date.now`. */
  now?: () => number
  /** Extra directories to look in when `dir` has no logs. Default: `./logs` and `TRADE_LOG_DIR`. */
  searchPaths?: string[]
}

const LOOKS_LIKE_LOG =
  /^([A-Za-z][A-Za-z0-9-]*?)[-_.]?(\d{4})-?(\d{2})-?(\d{2})(?:[._-](\d+|[A-Za-z0-9-]+))?\.(jsonl|json|log|txt|ndjson)$/
const ZONE_GUESSES = ['UTC', 'Asia/Seoul', 'America/New_York', 'Europe/London']

async function can(path: string, mode: number): Promise<boolean> {
  try {
    await access(path, mode)
    return true
  } catch {
    return false
  }
}

async function canWrite(dir: string): Promise<boolean> {
  const probe = join(dir, `.trade-log-doctor-${process.pid}-${Date.now()}`)
  try {
    await writeFile(probe, '')
    await rm(probe, { force: true })
    return true
  } catch {
    return false
  }
}

function ago(ms: number): string {
  const minutes = Math.round(ms / 60_000)
  if (minutes < 1) return 'just now'
  if (minutes < 120) return `${minutes} min ago`
  const hours = Math.round(minutes / 60)
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`
}

function nearMissOf(name: string, kinds: Set<string>): NearMiss | null {
  const parsed = parseLogFileName(name)
  if (parsed) {
    if (parsed.format === 'json') {
      return {
        file: name,
        reason: "old JSON format (.json); it is read, but tools expecting .jsonl won't see it",
        fix: `trade-log convert ${name}`,
      }
    }
    return kinds.has(parsed.kind)
      ? null
      : { file: name, reason: `unknown kind "${parsed.kind}"`, fix: 'register it with defineEntryKind() or rename it' }
  }
  const match = LOOKS_LIKE_LOG.exec(name)
  if (!match) return null
  const [, prefix, year, month, day, , extension] = match
  const kind = prefix!.toLowerCase()
  const expected = `${kind}_${year}${month}${day}.jsonl`
  if (kind === 'analysis')
    return {
      file: name,
      reason: 'the old bot’s analysis log; this package calls that kind "decisions"',
      fix: `rename to decisions_${year}${month}${day}.jsonl if its lines are decision entries`,
    }
  return {
    file: name,
    reason: `looks like a ${kind} log but is not named <kind>_YYYYMMDD.jsonl${extension === 'jsonl' ? '' : ` (extension .${extension})`}`,
    fix: extension === 'json' || extension === 'log' ? `trade-log convert ${name} (writes ${expected})` : `rename to ${expected}`,
  }
}

/** Examines a log directory; never throws for a missing or unreadable directory (that is what it reports). */
export async function doctor(dir: string, options: DoctorOptions = {}): Promise<DoctorReport> {
  const absolute = resolve(dir)
  const timeZone = options.timeZone ?? 'UTC'
  const now = (options.now ?? Date.now)()
  const registry = kindRegistry(options.kinds ?? [])
  const report: DoctorReport = {
    dir: absolute,
    exists: false,
    readable: false,
    writable: false,
    kinds: [],
    nearMisses: [],
    candidates: [],
    verdict: { ok: false, message: '' },
  }
  const info = await stat(absolute).catch(() => undefined)
  report.exists = info?.isDirectory() ?? false
  if (!report.exists) {
    report.candidates = await findCandidates(absolute, options.searchPaths, registry)
    const elsewhere = report.candidates.length > 0 ? ` Trade logs do exist in ${report.candidates.join(', ')}.` : ''
    report.verdict.message = info
      ? `${absolute} is a file, not a directory. Point TRADE_LOG_DIR at the directory that holds <kind>_YYYYMMDD.jsonl files.`
      : `No log directory at ${absolute}.${elsewhere} Set TRADE_LOG_DIR to the same absolute path in the bot and the server, and mount the same volume there.`
    return report
  }
  report.readable = await can(absolute, constants.R_OK | constants.X_OK)
  report.writable = await canWrite(absolute)
  if (!report.readable) {
    report.verdict.message = `${absolute} exists but this process (uid ${process.getuid?.() ?? '?'}) cannot read it. Fix the volume's owner or mode (e.g. chmod o+rx).`
    return report
  }
  const names = await readdir(absolute)
  const files = await listLogFiles(absolute)
  for (const name of names) {
    const miss = nearMissOf(name, new Set(registry.keys()))
    if (miss) report.nearMisses.push(miss)
  }
  const zoneMismatches = new Map<string, { files: number; guess: string | undefined }>()
  for (const [name, kind] of registry) {
    const kindFiles = files.filter((file) => file.kind === name)
    if (kindFiles.length === 0) continue
    let bytes = 0
    let lastWrite = 0
    let entries = 0
    let badLines = 0
    for (const file of kindFiles) {
      const fileInfo = await stat(file.path)
      bytes += fileInfo.size
      lastWrite = Math.max(lastWrite, fileInfo.mtimeMs)
      if (options.scan === false) continue
      const times: number[] = []
      for await (const batch of readLogFile(file, kind, Number.POSITIVE_INFINITY, { onDiagnostic: () => badLines++ })) {
        entries += batch.length
        for (const record of batch) times.push(record.entry.tsMs)
      }
      checkZone(file, times, timeZone, zoneMismatches)
    }
    report.kinds.push({
      kind: name,
      files: kindFiles.length,
      instanceFiles: kindFiles.filter((file) => file.instance !== undefined).length,
      firstDay: dayKeyToIsoDate(kindFiles[0]!.day),
      lastDay: dayKeyToIsoDate(kindFiles.at(-1)!.day),
      bytes,
      lastWriteAt: new Date(lastWrite).toISOString(),
      entries: options.scan === false ? null : entries,
      badLines: options.scan === false ? null : badLines,
    })
  }
  for (const [file, mismatch] of zoneMismatches) {
    report.nearMisses.push({
      file,
      reason: `its entries fall on other days in ${timeZone}${mismatch.guess ? `; the name matches ${mismatch.guess} dates` : ''}`,
      fix: mismatch.guess
        ? `configure timeZone: '${mismatch.guess}' in the reader/doctor, or make the writer use '${timeZone}'`
        : 'check the writer’s timeZone and clock',
    })
  }
  report.verdict = verdictOf(report, now)
  if (report.kinds.length === 0) report.candidates = await findCandidates(absolute, options.searchPaths, registry)
  if (report.kinds.length === 0 && report.candidates.length > 0) {
    report.verdict.message += ` Trade logs do exist in ${report.candidates.join(', ')}: point TRADE_LOG_DIR there.`
  }
  return report
}

function checkZone(
  file: LogFile,
  times: number[],
  timeZone: string,
  out: Map<string, { files: number; guess: string | undefined }>,
) {
  if (times.length === 0 || file.format !== 'jsonl') return
  const off = times.filter((time) => dayKey(time, timeZone) !== file.day).length
  // A few entries across midnight are normal (clock skew, a late fill); most of a file is not.
  if (off * 2 <= times.length) return
  const guess = ZONE_GUESSES.find((zone) => zone !== timeZone && times.every((time) => dayKey(time, zone) === file.day))
  out.set(file.name, { files: 1, guess })
}

function verdictOf(report: DoctorReport, now: number): DoctorReport['verdict'] {
  const total = report.kinds.reduce((sum, kind) => sum + kind.files, 0)
  if (total === 0) {
    const misses = report.nearMisses.slice(0, 3).map((miss) => miss.file)
    return {
      ok: false,
      message:
        misses.length > 0
          ? `No <kind>_YYYYMMDD.jsonl files in ${report.dir}, but ${report.nearMisses.length} file(s) look like logs named differently (${misses.join(', ')}): ${report.nearMisses[0]!.fix}.`
          : `${report.dir} has no trade-log files. Is the bot writing to another path? Compare the path the bot logs at start-up with this one.`,
    }
  }
  const bad = report.kinds.reduce((sum, kind) => sum + (kind.badLines ?? 0), 0)
  const trades = report.kinds.find((kind) => kind.kind === 'trades')
  const newest = Math.max(...report.kinds.map((kind) => Date.parse(kind.lastWriteAt)))
  const summary = report.kinds.map((kind) => `${kind.files} ${kind.kind}`).join(', ')
  const range = trades ? ` (trades ${trades.firstDay} … ${trades.lastDay})` : ''
  const warnings = [
    bad > 0 ? `${bad} bad line(s) skipped: run trade-log validate ${report.dir}` : '',
    report.nearMisses.length > 0
      ? `${report.nearMisses.length} misnamed file(s): ${report.nearMisses[0]!.file} → ${report.nearMisses[0]!.fix}`
      : '',
  ].filter(Boolean)
  return {
    ok: true,
    message: `${warnings.length > 0 ? 'OK with warnings' : 'OK'}: ${summary} file(s) in ${report.dir}${range}, last write ${ago(now - newest)}.${warnings.length > 0 ? ` ${warnings.join('; ')}.` : ''}`,
  }
}

async function findCandidates(
  dir: string,
  searchPaths: string[] | undefined,
  registry: Map<string, EntryKind>,
): Promise<string[]> {
  const paths = searchPaths ?? [
    resolve('logs'),
    ...(process.env['TRADE_LOG_DIR'] ? [resolve(process.env['TRADE_LOG_DIR'])] : []),
    join(dirname(dir), 'logs'),
  ]
  const found: string[] = []
  for (const path of new Set(paths)) {
    if (path === dir) continue
    const files = await listLogFiles(path).catch(() => [])
    if (files.some((file) => registry.has(file.kind))) found.push(path)
  }
  return found
}
