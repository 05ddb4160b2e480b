/**
 * Marks errors made by this package. `Symbol.for` is shared by every copy of the package and every realm (vm
 * contexts, workers' structured clones excepted), while another package's `AuthError` or `TimeoutError` never
 * carries it: the guards match this package's errors only, by brand rather than by name.
 */
const BRAND: unique symbol = Symbol.for('@tradekit/electroncash-rpc/error') as never

/** Every error this package throws extends `ElectronCashError` and carries a stable `code`. */
export class ElectronCashError extends Error {
  override name = 'ElectronCashError'
  /** The package brand the guards check (see `isElectronCashError`). */
  readonly [BRAND] = true as const
  /** Stable machine-readable code, e.g. `'connection'`, `'timeout'`, `'auth'`, `'rpc'`, `'amount'`. */
  readonly code: string

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code ?? 'electroncash'
  }

  /** A plain object safe to log: name, code, message, the subclass's own fields and the cause chain. */
  toJSON(): Record<string, unknown> {
    const cause = this.cause
    const own: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(this)) {
      if (key !== 'name' && key !== 'code' && key !== 'cause' && typeof value !== 'function') own[key] = value
    }
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...own,
      ...(cause instanceof Error
        ? { cause: cause instanceof ElectronCashError ? cause.toJSON() : { name: cause.name, message: cause.message } }
        : {}),
    }
  }
}

/** An amount that cannot be sent to, or read from, the daemon without losing satoshis. */
export class AmountError extends ElectronCashError {
  override name = 'AmountError' as const
  /** The rejected input. */
  readonly value: unknown
  /** The daemon method whose parameter was refused (e.g. `'addrequest'`), when the amount was a call parameter. */
  readonly method: string | undefined
  /** The refused parameter as the daemon names it (e.g. `'amount'`, `'fee'`, `'outputs[0][1]'`). */
  readonly param: string | undefined

  constructor(message: string, options: { value: unknown; method?: string; param?: string; cause?: unknown }) {
    const where = options.method ? `${options.method} ${options.param ?? 'amount'}: ` : ''
    super(`Invalid amount: ${where}${message}.`, { code: 'amount', cause: options.cause })
    this.value = options.value
    this.method = options.method
    this.param = options.param
  }
}

/** Bad client options: no URL, a non-http(s) scheme, a port out of range, missing credentials. */
export class ConfigError extends ElectronCashError {
  override name = 'ConfigError' as const
  constructor(message: string) {
    super(`Invalid Electron Cash client configuration: ${message}`, { code: 'config' })
  }
}

/** Where a failed request got to; decides whether an unsafe call may be retried. */
export interface RequestPlace {
  /** The daemon URL without credentials. */
  readonly url: string
  /** The JSON-RPC method (or `'batch'`). */
  readonly method: string
}

/**
 * The daemon could not be reached or the connection broke. `sent` is false only when the failure proves that no
 * attempt of the call reached the daemon (connection refused, DNS failure on every attempt): only then may a
 * non-idempotent call be repeated. After retries, `sent` and the message cover every attempt, not just the last.
 */
export class ConnectionError extends ElectronCashError {
  override name = 'ConnectionError' as const
  /** The endpoint of the last attempt. */
  readonly url: string
  readonly method: string
  /** False when no attempt reached the daemon; true when any attempt may have. */
  readonly sent: boolean
  /** The system error code of the last attempt, e.g. `'ECONNREFUSED'`, `'ECONNRESET'`, `'ENOTFOUND'`. */
  readonly errno: string | undefined
  /** Requests sent (or tried) for this call, retries and failovers included. */
  readonly attempts: number
  constructor(
    message: string,
    options: RequestPlace & { sent: boolean; errno?: string | undefined; attempts?: number; cause?: unknown },
  ) {
    super(message, { code: 'connection', cause: options.cause })
    this.url = options.url
    this.method = options.method
    this.sent = options.sent
    this.errno = options.errno
    this.attempts = options.attempts ?? 1
  }
}

/** The call did not finish within `timeoutMs`; the daemon may still be executing it. */
export class TimeoutError extends ElectronCashError {
  override name = 'TimeoutError' as const
  readonly url: string
  readonly method: string
  readonly timeoutMs: number
  /** Always true: a request that timed out reached the daemon, which may still be executing it. */
  readonly sent = true as const
  /** Requests sent (or tried) for this call, retries and failovers included. */
  readonly attempts: number
  constructor(options: RequestPlace & { timeoutMs: number; attempts?: number; cause?: unknown }) {
    const attempts = options.attempts ?? 1
    super(
      `${options.method} on ${options.url} timed out after ${options.timeoutMs} ms` +
        `${attempts > 1 ? ` (attempt ${attempts})` : ''}; the daemon may still be executing it ` +
        '(it serves one request at a time and network calls can take 30 s): it is not sent again while the daemon is busy ' +
        'with it. Raise timeoutMs or check the daemon.',
      { code: 'timeout', cause: options.cause },
    )
    this.url = options.url
    this.method = options.method
    this.timeoutMs = options.timeoutMs
    this.attempts = attempts
  }
}

/**
 * The call was never sent: the endpoint stayed busy with another request (the daemon serves one at a time)
 * for longer than the call's `queueTimeoutMs`. Nothing reached the daemon, so any call may be retried.
 */
export class DaemonBusyError extends ElectronCashError {
  override name = 'DaemonBusyError' as const
  readonly url: string
  readonly method: string
  /** Always false: the request did not leave the client's queue. */
  readonly sent = false as const
  /** How long the daemon had been busy with the request ahead when this call gave up, ms. */
  readonly busyForMs: number
  constructor(options: RequestPlace & { busyForMs: number; waitedMs: number }) {
    super(
      `${options.method} was not sent to ${options.url}: the daemon has been busy with another request for ` +
        `${Math.round(options.busyForMs)} ms (it serves one request at a time) and this call waited ` +
        `${Math.round(options.waitedMs)} ms; retry later or raise queueTimeoutMs.`,
      { code: 'busy' },
    )
    this.url = options.url
    this.method = options.method
    this.busyForMs = options.busyForMs
  }
}

/** The daemon answered 401/403: wrong, missing or non-Basic credentials. Never retried. */
export class AuthError extends ElectronCashError {
  override name = 'AuthError' as const
  readonly url: string
  readonly status: number
  /** The daemon's reason phrase, e.g. `'Authentication failed (bad credentials)'`. */
  readonly reason: string
  constructor(options: { url: string; status: number; reason: string }) {
    super(
      `${options.url} rejected the credentials (HTTP ${options.status}: ${options.reason}); check rpcuser/rpcpassword ` +
        '(ELECTRONCASH_RPC_USER / ELECTRONCASH_RPC_PASSWORD) against the daemon config.',
      { code: 'auth' },
    )
    this.url = options.url
    this.status = options.status
    this.reason = options.reason
  }
}

/** A JSON-RPC error object from the daemon (-32700, -32600, -32601, -32602, -32603) or a result that means failure. */
export class RpcError extends ElectronCashError {
  override name: 'RpcError' | 'WalletNotLoadedError' | 'DaemonOfflineError' = 'RpcError'
  readonly url: string
  readonly method: string
  /** The JSON-RPC error code; `0` for a failure the daemon reported inside a successful `result`. */
  readonly rpcCode: number
  /** The daemon's message with server file paths stripped. */
  readonly rpcMessage: string
  /** For -32603: the Python exception class, e.g. `'electroncash.util.NotEnoughFunds'`. */
  readonly exceptionClass: string | undefined
  constructor(
    message: string,
    options: RequestPlace & { rpcCode: number; rpcMessage: string; exceptionClass?: string | undefined; code?: string },
  ) {
    super(message, { code: options.code ?? 'rpc' })
    this.url = options.url
    this.method = options.method
    this.rpcCode = options.rpcCode
    this.rpcMessage = options.rpcMessage
    this.exceptionClass = options.exceptionClass
  }
}

/** Every wallet command failed because the daemon has no wallet loaded. */
export class WalletNotLoadedError extends RpcError {
  override name = 'WalletNotLoadedError' as const
}

/** A network command failed because the daemon runs offline or cannot reach an Electrum server. */
export class DaemonOfflineError extends RpcError {
  override name = 'DaemonOfflineError' as const
}

/** The reply is not what a JSON-RPC daemon sends: non-JSON body, HTML page, wrong id, or a result that fails the schema. */
export class ProtocolError extends ElectronCashError {
  override name = 'ProtocolError' as const
  readonly url: string
  readonly method: string
  /** The HTTP status, when the failure is an unexpected HTTP answer. */
  readonly status: number | undefined
  /** For schema mismatches: the path of the offending value, e.g. `'confirmed'` or `'3.amount'`. */
  readonly path: string | undefined
  constructor(message: string, options: RequestPlace & { status?: number; path?: string; cause?: unknown }) {
    super(message, { code: 'protocol', cause: options.cause })
    this.url = options.url
    this.method = options.method
    this.status = options.status
    this.path = options.path
  }
}

/** Parameters rejected before anything was sent (wrong type, missing field); `path` names the offending field. */
export class ParamsError extends ElectronCashError {
  override name = 'ParamsError' as const
  readonly method: string
  readonly path: string
  constructor(message: string, options: { method: string; path: string }) {
    super(message, { code: 'params' })
    this.method = options.method
    this.path = options.path
  }
}

/** What `waitUntilReady` saw last, in plain words. */
export type NotReadyReason =
  | 'connection refused'
  | 'unreachable'
  | 'timed out'
  | 'wrong credentials (401)'
  | 'daemon up but no wallet loaded'
  | 'wallet not synchronized'
  | 'daemon offline (no network)'
  | 'daemon not connected to a server'
  | 'unexpected reply'
  | 'not tried'

/** `waitUntilReady` gave up: lists the URLs, the attempts and the last cause. */
export class NotReadyError extends ElectronCashError {
  override name = 'NotReadyError' as const
  readonly urls: readonly string[]
  readonly attempts: number
  readonly reason: NotReadyReason
  constructor(options: { urls: readonly string[]; attempts: number; reason: NotReadyReason; waitedMs: number; cause?: unknown }) {
    super(
      `Electron Cash daemon at ${options.urls.join(', ')} was not ready after ${options.attempts} attempt` +
        `${options.attempts === 1 ? '' : 's'} in ${Math.round(options.waitedMs)} ms: ${options.reason}. ${NEXT_STEP[options.reason]}`,
      { code: 'not_ready', cause: options.cause },
    )
    this.urls = options.urls
    this.attempts = options.attempts
    this.reason = options.reason
  }
}

/**
 * How to load a wallet, offline or not: `load_wallet` (the RPC method, `loadWallet()`) needs the network, while the
 * `daemon` method works in every mode.
 */
export const LOAD_WALLET_HINT =
  "Load it with `electron-cash daemon load_wallet` or client.daemon({ subcommand: 'load_wallet', electronCashPath: " +
  "'<the daemon data directory>' }), which work offline too (loadWallet() needs the network)."

const NEXT_STEP: Record<NotReadyReason, string> = {
  'connection refused': 'Start the daemon (electron-cash daemon start) and check rpcport.',
  unreachable: 'Check the host name and that the daemon container is on the same network.',
  'timed out': 'The daemon accepted the connection but did not answer: it may be busy or hung; check its logs.',
  'wrong credentials (401)': 'Check rpcuser/rpcpassword (ELECTRONCASH_RPC_USER / ELECTRONCASH_RPC_PASSWORD).',
  'daemon up but no wallet loaded': LOAD_WALLET_HINT,
  'wallet not synchronized':
    'The wallet is still catching up with its Electrum server; wait, or check the server connection (getinfo).',
  'daemon offline (no network)': 'The daemon runs with --offline; restart it online or set requireNetwork: false.',
  'daemon not connected to a server': 'The daemon has no Electrum server; check its network or set requireNetwork: false.',
  'unexpected reply': 'The URL may not point at an Electron Cash daemon.',
  'not tried': 'No attempt was made before the deadline or abort.',
}

/** The invoice store could not be read or written; `file` and `line` locate bad data. Nothing is overwritten. */
export class StoreError extends ElectronCashError {
  override name = 'StoreError' as const
  readonly file: string | undefined
  readonly line: number | undefined
  constructor(message: string, options: { file?: string; line?: number; cause?: unknown } = {}) {
    super(message, { code: 'store', cause: options.cause })
    this.file = options.file
    this.line = options.line
  }
}

/**
 * True for any error thrown by this package, including errors from another copy of it or another realm. Another
 * package's errors never match, even with the same `name` (`AuthError`, `TimeoutError`, ...).
 */
export function isElectronCashError(error: unknown): error is ElectronCashError {
  return (
    error instanceof ElectronCashError ||
    (typeof error === 'object' && error !== null && (error as { [BRAND]?: unknown })[BRAND] === true)
  )
}

function guard<T extends ElectronCashError>(names: readonly string[], klass: abstract new (...args: never[]) => T) {
  return (error: unknown): error is T => error instanceof klass || (isElectronCashError(error) && names.includes(error.name))
}

export const isConnectionError = guard(['ConnectionError'], ConnectionError)
export const isTimeoutError = guard(['TimeoutError'], TimeoutError)
export const isDaemonBusyError = guard(['DaemonBusyError'], DaemonBusyError)
export const isAuthError = guard(['AuthError'], AuthError)
export const isProtocolError = guard(['ProtocolError'], ProtocolError)
export const isParamsError = guard(['ParamsError'], ParamsError)
export const isAmountError = guard(['AmountError'], AmountError)
export const isNotReadyError = guard(['NotReadyError'], NotReadyError)
export const isStoreError = guard(['StoreError'], StoreError)
export const isWalletNotLoadedError = guard(['WalletNotLoadedError'], WalletNotLoadedError)
export const isDaemonOfflineError = guard(['DaemonOfflineError'], DaemonOfflineError)
/** True for `RpcError` and its subclasses `WalletNotLoadedError` and `DaemonOfflineError`. */
export const isRpcError = guard(['RpcError', 'WalletNotLoadedError', 'DaemonOfflineError'], RpcError)
