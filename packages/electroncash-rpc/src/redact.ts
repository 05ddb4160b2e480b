/** Removes secrets from what hooks and logs see: wallet passwords, private keys, seeds. */

const SECRET_KEYS = /pass(word|phrase)|privkey|private|seed|^text$|encrypted|new_password|rpcpassword/i
/** Methods whose results are secrets. */
const SECRET_RESULTS = new Set([
  'getseed',
  'getmasterprivate',
  'getprivatekeys',
  'dumpprivkeys',
  'getconfig',
  'make_seed',
  'make_electrum_seed',
])
export const REDACTED = '<redacted>'

/** A copy of JSON-RPC params with secret-looking fields replaced; positional params of secret-taking methods too. */
export function redactParams(method: string, params: unknown): unknown {
  if (Array.isArray(params)) {
    if (['importprivkey', 'sweep', 'restore', 'check_seed', 'check_electrum_seed', 'decrypt', 'setconfig'].includes(method)) {
      return params.map(() => REDACTED)
    }
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

/** The result as hooks may see it: secret-returning methods are redacted. */
export function redactResult(method: string, result: unknown): unknown {
  return SECRET_RESULTS.has(method) ? REDACTED : result
}
