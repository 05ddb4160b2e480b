/**
 * The `trade-log` command. Exit codes: 0 fine, 1 problems found (bad lines, doctor verdict not OK, entries that
 * could not be converted), 2 usage error, 3 path not found or not readable.
 */
import { existsSync, statSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { doctor } from './doctor.js'
import { isTradeLogError } from './errors.js'
import { readLogFile } from './file-source.js'
import { type LogFile, listLogFiles, logFileName, parseLogFileName } from './files.js'
import { builtinKinds, type EntryKind, tradesKind } from './kinds.js'
import { isLegacyTradeRecord, normalizeLegacyTrade } from './legacy.js'
import type { Diagnostic } from './lines.js'
import { performance } from './performance.js'
import { portfolio } from './portfolio.js'
import { createTradeLogReader } from './reader.js'
import { resolveLogDir } from './resolve-dir.js'
import type { EquityEntry, TradeEntry } from './schemas.js'
import { dayKey } from './time.js'

/** Where the CLI writes and what it reads from its environment. */
export interface CliIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  env: Readonly<Record<string, string | undefined>>
  cwd: string
  /** Ends `tail -f`. */
  signal?: AbortSignal
}

export const EXIT = { ok: 0, problems: 1, usage: 2, notFound: 3 } as const

const USAGE = `Usage: trade-log <command> [options]

Commands:
  doctor [dir]              check the log directory and say what is wrong (--tz ZONE, --json, --no-scan)
  validate <file|dir>       report every bad line (--kind KIND for files with other names, --json)
  tail [dir]                print the newest entries (-n N, --kind KIND); -f keeps following (--poll: no fs.watch)
  stats [dir]               performance and portfolio as JSON (--from, --to, --starting-balance X,
                            --prices KRW-BTC=160000000,..., --tz ZONE)
  convert <file.json>...    turn the old bot's JSON arrays into <kind>_YYYYMMDD.jsonl (--out-dir DIR, --tz ZONE,
                            --remove deletes each source once converted)

The log directory is [dir], else TRADE_LOG_DIR, else ./logs.
Exit codes: 0 ok, 1 problems found, 2 usage error, 3 path not found.`

class UsageError extends Error {}

function options(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      tz: { type: 'string' },
      json: { type: 'boolean' },
      'no-scan': { type: 'boolean' },
      kind: { type: 'string' },
      n: { type: 'string', short: 'n' },
      follow: { type: 'boolean', short: 'f' },
      poll: { type: 'boolean' },
      from: { type: 'string' },
      to: { type: 'string' },
      'starting-balance': { type: 'string' },
      prices: { type: 'string' },
      'out-dir': { type: 'string' },
      remove: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

/** Runs the CLI; resolves with the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(`${USAGE}\n`)
    return command ? EXIT.ok : EXIT.usage
  }
  let parsed: ReturnType<typeof options>
  try {
    parsed = options(rest)
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${USAGE}\n`)
    return EXIT.usage
  }
  const dirOf = () =>
    resolveLogDir(parsed.positionals[0], { env: io.env, cwd: io.cwd, log: (message) => io.stderr(`${message}\n`) }).dir
  try {
    switch (command) {
      case 'doctor':
        return await doctorCommand(dirOf(), parsed.values, io)
      case 'validate':
        return await validateCommand(parsed.positionals, parsed.values, io)
      case 'tail':
        return await tailCommand(dirOf(), parsed.values, io)
      case 'stats':
        return await statsCommand(dirOf(), parsed.values, io)
      case 'convert':
        return await convertCommand(parsed.positionals, parsed.values, io)
      default:
        io.stderr(`Unknown command "${command}".\n\n${USAGE}\n`)
        return EXIT.usage
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n`)
      return EXIT.usage
    }
    if (isTradeLogError(error) && error.code === 'usage') {
      io.stderr(`${error.message}\n`)
      return EXIT.usage
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      io.stderr(`Not found: ${(error as NodeJS.ErrnoException).path ?? ''}. Run trade-log doctor to see where logs are.\n`)
      return EXIT.notFound
    }
    throw error
  }
}

type Values = ReturnType<typeof options>['values']

async function doctorCommand(dir: string, values: Values, io: CliIo): Promise<number> {
  const report = await doctor(dir, { timeZone: values.tz ?? 'UTC', scan: !values['no-scan'] })
  if (values.json) {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`)
  } else {
    const lines = [
      `directory  ${report.dir}`,
      `exists     ${report.exists ? 'yes' : 'NO'}   readable ${report.readable ? 'yes' : 'no'}   writable ${report.writable ? 'yes' : 'no'}`,
      ...report.kinds.map(
        (kind) =>
          `${kind.kind.padEnd(10)} ${kind.files} file(s) ${kind.firstDay} … ${kind.lastDay}, ${kind.bytes} bytes, ` +
          `${kind.entries ?? '?'} entries, ${kind.badLines ?? '?'} bad, last write ${kind.lastWriteAt}`,
      ),
      ...report.nearMisses.map((miss) => `misnamed   ${miss.file}: ${miss.reason} → ${miss.fix}`),
      ...report.candidates.map((candidate) => `found logs ${candidate}`),
      `verdict    ${report.verdict.message}`,
    ]
    io.stdout(`${lines.join('\n')}\n`)
  }
  if (!report.exists || !report.readable) return EXIT.notFound
  return report.verdict.ok ? EXIT.ok : EXIT.problems
}

function kindFor(file: string, requested: string | undefined): EntryKind {
  const name = requested ?? parseLogFileName(basename(file))?.kind
  const kind = name ? builtinKinds[name as keyof typeof builtinKinds] : undefined
  if (!kind) {
    throw new UsageError(
      `Cannot tell the kind of ${file}: name it <kind>_YYYYMMDD.jsonl or pass --kind (one of ${Object.keys(builtinKinds).join(', ')}).`,
    )
  }
  return kind
}

async function validateCommand(paths: string[], values: Values, io: CliIo): Promise<number> {
  if (paths.length === 0) throw new UsageError('validate needs a file or directory.')
  let bad = 0
  let entries = 0
  const diagnostics: Diagnostic[] = []
  for (const input of paths) {
    const path = resolve(input)
    if (!existsSync(path)) {
      io.stderr(`Not found: ${path}\n`)
      return EXIT.notFound
    }
    const files: LogFile[] = statSync(path).isDirectory()
      ? (await listLogFiles(path)).filter((file) => file.kind in builtinKinds || values.kind)
      : [
          {
            path,
            name: basename(path),
            kind: '',
            day: '',
            format: path.endsWith('.json') ? 'json' : 'jsonl',
          },
        ]
    for (const file of files) {
      const kind = kindFor(file.path, values.kind ?? (file.kind || undefined))
      for await (const batch of readLogFile(file, kind, Number.POSITIVE_INFINITY, {
        onDiagnostic: (diagnostic) => {
          bad++
          diagnostics.push(diagnostic)
          if (!values.json) io.stdout(`${diagnostic.file}:${diagnostic.line}: ${diagnostic.reason}\n`)
        },
      })) {
        entries += batch.length
      }
    }
  }
  if (values.json) io.stdout(`${JSON.stringify({ entries, badLines: bad, diagnostics }, null, 2)}\n`)
  else io.stdout(`${entries} valid entr${entries === 1 ? 'y' : 'ies'}, ${bad} bad line(s)\n`)
  return bad > 0 ? EXIT.problems : EXIT.ok
}

async function tailCommand(dir: string, values: Values, io: CliIo): Promise<number> {
  if (!existsSync(dir)) {
    io.stderr(`No log directory at ${dir}. Run trade-log doctor ${dir}.\n`)
    return EXIT.notFound
  }
  const count = Number(values.n ?? '10')
  if (!Number.isInteger(count) || count < 0) throw new UsageError('-n takes a whole number.')
  const kind = (values.kind ?? 'trades') as 'trades'
  const reader = createTradeLogReader({ dir, onDiagnostic: (d) => io.stderr(`skipped ${d.file}:${d.line}: ${d.reason}\n`) })
  if (count > 0) {
    const page = await reader.readEntries({ kind, limit: count })
    for (const entry of page.entries.reverse()) io.stdout(`${JSON.stringify(entry)}\n`)
  }
  if (!values.follow) return EXIT.ok
  const follower = reader.follow({ kind, watch: !values.poll })
  follower.on('error', (error) =>
    io.stderr(`trade-log: ${error instanceof Error ? error.message : String(error)} (still polling)\n`),
  )
  await follower.ready
  io.stderr(`following ${kind} in ${dir} (${follower.watching ? 'watching and polling' : 'polling only'}); Ctrl-C stops\n`)
  const stop = () => void follower.close()
  io.signal?.addEventListener('abort', stop, { once: true })
  for await (const record of follower) io.stdout(`${JSON.stringify(record.entry)}\n`)
  return EXIT.ok
}

function parsePrices(text: string | undefined): Record<string, string> {
  const prices: Record<string, string> = {}
  for (const pair of (text ?? '').split(',').filter(Boolean)) {
    const [market, price] = pair.split('=')
    if (!market || !price) throw new UsageError(`--prices takes MARKET=PRICE pairs separated by commas, got "${pair}".`)
    prices[market] = price
  }
  return prices
}

async function statsCommand(dir: string, values: Values, io: CliIo): Promise<number> {
  if (!existsSync(dir)) {
    io.stderr(`No log directory at ${dir}. Run trade-log doctor ${dir}.\n`)
    return EXIT.notFound
  }
  let bad = 0
  const reader = createTradeLogReader({ dir, onDiagnostic: () => bad++ })
  const range = { ...(values.from ? { from: values.from } : {}), ...(values.to ? { to: values.to } : {}) }
  const trades: TradeEntry[] = []
  const equity: EquityEntry[] = []
  for await (const record of reader.stream({ kind: 'trades', ...range })) trades.push(record.entry)
  for await (const record of reader.stream({ kind: 'equity', ...range })) equity.push(record.entry)
  const result = {
    dir,
    badLines: bad,
    performance: performance([...trades, ...equity], {
      timeZone: values.tz ?? 'UTC',
      ...(values['starting-balance'] ? { startingBalance: values['starting-balance'] } : {}),
    }),
    portfolio: portfolio(
      trades,
      parsePrices(values.prices),
      values['starting-balance'] ? { startingCash: values['starting-balance'] } : {},
    ),
  }
  io.stdout(`${JSON.stringify(result, null, 2)}\n`)
  return EXIT.ok
}

async function convertCommand(paths: string[], values: Values, io: CliIo): Promise<number> {
  if (paths.length === 0) throw new UsageError('convert needs at least one legacy .json file.')
  const timeZone = values.tz ?? 'UTC'
  let problems = 0
  for (const input of paths) {
    const path = resolve(input)
    let items: unknown
    try {
      items = JSON.parse((await readFile(path, 'utf8')).replace(/^\uFEFF/, ''))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error
      io.stderr(`${path}: not a JSON array (${(error as Error).name}); nothing converted.\n`)
      problems++
      continue
    }
    if (!Array.isArray(items)) {
      io.stderr(`${path}: not a JSON array; nothing converted.\n`)
      problems++
      continue
    }
    const byDay = new Map<string, string[]>()
    const assumed = new Set<string>()
    items.forEach((value, index) => {
      const line = index + 1
      const result = isLegacyTradeRecord(value)
        ? normalizeLegacyTrade(value, { file: basename(path), line })
        : tradesKind.schema.safeParse(value).success
          ? { ok: true as const, entry: value as TradeEntry, assumed: [] }
          : { ok: false as const, reason: 'neither a legacy trade nor a trade entry' }
      if (!result.ok) {
        if (!('skipped' in result && result.skipped === 'hold')) problems++
        io.stderr(`${path}:${line}: ${result.reason}\n`)
        return
      }
      for (const item of result.assumed) assumed.add(item)
      const day = dayKey(result.entry.tsMs, timeZone)
      const lines = byDay.get(day) ?? []
      lines.push(`${JSON.stringify(result.entry)}\n`)
      byDay.set(day, lines)
    })
    const outDir = resolve(values['out-dir'] ?? dirname(path))
    for (const [day, lines] of byDay) {
      const target = join(outDir, logFileName('trades', day))
      try {
        // 'wx': never overwrite or mix into a log that already exists.
        await writeFile(target, lines.join(''), { flag: 'wx' })
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
        io.stderr(`${target} already exists; not overwritten. Move it away and run convert again.\n`)
        problems++
        continue
      }
      io.stdout(`${target}: ${lines.length} entries\n`)
    }
    if (assumed.size > 0) io.stdout(`assumed: ${[...assumed].join('; ')}\n`)
    if (values.remove && problems === 0) {
      await rm(path)
      io.stdout(`removed ${path}\n`)
    } else if (byDay.size > 0) {
      io.stdout(`keep or move ${path}: while it stays in the log directory the reader reads both files.\n`)
    }
  }
  return problems > 0 ? EXIT.problems : EXIT.ok
}
