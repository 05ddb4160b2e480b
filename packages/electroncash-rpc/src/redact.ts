/**
 * What counts as a secret, in one place for hooks, logs and the CLI: wallet passwords, private keys and seeds in
 * params, and the results of calls that return them (seeds, private keys, the RPC credentials from getconfig).
 */

const SECRET_KEYS = /pass(word|phrase)|privkey|private|seed|^text$|encrypted|new_password|rpcpassword/i
/** Methods whose params carry secrets positionally. */
const SECRET_POSITIONAL = new Set([
  'importprivkey',
  'sweep',
  'restore',
  'check_seed',
  'check_electrum_seed',
  'decrypt',
  'setconfig',
])
/** Methods whose every result is a secret (or, for `create`, carries one). */
export const SECRET_RESULT_METHODS: ReadonlySet<string> = new Set([
  'getseed',
  'getmasterprivate',
  'getprivatekeys',
  'dumpprivkeys',
  'make_seed',
  'make_electrum_seed',
  'create',
  'decrypt',
  'rpa_extract_private_keys_from_transaction',
])
/** Config keys whose values are secrets (`getconfig`); any key that looks like a password or key counts too. */
const SECRET_CONFIG_KEYS = /^rpc(user|password)$|pass|secret|priv|seed|token|key$/i
/** Wallet storage keys (`get`) that hold key material. */
const SECRET_STORAGE_KEYS = /keystore|seed|priv|^x\d+\/$/i

export const REDACTED = '<redacted>'

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

/** The named or first positional argument of a call. */
function argument(params: unknown, name: string, index: number): unknown {
  if (Array.isArray(params)) return params[index]
  return isRecord(params) ? params[name] : undefined
}

/**
 * True when the result of this call is (or contains) a secret: seeds, private keys, the RPC credentials
 * (`getconfig rpcpassword` / `rpcuser`), key material from wallet storage; `run_cmdline` by its `cmd`.
 */
export function isSecretResult(method: string, params: unknown): boolean {
  if (method === 'run_cmdline') {
    const dict = Array.isArray(params) ? params[0] : params
    if (!isRecord(dict) || typeof dict['cmd'] !== 'string') return true
    return isSecretResult(dict['cmd'], dict)
  }
  if (SECRET_RESULT_METHODS.has(method)) return true
  if (method === 'getconfig') {
    const key = argument(params, 'key', 0)
    return typeof key !== 'string' || SECRET_CONFIG_KEYS.test(key)
  }
  if (method === 'get') {
    const key = argument(params, 'key', 0)
    return typeof key !== 'string' || SECRET_STORAGE_KEYS.test(key)
  }
  return false
}

/** A copy of JSON-RPC params with secret-looking fields replaced; positional params of secret-taking methods too. */
export function redactParams(method: string, params: unknown): unknown {
  if (Array.isArray(params)) {
    if (SECRET_POSITIONAL.has(method)) return params.map(() => REDACTED)
    return params.map((value) => (value && typeof value === 'object' ? redactParams(method, value) : value))
  }
  if (params && typeof params === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(params)) {
      out[key] = SECRET_KEYS.test(key) ? REDACTED : value && typeof value === 'object' ? redactParams(method, value) : value
    }
    if (method === 'setconfig' && 'value' in out) out['value'] = REDACTED
    return out
  }
  return params
}

/** The result as hooks and the CLI show it: `<redacted>` for secret-bearing calls. */
export function redactResult(method: string, params: unknown, result: unknown): unknown {
  return isSecretResult(method, params) ? REDACTED : result
}
