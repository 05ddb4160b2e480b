/**
 * A fake Electron Cash 4.4.5 daemon on 127.0.0.1: a real node:http server that answers like the captured daemon
 * (one request at a time, `application/json-rpc`, 401 HTML pages without WWW-Authenticate, JSON-RPC 1.0 and 2.0,
 * batches, notifications, -32603 `Server error` texts) around an in-memory wallet, with fault injection.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import { type Amount, bchToSats } from '../amount.js'
import { FAKE_COMMANDS, type FakeState, PythonError, PythonTypeError, runCommand, serverInfo } from './fake-commands.js'
import { createFakeNotifier, type FakeNotification } from './fake-notifier.js'
import { type FakeRequest, FakeWallet } from './fake-wallet.js'

export interface FakeDaemonOptions {
  /** RPC user. Default `'user'`, as the daemon generates. */
  username?: string
  /** RPC password. Default: 32 random hex characters. */
  password?: string
  /** Port on 127.0.0.1. Default 0 (a free port). */
  port?: number
  /** Start in offline mode (`offline: true` in the daemon config): network commands fail with `Daemon offline`. Default false. */
  offline?: boolean
  /** Seconds a server-bound call (getaddressbalance, broadcast, ...) blocks when no Electrum server answers. Default 0 (a server answers). */
  networkStallSeconds?: number
  /** Whether a wallet is loaded. Default true. */
  walletLoaded?: boolean
  /** Wallet (keystore) password; when set, `p` commands answer `{"error":"Password required"}` without it. Default none. */
  walletPassword?: string
  /** Chain height. Default 950019 (the captured daemon's). */
  height?: number
  /** Clock for request times and expiry, in milliseconds. Default `Date.now`. */
  now?: () => number
  /** Delay before answering wrong credentials, like the daemon's fixed sleep. Default 50 ms. */
  badCredentialsDelayMs?: number
}

/**
 * A fault applied to the next `times` requests (default: every request until `clearFaults()`):
 * - `delay`: answer `ms` later; `hang`: never answer, drop the connection at `clearFaults()`;
 * - `stall`: the single-threaded daemon is busy with the request (every other request waits behind it) until
 *   `releaseStalled()`, then executes it and answers normally, as the real daemon finishes a 30 s network call
 *   that the client stopped waiting for;
 * - `cut`: reply cut mid-body; `reset`: connection reset; `http502`: a proxy's HTML error page.
 */
export type Fault =
  | { type: 'delay'; ms: number }
  | { type: 'hang' }
  | { type: 'stall' }
  | { type: 'cut' }
  | { type: 'reset' }
  | { type: 'http502' }

export interface FakeDaemonCall {
  method: string
  params: unknown
}

export interface FakeDaemon {
  /** `http://127.0.0.1:<port>` (no credentials). */
  readonly url: string
  readonly port: number
  readonly username: string
  readonly password: string
  /** Every JSON-RPC call the daemon executed (after auth), in order; batch entries are listed one by one. */
  readonly calls: FakeDaemonCall[]
  /** The wallet behind the daemon, for assertions and for simulating payments. */
  readonly wallet: FakeWallet
  /** Simulates an incoming payment of `sats` to `address`. Default 0 confirmations (mempool). Returns the txid. */
  credit(address: string, amount: Amount, options?: { confirmations?: number }): string
  /** Mines `blocks` blocks (default 1): mempool payments confirm, confirmations grow. */
  mine(blocks?: number): void
  /**
   * POSTs made to `notify` URLs, in order: one with the current status when a callback is registered, then one per
   * change of the address's history (a payment, its confirmation). Failed deliveries are kept, as the daemon only logs them.
   */
  notifications(): readonly FakeNotification[]
  /** Resolves once every `notify` POST made so far has been answered or has failed. */
  notificationsSettled(): Promise<void>
  /** The payment requests, as `listrequests` would show them. */
  requests(): FakeRequest[]
  /** Applies `fault` to the next `times` HTTP requests (default: all until cleared). */
  inject(fault: Fault, options?: { times?: number }): void
  /** Removes all faults and releases hung requests (their connections are destroyed). */
  clearFaults(): void
  /** Lets the requests held by a `stall` fault run and answer (in order); resolves when they have been answered. */
  releaseStalled(): Promise<void>
  /** Requests held by a `stall` fault right now. */
  readonly stalled: number
  /**
   * Closes the listening socket: new connections are refused (ECONNREFUSED) until `start()`. With `{ exit: true }`
   * it is the daemon process exiting: the wallet and its requests (on disk) are kept, `notify` callbacks are forgotten.
   */
  stop(options?: { exit?: boolean }): Promise<void>
  /** Listens again on the same port. */
  start(): Promise<void>
  /** Offline mode: every network command fails at once with `Daemon offline`. */
  setOffline(offline: boolean): void
  /** No Electrum server reachable: server-bound calls block `seconds` then fail (`broadcast` answers `[false, ...]`). 0 restores. */
  setNetworkStall(seconds: number): void
  /** Loads or unloads the wallet: wallet commands fail with `Wallet not loaded` while unloaded. */
  setWalletLoaded(loaded: boolean): void
  /** Whether the wallet has caught up with its server (it never has while no server answers). Default true. */
  setSynchronized(synchronized: boolean): void
  /** Labels set with `setlabel` (`listaddresses` shows them as Python `repr()` text, quotes and escapes included). */
  readonly labels: Map<string, string>
  /** Stops the server and destroys every open connection. */
  close(): Promise<void>
}

interface ActiveFault {
  fault: Fault
  remaining: number
}

const HTML_ERROR = (code: number, message: string, explanation: string) =>
  `<!DOCTYPE HTML>\n<html lang="en">\n    <head>\n        <meta charset="utf-8">\n        <title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n        <p>Error code: ${code}</p>\n        <p>Message: ${message}.</p>\n        <p>Error code explanation: ${code} - ${explanation}.</p>\n    </body>\n</html>\n`

const PROXY_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n'

const NO_REQUEST_DATA = 'Request invalid -- no request data.'

/** A request-level error: jsonrpclib answers it with `id: null`, always in the 2.0 shape. */
function requestError(code: number, message: string): { status: number; body: string } {
  return { status: 200, body: JSON.stringify({ id: null, jsonrpc: '2.0', error: { code, message } }) }
}

/** Python `repr()` of a decoded JSON value, for the daemon's `Request {...} invalid.` texts. */
function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None'
  if (value === true) return 'True'
  if (value === false) return 'False'
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`
  if (typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`)
      .join(', ')}}`
  }
  return String(value)
}

function pythonTypeName(value: unknown): string {
  if (value === null) return 'NoneType'
  if (Array.isArray(value)) return 'list'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float'
  if (typeof value === 'string') return 'str'
  if (typeof value === 'boolean') return 'bool'
  return 'dict'
}

/** Starts a fake daemon on 127.0.0.1. Close it with `close()`. */
export async function startFakeDaemon(options: FakeDaemonOptions = {}): Promise<FakeDaemon> {
  const username = options.username ?? 'user'
  const password = options.password ?? randomBytes(16).toString('hex')
  const now = options.now ?? Date.now
  const badCredentialsDelayMs = options.badCredentialsDelayMs ?? 50
  const wallet = new FakeWallet(() => Math.floor(now() / 1000), options.height ?? 950019)
  const sockets = new Set<Socket>()
  const hung = new Set<() => void>()
  const stalled: { release: () => void; answered: Promise<void> }[] = []
  const calls: FakeDaemonCall[] = []
  let faults: ActiveFault[] = []
  let queue: Promise<void> = Promise.resolve()
  let closed = false

  // close() ends every wait (network stalls, delays) at once.
  const closing = new AbortController()
  const sleep = (ms: number): Promise<void> => delay(ms, undefined, { signal: closing.signal })

  const notifier = createFakeNotifier(wallet, () => !state.offline && state.networkStallSeconds === 0)
  const state: FakeState = {
    wallet,
    notifier,
    offline: options.offline ?? false,
    networkStallSeconds: options.networkStallSeconds ?? 0,
    walletLoaded: options.walletLoaded ?? true,
    walletOpen: options.walletLoaded ?? true,
    labels: new Map(),
    synchronized: true,
    walletPassword: options.walletPassword,
    config: { rpcport: options.port ?? 0, rpcuser: username, rpcpassword: password, rpchost: '127.0.0.1' },
    stopped: () => {
      setImmediate(() => void server.close())
    },
  }

  const expectedAuth = Buffer.from(`Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`)

  function takeFault(): Fault | undefined {
    const active = faults[0]
    if (!active) return undefined
    active.remaining--
    if (active.remaining <= 0) faults.shift()
    return active.fault
  }

  function send(res: ServerResponse, status: number, reason: string, contentType: string, body: string): void {
    res.writeHead(status, reason, {
      Server: 'BaseHTTP/0.6 Python/3.11.2',
      'Content-Type': contentType,
      'Content-Length': Buffer.byteLength(body),
      Connection: 'close',
    })
    res.end(body)
  }

  function sendHtmlError(res: ServerResponse, status: number, reason: string, explanation: string): void {
    send(res, status, reason, 'text/html;charset=utf-8', HTML_ERROR(status, reason, explanation))
  }

  async function checkAuth(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const header = req.headers.authorization
    if (!header) {
      sendHtmlError(res, 401, 'Authentication failed (missing credentials)', 'No permission -- see authorization schemes')
      return false
    }
    if (!/^basic /i.test(header)) {
      sendHtmlError(
        res,
        401,
        'Authentication failed (only basic auth is supported)',
        'No permission -- see authorization schemes',
      )
      return false
    }
    const given = Buffer.from(header)
    if (given.length !== expectedAuth.length || !timingSafeEqual(given, expectedAuth)) {
      await sleep(badCredentialsDelayMs)
      sendHtmlError(res, 401, 'Authentication failed (bad credentials)', 'No permission -- see authorization schemes')
      return false
    }
    return true
  }

  /** Executes one request object the way jsonrpclib does; undefined means "notification: no reply". */
  async function execute(request: unknown): Promise<Record<string, unknown> | undefined> {
    if (request === null || typeof request !== 'object' || Array.isArray(request)) {
      return {
        id: null,
        jsonrpc: '2.0',
        error: { code: -32600, message: `Request must be a dict, not ${pythonTypeName(request)}` },
      }
    }
    const body = request as Record<string, unknown>
    if (Object.keys(body).length === 0) {
      return { id: null, jsonrpc: '2.0', error: { code: -32600, message: NO_REQUEST_DATA } }
    }
    const v2 = 'jsonrpc' in body
    const hasId = 'id' in body
    if (!hasId && !v2) {
      return { id: null, jsonrpc: '2.0', error: { code: -32600, message: `Request ${pythonRepr(body)} invalid.` } }
    }
    const id = body['id']
    const notification = !hasId || id === null || id === ''
    const reply = (outcome: { result: unknown } | { error: { code: number; message: string } }) => {
      if (notification) return undefined
      if ('result' in outcome)
        return v2 ? { result: outcome.result, id, jsonrpc: '2.0' } : { result: outcome.result, id, error: null }
      return v2 ? { id, jsonrpc: '2.0', error: outcome.error } : { result: null, id, error: outcome.error }
    }
    const method = body['method']
    const params = body['params'] ?? []
    if (typeof method !== 'string' || (typeof params !== 'object' && params !== undefined) || params === null) {
      return reply({ error: { code: -32600, message: 'Invalid request parameters or method.' } })
    }
    calls.push({ method, params })
    try {
      return reply({ result: await dispatch(method, params) })
    } catch (error) {
      if (error instanceof PythonTypeError)
        return reply({ error: { code: -32602, message: `Invalid parameters: ${error.message}` } })
      if (error instanceof PythonError) return reply({ error: { code: -32603, message: error.serverMessage() } })
      if (error instanceof UnknownMethod) return reply({ error: { code: -32601, message: `Method ${method} not supported.` } })
      throw error
    }
  }

  async function dispatch(method: string, params: unknown): Promise<unknown> {
    const first = Array.isArray(params) ? params[0] : params
    const config = (first && typeof first === 'object' ? first : {}) as Record<string, unknown>
    switch (method) {
      case 'ping':
        return true
      case 'daemon':
        switch (config['subcommand']) {
          case 'status':
            return state.offline ? 'Daemon offline' : serverInfo(state, false)
          case 'stop':
            state.stopped()
            return 'Daemon stopped'
          case 'load_wallet':
            // Without a path the real daemon looks in ~/.electron-cash, fails, unloads the wallet and still answers true.
            state.walletLoaded = Boolean(config['electron_cash_path'] || config['wallet_path'])
            if (state.walletLoaded) state.walletOpen = true
            return true
          case 'close_wallet': {
            // stop_wallet(): out of the daemon's list; the RPC commands keep answering from the wallet object.
            const was = state.walletOpen
            state.walletOpen = false
            return was
          }
          default:
            return `Unknown subcommand ${String(config['subcommand'])}`
        }
      case 'gui':
        return "error: Electron Cash is running in daemon mode; did you want to use 'daemon'?"
      case 'run_cmdline': {
        if (state.offline) {
          throw new PythonError('AttributeError', "'NoneType' object has no attribute 'config'", {
            file: '/opt/electron-cash/electroncash/daemon.py',
            line: 305,
            func: 'run_cmdline',
          })
        }
        const walletPath = config['wallet_path']
        if (typeof walletPath === 'string' && !walletPath.endsWith('default_wallet')) {
          const name = walletPath.split('/').pop()
          return { error: `Wallet "${name}" is not loaded. Use "electron-cash daemon load_wallet"` }
        }
        const { cmd, wallet_path: _w, electron_cash_path: _e, ...named } = config
        return runCommand(String(cmd), named, state, sleep)
      }
      default:
        if (!(method in FAKE_COMMANDS)) throw new UnknownMethod()
        return runCommand(method, params, state, sleep)
    }
  }

  async function handleJsonRpc(raw: string): Promise<{ status: number; body: string }> {
    if (raw.trim() === '') {
      return requestError(-32600, NO_REQUEST_DATA)
    }
    let request: unknown
    try {
      request = JSON.parse(raw)
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error)
      return requestError(-32700, `Request ${raw} invalid. (JSONDecodeError:${detail})`)
    }
    if (Array.isArray(request)) {
      if (request.length === 0) {
        return requestError(-32600, NO_REQUEST_DATA)
      }
      const replies: Record<string, unknown>[] = []
      for (const entry of request) {
        const reply = await execute(entry)
        if (reply) replies.push(reply)
      }
      return { status: 200, body: replies.length === 0 ? '' : JSON.stringify(replies) }
    }
    const reply = await execute(request)
    return { status: 200, body: reply ? JSON.stringify(reply) : '' }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks).toString('utf8')
    if (!(await checkAuth(req, res))) return
    if (req.method !== 'POST') {
      sendHtmlError(res, 501, `Unsupported method ('${req.method}')`, 'Server does not support this operation')
      return
    }
    if (req.url !== '/' && req.url !== '/RPC2') {
      send(res, 404, 'Not Found', 'text/plain', 'No such page')
      return
    }
    if (req.headers['content-length'] === undefined) {
      const message =
        'Server error: File "/usr/lib/python3/dist-packages/jsonrpclib/SimpleJSONRPCServer.py", line 479, in do_POST | ' +
        "TypeError: int() argument must be a string, a bytes-like object or a real number, not 'NoneType'\n"
      send(
        res,
        500,
        'Internal Server Error',
        'application/json-rpc',
        JSON.stringify({ id: null, jsonrpc: '2.0', error: { code: -32603, message } }),
      )
      return
    }
    const fault = takeFault()
    if (fault?.type === 'reset') {
      req.socket.destroy()
      return
    }
    if (fault?.type === 'http502') {
      send(res, 502, 'Bad Gateway', 'text/html', PROXY_502)
      return
    }
    if (fault?.type === 'hang') {
      await new Promise<void>((resolve) => hung.add(resolve))
      req.socket.destroy()
      return
    }
    if (fault?.type === 'delay') await sleep(fault.ms)
    let answered: (() => void) | undefined
    if (fault?.type === 'stall') {
      // Busy with this request: the queue (one request at a time) holds every other one until it is released.
      await new Promise<void>((release) => {
        const done = new Promise<void>((resolve) => {
          answered = resolve
        })
        stalled.push({ release, answered: done })
      })
    }
    const { status, body } = await handleJsonRpc(raw).finally(() => answered?.())
    if (fault?.type === 'cut') {
      res.writeHead(status, {
        'Content-Type': 'application/json-rpc',
        'Content-Length': Buffer.byteLength(body) + 64,
        Connection: 'close',
      })
      res.write(body.slice(0, Math.max(1, Math.floor(body.length / 2))))
      setImmediate(() => req.socket.destroy())
      return
    }
    send(res, status, 'OK', 'application/json-rpc', body)
  }

  const server: Server = createServer((req, res) => {
    // Single-threaded like Daemon.run(): each request waits for the previous one to finish.
    queue = queue
      .then(() => handle(req, res))
      .catch((error: unknown) => {
        if (!res.headersSent && !closed) {
          send(res, 500, 'Internal Server Error', 'text/plain', `fake daemon failure: ${String(error)}`)
        }
      })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })

  const releaseHung = () => {
    for (const resolve of hung) resolve()
    hung.clear()
  }
  const dropConnections = () => {
    for (const socket of sockets) socket.destroy()
  }

  await listen(options.port ?? 0)
  const port = (server.address() as AddressInfo).port
  state.config['rpcport'] = port

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    username,
    password,
    calls,
    wallet,
    credit: (address, amount, creditOptions = {}) => {
      const txid = wallet.credit(
        address,
        typeof amount === 'bigint' ? amount : bchToSats(amount),
        creditOptions.confirmations ?? 0,
      )
      notifier.changed()
      return txid
    },
    mine: (blocks = 1) => {
      wallet.mine(blocks)
      notifier.changed()
    },
    notifications: () => notifier.sent,
    notificationsSettled: () => notifier.settled(),
    requests: () => [...wallet.requests.values()],
    inject: (fault, injectOptions = {}) => {
      faults.push({ fault, remaining: injectOptions.times ?? Number.POSITIVE_INFINITY })
    },
    clearFaults: () => {
      faults = []
      releaseHung()
    },
    releaseStalled: async () => {
      const held = stalled.splice(0)
      for (const request of held) request.release()
      await Promise.all(held.map((request) => request.answered))
    },
    get stalled() {
      return stalled.length
    },
    labels: state.labels,
    stop: async (stopOptions = {}) => {
      if (stopOptions.exit) notifier.forget()
      if (!server.listening) return
      const closing = new Promise<void>((resolve) => server.close(() => resolve()))
      releaseHung()
      dropConnections()
      await closing
    },
    start: async () => {
      if (!server.listening) await listen(port)
    },
    setOffline: (offline) => {
      state.offline = offline
      notifier.changed()
    },
    setNetworkStall: (seconds) => {
      state.networkStallSeconds = seconds
      notifier.changed()
    },
    setSynchronized: (synchronized) => {
      state.synchronized = synchronized
    },
    setWalletLoaded: (loaded) => {
      state.walletLoaded = loaded
      state.walletOpen = loaded
    },
    close: async () => {
      closed = true
      notifier.close()
      faults = []
      releaseHung()
      for (const request of stalled.splice(0)) request.release()
      closing.abort()
      const stopped = server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve()
      dropConnections()
      await stopped
    },
  }
}

class UnknownMethod extends Error {}
