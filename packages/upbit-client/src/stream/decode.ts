/**
 * Decodes Upbit stream frames (binary frames holding UTF-8 JSON) in any of the four formats into typed events.
 * Money fields become decimal strings here, and only here: `String(n)` is the shortest text that reads back as
 * the same double, so it is the number Upbit wrote; exponent forms (`1e-7`) are rewritten positionally.
 */
import { toDecimalString } from '../decimal.js'
import {
  ASSET_FIELDS,
  CANDLE_FIELDS,
  type Field,
  MY_ASSET_FIELDS,
  MY_ORDER_FIELDS,
  ORDERBOOK_FIELDS,
  ORDERBOOK_UNIT_FIELDS,
  TICKER_FIELDS,
  TRADE_FIELDS,
} from './fields.js'
import type { StreamEvent } from './types.js'

const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/

/** A wire value as a decimal string (`null` when absent). */
export function wireDecimal(value: unknown): string | null {
  if (value === undefined || value === null) return null
  if (typeof value === 'number') {
    const text = `${value}`
    return text.indexOf('e') === -1 ? text : toDecimalString(value)
  }
  if (typeof value === 'string') return PLAIN_DECIMAL.test(value) ? value : toDecimalString(value)
  return toDecimalString(String(value))
}
const wireNumber = (value: unknown): number | null =>
  typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : null
const wireString = (value: unknown): string | null => (value === undefined || value === null ? null : String(value))
const wireBoolean = (value: unknown): boolean | null =>
  typeof value === 'boolean' ? value : value == null ? null : value === 'true'

type Decoder = (source: Record<string, unknown>) => Record<string, unknown>
const helpers = { d: wireDecimal, n: wireNumber, s: wireString, b: wireBoolean }

/**
 * Builds one decoder per table and key style as a single object literal, so every event of a type has the same
 * hidden class and no per-field loop runs per message. The code is generated from the static tables above only.
 */
function compile(fields: readonly Field[], simple: boolean, nested: Record<string, string> = {}, typed = true): Decoder {
  const type: Array<string | Field> = typed ? [`"type": s[${JSON.stringify(simple ? 'ty' : 'type')}]`] : []
  const body = type
    .concat(fields)
    .map((field) => (typeof field === 'string' ? field : `${JSON.stringify(field[0])}: ${read(field, simple)}`))
    .concat(Object.entries(nested).map(([name, code]) => `${JSON.stringify(name)}: ${code}`))
    .join(',\n')
  return new Function('h', 'sub', `return function decode(s) { var v, t; return {\n${body}\n} }`)(helpers, subDecoders) as Decoder
}

/** One field's read, with the common wire type handled inline (the helper only for the rest). */
function read([name, short, kind]: Field, simple: boolean): string {
  const at = `(v = s[${JSON.stringify(simple ? short : name)}])`
  if (kind === 'd') return `(typeof ${at} === 'number' && (t = '' + v).indexOf('e') === -1 ? t : h.d(v))`
  if (kind === 'n') return `(typeof ${at} === 'number' ? v : h.n(v))`
  if (kind === 's') return `(typeof ${at} === 'string' ? v : h.s(v))`
  return `h.b(s[${JSON.stringify(simple ? short : name)}])`
}

const subDecoders: Record<string, Decoder> = {}
const list = (short: string, name: string, simple: boolean, decoder: string) =>
  `(function (a) { if (!Array.isArray(a)) return []; var o = new Array(a.length); for (var i = 0; i < a.length; i++) o[i] = sub.${decoder}(a[i]); return o })(s[${JSON.stringify(simple ? short : name)}])`

for (const simple of [false, true]) {
  const tag = simple ? 'Simple' : 'Default'
  subDecoders[`unit${tag}`] = compile(ORDERBOOK_UNIT_FIELDS, simple, {}, false)
  subDecoders[`asset${tag}`] = compile(ASSET_FIELDS, simple, {}, false)
}

function decodersFor(simple: boolean) {
  const tag = simple ? 'Simple' : 'Default'
  return {
    ticker: compile(TICKER_FIELDS, simple),
    trade: compile(TRADE_FIELDS, simple),
    orderbook: compile(ORDERBOOK_FIELDS, simple, {
      orderbook_units: list('obu', 'orderbook_units', simple, `unit${tag}`),
    }),
    candle: compile(CANDLE_FIELDS, simple),
    myOrder: compile(MY_ORDER_FIELDS, simple, { reconciled: 'false' }),
    myAsset: compile(MY_ASSET_FIELDS, simple, {
      assets: list('ast', 'assets', simple, `asset${tag}`),
      reconciled: 'false',
    }),
  }
}
const DEFAULT_DECODERS = decodersFor(false)
const SIMPLE_DECODERS = decodersFor(true)

/** One decoded frame: events, an error frame, a `LIST_SUBSCRIPTIONS` answer, the `PING` status, or something else. */
export type DecodedFrame =
  | { kind: 'events'; events: StreamEvent[] }
  | { kind: 'error'; name: string; message: string }
  | { kind: 'subscriptions'; ticket: string | undefined; subscriptions: Array<{ type: string; codes: string[] }> }
  | { kind: 'status'; status: string }
  | { kind: 'unknown'; reason: string }

/** Decodes one message object (either key style); undefined for a type this client does not know. */
export function decodeMessage(source: Record<string, unknown>): StreamEvent | undefined {
  const simple = source.type === undefined && source.ty !== undefined
  const type = (simple ? source.ty : source.type) as unknown
  if (typeof type !== 'string') return undefined
  const decoders = simple ? SIMPLE_DECODERS : DEFAULT_DECODERS
  // The decoders copy `type` in their object literal, so every event of a type keeps one hidden class.
  if (type === 'ticker' || type === 'trade' || type === 'orderbook' || type === 'myOrder' || type === 'myAsset') {
    return decoders[type](source) as unknown as StreamEvent
  }
  if (type.startsWith('candle.')) return decoders.candle(source) as unknown as StreamEvent
  return undefined
}

/** Decodes a frame's text (binary frames are UTF-8 JSON; decode them as text first). */
export function decodeFrame(text: string): DecodedFrame {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return { kind: 'unknown', reason: `not JSON: ${text.slice(0, 80)}` }
  }
  if (Array.isArray(parsed)) {
    // JSON_LIST / SIMPLE_LIST: several messages per frame.
    const events: StreamEvent[] = []
    for (const item of parsed) {
      if (item && typeof item === 'object') {
        const event = decodeMessage(item as Record<string, unknown>)
        if (event) events.push(event)
      }
    }
    return { kind: 'events', events }
  }
  if (!parsed || typeof parsed !== 'object') return { kind: 'unknown', reason: 'not an object' }
  const object = parsed as Record<string, unknown>
  const error = object.error as { name?: unknown; message?: unknown } | undefined
  if (error && typeof error === 'object') {
    return { kind: 'error', name: String(error.name ?? 'UNKNOWN'), message: String(error.message ?? '') }
  }
  if (object.method === 'LIST_SUBSCRIPTIONS') {
    const result = Array.isArray(object.result) ? object.result : []
    return {
      kind: 'subscriptions',
      ticket: typeof object.ticket === 'string' ? object.ticket : undefined,
      subscriptions: result.map((entry: { type?: unknown; codes?: unknown }) => ({
        type: String(entry?.type ?? ''),
        codes: Array.isArray(entry?.codes) ? entry.codes.map(String) : [],
      })),
    }
  }
  if (typeof object.status === 'string' && object.type === undefined && object.ty === undefined) {
    return { kind: 'status', status: object.status }
  }
  const event = decodeMessage(object)
  return event ? { kind: 'events', events: [event] } : { kind: 'unknown', reason: 'unknown type' }
}
