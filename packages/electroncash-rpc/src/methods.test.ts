import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { METHODS, type MethodName, resultSchemaFor, toWireName } from './methods.js'
import { RETRY_SAFETY } from './retry-policy.js'

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
