/** The `electroncash-rpc` command: `health`, `wait`, `call`. Exit 0 up/ok, 1 down/failed, 2 usage. Never prints secrets. */
import { parseArgs } from 'node:util'
import { createElectronCashClient, type ElectronCashClient } from './client.js'
import { ConfigError, isElectronCashError } from './errors.js'

const USAGE = `Usage: electroncash-rpc <command> [options]

Commands:
  health                         probe every endpoint; exit 0 when one is up
  wait                           wait until the daemon is ready (wallet loaded); exit 0 when ready
  call <method> [json params...] call a JSON-RPC method; one JSON object argument is sent as named params

Options:
  --url <url>          daemon URL; repeat or comma-separate for several (default: ELECTRONCASH_URL)
  --user <name>        RPC user (default: ELECTRONCASH_RPC_USER)
  --timeout <ms>       per-call timeout, or the total wait for \`wait\` (default 15000 / 60000)
  --require-network    \`wait\`: also wait for an Electrum server connection
  -h, --help           show this help

The RPC password is read only from ELECTRONCASH_RPC_PASSWORD (or the URL), never from an option.
Exit codes: 0 up/ok, 1 down/failed, 2 usage.`

export interface CliIo {
  env: Record<string, string | undefined>
  stdout: (text: string) => void
  stderr: (text: string) => void
  fetch?: typeof globalThis.fetch
}

const json = (value: unknown) => JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v), 2)

function parseParam(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text // a bare word such as an address
  }
}

const ARG_OPTIONS = {
  allowPositionals: true,
  options: {
    url: { type: 'string', multiple: true },
    user: { type: 'string' },
    timeout: { type: 'string' },
    'require-network': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
} as const
const ARG_OPTIONS_WITH = (args: string[]) => ({ ...ARG_OPTIONS, args })

/** Runs the CLI; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<typeof ARG_OPTIONS>>
  try {
    parsed = parseArgs(ARG_OPTIONS_WITH(argv))
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${USAGE}\n`)
    return 2
  }
  const { values, positionals } = parsed
  const [command, ...rest] = positionals
  if (values.help || !command) {
    ;(values.help ? io.stdout : io.stderr)(`${USAGE}\n`)
    return values.help ? 0 : 2
  }
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout)
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    io.stderr(`--timeout must be a positive number of milliseconds\n`)
    return 2
  }
  if (!['health', 'wait', 'call'].includes(command) || (command === 'call' && rest.length === 0)) {
    io.stderr(`${command === 'call' ? 'call needs a method name' : `unknown command "${command}"`}\n\n${USAGE}\n`)
    return 2
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
    io.stderr(`${error instanceof ConfigError ? error.message : String(error)}\n`)
    return 2
  }
  try {
    if (command === 'health') {
      const probes = []
      for (const endpoint of client.endpoints()) {
        const { error, ...probe } = await client.probe({ url: endpoint.url, ...(timeout ? { timeoutMs: timeout } : {}) })
        probes.push({ ...probe, ...(error ? { error: error.toJSON() } : {}) })
      }
      io.stdout(`${json(probes.length === 1 ? probes[0] : probes)}\n`)
      return probes.some((probe) => probe.status === 'up') ? 0 : 1
    }
    if (command === 'wait') {
      const { error: _ignored, ...ready } = await client.waitUntilReady({
        ...(timeout ? { timeoutMs: timeout } : {}),
        requireNetwork: values['require-network'] ?? false,
      })
      io.stdout(`${json(ready)}\n`)
      return 0
    }
    const [method, ...params] = rest as [string, ...string[]]
    const values_ = params.map(parseParam)
    const first = values_[0]
    const named = values_.length === 1 && first !== null && typeof first === 'object' && !Array.isArray(first)
    const result = await client.call(method, named ? (first as Record<string, unknown>) : values_)
    io.stdout(`${json(result)}\n`)
    return 0
  } catch (error) {
    io.stderr(`${json({ error: isElectronCashError(error) ? error.toJSON() : { message: String(error) } })}\n`)
    return 1
  }
}
