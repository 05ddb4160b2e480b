/**
 * The money gate. The daemon reads BCH amounts with `int(1e8 * Decimal(x))`, so a JSON float such as 0.29 becomes
 * 28,999,999 satoshis. Every request body is built through `guardMoney` (typed methods, `call`, `batch`, prepared
 * entries, the CLI, probes), which finds the money parameters of the method from the method table and:
 * - refuses a JS number there with `AmountError` naming the method and the parameter (nothing is sent);
 * - sends bigint satoshis and decimal strings as the exact decimal string the daemon converts without loss.
 */

import { type Amount, toRpcAmount } from './amount.js'
import { AmountError } from './errors.js'
import { type MoneyKind, type MoneyParam, specForRpc } from './methods.js'

type Params = unknown[] | Record<string, unknown>

/** A money value found in a request, with the name the error reports (`amount`, `outputs[1][1]`, `jsontx.outputs[0].value`). */
export interface MoneySlot {
  readonly method: string
  readonly param: string
  readonly kind: 'bch' | 'bch-or-max' | 'sats'
  readonly value: unknown
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

/** The money parameters of a daemon method (by its wire name), or none for methods that carry no money. */
export function moneyParamsOf(rpc: string): readonly MoneyParam[] {
  return specForRpc(rpc)?.money ?? []
}

/**
 * Calls `map` on every money value in a request and returns the request with the values it returned, leaving
 * everything else as it was. Positional and keyword params are both understood; `run_cmdline`'s dict is read with
 * the money parameters of its `cmd`.
 */
export function mapMoney(method: string, params: Params, map: (slot: MoneySlot) => unknown): Params {
  if (method === 'run_cmdline' && Array.isArray(params) && isRecord(params[0])) {
    const dict = params[0]
    const cmd = typeof dict['cmd'] === 'string' ? dict['cmd'] : undefined
    if (cmd === undefined) return params
    return [mapKeyword(method, moneyParamsOf(cmd), dict, map), ...params.slice(1)]
  }
  const money = moneyParamsOf(method)
  if (money.length === 0) return params
  if (Array.isArray(params)) {
    const out = [...params]
    for (const param of money) {
      if (param.index < out.length) out[param.index] = mapValue(method, param.name, param.kind, out[param.index], map)
    }
    return out
  }
  return mapKeyword(method, money, params, map)
}

function mapKeyword(
  method: string,
  money: readonly MoneyParam[],
  params: Record<string, unknown>,
  map: (slot: MoneySlot) => unknown,
): Record<string, unknown> {
  const out = { ...params }
  for (const param of money) {
    if (param.name in out) out[param.name] = mapValue(method, param.name, param.kind, out[param.name], map)
  }
  return out
}

function mapValue(method: string, name: string, kind: MoneyKind, value: unknown, map: (slot: MoneySlot) => unknown): unknown {
  if (value === undefined || value === null) return value // an omitted option (fee=None)
  if (kind === 'bch' || kind === 'bch-or-max') return map({ method, param: name, kind, value })
  if (kind === 'outputs') {
    if (!Array.isArray(value)) return map({ method, param: name, kind: 'bch', value })
    return value.map((output, i) =>
      Array.isArray(output) && output.length >= 2
        ? [output[0], map({ method, param: `${name}[${i}][1]`, kind: 'bch', value: output[1] }), ...output.slice(2)]
        : output,
    )
  }
  // jsontx: outputs[].value are integer satoshis.
  if (!isRecord(value) || !Array.isArray(value['outputs'])) return value
  return {
    ...value,
    outputs: value['outputs'].map((output, i) =>
      isRecord(output) && 'value' in output
        ? { ...output, value: map({ method, param: `${name}.outputs[${i}].value`, kind: 'sats', value: output['value'] }) }
        : output,
    ),
  }
}

/** The gate: money values of a request, checked and turned into the exact decimal strings the daemon reads. */
export function guardMoney(method: string, params: Params): Params {
  return mapMoney(method, params, normalizeMoney)
}

function normalizeMoney(slot: MoneySlot): unknown {
  const { method, param, kind, value } = slot
  const context = { value, method, param }
  if (typeof value === 'number') {
    throw new AmountError(
      `${String(value)} is a JS number, which cannot carry BCH exactly (the daemon would read 0.29 as 28999999 sat); ` +
        `pass bigint satoshis or a decimal string such as "${kind === 'sats' ? '29000000' : '0.29'}"; nothing was sent`,
      context,
    )
  }
  if (kind === 'bch-or-max' && value === '!') return value
  try {
    if (kind === 'sats') {
      if (typeof value === 'bigint' && value >= 0n) return value.toString()
      if (typeof value === 'string' && /^\d+$/.test(value)) return value
      throw new AmountError(`${describe(value)} is not a non-negative whole number of satoshis`, { value })
    }
    if (typeof value === 'bigint' || typeof value === 'string') return toRpcAmount(value as Amount)
    throw new AmountError(`${describe(value)} is not an amount; pass bigint satoshis or a decimal BCH string`, { value })
  } catch (error) {
    if (!(error instanceof AmountError)) throw error
    // Restate the amount module's reason with where it happened.
    const reason = error.message.replace(/^Invalid amount: /, '').replace(/\.$/, '')
    throw new AmountError(`${reason}; nothing was sent`, { ...context, cause: error })
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'bigint') return `${value}n`
  return value === null ? 'null' : typeof value
}
