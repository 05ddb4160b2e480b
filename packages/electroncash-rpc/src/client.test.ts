import { afterEach, describe, expect, it } from 'vitest'
import { type ClientHooks, createElectronCashClient, type ElectronCashClientOptions } from './client.js'
import {
  AmountError,
  AuthError,
  ConfigError,
  ConnectionError,
  DaemonOfflineError,
  ParamsError,
  ProtocolError,
  RpcError,
  TimeoutError,
  WalletNotLoadedError,
} from './errors.js'
import { failingFetch } from './test-support/failing-fetch.js'
import { everything } from './test-support/secrets.js'
import { type FakeDaemon, type FakeDaemonOptions, startFakeDaemon } from './testing/fake-daemon.js'

const PASSWORD = 's3cret-rpc-password-7f1d'
let daemons: FakeDaemon[] = []
afterEach(async () => {
  await Promise.all(daemons.map((d) => d.close()))
  daemons = []
})

async function fake(options: FakeDaemonOptions = {}): Promise<FakeDaemon> {
  const daemon = await startFakeDaemon({ password: PASSWORD, badCredentialsDelayMs: 1, ...options })
  daemons.push(daemon)
  return daemon
}

/** Collects every hook payload so tests can assert what a logger would have seen. */
function recorder() {
  const events: { hook: string; event: unknown }[] = []
  const hooks: ClientHooks = {
    onRequest: (event) => events.push({ hook: 'request', event }),
    onResponse: (event) => events.push({ hook: 'response', event }),
    onError: (event) => events.push({ hook: 'error', event }),
    onRetry: (event) => events.push({ hook: 'retry', event }),
  }
  return { events, hooks, count: (hook: string) => events.filter((e) => e.hook === hook).length }
}

function connect(daemon: FakeDaemon, options: Partial<ElectronCashClientOptions> = {}) {
  return createElectronCashClient({
    url: daemon.url,
    username: daemon.username,
    password: daemon.password,
    env: {},
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5, jitter: false },
    ...options,
  })
}

describe('configuration', () => {
  it.each([
    [{ env: {} }, /no daemon URL.*ELECTRONCASH_URL/],
    [{ url: 'ftp://127.0.0.1:7777', username: 'u', password: 'p', env: {} }, /uses ftp; the daemon speaks http/],
    [{ url: 'http://127.0.0.1:70000', username: 'u', password: 'p', env: {} }, /port 70000 is out of range/],
    [{ url: 'http://127.0.0.1:7777', env: {} }, /no credentials for http:\/\/127.0.0.1:7777.*ELECTRONCASH_RPC_USER/],
    [{ url: 'not a url', username: 'u', password: 'p', env: {} }, /not a valid URL/],
    [{ url: 'http://127.0.0.1:7777', username: 'u', password: 'p', env: {}, timeoutMs: -1 }, /timeoutMs must be a positive/],
    [
      { url: 'http://127.0.0.1:7777', username: 'u', password: 'p', env: {}, concurrency: 0 },
      /concurrency must be a positive integer/,
    ],
  ])('error: bad configuration %j fails at construction with ConfigError', (options, message) => {
    expect(() => createElectronCashClient(options)).toThrow(ConfigError)
    expect(() => createElectronCashClient(options)).toThrow(message)
  })

  it('reads the URL and credentials from ELECTRONCASH_* environment variables', async () => {
    const daemon = await fake()
    const client = createElectronCashClient({
      env: { ELECTRONCASH_URL: daemon.url, ELECTRONCASH_RPC_USER: daemon.username, ELECTRONCASH_RPC_PASSWORD: PASSWORD },
    })
    expect(await client.version()).toBe('4.4.5')
  })

  it('moves credentials embedded in the URL into the Authorization header and never prints them', async () => {
    const daemon = await fake()
    const withCredentials = `http://${daemon.username}:${PASSWORD}@127.0.0.1:${daemon.port}`
    const client = createElectronCashClient({ url: withCredentials, env: {} })
    expect(client.endpoints()[0]?.url).toBe(daemon.url)
    expect(await client.ping()).toBe(true)
    await daemon.stop()
    const error = await client.ping({}, { retry: false }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConnectionError)
    expect(everything(error)).not.toContain(PASSWORD)
    expect(everything(client.endpoints())).not.toContain(PASSWORD)
  })

  it('error: a malformed URL with credentials is reported without echoing them', () => {
    const error = (() => {
      try {
        createElectronCashClient({ url: `http://user:${PASSWORD}@[bad`, env: {} })
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect(everything(error)).not.toContain(PASSWORD)
  })
})

describe('calls against the fake daemon', () => {
  it('reads balances as bigint satoshis, including Python Decimal exponent strings', async () => {
    const daemon = await fake()
    const client = connect(daemon)
    daemon.credit(daemon.wallet.addresses[0]!, 1n, { confirmations: 1 })
    daemon.credit(daemon.wallet.addresses[1]!, 29_000_000n)
    expect(await client.getBalance()).toEqual({ confirmed: 1n, unconfirmed: 29_000_000n, unmatured: 0n })
  })

  it('creates a payment request from bigint satoshis and returns its address without prefix', async () => {
    const daemon = await fake()
    const client = connect(daemon)
    const request = await client.addRequest({ amount: 29_000_000n, memo: 'order-1', expiration: 600 })
    expect(request).toMatchObject({ amount: 29_000_000n, memo: 'order-1', expiresInSeconds: 600, status: 'Pending' })
    expect(request.address).not.toMatch(/^bitcoincash:/)
    expect(request.expiresAt).toBe(request.time + 600)
    expect(daemon.calls.at(-1)).toEqual({ method: 'addrequest', params: { amount: '0.29', memo: 'order-1', expiration: 600 } })
  })

  it('accepts addresses with or without the bitcoincash: prefix', async () => {
    const daemon = await fake()
    const client = connect(daemon)
    const address = daemon.wallet.addresses[0]!
    expect(await client.isMine({ address })).toBe(true)
    expect(await client.isMine({ address: `bitcoincash:${address}` })).toBe(true)
  })

  it('error: a JS float amount is refused with AmountError and nothing is sent', async () => {
    const daemon = await fake()
    const client = connect(daemon)
    // @ts-expect-error floats are not part of the typed API
    await expect(client.addRequest({ amount: 0.29 })).rejects.toBeInstanceOf(AmountError)
    await expect(client.payTo({ destination: daemon.wallet.addresses[0]!, amount: '-1' })).rejects.toThrow(/negative/)
    expect(daemon.calls).toEqual([])
  })

  it('error: wrong parameter types become ParamsError naming the field, before sending', async () => {
    const daemon = await fake()
    const client = connect(daemon)
    // @ts-expect-error address must be a string
    const error = await client.getAddressBalance({ address: 42 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ParamsError)
    expect((error as ParamsError).path).toBe('address')
    expect(daemon.calls).toEqual([])
  })

  it('batch returns one result or error per entry, in order, typed when prepared', async () => {
    const daemon = await fake()
    const client = connect(daemon)
    const [version, balance, unknown, valid] = await client.batch([
      client.prepare.version(),
      client.prepare.getBalance(),
      { method: 'nosuch' },
      client.prepare.validateAddress({ address: 'bad' }),
    ])
    expect(version).toEqual({ ok: true, result: '4.4.5' })
    expect(balance).toEqual({ ok: true, result: { confirmed: 0n, unconfirmed: 0n, unmatured: 0n } })
    expect(unknown.ok).toBe(false)
    expect(!unknown.ok && unknown.error).toBeInstanceOf(RpcError)
    expect(!unknown.ok && (unknown.error as RpcError).rpcCode).toBe(-32601)
    expect(valid).toEqual({ ok: true, result: false })
  })

  it('call() is an escape hatch that still maps errors', async () => {
    const daemon = await fake()
    const client = connect(daemon)
    expect(await client.call('getconfig', ['rpcport'])).toBe(daemon.port)
    await expect(client.call('getbalance', [1, 2])).rejects.toMatchObject({ rpcCode: -32602 })
  })
})

describe('errors from the daemon', () => {
  it('error: 401 becomes AuthError without the password, and is not retried', async () => {
    const daemon = await fake()
    const rec = recorder()
    const client = connect(daemon, { password: 'WRONG-password', hooks: rec.hooks })
    const error = await client.getBalance().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as AuthError).reason).toBe('Authentication failed (bad credentials)')
    expect(rec.count('request')).toBe(1)
    expect(everything(error)).not.toContain('WRONG-password')
  })

  it('error: -32603 Server error text is parsed into exception class and message', async () => {
    const daemon = await fake()
    const client = connect(daemon)
    const error = (await client.payTo({ destination: daemon.wallet.addresses[0]!, amount: 100_000n }).catch((e) => e)) as RpcError
    expect(error).toBeInstanceOf(RpcError)
    expect(error.rpcCode).toBe(-32603)
    expect(error.exceptionClass).toBe('electroncash.util.NotEnoughFunds')
    expect(error.message).toMatch(/cannot cover the amount/)
    expect(error.message).not.toContain('/opt/electron-cash')
  })

  it('error: no wallet loaded becomes WalletNotLoadedError with the command to fix it', async () => {
    const daemon = await fake({ walletLoaded: false })
    const error = await connect(daemon)
      .getBalance()
      .catch((e) => e)
    expect(error).toBeInstanceOf(WalletNotLoadedError)
    expect(error.message).toMatch(/load_wallet/)
  })

  it('error: offline mode becomes DaemonOfflineError, and daemon status "Daemon offline" too', async () => {
    const daemon = await fake({ offline: true })
    const client = connect(daemon)
    await expect(client.getInfo()).rejects.toBeInstanceOf(DaemonOfflineError)
    await expect(client.daemon({ subcommand: 'status' })).rejects.toBeInstanceOf(DaemonOfflineError)
  })

  it('error: a network stall ends in DaemonOfflineError (Server did not answer), broadcast [false, ...] too', async () => {
    const daemon = await fake({ networkStallSeconds: 0.01 })
    const client = connect(daemon)
    await expect(client.getAddressBalance({ address: daemon.wallet.addresses[0]! })).rejects.toBeInstanceOf(DaemonOfflineError)
    const error = await client.broadcast({ tx: '0100' }).catch((e) => e)
    expect(error).toBeInstanceOf(DaemonOfflineError)
    expect(error.message).toMatch(/check its txid before broadcasting again/)
  })

  it('broadcast success returns the txid; a rejected transaction becomes RpcError', async () => {
    const daemon = await fake()
    const client = connect(daemon)
    expect(await client.broadcast({ tx: '0100000001' })).toMatch(/^[0-9a-f]{64}$/)
    await expect(client.broadcast({ tx: 'zz' })).rejects.toMatchObject({ name: 'RpcError', code: 'broadcast_rejected' })
  })

  it('error: "Password required" inside a result becomes RpcError password_required', async () => {
    const daemon = await fake({ walletPassword: 'wallet-pass' })
    const client = connect(daemon)
    await expect(client.getSeed()).rejects.toMatchObject({ name: 'RpcError', code: 'password_required' })
    expect(await client.getSeed({ password: 'wallet-pass' })).toBe('fake seed words never use')
  })

  it('error: addrequest false (pool of 20 used up) becomes RpcError address_pool_exhausted; force derives a new address', async () => {
    const daemon = await fake()
    const client = connect(daemon)
    for (let i = 0; i < 20; i++) await client.addRequest({ amount: BigInt(i + 1) })
    await expect(client.addRequest({ amount: 1n })).rejects.toMatchObject({ code: 'address_pool_exhausted' })
    const forced = await client.addRequest({ amount: 1n, force: true })
    expect(daemon.wallet.addresses).toContain(forced.address)
  })

  it('error: a result that does not match the schema becomes ProtocolError with the offending path', async () => {
    const fetch: typeof globalThis.fetch = async () =>
      new Response(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { confirmed: 0.5 } }), { status: 200 })
    const client = createElectronCashClient({ url: 'http://127.0.0.1:1', username: 'u', password: 'p', env: {}, fetch })
    const error = await client.getBalance().catch((e) => e)
    expect(error).toBeInstanceOf(ProtocolError)
    expect(error.path).toBe('confirmed')
  })

  it('error: a reply with the wrong id, a non-JSON body or a wrong path becomes ProtocolError', async () => {
    const replies = [
      new Response(JSON.stringify({ jsonrpc: '2.0', id: 99, result: '4.4.5' })),
      new Response('<html>proxy</html>', { status: 200 }),
    ]
    const fetch: typeof globalThis.fetch = async () => replies.shift()!
    const client = createElectronCashClient({ url: 'http://127.0.0.1:1', username: 'u', password: 'p', env: {}, fetch })
    await expect(client.version()).rejects.toThrow(/reply for id 99, expected/)
    await expect(client.version()).rejects.toThrow(/not JSON/)
    const daemon = await fake()
    const wrongPath = createElectronCashClient({ url: `${daemon.url}/wallet`, username: 'user', password: PASSWORD, env: {} })
    await expect(wrongPath.version()).rejects.toMatchObject({ name: 'ProtocolError', status: 404 })
  })
})

describe('faults', () => {
  it('error: connection refused becomes ConnectionError that proves the request was never sent', async () => {
    const daemon = await fake()
    await daemon.stop()
    const error = await connect(daemon, { retry: false })
      .getBalance()
      .catch((e) => e)
    expect(error).toBeInstanceOf(ConnectionError)
    expect(error).toMatchObject({ sent: false, errno: 'ECONNREFUSED' })
    expect(error.message).toMatch(/connection refused/)
  })

  it('error: a hung daemon becomes TimeoutError after timeoutMs', async () => {
    const daemon = await fake()
    daemon.inject({ type: 'hang' })
    const error = await connect(daemon, { retry: false, timeoutMs: 50 })
      .getBalance()
      .catch((e) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.timeoutMs).toBe(50)
  })

  it('error: a cut response and a reset connection become ConnectionError marked as possibly executed', async () => {
    const daemon = await fake()
    const client = connect(daemon, { retry: false })
    daemon.inject({ type: 'cut' }, { times: 1 })
    await expect(client.getBalance()).rejects.toMatchObject({ name: 'ConnectionError', sent: true })
    daemon.inject({ type: 'reset' }, { times: 1 })
    await expect(client.getBalance()).rejects.toMatchObject({ name: 'ConnectionError', sent: true })
  })

  it('a 502 HTML page from a proxy is retried for a safe call, which then succeeds', async () => {
    const daemon = await fake()
    const rec = recorder()
    daemon.inject({ type: 'http502' }, { times: 1 })
    expect(await connect(daemon, { hooks: rec.hooks }).getBalance()).toEqual({ confirmed: 0n, unconfirmed: 0n, unmatured: 0n })
    expect(rec.count('retry')).toBe(1)
  })

  it('a delayed daemon still answers within the timeout', async () => {
    const daemon = await fake()
    daemon.inject({ type: 'delay', ms: 20 }, { times: 1 })
    expect(await connect(daemon).version()).toBe('4.4.5')
  })
})

describe('retries never double-spend', () => {
  it('an unsafe call is not retried after a 502 (it may have reached the daemon)', async () => {
    const daemon = await fake()
    const rec = recorder()
    daemon.inject({ type: 'http502' }, { times: 1 })
    await expect(connect(daemon, { hooks: rec.hooks }).addRequest({ amount: 1n })).rejects.toBeInstanceOf(ConnectionError)
    expect(rec.count('request')).toBe(1)
  })

  it('an unsafe call is not retried after a timeout', async () => {
    const daemon = await fake()
    const rec = recorder()
    daemon.inject({ type: 'hang' }, { times: 1 })
    await expect(connect(daemon, { hooks: rec.hooks, timeoutMs: 50 }).createNewAddress()).rejects.toBeInstanceOf(TimeoutError)
    expect(rec.count('request')).toBe(1)
  })

  it('an unsafe call is retried when the connection was refused, and executes exactly once', async () => {
    const daemon = await fake()
    // The first attempt is refused (the daemon restarting); the retry reaches the daemon.
    const refusedOnce = failingFetch(['ECONNREFUSED'], globalThis.fetch)
    const client = connect(daemon, {
      fetch: refusedOnce.fetch,
      retry: { retries: 5, minDelayMs: 1, maxDelayMs: 1, jitter: false },
    })
    const request = await client.addRequest({ amount: 5_000n, memo: 'after restart' })
    expect(request.memo).toBe('after restart')
    expect(refusedOnce.calls()).toBe(2)
    expect(daemon.calls.filter((c) => c.method === 'addrequest')).toHaveLength(1)
  })

  it('error: JSON-RPC errors are never retried', async () => {
    const daemon = await fake()
    const rec = recorder()
    await expect(connect(daemon, { hooks: rec.hooks }).getRequest({ key: daemon.wallet.addresses[3]! })).rejects.toBeInstanceOf(
      RpcError,
    )
    expect(rec.count('request')).toBe(1)
  })
})

describe('queue', () => {
  it('sends one call at a time per endpoint and reports queue time separately from daemon time', async () => {
    const daemon = await fake()
    daemon.inject({ type: 'delay', ms: 30 }, { times: 1 })
    const rec = recorder()
    const client = connect(daemon, { hooks: rec.hooks })
    await Promise.all([client.getBalance(), client.version()])
    const sequence = rec.events.map((e) => `${e.hook}:${(e.event as { method: string }).method}`)
    expect(sequence).toEqual(['request:getbalance', 'response:getbalance', 'request:version', 'response:version'])
    const second = rec.events[3]!.event as { queuedMs: number; durationMs: number }
    expect(second.queuedMs).toBeGreaterThan(0)
  })

  it('a call aborted while queued is never sent', async () => {
    const daemon = await fake()
    daemon.inject({ type: 'delay', ms: 30 }, { times: 1 })
    const client = connect(daemon)
    const controller = new AbortController()
    const first = client.getBalance()
    const second = client.createNewAddress({}, { signal: controller.signal })
    controller.abort(new Error('caller gave up'))
    await expect(second).rejects.toThrow('caller gave up')
    await first
    expect(daemon.calls.map((c) => c.method)).toEqual(['getbalance'])
  })
})

describe('secrets never leak', () => {
  it('no error class, toJSON, stack or hook payload contains the RPC password, Authorization header or wallet password', async () => {
    const authHeader = Buffer.from(`user:${PASSWORD}`).toString('base64')
    const daemon = await fake({ walletPassword: 'wallet-pass-9a' })
    const rec = recorder()
    const client = connect(daemon, { hooks: rec.hooks, timeoutMs: 30_000 })
    const errors: unknown[] = []
    const capture = (p: Promise<unknown>) => p.catch((e: unknown) => errors.push(e))
    await capture(connect(daemon, { password: 'WRONG', hooks: rec.hooks }).getBalance()) // AuthError
    await capture(client.getRequest({ key: daemon.wallet.addresses[2]! })) // RpcError
    await capture(client.getSeed({ password: 'not-it-wallet-pass-9a' })) // RpcError InvalidPassword
    await capture(client.payTo({ destination: daemon.wallet.addresses[0]!, amount: 1n, password: 'wallet-pass-9a' })) // NotEnoughFunds
    await capture(client.getSeed()) // password_required
    await capture(client.call('getbalance', { password: 'wallet-pass-9a' })) // -32602
    // @ts-expect-error float
    await capture(client.addRequest({ amount: 0.1 })) // AmountError
    // @ts-expect-error wrong type
    await capture(client.signMessage({ address: 1, message: 'm', password: 'wallet-pass-9a' })) // ParamsError
    daemon.setWalletLoaded(false)
    await capture(client.getBalance()) // WalletNotLoadedError
    daemon.setWalletLoaded(true)
    daemon.setOffline(true)
    await capture(client.getInfo()) // DaemonOfflineError
    daemon.setOffline(false)
    daemon.inject({ type: 'hang' }, { times: 1 })
    await capture(client.getBalance({}, { retry: false, timeoutMs: 50 })) // TimeoutError
    daemon.clearFaults() // the hung request's connection drops: the daemon is free again
    daemon.inject({ type: 'cut' }, { times: 1 })
    await capture(client.getBalance({}, { retry: false })) // ConnectionError
    await capture(client.call('getconfig', ['rpcpassword'])) // succeeds; its result must be redacted in hooks
    await daemon.stop()
    await capture(client.getBalance({}, { retry: false })) // ConnectionError refused
    const names = new Set(errors.map((e) => (e as Error).name))
    for (const name of [
      'AuthError',
      'RpcError',
      'AmountError',
      'ParamsError',
      'WalletNotLoadedError',
      'DaemonOfflineError',
      'TimeoutError',
      'ConnectionError',
    ]) {
      expect(names).toContain(name)
    }
    const haystack = everything(errors) + everything(rec.events)
    for (const secret of [PASSWORD, authHeader, 'wallet-pass-9a']) expect(haystack).not.toContain(secret)
  })

  it('getconfig rpcpassword is redacted in onResponse payloads', async () => {
    const daemon = await fake()
    const rec = recorder()
    const client = connect(daemon, { hooks: rec.hooks })
    expect(await client.getConfig({ key: 'rpcpassword' })).toBe(PASSWORD)
    expect(everything(rec.events)).not.toContain(PASSWORD)
  })
})
