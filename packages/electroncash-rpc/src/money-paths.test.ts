/**
 * Money on every path: every money parameter of the method table (the source of truth) is walked through every way
 * a request can be made: typed methods, `call` (keyword and positional), `batch` (raw and prepared), `run_cmdline`
 * and the CLI's `call` (keyword and positional). A JS number is refused with AmountError naming the method and
 * parameter before anything is sent; the decimal the caller meant arrives exactly.
 */
import { describe, expect, it } from 'vitest'
import { type CliIo, runCli } from './cli-main.js'
import type { ElectronCashClient } from './client.js'
import { AmountError } from './errors.js'
import { METHODS, type MethodName, type MoneyParam } from './methods.js'
import { TEST_PASSWORD, useFakeDaemons } from './test-support/daemons.js'
import { FAKE_COMMANDS } from './testing/fake-commands.js'
import type { FakeDaemon } from './testing/fake-daemon.js'

const fakes = useFakeDaemons()
const ADDRESS = 'qz74hwfeyujgyx530x8we2ncfr2mjh5veqy0eu66ed'

interface Case {
  name: MethodName
  rpc: string
  money: MoneyParam
}
const CASES: Case[] = (Object.entries(METHODS) as [MethodName, (typeof METHODS)[MethodName]][]).flatMap(([name, spec]) =>
  (spec.money ?? []).map((money) => ({ name, rpc: spec.rpc, money })),
)

/** The other params each money method needs, by the daemon's keyword names (all the same in camelCase). */
const REQUIRED: Record<string, Record<string, unknown>> = {
  addrequest: {},
  payto: { destination: ADDRESS, amount: '0.001' },
  paytomany: { outputs: [[ADDRESS, '0.001']] },
  rpa_generate_transaction_from_paycode: { amount: '0.001', paycode: 'paycode:qfake' },
  sweep: { privkey: 'L-fake-key', destination: ADDRESS },
  serialize: {},
}

/** Puts `value` where the money parameter goes: the parameter itself, or inside outputs / jsontx. */
function place(money: MoneyParam, value: unknown): unknown {
  if (money.kind === 'outputs') return [[ADDRESS, value]]
  if (money.kind === 'jsontx') return { inputs: [], outputs: [{ address: ADDRESS, value }] }
  return value
}
/** The parameter name AmountError reports. */
function reported(money: MoneyParam): string {
  if (money.kind === 'outputs') return `${money.name}[0][1]`
  if (money.kind === 'jsontx') return `${money.name}.outputs[0].value`
  return money.name
}
/** The value as the daemon must receive it, found in what it received. */
function received(money: MoneyParam, sent: unknown): unknown {
  if (money.kind === 'outputs') return (sent as unknown[][])[0]![1]
  if (money.kind === 'jsontx') return (sent as { outputs: { value: unknown }[] }).outputs[0]!.value
  return sent
}
const exact = (money: MoneyParam) => (money.kind === 'jsontx' ? '29000000' : '0.29')
/** What the caller means: 0.29 BCH, or 29,000,000 sat where the daemon reads satoshis. */
const meant = (money: MoneyParam) => (money.kind === 'jsontx' ? 29_000_000n : '0.29')

const named = (c: Case, value: unknown): Record<string, unknown> => ({
  ...REQUIRED[c.rpc],
  [c.money.name]: place(c.money, value),
})
/** Positional params in the daemon's Python signature order (from the fake daemon's copy of commands.py). */
function positional(c: Case, value: unknown): unknown[] {
  const command = FAKE_COMMANDS[c.rpc]!
  const order = [...command.params, ...Object.keys(command.options)]
  const values = named(c, value)
  return order.slice(0, c.money.index + 1).map((key) => values[key] ?? null)
}

/** What the daemon got for the money parameter in its last call (keyword or positional). */
function lastReceived(daemon: FakeDaemon, c: Case): unknown {
  const call = daemon.calls.at(-1)
  expect(call?.method).toBe(c.rpc === 'run_cmdline' ? 'run_cmdline' : c.rpc)
  const params = call!.params
  const sent = Array.isArray(params)
    ? c.rpc === 'run_cmdline'
      ? (params[0] as Record<string, unknown>)[c.money.name]
      : params[c.money.index]
    : (params as Record<string, unknown>)[c.money.name]
  return received(c.money, sent)
}

type Path = (client: ElectronCashClient, c: Case, value: unknown) => Promise<unknown>
const PATHS: Record<string, Path> = {
  typed: (client, c, value) => (client[c.name] as (p: unknown) => Promise<unknown>)(named(c, value)),
  'call (keyword)': (client, c, value) => client.call(c.rpc, named(c, value)),
  'call (positional)': (client, c, value) => client.call(c.rpc, positional(c, value)),
  'batch (raw)': (client, c, value) => client.batch([{ method: c.rpc, params: named(c, value) }]),
  'batch (prepared)': (client, c, value) =>
    client.batch([(client.prepare[c.name] as (p: unknown) => { method: string })(named(c, value)) as never]),
  run_cmdline: (client, c, value) => client.call('run_cmdline', [{ cmd: c.rpc, ...named(c, value) }]),
}

describe('the method table declares every money parameter', () => {
  it('every amount, fee, outputs and jsontx parameter of the daemon (per commands.py) is in the table, at its position', () => {
    const declared = new Set(CASES.map((c) => `${c.rpc}.${c.money.name}@${c.money.index}`))
    const expected = Object.entries(FAKE_COMMANDS).flatMap(([rpc, command]) =>
      [...command.params, ...Object.keys(command.options)].flatMap((param, index) =>
        ['amount', 'fee', 'outputs', 'jsontx'].includes(param) ? [`${rpc}.${param}@${index}`] : [],
      ),
    )
    expect([...declared].sort()).toEqual(expected.sort())
    expect(CASES.length).toBeGreaterThanOrEqual(8)
  })
})

describe.each(Object.keys(PATHS))('money through %s', (pathName) => {
  const path = PATHS[pathName]!
  it.each(CASES.map((c) => [`${c.rpc} ${c.money.name}`, c] as const))(
    'error: %s as a JS number is refused with AmountError naming method and parameter; nothing is sent',
    async (_label, c) => {
      const daemon = await fakes.start()
      const client = fakes.connect(daemon)
      const error = await path(client, c, 0.29).then(
        (value) => value,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(AmountError)
      expect(error).toMatchObject({
        method: pathName === 'run_cmdline' ? 'run_cmdline' : c.rpc,
        param: reported(c.money),
        value: 0.29,
      })
      expect((error as Error).message).toContain(reported(c.money))
      expect((error as Error).message).toMatch(/is a JS number, which cannot carry BCH exactly/)
      expect(daemon.calls).toEqual([])
    },
  )

  it.each(CASES.map((c) => [`${c.rpc} ${c.money.name}`, c] as const))(
    '%s arrives at the daemon as the exact decimal string',
    async (_label, c) => {
      const daemon = await fakes.start()
      const client = fakes.connect(daemon)
      await path(client, c, meant(c.money)).catch(() => undefined) // the fake may refuse (no funds): what it got counts
      expect(lastReceived(daemon, { ...c, rpc: pathName === 'run_cmdline' ? 'run_cmdline' : c.rpc })).toBe(exact(c.money))
    },
  )
})

describe("the CLI's call reads amounts from its argument text as decimals", () => {
  const io = (daemon: FakeDaemon) => {
    const err: string[] = []
    const streams: CliIo = {
      env: { ELECTRONCASH_URL: daemon.url, ELECTRONCASH_RPC_USER: 'user', ELECTRONCASH_RPC_PASSWORD: TEST_PASSWORD },
      stdout: () => undefined,
      stderr: (text) => err.push(text),
    }
    return { streams, err }
  }
  /** The amount as a JSON number literal in the argument text (0.29, or 29000000 where satoshis are read). */
  const literal = (c: Case) => (c.money.kind === 'jsontx' ? '29000000' : '0.29')
  const jsonWithLiteral = (value: unknown, c: Case) => JSON.stringify(value).replace('"__AMOUNT__"', literal(c))

  it.each(CASES.map((c) => [`${c.rpc} ${c.money.name}`, c] as const))(
    'keyword: %s typed as a JSON number reaches the daemon as that decimal',
    async (_label, c) => {
      const daemon = await fakes.start()
      const run = io(daemon)
      await runCli(['call', c.rpc, jsonWithLiteral(named(c, '__AMOUNT__'), c)], run.streams)
      expect(lastReceived(daemon, c)).toBe(exact(c.money))
    },
  )

  // One JSON object on the command line means keyword params, so a lone object positional (serialize's jsontx) is
  // written in the keyword form, covered above.
  const positionalCases = CASES.filter((c) => !(c.money.index === 0 && c.money.kind === 'jsontx'))
  it.each(positionalCases.map((c) => [`${c.rpc} ${c.money.name}`, c] as const))(
    'positional: %s typed as a JSON number reaches the daemon as that decimal',
    async (_label, c) => {
      const daemon = await fakes.start()
      const run = io(daemon)
      const args = positional(c, '__AMOUNT__').map((value) =>
        typeof value === 'string' && value !== '__AMOUNT__' ? value : jsonWithLiteral(value, c),
      )
      await runCli(['call', c.rpc, ...args], run.streams)
      expect(lastReceived(daemon, c)).toBe(exact(c.money))
    },
  )

  it('call addrequest \'{"amount":0.29}\' creates a request for exactly 29,000,000 sat (0.57 for 57,000,000)', async () => {
    const daemon = await fakes.start()
    for (const [text, sats] of [
      ['0.29', 29_000_000n],
      ['0.57', 57_000_000n],
    ] as const) {
      expect(await runCli(['call', 'addrequest', `{"amount":${text},"memo":"cli"}`], io(daemon).streams)).toBe(0)
      expect(daemon.requests().at(-1)?.amount).toBe(sats)
    }
  })

  it('error: an amount with more than 8 decimals typed on the command line is refused and nothing is sent', async () => {
    const daemon = await fakes.start()
    const run = io(daemon)
    expect(await runCli(['call', 'addrequest', '{"amount":0.000000019}'], run.streams)).toBe(1)
    expect(run.err.join('')).toMatch(/AmountError[\s\S]*more than 8 decimal places/)
    expect(daemon.calls).toEqual([])
  })
})
