/**
 * The `electroncash-rpc` command: `health`, `wait`, `call`. Never prints the RPC password; results of
 * secret-bearing calls are redacted unless `--show-secrets` is given.
 */
import { parseArgs } from 'node:util'
import { isLosslessNumber, isSafeNumber, parse as parseLossless } from 'lossless-json'
import { EXIT } from './cli-exit-codes.js'
import { createElectronCashClient, type ElectronCashClient } from './client.js'
import { isElectronCashError, isNotReadyError } from './errors.js'
import { specForRpc } from './methods.js'
import { mapMoney } from './money-params.js'
import type { ProbeResult } from './readiness.js'
import { isSecretResult, REDACTED } from './redact.js'

const USAGE = `Usage: electroncash-rpc <command> [options]

Commands:
  health                         probe every endpoint and print the result as JSON
  wait                           wait until the daemon is ready (answers with a wallet loaded)
  call <method> [params...]      call a JSON-RPC method; each param is JSON (or a bare word), one JSON object is
                                 sent as named params. Amounts are read from the text as decimals: 0.29 stays 0.29.

Options:
  --url <url>          daemon URL; repeat or comma-separate for several (default: ELECTRONCASH_URL)
  --user <name>        RPC user (default: ELECTRONCASH_RPC_USER)
  --timeout <ms>       per-call timeout, or the total wait for \`wait\` (default 15000 / 60000)
  --require-network    health, wait: the daemon must be connected to an Electrum server with the wallet synchronized
  --show-secrets       call: print results that are secrets (seeds, private keys, getconfig rpcpassword); redacted otherwise
  -h, --help           show this help

The RPC password is read only from ELECTRONCASH_RPC_PASSWORD (or the URL), never from an option, and never printed.
Exit codes: 0 up/ok, 1 down/failed, 2 usage, 3 degraded (answers but not ready as configured).`

export interface CliIo {
  env: Record<string, string | undefined>
  stdout: (text: string) => void
  stderr: (text: string) => void
  fetch?: typeof globalThis.fetch
}

const json = (value: unknown) => JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v), 2)

class UsageError extends Error {}

/** One CLI argument: JSON read without losing digits (numbers stay text), or the bare word itself. */
function parseArgument(text: string): unknown {
  try {
    return parseLossless(text)
  } catch {
    return text // a bare word such as an address
  }
}

/**
 * Turns the parsed arguments into JSON-RPC params: amounts (by the method table's money parameters) become the
 * decimal text the user typed, other numbers become JS numbers when that loses nothing.
 */
function toParams(method: string, args: unknown[]): unknown[] | Record<string, unknown> {
  const [first] = args
  const isObject =
    args.length === 1 && first !== null && typeof first === 'object' && !Array.isArray(first) && !isLosslessNumber(first)
  const positionalDict = specForRpc(method)?.positional === true
  const params: unknown[] | Record<string, unknown> =
    isObject && !positionalDict ? (first as Record<string, unknown>) : (args as unknown[])
  const withAmounts = mapMoney(method, params, ({ value }) => (isLosslessNumber(value) ? value.toString() : value))
  return toNumbers(withAmounts, '') as unknown[] | Record<string, unknown>
}

function toNumbers(value: unknown, path: string): unknown {
  if (isLosslessNumber(value)) {
    const text = value.toString()
    if (!isSafeNumber(text)) {
      throw new UsageError(`${path || 'a parameter'} is ${text}, which a JS number cannot hold exactly; quote it as a string`)
    }
    return Number(text)
  }
  if (Array.isArray(value)) return value.map((item, i) => toNumbers(item, `${path}[${i}]`))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toNumbers(item, path ? `${path}.${key}` : key)]))
  }
  return value
}

const ARG_OPTIONS = {
  allowPositionals: true,
  options: {
    url: { type: 'string', multiple: true },
    user: { type: 'string' },
    timeout: { type: 'string' },
    'require-network': { type: 'boolean' },
    'show-secrets': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
} as const

const parseCommandLine = (argv: string[]) => parseArgs({ ...ARG_OPTIONS, args: argv })

/** Exit code for a set of probes: up if any endpoint is up, else degraded if any answers, else down. */
function healthExit(probes: readonly ProbeResult[]): number {
  if (probes.some((probe) => probe.status === 'up')) return EXIT.ok
  return probes.some((probe) => probe.status === 'degraded') ? EXIT.degraded : EXIT.down
}

const DOWN_REASONS = new Set([
  'connection refused',
  'unreachable',
  'timed out',
  'wrong credentials (401)',
  'unexpected reply',
  'not tried',
])

/** Runs the CLI; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>
  try {
    parsed = parseCommandLine(argv)
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${USAGE}\n`)
    return EXIT.usage
  }
  const { values, positionals } = parsed
  const [command, ...rest] = positionals
  if (values.help || !command) {
    ;(values.help ? io.stdout : io.stderr)(`${USAGE}\n`)
    return values.help ? EXIT.ok : EXIT.usage
  }
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout)
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    io.stderr(`--timeout must be a positive number of milliseconds\n`)
    return EXIT.usage
  }
  if (!['health', 'wait', 'call'].includes(command) || (command === 'call' && rest.length === 0)) {
    io.stderr(`${command === 'call' ? 'call needs a method name' : `unknown command "${command}"`}\n\n${USAGE}\n`)
    return EXIT.usage
  }
  let client: ElectronCashClient
  try {
    const urls = values.url?.flatMap((url) => url.split(',').map((u) => u.trim()))
    client = createElectronCashClient({
      env: io.env,
      ...(urls ? { endpoints: urls } : {}),
      ...(values.user ? { username: values.user } : {}),
      ...(command !== 'wait' && timeout ? { timeoutMs: timeout, networkTimeoutMs: timeout } : {}),
      ...(io.fetch ? { fetch: io.fetch } : {}),
      retry: false,
    })
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n`)
    return EXIT.usage
  }
  const expectNetwork = values['require-network'] ?? false
  try {
    if (command === 'health') {
      const probes: ProbeResult[] = []
      for (const endpoint of client.endpoints()) {
        probes.push(await client.probe({ url: endpoint.url, expectNetwork, ...(timeout ? { timeoutMs: timeout } : {}) }))
      }
      const printable = probes.map(({ error, ...probe }) => ({ ...probe, ...(error ? { error: error.toJSON() } : {}) }))
      io.stdout(`${json(printable.length === 1 ? printable[0] : printable)}\n`)
      return healthExit(probes)
    }
    if (command === 'wait') {
      try {
        const { error: _ignored, ...ready } = await client.waitUntilReady({
          ...(timeout ? { timeoutMs: timeout } : {}),
          requireNetwork: expectNetwork,
        })
        io.stdout(`${json(ready)}\n`)
        return EXIT.ok
      } catch (error) {
        if (!isNotReadyError(error)) throw error
        io.stderr(`${json({ error: error.toJSON() })}\n`)
        return DOWN_REASONS.has(error.reason) ? EXIT.down : EXIT.degraded
      }
    }
    const [method, ...args] = rest as [string, ...string[]]
    let params: unknown[] | Record<string, unknown>
    try {
      params = toParams(method, args.map(parseArgument))
    } catch (error) {
      if (!(error instanceof UsageError)) throw error
      io.stderr(`${method}: ${error.message}\n`)
      return EXIT.usage
    }
    const result = await client.call(method, params)
    if (isSecretResult(method, params) && !values['show-secrets']) {
      io.stdout(`${json(REDACTED)}\n`)
      io.stderr(`${method} returns a secret, so its result was redacted; pass --show-secrets to print it.\n`)
      return EXIT.ok
    }
    io.stdout(`${json(result)}\n`)
    return EXIT.ok
  } catch (error) {
    io.stderr(`${json({ error: isElectronCashError(error) ? error.toJSON() : { message: String(error) } })}\n`)
    return EXIT.down
  } finally {
    client.close()
  }
}
