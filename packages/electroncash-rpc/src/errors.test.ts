import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseServerError } from './daemon-errors.js'
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

  it('isElectronCashError recognises errors by name across package copies', () => {
    const foreign = Object.assign(new Error('x'), { name: 'AmountError', code: 'amount' })
    expect(isElectronCashError(foreign)).toBe(true)
    expect(isElectronCashError(new Error('x'))).toBe(false)
    expect(isElectronCashError(new AmountError('y', { value: 1 }))).toBe(true)
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
      // Also across package copies: a plain Error with the same name and a code.
      expect(guard(Object.assign(new Error('x'), { name: expected[0], code: 'x' }))).toBe(true)
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
        'Run `electron-cash daemon load_wallet` or call loadWallet().',
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
