/**
 * `doctor(dir)`: can this directory be read (and written), which log files are in it, are their lines good, and
 * what is wrong with the deployment around it: a path or symlink to nowhere, files this process may not read,
 * files another program wrote, logs one folder down, misnamed or future-dated files, the old bot's files and
 * half-finished conversions. Every finding comes from `DOCTOR_FINDINGS`, and every fix it prints is an action
 * (`DoctorFixAction`) worded by one function, so what is printed is what works. It never throws: an unexpected
 * failure is a finding too. Only an aborted `signal` rejects.
 */
import { constants, type Stats } from 'node:fs'
import { lstat, open, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { z } from 'zod'
import { createDayKeys } from './fast-time.js'
import { convertedFrom, isLegacyFile, type LogFile, listLogFiles, listSources, parseLogFileName } from './files.js'
import { defineEntryKind, type EntryKind, kindRegistry } from './kinds.js'
import { DAMAGE_CODES, type Diagnostic } from './lines.js'
import { createReader } from './reader.js'
import { dayKeyToIsoDate } from './time.js'

/** Every finding doctor can report: how serious it is, and whether it comes with a fix. */
export const DOCTOR_FINDINGS = {
  'missing-dir': { severity: 'error', fix: 'always' },
  'dangling-symlink': { severity: 'error', fix: 'always' },
  'not-a-directory': { severity: 'error', fix: 'always' },
  'unreadable-dir': { severity: 'error', fix: 'always' },
  'unreadable-file': { severity: 'error', fix: 'always' },
  'not-a-file': { severity: 'error', fix: 'always' },
  'no-logs': { severity: 'error', fix: 'when logs exist elsewhere' },
  'logs-in-subdirs': { severity: 'error', fix: 'always' },
  'foreign-only': { severity: 'error', fix: 'always' },
  incomplete: { severity: 'error', fix: 'never' },
  misnamed: { severity: 'warning', fix: 'always' },
  legacy: { severity: 'warning', fix: 'always' },
  'conversion-unfinished': { severity: 'warning', fix: 'always' },
  'bad-lines': { severity: 'warning', fix: 'always' },
  duplicates: { severity: 'warning', fix: 'always' },
  'future-dated': { severity: 'warning', fix: 'always' },
  'zone-mismatch': { severity: 'warning', fix: 'always' },
  'custom-kind': { severity: 'info', fix: 'always' },
  'unsupported-records': { severity: 'info', fix: 'never' },
} as const satisfies Record<string, { severity: 'error' | 'warning' | 'info'; fix: string }>

/** A finding's code. */
export type DoctorFindingCode = keyof typeof DOCTOR_FINDINGS

/** What to do about a finding, in a form a program can apply. */
export type DoctorFixAction =
  /** Run this `trade-log` command. */
  | { type: 'command'; argv: string[] }
  | { type: 'rename'; from: string; to: string }
  | { type: 'chmod'; path: string; mode: 'o+r' | 'o+rx' }
  | { type: 'create-dir'; path: string }
  /** Move these files out of the log directory. */
  | { type: 'move-out'; paths: string[] }
  /** Delete the lines this `trade-log validate` command lists. */
  | { type: 'delete-lines'; argv: string[] }
  /** Use this directory (TRADE_LOG_DIR, or doctor's argument). */
  | { type: 'use-dir'; dir: string }
  /** Give doctor (and the reader) this setting. */
  | { type: 'option'; option: 'timeZone'; value: string }
  | { type: 'option'; option: 'kinds'; value: string[] }

/** Every kind of fix action. */
export const FIX_ACTION_TYPES = [
  'command',
  'rename',
  'chmod',
  'create-dir',
  'move-out',
  'delete-lines',
  'use-dir',
  'option',
] as const

/** One thing doctor found. */
export interface DoctorFinding {
  code: DoctorFindingCode
  severity: 'error' | 'warning' | 'info'
  /** The file concerned (base name), when there is one. */
  file?: string
  /** What is wrong. */
  message: string
  /** What to do, worded from `action` (a `trade-log` command is printed exactly as it runs). */
  fix?: string
  action?: DoctorFixAction
}

/** Files of one kind. */
export interface DoctorKindReport {
  kind: string
  /** Files read for this kind (the old bot's files included). */
  files: number
  /** Files written by a second writer (`<kind>_DAY.<instance>.jsonl`). */
  instanceFiles: number
  /** The old bot's files among them. */
  legacyFiles: number
  /** `YYYY-MM-DD` of the oldest and newest file. */
  firstDay: string
  lastDay: string
  bytes: number
  /** ISO time of the newest modification. */
  lastWriteAt: string
  /** Entries read (null when `scan` is false). */
  entries: number | null
  /** Damaged lines skipped: not JSON, not an entry, too long, torn, NUL bytes, not UTF-8 (null when `scan` is false). */
  badLines: number | null
  /** Of the bad lines, torn last lines of files nothing appends to any more. */
  tornTails: number | null
  /** Repeated entries, returned once by the reader (null when `scan` is false). */
  duplicates: number | null
  /** Legacy records no kind holds, left out (null when `scan` is false). */
  unsupported: number | null
}

/** A file that looks like a log but does not match the naming the reader uses, or is dated in another zone. */
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
  /** Everything found, most serious first. */
  findings: DoctorFinding[]
  /** The findings about file names and days (misnamed files, another zone's dates), as `{ file, reason, fix }`. */
  nearMisses: NearMiss[]
  /** Other directories that do hold trade logs (when this one has none), folders inside it first. */
  candidates: string[]
  verdict: { ok: boolean; message: string }
}

/** Options for `doctor`. */
export interface DoctorOptions {
  /** Time zone the writer names files in, and of the old bot's timestamps without an offset. Default `'UTC'`. */
  timeZone?: string
  /** Your own entry kinds. Default none. */
  kinds?: readonly EntryKind[]
  /** Read every line to count entries, bad lines and duplicates, and check days and clocks. Default `true`. */
  scan?: boolean
  /** Clock for "last write … ago", future dates and which files are finished. Default `Date.now`. */
  now?: () => number
  /** Extra directories to look in when `dir` has no logs. Default: `./logs` and `TRADE_LOG_DIR`. */
  searchPaths?: string[]
  /** Stops the scan; doctor then rejects with the signal's reason. Default none. */
  signal?: AbortSignal
}

const LOOKS_LIKE_LOG =
  /^([A-Za-z][A-Za-z0-9-]*?)[-_.]?(\d{4})-?(\d{2})-?(\d{2})(?:[._-](\d+|[A-Za-z0-9-]+))?\.(jsonl|json|log|txt|ndjson)$/
const ZONE_GUESSES = ['UTC', 'Asia/Seoul', 'America/New_York', 'Europe/London']
/** Entries this far ahead of the clock are dated in the future (clocks of two hosts differ a little). */
const FUTURE_SLACK_MS = 10 * 60_000
const LEGACY_PREFIXES = new Set(['analysis'])

/** The fix text for an action: one wording, so what is printed is what the action does. */
export function describeFix(action: DoctorFixAction): string {
  switch (action.type) {
    case 'command':
      return action.argv.join(' ')
    case 'rename':
      return `mv ${action.from} ${action.to}`
    case 'chmod':
      return `chmod ${action.mode} ${action.path} (or run this process as the user that owns it)`
    case 'create-dir':
      return `create ${action.path} (mount the log volume there), or point TRADE_LOG_DIR at the directory the bot writes to`
    case 'move-out':
      return `move ${action.paths.join(', ')} out of the log directory`
    case 'delete-lines':
      return `${action.argv.join(' ')} lists them (file:line); repair or delete those lines`
    case 'use-dir':
      return `set TRADE_LOG_DIR=${action.dir} in the bot and the server (the same absolute path in both), and mount the same volume there`
    case 'option':
      return action.option === 'timeZone'
        ? `trade-log doctor --tz ${action.value} (the writer's zone; use the same timeZone for the reader and performance())`
        : `pass kinds: [${action.value.join(', ')}] (from defineEntryKind) to doctor and the reader to check their schema`
  }
}

class Findings {
  readonly list: DoctorFinding[] = []
  add(code: DoctorFindingCode, message: string, options: { file?: string; action?: DoctorFixAction; fix?: string } = {}) {
    const finding: DoctorFinding = { code, severity: DOCTOR_FINDINGS[code].severity, message }
    if (options.file !== undefined) finding.file = options.file
    if (options.action) {
      finding.action = options.action
      finding.fix = options.fix ?? describeFix(options.action)
    }
    this.list.push(finding)
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
  if (ms < 0) return 'in the future'
  const minutes = Math.round(ms / 60_000)
  if (minutes < 1) return 'just now'
  if (minutes < 120) return `${minutes} min ago`
  const hours = Math.round(minutes / 60)
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`
}

const uid = () => process.getuid?.() ?? '?'
const describeType = (info: Stats) =>
  info.isDirectory() ? 'a directory' : info.isFIFO() ? 'a FIFO' : info.isSocket() ? 'a socket' : 'not a regular file'

/** Checks each log-named file can be opened for reading (without blocking on a FIFO); returns the ones that cannot. */
async function checkFiles(dir: string, names: string[], findings: Findings): Promise<Set<string>> {
  const skip = new Set<string>()
  for (const name of names) {
    if (!parseLogFileName(name)) continue
    const path = join(dir, name)
    const info = await stat(path).catch(() => undefined)
    if (info && !info.isFile()) {
      skip.add(name)
      findings.add(
        'not-a-file',
        `${path} is ${describeType(info)}, not a log file (Docker creates a directory where a mounted file is missing).`,
        {
          file: name,
          action: { type: 'move-out', paths: [path] },
        },
      )
      continue
    }
    try {
      const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
      await handle.close()
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT') continue
      skip.add(name)
      findings.add(
        'unreadable-file',
        code === 'EACCES' || code === 'EPERM'
          ? `This process (uid ${uid()}) cannot read ${path}.`
          : `${path} cannot be opened: ${(error as Error).message}.`,
        { file: name, action: { type: 'chmod', path, mode: 'o+r' } },
      )
    }
  }
  return skip
}

/** The rename that makes a misnamed file readable, or null when it is not ours to rename. */
async function misnamedFix(
  dir: string,
  name: string,
  registry: Map<string, EntryKind>,
  names: Set<string>,
): Promise<{ kind: string; to: string } | null> {
  if (parseLogFileName(name)) return null
  const match = LOOKS_LIKE_LOG.exec(name)
  if (!match) return null
  const [, prefix, year, month, day, suffix, extension] = match
  const kind = prefix!.toLowerCase()
  // Another program's log (app.2026-12-04.1.log) only looks dated: leave it alone.
  if (!registry.has(kind) && !LEGACY_PREFIXES.has(kind)) return null
  const date = `${year}${month}${day}`
  let to: string
  if (extension === 'json') to = `${kind}_${date}.json`
  else if ((extension === 'log' || extension === 'txt') && kind === 'errors' && !(await looksLikeJson(join(dir, name)))) {
    to = `errors_${date}.log`
  } else {
    if (!(await looksLikeJson(join(dir, name)))) return null
    const instance = suffix?.replace(/[^A-Za-z0-9-]/g, '')
    to = instance ? `${kind}_${date}.${instance}.jsonl` : `${kind}_${date}.jsonl`
    if (names.has(to)) to = `${kind}_${date}.renamed.jsonl`
  }
  if (names.has(to) || !parseLogFileName(to)) return null
  return { kind, to }
}

/** True when the file starts with a JSON object (its first non-blank line parses). */
async function looksLikeJson(path: string): Promise<boolean> {
  try {
    const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
    try {
      const buffer = Buffer.alloc(64 * 1024)
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
      const first = buffer
        .toString('utf8', 0, bytesRead)
        .split('\n')
        .find((line) => line.trim() !== '')
      if (first === undefined) return false
      const value = JSON.parse(first) as unknown
      return typeof value === 'object' && value !== null
    } finally {
      await handle.close()
    }
  } catch {
    return false
  }
}

/** Directories that hold logs: folders inside `dir` first (the demo writes `demo-*` folders), then the search paths. */
async function findCandidates(
  dir: string,
  searchPaths: string[] | undefined,
  registry: Map<string, EntryKind>,
): Promise<string[]> {
  const holdsLogs = async (path: string) => {
    const files = await listSources(path).catch(() => [] as LogFile[])
    return files.some((file) => registry.has(file.kind) || LEGACY_PREFIXES.has(file.kind))
  }
  const found: string[] = []
  const inside = await readdir(dir, { withFileTypes: true }).catch(() => [])
  for (const entry of inside.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.isDirectory() && !entry.name.startsWith('.') && (await holdsLogs(join(dir, entry.name))))
      found.push(join(dir, entry.name))
  }
  const paths = searchPaths ?? [
    resolve('logs'),
    ...(process.env['TRADE_LOG_DIR'] ? [resolve(process.env['TRADE_LOG_DIR'])] : []),
    join(dirname(dir), 'logs'),
  ]
  for (const path of new Set(paths)) {
    if (path === dir || found.includes(path)) continue
    if (await holdsLogs(path)) found.push(path)
  }
  return found
}

/** The newest-written of `dirs`. */
async function newestOf(dirs: string[]): Promise<string> {
  let best = dirs.at(-1)!
  let bestTime = Number.NEGATIVE_INFINITY
  for (const candidate of dirs) {
    const time = (await stat(candidate).catch(() => undefined))?.mtimeMs ?? 0
    if (time >= bestTime) {
      best = candidate
      bestTime = time
    }
  }
  return best
}

/** Per-file facts gathered while scanning. */
interface FileScan {
  file: LogFile
  entries: number
  maxTs: number
  /** Entries whose day (in each zone) is not the file's. */
  offDay: Map<string, number>
}

/** Examines a log directory; never throws for what it finds (that is what it reports). */
export async function doctor(dir: string, options: DoctorOptions = {}): Promise<DoctorReport> {
  const absolute = resolve(dir)
  const report: DoctorReport = {
    dir: absolute,
    exists: false,
    readable: false,
    writable: false,
    kinds: [],
    findings: [],
    nearMisses: [],
    candidates: [],
    verdict: { ok: false, message: '' },
  }
  const findings = new Findings()
  try {
    await examine(absolute, options, report, findings)
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason
    findings.add('incomplete', `doctor could not finish: ${error instanceof Error ? error.message : String(error)}.`)
  }
  const order = { error: 0, warning: 1, info: 2 }
  report.findings = findings.list.sort((a, b) => order[a.severity] - order[b.severity])
  report.nearMisses = report.findings
    .filter((finding) => (finding.code === 'misnamed' || finding.code === 'zone-mismatch') && finding.file && finding.fix)
    .map((finding) => ({ file: finding.file!, reason: finding.message, fix: finding.fix! }))
  report.verdict = verdictOf(report, (options.now ?? Date.now)())
  return report
}

async function examine(absolute: string, options: DoctorOptions, report: DoctorReport, findings: Findings): Promise<void> {
  const timeZone = options.timeZone ?? 'UTC'
  const now = (options.now ?? Date.now)()
  const registry = kindRegistry(options.kinds ?? [])
  const signal = options.signal
  signal?.throwIfAborted()

  const link = await lstat(absolute).catch((error: NodeJS.ErrnoException) => error)
  const info = link instanceof Error ? link : await stat(absolute).catch((error: NodeJS.ErrnoException) => error)
  if (info instanceof Error) {
    if (info.code === 'EACCES') {
      findings.add('unreadable-dir', `This process (uid ${uid()}) cannot reach ${absolute}: a folder above it is closed to it.`, {
        action: { type: 'chmod', path: dirname(absolute), mode: 'o+rx' },
      })
      return
    }
    if (!(link instanceof Error) && link.isSymbolicLink()) {
      const target = resolve(dirname(absolute), await readlink(absolute))
      findings.add(
        'dangling-symlink',
        `${absolute} is a symlink to ${target}, which does not exist (a volume not mounted, or mounted elsewhere).`,
        {
          action: { type: 'create-dir', path: target },
        },
      )
      return
    }
    report.candidates = await findCandidates(absolute, options.searchPaths, registry)
    const elsewhere = report.candidates.length > 0 ? ` Trade logs do exist in ${report.candidates.join(', ')}.` : ''
    findings.add(
      'missing-dir',
      `No log directory at ${absolute}.${elsewhere}`,
      report.candidates.length > 0
        ? { action: { type: 'use-dir', dir: report.candidates[0]! } }
        : { action: { type: 'create-dir', path: absolute } },
    )
    return
  }
  if (!info.isDirectory()) {
    findings.add('not-a-directory', `${absolute} is a file, not a directory.`, {
      action: { type: 'use-dir', dir: dirname(absolute) },
    })
    return
  }
  report.exists = true
  let names: string[]
  try {
    names = await readdir(absolute)
  } catch (error) {
    findings.add(
      'unreadable-dir',
      `${absolute} exists but this process (uid ${uid()}) cannot read it: ${(error as NodeJS.ErrnoException).code}.`,
      {
        action: { type: 'chmod', path: absolute, mode: 'o+rx' },
      },
    )
    return
  }
  report.readable = true
  report.writable = await canWrite(absolute)
  const nameSet = new Set(names)

  const skip = await checkFiles(absolute, names, findings)
  for (const name of names) {
    const fix = await misnamedFix(absolute, name, registry, nameSet)
    if (!fix) continue
    findings.add('misnamed', `${name} looks like a ${fix.kind} log but is not named as the reader expects, so it is not read.`, {
      file: name,
      action: { type: 'rename', from: join(absolute, name), to: join(absolute, fix.to) },
    })
  }

  const all = (await listLogFiles(absolute)).filter((file) => !skip.has(file.name))
  const read = new Set((await listSources(absolute)).map((file) => file.name))
  // The old bot's files, and conversions that stopped before setting their source aside.
  const legacy = all.filter((file) => isLegacyFile(file) && read.has(file.name))
  const unfinished = new Set(all.map(convertedFrom).filter((source) => source !== undefined && nameSet.has(source)))
  for (const source of unfinished) {
    findings.add(
      'conversion-unfinished',
      `${source} is still in place next to what trade-log convert wrote from it (convert stopped before setting it aside); the reader reads the source and leaves those files out.`,
      { file: source!, action: { type: 'command', argv: ['trade-log', 'convert', join(absolute, source!)] } },
    )
  }
  const settled = legacy.filter((file) => !unfinished.has(file.name))
  if (settled.length > 0) {
    findings.add(
      'legacy',
      `${settled.length} file(s) of the old bot (${settled
        .slice(0, 3)
        .map((file) => file.name)
        .join(
          ', ',
        )}${settled.length > 3 ? ', …' : ''}) are read as they are, with assumptions (fees 0, ids made up); trade-log convert rewrites them as JSONL and sets them aside.`,
      { file: settled[0]!.name, action: { type: 'command', argv: ['trade-log', 'convert', absolute] } },
    )
  }

  // Files named for a kind doctor was not told about: custom kinds if their lines are entries.
  const unknown = new Map<string, LogFile[]>()
  for (const file of all) {
    if (file.format !== 'jsonl' || registry.has(file.kind) || LEGACY_PREFIXES.has(file.kind)) continue
    unknown.set(file.kind, [...(unknown.get(file.kind) ?? []), file])
  }

  const scan = options.scan !== false
  const reader = createReader(
    { dir: absolute, kinds: [...(options.kinds ?? [])], timeZone, now: () => now },
    { skipFile: (file) => skip.has(file.name) },
  )
  for (const [name, kind] of registry) {
    const files = (await reader.files(name)).filter((file) => !skip.has(file.name))
    if (files.length === 0) continue
    const scanned = scan ? await scanKind(kind, files, options, now, timeZone, findings, absolute) : undefined
    const kindReport = await summarize(kind, files, scanned)
    report.kinds.push(kindReport)
    if (scanned) lineFindings(kindReport, files, scanned.diagnostics, findings, absolute)
  }
  for (const [name, files] of unknown) {
    const kind = defineEntryKind({ name, schema: z.object({}) })
    const custom = createReader({ dir: absolute, kinds: [kind], now: () => now }, { skipFile: (file) => skip.has(file.name) })
    let entries = 0
    if (scan) for await (const _record of custom.stream({ kind: name as never })) entries++
    if (!scan || entries > 0) {
      findings.add(
        'custom-kind',
        `${name}_*.jsonl: ${files.length} file(s) of a kind doctor was not told about${scan ? ` (${entries} entries with valid timestamps)` : ''}; their schema is not checked.`,
        {
          file: files[0]!.name,
          action: { type: 'option', option: 'kinds', value: [name] },
        },
      )
    }
  }
  // Without a scan, a file named for a day after this host's clock still says the clock is wrong.
  if (!scan) {
    for (const file of all)
      if (dayStart(file.day) - 14 * 3_600_000 > now) futureFinding(findings, file, `is dated ${dayKeyToIsoDate(file.day)}`, now)
  }

  if (report.kinds.length === 0) {
    report.candidates = await findCandidates(absolute, options.searchPaths, registry)
    const inside = report.candidates.filter((candidate) => dirname(candidate) === absolute)
    if (inside.length > 0) {
      findings.add(
        'logs-in-subdirs',
        `There are no log files directly in ${absolute}, but ${inside.length} folders inside it hold logs: ${inside.map((path) => path.slice(absolute.length + 1)).join(', ')}.`,
        { action: { type: 'use-dir', dir: await newestOf(inside) } },
      )
    } else if (findings.list.every((finding) => finding.code !== 'foreign-only' && finding.severity !== 'error')) {
      const misnamed = findings.list.filter((finding) => finding.code === 'misnamed')
      const hint =
        misnamed.length > 0
          ? ` ${misnamed.length} file(s) look like logs named differently (${misnamed
              .slice(0, 3)
              .map((finding) => finding.file)
              .join(', ')}): rename them as shown.`
          : report.candidates.length > 0
            ? ` Trade logs do exist in ${report.candidates.join(', ')}.`
            : ' Is the bot writing to another path? Compare the path the bot logs at start-up with this one.'
      findings.add(
        'no-logs',
        `${absolute} has no trade-log files.${hint}`,
        report.candidates.length > 0 ? { action: { type: 'use-dir', dir: report.candidates[0]! } } : {},
      )
    }
  }
}

const dayStart = (day: string) => Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8)))

function futureFinding(findings: Findings, file: LogFile, what: string, now: number): void {
  findings.add(
    'future-dated',
    `${file.name} ${what}, after this host's clock (${new Date(now).toISOString()}): one of the two clocks is wrong. Check the clock of the host that wrote it and of this one (timedatectl, NTP); if the writer's clock was wrong, its entries carry the wrong time.`,
    { file: file.name, action: { type: 'move-out', paths: [file.path] } },
  )
}

/** Reads every entry of a kind through the reader itself, counting what it reports. */
async function scanKind(
  kind: EntryKind,
  files: LogFile[],
  options: DoctorOptions,
  now: number,
  timeZone: string,
  findings: Findings,
  dir: string,
): Promise<{ entries: number; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = []
  const scans = new Map<string, FileScan>()
  for (const file of files) scans.set(file.path, { file, entries: 0, maxTs: Number.NEGATIVE_INFINITY, offDay: new Map() })
  const dayKeys = [timeZone, ...ZONE_GUESSES.filter((zone) => zone !== timeZone)].map((zone) => ({
    zone,
    key: createDayKeys(zone),
  }))
  let entries = 0
  const scoped = createReader(
    {
      dir,
      kinds: options.kinds ? [...options.kinds] : [],
      timeZone,
      now: () => now,
      onDiagnostic: (d) => {
        options.signal?.throwIfAborted()
        diagnostics.push(d)
      },
    },
    { skipFile: (file) => !scans.has(file.path) },
  )
  for await (const record of scoped.stream({ kind: kind.name as never })) {
    if ((++entries & 1023) === 0) options.signal?.throwIfAborted()
    const scan = scans.get(record.file)
    if (!scan) continue
    const tsMs = (record.entry as { tsMs: number }).tsMs
    scan.entries++
    if (tsMs > scan.maxTs) scan.maxTs = tsMs
    for (const { zone, key } of dayKeys) if (key(tsMs) !== scan.file.day) scan.offDay.set(zone, (scan.offDay.get(zone) ?? 0) + 1)
  }
  options.signal?.throwIfAborted()
  for (const scan of scans.values()) {
    if (scan.entries === 0) continue
    if (scan.maxTs > now + FUTURE_SLACK_MS) {
      futureFinding(findings, scan.file, `holds entries up to ${new Date(scan.maxTs).toISOString()}`, now)
      continue
    }
    // A few entries across midnight are normal (clock skew, a late fill); most of a file is not.
    const off = scan.offDay.get(timeZone) ?? 0
    if (off * 2 <= scan.entries) continue
    const guess = ZONE_GUESSES.find((zone) => zone !== timeZone && (scan.offDay.get(zone) ?? 0) === 0)
    if (!guess) continue
    findings.add(
      'zone-mismatch',
      `${scan.file.name}: its entries fall on other days in ${timeZone}; the name matches ${guess} dates.`,
      {
        file: scan.file.name,
        action: { type: 'option', option: 'timeZone', value: guess },
        fix: `trade-log doctor ${dir} --tz ${guess} (the writer's zone; use the same timeZone for the reader and performance())`,
      },
    )
  }
  return { entries, diagnostics }
}

async function summarize(
  kind: EntryKind,
  files: LogFile[],
  scanned: { entries: number; diagnostics: Diagnostic[] } | undefined,
): Promise<DoctorKindReport> {
  let bytes = 0
  let lastWrite = 0
  for (const file of files) {
    const info = await stat(file.path).catch(() => undefined)
    bytes += info?.size ?? 0
    lastWrite = Math.max(lastWrite, info?.mtimeMs ?? 0)
  }
  const count = (test: (d: Diagnostic) => boolean) => (scanned ? scanned.diagnostics.filter(test).length : null)
  return {
    kind: kind.name,
    files: files.length,
    instanceFiles: files.filter((file) => file.instance !== undefined).length,
    legacyFiles: files.filter(isLegacyFile).length,
    firstDay: dayKeyToIsoDate(files[0]!.day),
    lastDay: dayKeyToIsoDate(files.at(-1)!.day),
    bytes,
    lastWriteAt: new Date(lastWrite).toISOString(),
    entries: scanned ? scanned.entries : null,
    badLines: count((d) => DAMAGE_CODES.has(d.code)),
    tornTails: count((d) => d.code === 'torn'),
    duplicates: count((d) => d.code === 'duplicate'),
    unsupported: count((d) => d.code === 'unsupported'),
  }
}

/** Findings from what the reader reported for a kind: damaged lines, repeats, legacy records left out, foreign files. */
function lineFindings(
  report: DoctorKindReport,
  files: LogFile[],
  diagnostics: Diagnostic[],
  findings: Findings,
  dir: string,
): void {
  const { kind } = report
  const legacyPaths = new Set(files.filter(isLegacyFile).map((file) => file.path))
  const validate: DoctorFixAction = { type: 'delete-lines', argv: ['trade-log', 'validate', dir] }
  const convert = (path: string): DoctorFixAction => ({ type: 'command', argv: ['trade-log', 'convert', path] })
  const damaged = diagnostics.filter((d) => DAMAGE_CODES.has(d.code))
  if (report.entries === 0 && damaged.length > 0) {
    // Not one entry: another program writes files named like ours (or they are all damaged).
    findings.add(
      'foreign-only',
      `Not one ${kind} entry is readable in ${files.length} file(s): ${damaged.length} line(s) that are not ${kind} entries. Another program writes files named like these, or they are damaged.`,
      { file: files[0]!.name, action: { type: 'move-out', paths: files.map((file) => file.path) } },
    )
    return
  }
  const jsonlDamage = damaged.filter((d) => !legacyPaths.has(d.file))
  if (jsonlDamage.length > 0) {
    const torn = jsonlDamage.filter((d) => d.code === 'torn').length
    const inFiles = new Set(jsonlDamage.map((d) => d.file)).size
    findings.add(
      'bad-lines',
      `${jsonlDamage.length} bad line(s) in ${inFiles} ${kind} file(s)${torn > 0 ? ` (${torn} torn last line(s))` : ''}, skipped by the reader.`,
      { file: jsonlDamage[0]!.file.slice(dir.length + 1), action: validate },
    )
  }
  for (const path of new Set(damaged.filter((d) => legacyPaths.has(d.file)).map((d) => d.file))) {
    const count = damaged.filter((d) => d.file === path).length
    findings.add(
      'bad-lines',
      `${count} record(s) of the old bot's ${path.slice(dir.length + 1)} are damaged (a crash during json.dump tears the array); every complete record is read.`,
      { file: path.slice(dir.length + 1), action: convert(path) },
    )
  }
  const repeats = diagnostics.filter((d) => d.code === 'duplicate')
  if (repeats.length > 0) {
    // Repeats of the old bot's records: an earlier convert kept its source; converting it again sets it aside.
    const legacySource = repeats
      .flatMap((d) => [d.file, d.duplicateOf?.file])
      .find((path): path is string => path !== undefined && legacyPaths.has(path))
    findings.add(
      'duplicates',
      `${repeats.length} duplicate ${kind} entr${repeats.length === 1 ? 'y' : 'ies'} (${kind === 'trades' ? 'the same fill' : 'the same entry'} more than once), returned once by the reader.`,
      { file: repeats[0]!.file.slice(dir.length + 1), action: legacySource ? convert(legacySource) : validate },
    )
  }
  const unsupported = diagnostics.filter((d) => d.code === 'unsupported')
  if (unsupported.length > 0) {
    findings.add(
      'unsupported-records',
      `${unsupported.length} record(s) of the old bot are left out: ${unsupported[0]!.reason.split(':')[0]} (${unsupported[0]!.file.slice(dir.length + 1)}:${unsupported[0]!.line}).`,
      { file: unsupported[0]!.file.slice(dir.length + 1) },
    )
  }
}

function verdictOf(report: DoctorReport, now: number): DoctorReport['verdict'] {
  const errors = report.findings.filter((finding) => finding.severity === 'error')
  if (errors.length > 0) {
    const first = errors[0]!
    const more = errors.length > 1 ? ` (${errors.length - 1} more problem(s) listed.)` : ''
    return { ok: false, message: `${first.message}${first.fix ? ` Fix: ${first.fix}.` : ''}${more}` }
  }
  const warnings = report.findings.filter((finding) => finding.severity === 'warning')
  const trades = report.kinds.find((kind) => kind.kind === 'trades')
  const newest = Math.max(...report.kinds.map((kind) => Date.parse(kind.lastWriteAt)))
  const summary = report.kinds.map((kind) => `${kind.files} ${kind.kind}`).join(', ')
  const range = trades ? ` (trades ${trades.firstDay} … ${trades.lastDay})` : ''
  const head = `${warnings.length > 0 ? 'OK with warnings' : 'OK'}: ${summary} file(s) in ${report.dir}${range}, last write ${ago(now - newest)}.`
  return {
    ok: true,
    message:
      warnings.length > 0 ? `${head} ${warnings.map((w) => `${w.message}${w.fix ? ` Fix: ${w.fix}.` : ''}`).join(' ')}` : head,
  }
}
