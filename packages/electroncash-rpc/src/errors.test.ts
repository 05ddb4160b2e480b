import { readFileSync } from 'node:fs'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { failureInResult, parseServerError, rpcErrorFrom } from './daemon-errors.js'
import {
  AmountError,
  AuthError,
  ConfigError,
  ConnectionError,
  DaemonOfflineError,
  ElectronCashError,
  isAuthError,
  isConnectionError,
  isDaemonOfflineError,
  isElectronCashError,
  isNotReadyError,
  isParamsError,
  isProtocolError,
  isRpcError,
  isStoreError,
  isTimeoutError,
  isWalletNotLoadedError,
  NotReadyError,
  ParamsError,
  ProtocolError,
  RpcError,
  StoreError,
  TimeoutError,
  WalletNotLoadedError,
} from './errors.js'

/** The brand every copy of this package puts on its errors. */
const BRAND = Symbol.for('@tradekit/electroncash-rpc/error')

describe('ElectronCashError', () => {
  it('chains the cause and keeps a stable code', () => {
    const cause = new Error('boom')
    const error = new ElectronCashError('failed', { code: 'x', cause })
    expect(error.cause).toBe(cause)
    expect(error.code).toBe('x')
    expect(error.toJSON()).toEqual({
      name: 'ElectronCashError',
      code: 'x',
      message: 'failed',
      cause: { name: 'Error', message: 'boom' },
    })
  })

  it('AmountError carries a literal name, the amount code and the rejected value', () => {
    const error = new AmountError('"x" is not a decimal BCH amount', { value: 'x' })
    expect(error).toBeInstanceOf(ElectronCashError)
    expect(error.name).toBe('AmountError')
    expect(error.code).toBe('amount')
    expect(error.value).toBe('x')
  })

  it("isElectronCashError recognises this package's errors from another copy by the package brand", () => {
    const otherCopy = Object.assign(new Error('x'), { name: 'AmountError', code: 'amount', [BRAND]: true })
    expect(isElectronCashError(otherCopy)).toBe(true)
    expect(isElectronCashError(new Error('x'))).toBe(false)
    expect(isElectronCashError(new AmountError('y', { value: 1 }))).toBe(true)
  })

  it("error guards never match another package's errors with the same name (ai-decider's AuthError, TimeoutError, ...)", () => {
    // The shape of @tradekit/ai-decider's errors: a base class with a string `code`, subclasses with literal names.
    class DeciderError extends Error {
      readonly code: string
      constructor(message: string, code: string) {
        super(message)
        this.code = code
      }
    }
    class AuthErrorElsewhere extends DeciderError {
      override name = 'AuthError' as const
    }
    class TimeoutErrorElsewhere extends DeciderError {
      override name = 'TimeoutError' as const
    }
    class ConnectionErrorElsewhere extends DeciderError {
      override name = 'ConnectionError' as const
    }
    expect(isAuthError(new AuthErrorElsewhere('401 from Anthropic', 'auth'))).toBe(false)
    expect(isTimeoutError(new TimeoutErrorElsewhere('slow', 'timeout'))).toBe(false)
    expect(isConnectionError(new ConnectionErrorElsewhere('reset', 'connection'))).toBe(false)
    expect(isElectronCashError(new AuthErrorElsewhere('x', 'auth'))).toBe(false)
  })

  it("guards match this package's errors across realms (an error made in another vm context)", () => {
    const made = (branded: boolean) =>
      runInNewContext(
        `const e = new Error('x'); e.name = 'AuthError'; e.code = 'auth'; ${branded ? "e[Symbol.for('@tradekit/electroncash-rpc/error')] = true;" : ''} e`,
      ) as unknown
    expect(made(true) instanceof Error).toBe(false) // another realm's Error
    expect(isAuthError(made(true))).toBe(true)
    expect(isElectronCashError(made(true))).toBe(true)
    expect(isAuthError(made(false))).toBe(false)
  })
})

describe('error classes', () => {
  const place = { url: 'http://127.0.0.1:7777', method: 'getbalance' }
  const all = [
    new ConfigError('no daemon URL'),
    new ConnectionError('refused', { ...place, sent: false, errno: 'ECONNREFUSED' }),
    new TimeoutError({ ...place, timeoutMs: 100 }),
    new AuthError({ url: place.url, status: 401, reason: 'Authentication failed (bad credentials)' }),
    new RpcError('failed', { ...place, rpcCode: -32603, rpcMessage: 'x', exceptionClass: 'BaseException' }),
    new WalletNotLoadedError('no wallet', { ...place, rpcCode: -32603, rpcMessage: 'x', code: 'wallet_not_loaded' }),
    new DaemonOfflineError('offline', { ...place, rpcCode: -32603, rpcMessage: 'x', code: 'daemon_offline' }),
    new ProtocolError('bad reply', { ...place, path: 'confirmed' }),
    new ParamsError('bad param', { method: 'getbalance', path: 'x' }),
    new NotReadyError({ urls: [place.url], attempts: 3, reason: 'connection refused', waitedMs: 10 }),
    new StoreError('bad line', { file: 'x.jsonl', line: 2 }),
    new AmountError('bad', { value: 1 }),
  ]
  const guards: [(error: unknown) => boolean, string[]][] = [
    [isConnectionError, ['ConnectionError']],
    [isTimeoutError, ['TimeoutError']],
    [isAuthError, ['AuthError']],
    [isRpcError, ['RpcError', 'WalletNotLoadedError', 'DaemonOfflineError']],
    [isWalletNotLoadedError, ['WalletNotLoadedError']],
    [isDaemonOfflineError, ['DaemonOfflineError']],
    [isProtocolError, ['ProtocolError']],
    [isParamsError, ['ParamsError']],
    [isNotReadyError, ['NotReadyError']],
    [isStoreError, ['StoreError']],
  ]

  it.each(all.map((error) => [error.name, error] as const))(
    '%s has a literal name, a code and a loggable toJSON',
    (name, error) => {
      expect(error).toBeInstanceOf(ElectronCashError)
      expect(error.constructor.name).toBe(name)
      expect(error.code).toMatch(/^[a-z_]+$/)
      expect(error.toJSON()).toMatchObject({ name, code: error.code, message: error.message })
      expect(isElectronCashError(error)).toBe(true)
    },
  )

  it('each type guard accepts its own class (and RpcError its subclasses) and nothing else', () => {
    for (const [guard, expected] of guards) {
      expect(all.filter((error) => guard(error)).map((error) => error.name)).toEqual(expected)
      // Also across package copies: an error with the same name and the package brand...
      expect(guard(Object.assign(new Error('x'), { name: expected[0], code: 'x', [BRAND]: true }))).toBe(true)
      // ...but not one with the same name from elsewhere.
      expect(guard(Object.assign(new Error('x'), { name: expected[0], code: 'x' }))).toBe(false)
    }
  })

  it('NotReadyError says where, how often, why, and what to do', () => {
    const error = new NotReadyError({
      urls: ['http://ec:7777'],
      attempts: 5,
      reason: 'daemon up but no wallet loaded',
      waitedMs: 2_000,
    })
    expect(error.message).toBe(
      'Electron Cash daemon at http://ec:7777 was not ready after 5 attempts in 2000 ms: daemon up but no wallet loaded. ' +
        "Load it with `electron-cash daemon load_wallet` or client.daemon({ subcommand: 'load_wallet', electronCashPath: " +
        "'<the daemon data directory>' }), which work offline too (loadWallet() needs the network).",
    )
  })

  it('the wallet-not-loaded hints name a way that works on an offline daemon', () => {
    const error = rpcErrorFrom(
      {
        code: -32603,
        message:
          'Server error: File "/opt/electron-cash/electroncash/commands.py", line 119, in func_wrapper | BaseException: ' +
          "Wallet not loaded. Use 'electron-cash daemon load_wallet'\n",
      },
      { url: 'http://ec:7777', method: 'getbalance' },
    )
    expect(error).toBeInstanceOf(WalletNotLoadedError)
    expect(error.message).toContain("client.daemon({ subcommand: 'load_wallet'")
    expect(error.message).toContain('work offline too')
    expect(error.message).not.toMatch(/or call loadWallet\(\)/)
  })

  it.each([
    [
      { error: 'This wallet is not an RPA wallet.' },
      'rpa_generate_paycode on http://ec:7777 failed: This wallet is not an RPA wallet.',
    ],
    [{ error: 'Password required' }, 'rpa_generate_paycode on http://ec:7777 failed: the wallet is encrypted'],
    [{ error: 'no stop at the end' }, 'rpa_generate_paycode on http://ec:7777 failed: no stop at the end.'],
  ])('a failure reported in a result ends with one full stop: %j', (result, start) => {
    const error = failureInResult(result, { url: 'http://ec:7777', method: 'rpa_generate_paycode' })
    expect(error?.message.startsWith(start)).toBe(true)
    expect(error?.message).not.toMatch(/\.\.$/)
  })

  it('a daemon error text that ends with a full stop does not get a second one', () => {
    const error = rpcErrorFrom(
      {
        code: -32603,
        message:
          'Server error: File "/opt/electron-cash/electroncash/rpa/paycode.py", line 80, in generate_paycode | ' +
          'RuntimeError: This is not an RPA wallet.\n',
      },
      { url: 'http://ec:7777', method: 'rpa_generate_paycode' },
    )
    expect(error.message).toBe(
      'rpa_generate_paycode on http://ec:7777 failed (JSON-RPC error -32603): RuntimeError: This is not an RPA wallet.',
    )
  })
})

describe('parseServerError', () => {
  const CAPTURED: { responseBody: unknown }[] = JSON.parse(
    readFileSync(new URL('./testing/fixtures/captured.json', import.meta.url), 'utf8'),
  )
  const messages = [
    ...new Set(
      CAPTURED.flatMap((entry) => {
        const error = (entry.responseBody as { error?: { code: number; message: string } } | null)?.error
        return error?.code === -32603 ? [error.message] : []
      }),
    ),
  ]

  it('parses every captured -32603 text into an exception class', () => {
    expect(messages.length).toBeGreaterThan(8)
    for (const message of messages) expect(parseServerError(message)?.exceptionClass).toMatch(/^[\w.]+$/)
  })

  it.each([
    ['BaseException: Daemon offline', 'BaseException', 'Daemon offline'],
    ['electroncash.util.NotEnoughFunds', 'electroncash.util.NotEnoughFunds', ''],
    [
      "AttributeError: 'NoneType' object has no attribute 'to_ui_string'",
      'AttributeError',
      "'NoneType' object has no attribute 'to_ui_string'",
    ],
    [
      "decimal.InvalidOperation: [<class 'decimal.ConversionSyntax'>]",
      'decimal.InvalidOperation',
      "[<class 'decimal.ConversionSyntax'>]",
    ],
  ])('splits "%s" into class and message', (tail, exceptionClass, detail) => {
    const message = `Server error: File "/opt/electron-cash/electroncash/commands.py", line 117, in func_wrapper | ${tail}\n`
    expect(parseServerError(message)).toEqual({ exceptionClass, detail })
  })
})
