import { readFileSync } from 'node:fs'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { z } from 'zod'
import type { ElectronCashClient } from './client.js'
import { METHODS, type MethodName, type MethodResult, resultSchemaFor, toWireName } from './methods.js'
import { RETRY_SAFETY } from './retry-policy.js'
import type { Alias, BuiltTransaction, Contact, JsonObject, JsonValue } from './schemas.js'

/** Copied from /work/shared/reference/electroncash/captured.json (Electron Cash 4.4.5). */
const CAPTURED: { name: string; request: { body: unknown }; responseBody: unknown }[] = JSON.parse(
  readFileSync(new URL('./testing/fixtures/captured.json', import.meta.url), 'utf8'),
)
const byRpc = new Map(Object.entries(METHODS).map(([name, spec]) => [spec.rpc, name as MethodName]))

const successes = CAPTURED.flatMap((entry) => {
  const body = entry.request.body as { method?: string; params?: unknown } | null
  const reply = entry.responseBody as { result?: unknown; error?: unknown } | null
  if (!body || typeof body !== 'object' || Array.isArray(body) || !reply || typeof reply !== 'object') return []
  if (!('result' in reply) || (reply.error ?? null) !== null || typeof body.method !== 'string') return []
  const result = reply.result
  // Failures reported inside a result are mapped to errors before any schema sees them.
  const failureInResult =
    (result && typeof result === 'object' && !Array.isArray(result) && 'error' in result) ||
    result === 'Daemon offline' ||
    (Array.isArray(result) && result[0] === false && body.method === 'broadcast') ||
    (body.method === 'addrequest' && result === false)
  if (failureInResult || !byRpc.has(body.method)) return []
  const params = Array.isArray(body.params) ? undefined : (body.params as Record<string, unknown> | undefined)
  return [{ name: entry.name, method: byRpc.get(body.method)!, params, result }]
})

describe('typed result schemas accept every shape the real daemon returned', () => {
  it('covers a broad set of captured successes', () => {
    expect(successes.length).toBeGreaterThan(60)
  })

  it.each(successes)('$name ($method)', ({ method, params, result }) => {
    const snakeToCamel =
      params &&
      Object.fromEntries(Object.entries(params).map(([k, v]) => [k.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase()), v]))
    const parsed = resultSchemaFor(method, snakeToCamel).safeParse(result)
    expect(parsed.error?.issues ?? []).toEqual([])
  })

  it('reads listaddresses rows [address, "0.", "\'\'"] into balance and label', () => {
    const entry = CAPTURED.find((e) => e.name === 'listaddresses_named')!
    const parsed = resultSchemaFor('listAddresses', { balance: true, labels: true }).parse(
      (entry.responseBody as { result: unknown }).result,
    ) as unknown[]
    expect(parsed[0]).toEqual({ address: 'qz74hwfeyujgyx530x8we2ncfr2mjh5veqy0eu66ed', balance: 0n, label: '' })
  })

  it('reads a float-truncated request amount as the satoshis the daemon stored', () => {
    const entry = CAPTURED.find((e) => e.name === 'addrequest_float_amount')!
    const parsed = resultSchemaFor('addRequest', undefined).parse((entry.responseBody as { result: unknown }).result)
    expect(parsed).toMatchObject({ amount: 28_999_999n, expiresInSeconds: 3600, expiresAt: 1795313882 + 3600 })
  })
})

describe('method catalogue', () => {
  it('has a typed method for every command the daemon lists, plus ping, daemon, gui and run_cmdline', () => {
    const commands = (CAPTURED.find((e) => e.name === 'commands')!.responseBody as { result: string }).result.split(' ')
    const all = [...commands, 'ping', 'daemon', 'gui', 'run_cmdline'].sort()
    expect(
      Object.values(METHODS)
        .map((spec) => spec.rpc)
        .sort(),
    ).toEqual(all)
    expect(Object.keys(RETRY_SAFETY).sort()).toEqual(all)
  })

  it.each([
    ['fromAddr', 'from_addr'],
    ['addTransaction', 'addtransaction'],
    ['url', 'URL'],
    ['newPassword', 'new_password'],
    ['includeTokens', 'include_tokens'],
  ])('sends option %s as the daemon keyword %s', (camel, wire) => {
    expect(toWireName(camel)).toBe(wire)
  })
})

describe('every method has a typed result', () => {
  /** The zod type at the root of a schema, looking through pipes (transforms) to what is validated first. */
  const rootType = (schema: z.ZodType): string => {
    const def = (schema as unknown as { _zod: { def: { type: string; in?: z.ZodType } } })._zod.def
    return def.type === 'pipe' && def.in ? rootType(def.in) : def.type
  }
  it.each(Object.keys(METHODS) as MethodName[])('%s result is not unknown', (name) => {
    expect(['unknown', 'any']).not.toContain(rootType(resultSchemaFor(name, {})))
  })

  it('the 30 results that used to be unknown have their types (checked by the compiler)', () => {
    type R<K extends MethodName> = Awaited<ReturnType<ElectronCashClient[K]>>
    expectTypeOf<R<'checkElectrumSeed'>>().toEqualTypeOf<boolean>()
    expectTypeOf<R<'checkSeed'>>().toEqualTypeOf<never>()
    expectTypeOf<R<'consolidateCoins'>>().toEqualTypeOf<JsonValue>()
    expectTypeOf<R<'create'>>().toMatchTypeOf<{ seed: string; path: string; msg: string }>()
    expectTypeOf<R<'createMultisig'>>().toMatchTypeOf<{ address: string; redeemScript: string }>()
    expectTypeOf<R<'dumpPrivKeys'>>().toEqualTypeOf<string>()
    expectTypeOf<R<'freezeUtxo'>>().toEqualTypeOf<boolean>()
    expectTypeOf<R<'get'>>().toEqualTypeOf<JsonValue>()
    expectTypeOf<R<'getAlias'>>().toEqualTypeOf<Alias>()
    expectTypeOf<R<'getConfig'>>().toEqualTypeOf<JsonValue>()
    expectTypeOf<R<'getMerkle'>>().toMatchTypeOf<{ block_height: number; merkle: string[]; pos: number }>()
    expectTypeOf<R<'getPrivateKeys'>>().toEqualTypeOf<string | string[]>()
    expectTypeOf<R<'gui'>>().toEqualTypeOf<string>()
    expectTypeOf<R<'help'>>().toEqualTypeOf<string[]>()
    expectTypeOf<R<'listContacts'>>().toEqualTypeOf<Contact[]>()
    expectTypeOf<R<'changePassword'>>().toMatchTypeOf<{ password: boolean }>()
    expectTypeOf<R<'restore'>>().toMatchTypeOf<{ path: string; msg: string }>()
    expectTypeOf<R<'rpaExtractPrivateKeysFromTransaction'>>().toEqualTypeOf<string[]>()
    expectTypeOf<R<'rpaGeneratePaycode'>>().toEqualTypeOf<string>()
    expectTypeOf<R<'rpaGenerateTransactionFromPaycode'>>().toEqualTypeOf<string>()
    expectTypeOf<R<'runCmdline'>>().toEqualTypeOf<JsonValue>()
    expectTypeOf<R<'searchContacts'>>().toEqualTypeOf<Contact[]>()
    expectTypeOf<R<'serialize'>>().toEqualTypeOf<BuiltTransaction>()
    expectTypeOf<R<'setConfig'>>().toEqualTypeOf<boolean>()
    expectTypeOf<R<'setLabel'>>().toEqualTypeOf<null>()
    expectTypeOf<R<'signRequest'>>().toEqualTypeOf<null>()
    expectTypeOf<R<'stop'>>().toEqualTypeOf<string>()
    expectTypeOf<R<'sweep'>>().toEqualTypeOf<BuiltTransaction | null>()
    expectTypeOf<R<'tokenHistory'>>().toEqualTypeOf<JsonObject[]>()
    expectTypeOf<R<'unfreezeUtxo'>>().toEqualTypeOf<boolean>()
    // The client's methods are the table's: same result types.
    expectTypeOf<R<'getBalance'>>().toEqualTypeOf<MethodResult<'getBalance'>>()
  })

  it('answers of the fake daemon parse with the typed client for the methods it models', async () => {
    const { startFakeDaemon } = await import('./testing/fake-daemon.js')
    const { createElectronCashClient } = await import('./client.js')
    const daemon = await startFakeDaemon()
    try {
      const client = createElectronCashClient({ url: daemon.url, username: daemon.username, password: daemon.password, env: {} })
      expect(await client.help()).toContain('getbalance')
      expect(await client.create({ walletPath: '/tmp/w' })).toMatchObject({ path: '/tmp/w' })
      expect(await client.setConfig({ key: 'x', value: 1 })).toBe(true)
      expect(await client.setLabel({ key: daemon.wallet.addresses[0]!, label: 'x' })).toBeNull()
      expect(await client.stop()).toBe('Daemon stopped')
    } finally {
      await daemon.close()
    }
  })
})
