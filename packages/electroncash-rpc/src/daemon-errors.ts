/**
 * Turns what the daemon says into errors: JSON-RPC error objects (parsing -32603 `Server error: File "...",
 * line N, in f | Class: msg`) and the results that mean failure (`{"error": ...}`, `[false, "error: ..."]`,
 * `false` from addrequest, `"Daemon offline"`).
 */
import { DaemonOfflineError, LOAD_WALLET_HINT, type RequestPlace, RpcError, WalletNotLoadedError } from './errors.js'

/** Ends a daemon text with exactly one full stop (the daemon's own texts sometimes end with one already). */
export function sentence(text: string): string {
  const trimmed = text.trim()
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`
}

const SERVER_ERROR = /^Server error: File "[^"]*", line \d+, in \S+ \| ([\w.]+)(?::\s?([\s\S]*?))?\s*$/

/** Splits a -32603 text into the Python exception class and its message (empty when the class has none). */
export function parseServerError(message: string): { exceptionClass: string; detail: string } | undefined {
  const match = SERVER_ERROR.exec(message)
  if (!match) return undefined
  return { exceptionClass: match[1]!, detail: (match[2] ?? '').trim() }
}

/** The daemon echoes whole request bodies in -32700/-32600 texts; they can hold wallet passwords. */
function withoutEchoedRequest(message: string): string {
  return message.replace(
    /^Request [\s\S]* invalid\.( \(.*\))?$/,
    (_all, tail: string | undefined) => `Request invalid.${tail ?? ''}`,
  )
}

const HINTS: Record<string, string> = {
  'electroncash.util.NotEnoughFunds': 'the wallet cannot cover the amount plus fee',
  'electroncash.util.InvalidPassword': 'the wallet password is wrong',
  'electroncash.address.AddressError': 'check the address (cashaddr with or without bitcoincash:, or legacy)',
  'decimal.InvalidOperation': 'the amount is not a decimal number',
  'electroncash.util.timeout': 'the daemon could not reach an Electrum server within its 30 s limit',
}

/** Maps a JSON-RPC error object to `RpcError`, `WalletNotLoadedError` or `DaemonOfflineError`. */
export function rpcErrorFrom(error: { code?: unknown; message?: unknown }, place: RequestPlace): RpcError {
  const rpcCode = typeof error.code === 'number' ? error.code : -32603
  const raw = typeof error.message === 'string' ? error.message : JSON.stringify(error.message)
  const parsed = parseServerError(raw)
  const rpcMessage = parsed
    ? parsed.detail
      ? `${parsed.exceptionClass}: ${parsed.detail}`
      : parsed.exceptionClass
    : withoutEchoedRequest(raw.trim())
  const options = { ...place, rpcCode, rpcMessage, exceptionClass: parsed?.exceptionClass }
  const where = `${place.method} on ${place.url}`
  if (parsed?.detail.startsWith('Wallet not loaded')) {
    return new WalletNotLoadedError(`${where} failed: no wallet is loaded in the daemon. ${LOAD_WALLET_HINT}`, {
      ...options,
      code: 'wallet_not_loaded',
    })
  }
  if (parsed?.detail === 'Daemon offline' || parsed?.exceptionClass === 'electroncash.util.timeout') {
    const why =
      parsed.detail === 'Daemon offline'
        ? 'the daemon runs offline (no network); start it without --offline'
        : 'the daemon is not connected to an Electrum server (Server did not answer); check its network'
    return new DaemonOfflineError(`${where} failed: ${why}.`, { ...options, code: 'daemon_offline' })
  }
  const hint = parsed ? HINTS[parsed.exceptionClass] : undefined
  const kind =
    rpcCode === -32601
      ? 'method not supported by this daemon'
      : rpcCode === -32602
        ? 'invalid parameters'
        : `JSON-RPC error ${rpcCode}`
  return new RpcError(
    `${where} failed (${kind}): ${hint ? `${rpcMessage.replace(/\.$/, '')} (${hint}).` : sentence(rpcMessage)}`,
    options,
  )
}

/** Detects results that mean failure; returns the error to throw or undefined for a genuine result. */
export function failureInResult(result: unknown, place: RequestPlace): RpcError | undefined {
  const where = `${place.method} on ${place.url}`
  if (result && typeof result === 'object' && !Array.isArray(result) && Object.keys(result).length === 1 && 'error' in result) {
    const message = String((result as { error: unknown }).error)
    const options = { ...place, rpcCode: 0, rpcMessage: message }
    if (message === 'Password required') {
      return new RpcError(
        `${where} failed: the wallet is encrypted; pass its password (the wallet password, not the RPC password).`,
        {
          ...options,
          code: 'password_required',
        },
      )
    }
    if (/is not loaded/.test(message)) {
      return new WalletNotLoadedError(`${where} failed: ${sentence(message)}`, { ...options, code: 'wallet_not_loaded' })
    }
    return new RpcError(`${where} failed: ${sentence(message)}`, options)
  }
  if (result === 'Daemon offline') {
    return new DaemonOfflineError(`${where} failed: the daemon runs offline (no network).`, {
      ...place,
      rpcCode: 0,
      rpcMessage: result,
      code: 'daemon_offline',
    })
  }
  if (place.method === 'broadcast' && Array.isArray(result) && result[0] === false) {
    const message = String(result[1])
    const options = { ...place, rpcCode: 0, rpcMessage: message }
    if (/Server did not answer/.test(message)) {
      return new DaemonOfflineError(
        `${where} failed: the daemon is not connected to an Electrum server (${message}); the transaction may not have reached the network, ` +
          'check its txid before broadcasting again.',
        { ...options, code: 'daemon_offline' },
      )
    }
    return new RpcError(`${where} was rejected: ${sentence(message)}`, { ...options, code: 'broadcast_rejected' })
  }
  if (place.method === 'addrequest' && result === false) {
    return new RpcError(
      `${where} failed: no unused receiving address is left (the pool of 20 is used up); pay or remove old requests, or pass force: true.`,
      { ...place, rpcCode: 0, rpcMessage: 'false', code: 'address_pool_exhausted' },
    )
  }
  if (typeof result === 'string' && place.method === 'importprivkey' && result.startsWith('Error:')) {
    return new RpcError(`${where} failed: ${result}`, { ...place, rpcCode: 0, rpcMessage: result })
  }
  return undefined
}
