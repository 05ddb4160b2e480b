/**
 * The `trade-log` command. Exit codes: 0 fine, 1 problems found (bad lines, doctor verdict not OK, entries that
 * could not be converted), 2 usage error, 3 path not found or not readable, 130/143 stopped by SIGINT/SIGTERM.
 */
import { existsSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { convertLegacy, legacySources } from './convert.js'
import { decisionQuality } from './decision-quality.js'
import { doctor } from './doctor.js'
import { isTradeLogError } from './errors.js'
import { kindsOfFile, type LogFile, parseLogFileName } from './files.js'
import { builtinKinds } from './kinds.js'
import { DAMAGE_CODES, type Diagnostic } from './lines.js'
import { performance } from './performance.js'
import { portfolio } from './portfolio.js'
import { importCommand } from './postgres/import-command.js'
import { createReader, createTradeLogReader } from './reader.js'
import { resolveLogDir } from './resolve-dir.js'
import type { DecisionEntry, EquityEntry, TradeEntry } from './schemas.js'

/** Where the CLI writes and what it reads from its environment. */
export interface CliIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  env: Readonly<Record<string, string | undefined>>
  cwd: string
  /** Stops any command; its reason names the signal (`'SIGINT'`, `'SIGTERM'`) for the exit code. */
  signal?: AbortSignal
  /** Clock (doctor's "last write … ago", future dates). Default `Date.now`. */
  now?: () => number
}

export const EXIT = { ok: 0, problems: 1, usage: 2, notFound: 3 } as const

/** Every command, the table the usage text and the tests are checked against. */
export const CLI_COMMANDS = ['doctor', 'validate', 'tail', 'stats', 'convert', 'import'] as const

const USAGE = `Usage: trade-log <command> [options]

Commands:
  doctor [dir]              check the log directory and say what is wrong, with fixes (--tz ZONE, --json, --no-scan)
  validate <file|dir>...    list every bad line and repeated entry (--kind KIND for files with other names, --tz, --json)
  tail [dir]                print the newest entries (-n N, --kind KIND, --tz); -f keeps following (--poll: no fs.watch)
  stats [dir]               performance, portfolio and decision quality as JSON (--from, --to, --tz ZONE,
                            --starting-balance X, --prices KRW-BTC=160000000,..., --horizon 4h: judge decisions
                            by the price 30m/4h/1d later, default 1d)
  convert <file|dir>...     rewrite the old bot's files (.json, errors_*.log) as JSONL and set each source aside as
                            <name>.converted (--out-dir DIR, --tz ZONE, --remove deletes a source only when every
                            record in it was written elsewhere)
  import [dir]              copy the log directory (old bot's files included) into PostgreSQL: --database postgres://…#<log>
                            or TRADE_LOG_URL; run again to add only what is missing (--tz ZONE, --kind a,b)

The log directory is [dir], else TRADE_LOG_DIR, else ./logs.
Exit codes: 0 ok, 1 problems found, 2 usage error, 3 path not found, 130/143 interrupted (SIGINT/SIGTERM).`

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
      horizon: { type: 'string' },
      'out-dir': { type: 'string' },
      remove: { type: 'boolean' },
      database: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

/** The conventional exit code of a process stopped by `signal` (128 + its number). */
function interruptedCode(signal: AbortSignal): number {
  return signal.reason === 'SIGTERM' ? 143 : 130
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
  const signal = io.signal ?? new AbortController().signal
  const dirOf = () =>
    resolveLogDir(parsed.positionals[0], { env: io.env, cwd: io.cwd, log: (message) => io.stderr(`${message}\n`) }).dir
  try {
    signal.throwIfAborted()
    switch (command) {
      case 'doctor':
        return await doctorCommand(dirOf(), parsed.values, io, signal)
      case 'validate':
        return await validateCommand(parsed.positionals, parsed.values, io, signal)
      case 'tail':
        return await tailCommand(dirOf(), parsed.values, io, signal)
      case 'stats':
        return await statsCommand(dirOf(), parsed.values, io, signal)
      case 'convert':
        return await convertCommand(parsed.positionals, parsed.values, io, signal)
      case 'import':
        return await importCommand(dirOf(), parsed.values, io, signal)
      default:
        io.stderr(`Unknown command "${command}".\n\n${USAGE}\n`)
        return EXIT.usage
    }
  } catch (error) {
    if (signal.aborted) {
      io.stderr(
        `trade-log: interrupted (${typeof signal.reason === 'string' ? signal.reason : 'aborted'}); stopped before finishing.\n`,
      )
      return interruptedCode(signal)
    }
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
    if (isTradeLogError(error) && error.code === 'io') {
      io.stderr(`${error.message}\n`)
      return EXIT.notFound
    }
    throw error
  }
}

type Values = ReturnType<typeof options>['values']

async function doctorCommand(dir: string, values: Values, io: CliIo, signal: AbortSignal): Promise<number> {
  signal.throwIfAborted()
  // Where else to look when there are no logs: ./logs and TRADE_LOG_DIR as this command sees them.
  const searchPaths = [
    resolve(io.cwd, 'logs'),
    ...(io.env['TRADE_LOG_DIR'] ? [resolve(io.cwd, io.env['TRADE_LOG_DIR'])] : []),
    join(dirname(dir), 'logs'),
  ]
  const report = await doctor(dir, {
    timeZone: values.tz ?? 'UTC',
    scan: !values['no-scan'],
    signal,
    searchPaths,
    ...(io.now ? { now: io.now } : {}),
  })
  if (values.json) {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`)
  } else {
    const lines = [
      `directory  ${report.dir}`,
      `exists     ${report.exists ? 'yes' : 'NO'}   readable ${report.readable ? 'yes' : 'no'}   writable ${report.writable ? 'yes' : 'no'}`,
      ...report.kinds.map(
        (kind) =>
          `${kind.kind.padEnd(10)} ${kind.files} file(s) ${kind.firstDay} … ${kind.lastDay}, ${kind.bytes} bytes, ` +
          `${kind.entries ?? '?'} entries, ${kind.badLines ?? '?'} bad, ${kind.duplicates ?? '?'} duplicate, last write ${kind.lastWriteAt}`,
      ),
      ...report.findings.flatMap((finding) => [
        `${finding.severity.padEnd(10)} ${finding.message}`,
        ...(finding.fix ? [`  fix      ${finding.fix}`] : []),
      ]),
      ...report.candidates.map((candidate) => `found logs ${candidate}`),
      `verdict    ${report.verdict.message}`,
    ]
    io.stdout(`${lines.join('\n')}\n`)
  }
  if (!report.exists || !report.readable) return EXIT.notFound
  return report.verdict.ok ? EXIT.ok : EXIT.problems
}

/** The files a validate argument names: a directory's log files, or one file (its kind from its name or --kind). */
function filesOf(path: string, values: Values): LogFile[] | undefined {
  if (statSync(path).isDirectory()) return undefined
  const parsed = parseLogFileName(basename(path))
  if (parsed) return [{ ...parsed, path, ...(values.kind ? { kind: values.kind } : {}) }]
  if (!values.kind) {
    throw new UsageError(
      `Cannot tell the kind of ${path}: name it <kind>_YYYYMMDD.jsonl or pass --kind (one of ${Object.keys(builtinKinds).join(', ')}).`,
    )
  }
  const format = path.endsWith('.json') ? 'json' : path.endsWith('.log') ? 'log' : 'jsonl'
  return [{ path, name: basename(path), kind: values.kind, day: '00000000', format }]
}

async function validateCommand(paths: string[], values: Values, io: CliIo, signal: AbortSignal): Promise<number> {
  if (paths.length === 0) throw new UsageError('validate needs a file or directory.')
  const diagnostics: Diagnostic[] = []
  // Records per file and kind: a legacy trades file's records are read as decisions too, so count each record once.
  const records = new Map<string, number>()
  for (const input of paths) {
    const path = resolve(io.cwd, input)
    if (!existsSync(path)) {
      io.stderr(`Not found: ${path}\n`)
      return EXIT.notFound
    }
    const only = filesOf(path, values)
    const dir = only ? resolve(path, '..') : path
    const reader = createReader(
      {
        dir,
        timeZone: values.tz ?? 'UTC',
        onDiagnostic: (diagnostic) => {
          signal.throwIfAborted()
          diagnostics.push(diagnostic)
          if (!values.json) io.stdout(`${diagnostic.file}:${diagnostic.line}: ${diagnostic.reason}\n`)
        },
      },
      only ? { files: only } : {},
    )
    const kinds = only
      ? [...new Set(only.flatMap((file) => kindsOfFile(file).reads))]
      : Object.keys(builtinKinds).filter((kind) => !values.kind || kind === values.kind)
    for (const kind of kinds) {
      if (!(kind in builtinKinds)) throw new UsageError(`Unknown kind "${kind}"; one of ${Object.keys(builtinKinds).join(', ')}.`)
      const counts = new Map<string, number>()
      let seen = 0
      for await (const record of reader.stream({ kind: kind as 'trades' })) {
        if ((++seen & 1023) === 0) signal.throwIfAborted()
        counts.set(record.file, (counts.get(record.file) ?? 0) + 1)
      }
      signal.throwIfAborted()
      for (const [file, count] of counts) records.set(file, Math.max(records.get(file) ?? 0, count))
    }
  }
  const entries = [...records.values()].reduce((sum, count) => sum + count, 0)
  const bad = diagnostics.filter((d) => DAMAGE_CODES.has(d.code)).length
  const duplicates = diagnostics.filter((d) => d.code === 'duplicate').length
  const unsupported = diagnostics.filter((d) => d.code === 'unsupported').length
  if (values.json) {
    io.stdout(`${JSON.stringify({ entries, badLines: bad, duplicates, unsupported, diagnostics }, null, 2)}\n`)
  } else {
    const extra = [
      duplicates > 0 ? `${duplicates} duplicate(s)` : '',
      unsupported > 0 ? `${unsupported} legacy record(s) not supported` : '',
    ].filter(Boolean)
    io.stdout(
      `${entries} valid entr${entries === 1 ? 'y' : 'ies'}, ${bad} bad line(s)${extra.length > 0 ? `, ${extra.join(', ')}` : ''}\n`,
    )
  }
  return bad > 0 || duplicates > 0 ? EXIT.problems : EXIT.ok
}

async function tailCommand(dir: string, values: Values, io: CliIo, signal: AbortSignal): Promise<number> {
  signal.throwIfAborted()
  if (!existsSync(dir)) {
    io.stderr(`No log directory at ${dir}. Run trade-log doctor ${dir}.\n`)
    return EXIT.notFound
  }
  const count = Number(values.n ?? '10')
  if (!Number.isInteger(count) || count < 0) throw new UsageError('-n takes a whole number.')
  const kind = (values.kind ?? 'trades') as 'trades'
  const reader = createTradeLogReader({
    dir,
    timeZone: values.tz ?? 'UTC',
    onDiagnostic: (d) => io.stderr(`skipped ${d.file}:${d.line}: ${d.reason}\n`),
  })
  if (count > 0) {
    const page = await reader.readEntries({ kind, limit: count })
    signal.throwIfAborted()
    for (const entry of page.entries.reverse()) io.stdout(`${JSON.stringify(entry)}\n`)
  }
  if (!values.follow) return EXIT.ok
  const follower = reader.follow({ kind, watch: !values.poll })
  follower.on('error', (error) =>
    io.stderr(`trade-log: ${error instanceof Error ? error.message : String(error)} (still polling)\n`),
  )
  const stop = () => void follower.close()
  signal.addEventListener('abort', stop, { once: true })
  try {
    await follower.ready
    signal.throwIfAborted()
    io.stderr(`following ${kind} in ${dir} (${follower.watching ? 'watching and polling' : 'polling only'}); Ctrl-C stops\n`)
    for await (const record of follower) io.stdout(`${JSON.stringify(record.entry)}\n`)
  } finally {
    signal.removeEventListener('abort', stop)
    await follower.close()
  }
  // The follower ends only when closed: by the signal.
  signal.throwIfAborted()
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

/** `30m`, `4h`, `1d` (or a number of hours) as milliseconds. */
function parseHorizon(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const match = /^(\d+(?:\.\d+)?)(m|h|d)?$/.exec(text)
  const unit: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 }
  const ms = match ? Number(match[1]) * unit[match[2] ?? 'h']! : 0
  if (!(ms > 0)) throw new UsageError(`--horizon takes a duration such as 30m, 4h or 1d, got "${text}".`)
  return ms
}

async function statsCommand(dir: string, values: Values, io: CliIo, signal: AbortSignal): Promise<number> {
  signal.throwIfAborted()
  const horizonMs = parseHorizon(values.horizon)
  if (!existsSync(dir)) {
    io.stderr(`No log directory at ${dir}. Run trade-log doctor ${dir}.\n`)
    return EXIT.notFound
  }
  let bad = 0
  const reader = createTradeLogReader({ dir, timeZone: values.tz ?? 'UTC', onDiagnostic: () => bad++ })
  const range = { ...(values.from ? { from: values.from } : {}), ...(values.to ? { to: values.to } : {}) }
  const trades: TradeEntry[] = []
  const equity: EquityEntry[] = []
  for await (const record of reader.stream({ kind: 'trades', ...range })) {
    if ((trades.push(record.entry) & 1023) === 0) signal.throwIfAborted()
  }
  signal.throwIfAborted()
  for await (const record of reader.stream({ kind: 'equity', ...range })) {
    if ((equity.push(record.entry) & 1023) === 0) signal.throwIfAborted()
  }
  signal.throwIfAborted()
  const decisions: DecisionEntry[] = []
  for await (const record of reader.stream({ kind: 'decisions', ...range })) {
    if ((decisions.push(record.entry) & 1023) === 0) signal.throwIfAborted()
  }
  signal.throwIfAborted()
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
    decisionQuality: decisionQuality(decisions, trades, equity, horizonMs === undefined ? {} : { horizonMs }),
  }
  io.stdout(`${JSON.stringify(result, null, 2)}\n`)
  return EXIT.ok
}

async function convertCommand(paths: string[], values: Values, io: CliIo, signal: AbortSignal): Promise<number> {
  if (paths.length === 0) throw new UsageError("convert needs the old bot's files, or a directory holding them.")
  const sources = await legacySources(paths.map((path) => resolve(io.cwd, path)))
  if (sources.length === 0) {
    io.stdout(`nothing to convert in ${paths.map((path) => resolve(io.cwd, path)).join(', ')}\n`)
    return EXIT.ok
  }
  const problems = await convertLegacy(sources, {
    timeZone: values.tz ?? 'UTC',
    ...(values['out-dir'] ? { outDir: resolve(io.cwd, values['out-dir']) } : {}),
    ...(values.remove ? { remove: true } : {}),
    signal,
    out: io.stdout,
    err: io.stderr,
  })
  return problems > 0 ? EXIT.problems : EXIT.ok
}
