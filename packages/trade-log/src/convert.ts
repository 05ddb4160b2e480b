/**
 * `trade-log convert`: the old bot's files rewritten as JSONL, without ever doubling an entry or losing one.
 *
 * - Each source's entries go to files of their own, `<kind>_<day>.legacy-<source kind>-<source day>.jsonl` (read
 *   by the reader like a second writer's files): never into a file convert did not create, never overwriting one.
 * - Entries already in the directory (an earlier convert that kept its source) are not written again.
 * - Only once every output is on disk is the source set aside as `<name>.converted`, a name no reader takes for a
 *   log. Until then the reader reads the source and leaves its outputs out, so a convert stopped half way reads
 *   each entry once, and running convert again finishes it. Running it twice changes nothing.
 * - `--remove` deletes the source instead, only when every record in it was written elsewhere.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, openSync } from 'node:fs'
import { link, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { createDuplicateFilter, entryIdentity } from './duplicates.js'
import { TradeLogUsageError } from './errors.js'
import { readLogFile } from './file-source.js'
import {
  convertedFrom,
  convertedInstance,
  isLegacyFile,
  kindsOfFile,
  type LogFile,
  listLogFiles,
  logFileName,
  parseLogFileName,
} from './files.js'
import { builtinKinds, type EntryKind } from './kinds.js'
import { type Diagnostic, MAX_LINE_BYTES } from './lines.js'
import { createReader } from './reader.js'
import { syncDir } from './sync-dir.js'
import { dayKey } from './time.js'

/** Options of `convertLegacy`. */
export interface ConvertOptions {
  /** Zone of the day in output names, and of the old bot's timestamps without an offset. */
  timeZone: string
  /** Where outputs go. Default: next to each source. */
  outDir?: string
  /** Delete each source once everything in it was written elsewhere (else it is renamed `<name>.converted`). */
  remove?: boolean
  /** Checked between files and records. */
  signal?: AbortSignal
  out: (line: string) => void
  err: (line: string) => void
}

/** The legacy files named by `inputs` (files, or directories to search). */
export async function legacySources(inputs: string[]): Promise<LogFile[]> {
  const sources: LogFile[] = []
  for (const input of inputs) {
    const path = resolve(input)
    const info = await stat(path)
    if (info.isDirectory()) {
      sources.push(...(await listLogFiles(path)).filter(isLegacyFile))
      continue
    }
    const parsed = parseLogFileName(basename(path))
    if (!parsed || !isLegacyFile(parsed)) {
      throw new TradeLogUsageError(
        `${path} is not one of the old bot's files (<kind>_YYYYMMDD.json, analysis_YYYYMMDD.json, errors_YYYYMMDD.log); nothing to convert.`,
      )
    }
    sources.push({ ...parsed, path })
  }
  return sources
}

/** Converts each source; resolves with the number of problems (records not converted, conflicts, refusals). */
export async function convertLegacy(sources: LogFile[], options: ConvertOptions): Promise<number> {
  let problems = 0
  for (const source of sources) {
    options.signal?.throwIfAborted()
    problems += await convertOne(source, options)
  }
  return problems
}

interface Planned {
  kind: EntryKind
  target: string
  lines: string[]
  entries: { tsMs: number; identity: string }[]
}

async function convertOne(source: LogFile, options: ConvertOptions): Promise<number> {
  const outDir = resolve(options.outDir ?? dirname(source.path))
  const instance = convertedInstance(source)
  const notConverted: Diagnostic[] = []
  const assumed = new Set<string>()
  const plans = new Map<string, Planned>()
  let repeats = 0
  const { reads } = kindsOfFile(source)
  for (const name of reads) {
    const kind = builtinKinds[name as keyof typeof builtinKinds] as EntryKind | undefined
    if (!kind) {
      options.err(`${source.path}: ${name} is not a built-in kind; nothing converted.`)
      return 1
    }
    const duplicates = createDuplicateFilter(name)
    const hooks = {
      onDiagnostic: (d: Diagnostic) => notConverted.push(d),
      onAssumed: (list: string[]) => {
        for (const item of list) assumed.add(item)
      },
    }
    const reading = { maxLineBytes: MAX_LINE_BYTES, finished: true, timeZone: options.timeZone }
    for await (const batch of readLogFile(source, kind, reading, hooks)) {
      options.signal?.throwIfAborted()
      for (const { entry, line } of batch) {
        if (duplicates.check(entry, source.path, line)) {
          repeats++
          continue
        }
        const target = logFileName(name, dayKey(entry.tsMs, options.timeZone), instance)
        let plan = plans.get(target)
        if (!plan) {
          plan = { kind, target, lines: [], entries: [] }
          plans.set(target, plan)
        }
        plan.lines.push(`${JSON.stringify(entry)}\n`)
        plan.entries.push({ tsMs: entry.tsMs, identity: entryIdentity(name, entry) })
      }
    }
  }
  // Entries already in the directory outside this source and its outputs (an earlier convert kept the source).
  const present = await presentElsewhere(outDir, source, [...plans.values()])
  let problems = 0
  const written: string[] = []
  for (const plan of plans.values()) {
    options.signal?.throwIfAborted()
    const lines = plan.lines.filter((_line, index) => !present.has(key(plan.entries[index]!)))
    const skipped = plan.lines.length - lines.length
    const path = join(outDir, plan.target)
    if (lines.length === 0) {
      if (skipped > 0) options.out(`${path}: not written, its ${skipped} entries are already in ${outDir}\n`)
      continue
    }
    const outcome = await writeNew(path, lines.join(''))
    if (outcome === 'conflict') {
      options.err(
        `${path} already exists with other content; ${source.path} is left as it is. Move that file away and run convert again.\n`,
      )
      problems++
      continue
    }
    written.push(path)
    options.out(
      `${path}: ${lines.length} ${plan.kind.name} entries${outcome === 'existed' ? ' (already written by an earlier run)' : ''}${skipped > 0 ? `, ${skipped} already in ${outDir}` : ''}\n`,
    )
  }
  if (problems > 0) return problems
  syncDir(outDir)
  if (assumed.size > 0) options.out(`assumed: ${[...assumed].join('; ')}\n`)
  if (repeats > 0) options.out(`${source.path}: ${repeats} repeated record(s) written once\n`)
  const damaged = notConverted.filter((d) => d.code !== 'unsupported')
  for (const d of notConverted) options.err(`${d.file}:${d.line}: not converted: ${d.reason}\n`)
  if (damaged.length > 0) problems++
  if (options.remove && notConverted.length === 0) {
    await unlink(source.path)
    options.out(`removed ${source.path}: every record in it was written elsewhere\n`)
    return problems
  }
  const aside = await setAside(source.path)
  options.out(`set ${source.path} aside as ${aside}${plans.size === 0 ? ' (it held no entries)' : ''}\n`)
  if (options.remove) {
    options.err(
      `${source.path} was not removed: ${notConverted.length} record(s) in it were not converted (${notConverted[0]!.code === 'torn' ? 'torn' : notConverted[0]!.code}); it is kept as ${aside}.\n`,
    )
    problems++
  }
  return problems
}

const key = (entry: { tsMs: number; identity: string }) => `${entry.tsMs}\u0000${entry.identity}`

async function presentElsewhere(outDir: string, source: LogFile, plans: Planned[]): Promise<Set<string>> {
  const present = new Set<string>()
  if (plans.length === 0) return present
  const reader = createReader(
    { dir: outDir, now: () => Number.POSITIVE_INFINITY },
    { skipFile: (file) => file.path === source.path || convertedFrom(file) === source.name },
  )
  for (const kind of new Set(plans.map((plan) => plan.kind.name))) {
    const times = plans.filter((plan) => plan.kind.name === kind).flatMap((plan) => plan.entries.map((entry) => entry.tsMs))
    const from = Math.min(...times)
    const to = Math.max(...times) + 1
    for await (const record of reader.stream({ kind: kind as 'trades', from, to })) {
      present.add(key({ tsMs: record.entry.tsMs, identity: entryIdentity(kind, record.entry) }))
    }
  }
  return present
}

/** Writes `text` to a new file at `path` (written and synced under a temporary name, then linked: never overwriting). */
async function writeNew(path: string, text: string): Promise<'written' | 'existed' | 'conflict'> {
  const existing = await readFile(path, 'utf8').catch(() => undefined)
  if (existing !== undefined) return existing === text ? 'existed' : 'conflict'
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    await writeFile(temp, text, { flag: 'wx' })
    const fd = openSync(temp, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    await link(temp, path)
    return 'written'
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    return (await readFile(path, 'utf8')) === text ? 'existed' : 'conflict'
  } finally {
    await rm(temp, { force: true })
  }
}

/** Renames the source to a name no reader takes for a log, never over another file. */
async function setAside(path: string): Promise<string> {
  for (let n = 0; ; n++) {
    const aside = n === 0 ? `${path}.converted` : `${path}.converted-${n}`
    try {
      await link(path, aside)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        // A file system without hard links: rename (there is nothing at `aside`, checked by the failed link's code).
        await rename(path, aside)
        return aside
      }
      continue
    }
    await unlink(path)
    syncDir(dirname(path))
    return aside
  }
}
