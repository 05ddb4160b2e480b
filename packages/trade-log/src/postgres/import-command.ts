/**
 * `trade-log import [dir] --database postgres://…#<log>` (or TRADE_LOG_URL, which keeps the password out of the process
 * list): copies a log directory into PostgreSQL, printing what it did per kind. Run it again at any time: entries
 * already there are counted, not inserted again.
 */
import { isTradeLogError } from '../errors.js'
import { DAMAGE_CODES } from '../lines.js'
import { describeUrl, isPostgresUrl } from './connection.js'
import { importLogDirectory } from './import.js'

export interface ImportCommandIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  env: Readonly<Record<string, string | undefined>>
}

/** Resolves with the exit code: 0 done, 1 damaged lines were skipped or the database failed, 2 usage. */
export async function importCommand(
  dir: string,
  values: { database?: string | undefined; tz?: string | undefined; kind?: string | undefined },
  io: ImportCommandIo,
  signal: AbortSignal,
): Promise<number> {
  signal.throwIfAborted()
  const url = values.database ?? io.env['TRADE_LOG_URL']
  if (!url) {
    io.stderr(
      'import needs the database: --database postgres://user@host:5432/db#<log>, or TRADE_LOG_URL (keeps the password out of the process list).\n',
    )
    return 2
  }
  if (!isPostgresUrl(url)) {
    io.stderr('import: --database (or TRADE_LOG_URL) must be a postgres:// URL.\n')
    return 2
  }
  io.stdout(`importing ${dir} into ${describeUrl(new URL(url))}\n`)
  let damaged = 0
  try {
    const report = await importLogDirectory({
      url,
      dir,
      timeZone: values.tz ?? 'UTC',
      ...(values.kind ? { kinds: values.kind.split(',') } : {}),
      signal,
      onDiagnostic: (diagnostic) => {
        if (DAMAGE_CODES.has(diagnostic.code)) damaged++
      },
    })
    for (const [kind, counts] of Object.entries(report.kinds)) {
      const legacy = counts.legacy > 0 ? ` (${counts.legacy} from the old bot's files)` : ''
      io.stdout(`${kind}: ${counts.read} read${legacy}, ${counts.inserted} inserted, ${counts.alreadyPresent} already there\n`)
    }
    if (damaged > 0) io.stdout(`${damaged} damaged line(s) skipped: trade-log validate ${dir} lists them\n`)
    return damaged > 0 ? 1 : 0
  } catch (error) {
    if (signal.aborted) throw error
    if (isTradeLogError(error) && (error.code === 'database' || error.code === 'schema_version')) {
      io.stderr(`${error.message}\n`)
      return 1
    }
    throw error
  }
}
