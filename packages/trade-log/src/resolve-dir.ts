/**
 * One rule for where logs live, used by the bot and the server alike: an explicit option, else `TRADE_LOG_DIR`,
 * else `./logs` under the working directory. The chosen absolute path and the reason are returned and logged,
 * because "the server could not find the bot's logs" is what this package exists to end.
 */
import { isAbsolute, resolve } from 'node:path'

/** Where the directory came from. */
export type LogDirSource = 'option' | 'env' | 'default'

/** The resolved directory and why it was chosen. */
export interface ResolvedLogDir {
  /** Absolute path. */
  dir: string
  source: LogDirSource
  /** One sentence naming the source, for start-up logs and health endpoints. */
  reason: string
}

/** Options for `resolveLogDir`. */
export interface ResolveLogDirOptions {
  /** Environment to read `TRADE_LOG_DIR` from. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
  /** Working directory for relative paths. Default `process.cwd()`. */
  cwd?: string
  /** Where to log the decision; `false` for silence. Default: one line on stderr. */
  log?: ((message: string) => void) | false
}

/** Picks the log directory: `dir` if given, else `TRADE_LOG_DIR`, else `./logs` from the working directory. */
export function resolveLogDir(dir?: string, options: ResolveLogDirOptions = {}): ResolvedLogDir {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  const relativeNote = (value: string) =>
    isAbsolute(value)
      ? ''
      : ` (relative, resolved against the working directory ${cwd}; prefer an absolute path so every process agrees)`
  let result: ResolvedLogDir
  if (dir !== undefined && dir !== '') {
    result = {
      dir: resolve(cwd, dir),
      source: 'option',
      reason: `given explicitly as ${JSON.stringify(dir)}${relativeNote(dir)}`,
    }
  } else if (env['TRADE_LOG_DIR']) {
    const value = env['TRADE_LOG_DIR']
    result = {
      dir: resolve(cwd, value),
      source: 'env',
      reason: `from TRADE_LOG_DIR=${JSON.stringify(value)}${relativeNote(value)}`,
    }
  } else {
    result = {
      dir: resolve(cwd, 'logs'),
      source: 'default',
      reason: `default ./logs under the working directory ${cwd}, because neither a dir option nor TRADE_LOG_DIR was set`,
    }
  }
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`))
  if (log) log(`trade-log: using ${result.dir} (${result.reason})`)
  return result
}
