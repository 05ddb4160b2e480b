import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { builtinKinds, checkStoredEntry, defineEntryKind, type EntryKind, issuesOf, prepareEntry } from './kinds.js'
import { TradeEntrySchema } from './schemas.js'
import { AUG_1, trade } from './test-support/entries.js'

// Symbol-valued properties vanish in JSON.stringify: a field set to ABSENT is missing from the line.
const ABSENT = Symbol('absent')
type Field = fc.Arbitrary<unknown>

/** A field that is usually valid, sometimes any JSON value, sometimes missing. */
const mutated = (valid: Field, near: Field = fc.constant(ABSENT)): Field =>
  fc.oneof(
    { weight: 48, arbitrary: valid },
    { weight: 1, arbitrary: near },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    { weight: 1, arbitrary: fc.constant(ABSENT) },
  )

const decimal = fc.stringMatching(/^\d{1,12}(\.\d{1,8})?$/)
const signedDecimal = fc.stringMatching(/^-?\d{1,12}(\.\d{1,8})?$/)
const nearDecimal = fc.oneof(
  fc.stringMatching(/^-\d{1,4}(\.\d{1,4})?$/),
  fc.stringMatching(/^\d{1,3}(\.\d{1,3})?[eE][+-]?\d{1,2}$/),
  fc.constantFrom('1.', '.5', ' 1', '1 ', '0x10', '１', '', '1,5'),
  fc.double(),
)
const market = fc.stringMatching(/^[A-Z0-9]{1,5}-[A-Z0-9]{1,5}$/)
const nearMarket = fc.constantFrom('krw-btc', 'KRW_BTC', 'KRW-BTC-ETH', '-BTC', 'KRW-', 'KRW-BTC\n')
const text = fc.string({ maxLength: 12 })
const nonEmpty = fc.string({ minLength: 1, maxLength: 12 })
const unit = fc.double({ min: 0, max: 1, noNaN: true })
const nearUnit = fc.constantFrom(-0.01, 1.0001, 2, '0.5', -1)
const count = fc.nat()
const nearCount = fc.constantFrom(-1, 1.5, 2 ** 53, 1e21)
const mode = fc.constantFrom('paper', 'live')

/** ts and tsMs for one instant (in UTC or an offset), sometimes a near-ISO or mismatched pair. */
const timestamps = fc
  .tuple(
    fc.integer({ min: 0, max: 4_102_444_800_000 }),
    fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
    fc.constantFrom('ms', 'seconds', 'micro'),
    fc.constantFrom(0, 0, 0, 0, 0, 0, 1, -1000),
    fc.constantFrom(
      undefined,
      '2025-02-29T00:00:00Z',
      '2024-02-29T00:00:00Z',
      '2025-08-01T12:00Z',
      '2025-08-01T12:00:00+24:00',
      '2025-08-01T12:00:00',
    ),
  )
  .map(([tsMs, offset, precision, skew, replaced]) => {
    const local = new Date(tsMs + offset * 60_000).toISOString()
    const time =
      precision === 'seconds' ? local.slice(0, 19) : precision === 'micro' ? `${local.slice(0, 23)}456` : local.slice(0, 23)
    const abs = Math.abs(offset)
    const zone =
      offset === 0
        ? 'Z'
        : `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
    const ts = replaced ?? `${time}${zone}`
    const ms = precision === 'seconds' ? tsMs - (tsMs % 1000) : tsMs
    return { ts, tsMs: replaced === undefined ? ms + skew : Date.parse(replaced) || ms }
  })

const extraKeys = fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constant('__proto__')), fc.jsonValue({ maxDepth: 2 }), {
  maxKeys: 2,
})

/**
 * Entries built from per-field arbitraries; the result is JSON text, as the reader sees it. Keys come in the
 * schema's order (as the writer writes them) with unknown keys last, or now and then rotated, or with unknown keys
 * first: only an entry already in zod's output order may be returned as parsed.
 */
function entries(fields: Record<string, Field>): fc.Arbitrary<string> {
  const layout = fc.oneof(
    { weight: 6, arbitrary: fc.constant({ rotate: 0, extraFirst: false }) },
    { weight: 1, arbitrary: fc.record({ rotate: fc.integer({ min: 1, max: 20 }), extraFirst: fc.boolean() }) },
    { weight: 1, arbitrary: fc.constant({ rotate: 0, extraFirst: true }) },
  )
  const entry = fc
    .record({ time: timestamps, fields: fc.record(fields), extra: extraKeys, layout })
    .map(({ time, fields, extra, layout }) => {
      const known: [string, unknown][] = Object.entries(time)
      for (const [key, field] of Object.entries(fields)) if (field !== ABSENT) known.push([key, field])
      const turn = layout.rotate % known.length
      const ordered = [...known.slice(turn), ...known.slice(0, turn)]
      const unknown = Object.entries(extra)
      const pairs = layout.extraFirst ? [...unknown, ...ordered] : [...ordered, ...unknown]
      // Written by hand: an object literal would make `__proto__` a prototype, not a key.
      return `{${pairs.map(([key, item]) => `${JSON.stringify(key)}:${JSON.stringify(item)}`).join(',')}}`
    })
  return fc.oneof(
    { weight: 20, arbitrary: entry },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
  )
}

const optional = (valid: Field, near?: Field) => fc.oneof(fc.constant(ABSENT), mutated(valid, near))

const generated: Record<keyof typeof builtinKinds, fc.Arbitrary<string>> = {
  trades: entries({
    market: mutated(market, nearMarket),
    side: mutated(fc.constantFrom('buy', 'sell'), fc.constantFrom('BUY', 'hold')),
    volume: mutated(decimal, nearDecimal),
    price: mutated(decimal, nearDecimal),
    funds: mutated(decimal, nearDecimal),
    fee: mutated(decimal, nearDecimal),
    orderId: mutated(nonEmpty, fc.constant('')),
    identifier: optional(nonEmpty, fc.constant('')),
    decisionId: optional(nonEmpty, fc.constant('')),
    mode: mutated(mode, fc.constant('Paper')),
    reason: optional(text),
    confidence: optional(unit, nearUnit),
  }),
  decisions: entries({
    decisionId: optional(nonEmpty),
    market: mutated(market, nearMarket),
    provider: mutated(nonEmpty, fc.constant('')),
    model: mutated(nonEmpty),
    action: mutated(fc.constantFrom('buy', 'sell', 'hold')),
    confidence: mutated(unit, nearUnit),
    size: optional(fc.option(decimal, { nil: null }), nearDecimal),
    reason: mutated(text),
    fallbackReason: optional(fc.option(text, { nil: null })),
    usage: optional(
      fc.record({ inputTokens: mutated(count, nearCount), outputTokens: count, more: fc.jsonValue({ maxDepth: 1 }) }),
    ),
    latencyMs: optional(fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), fc.constant(-1)),
    indicators: optional(
      fc.dictionary(
        fc.oneof(fc.string({ maxLength: 6 }), fc.constant('__proto__')),
        fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), text, fc.boolean(), fc.constant(null)),
        { maxKeys: 3 },
      ),
      fc.constant({ rsi: { value: 1 } }),
    ),
    mode: optional(mode),
  }),
  errors: entries({
    level: optional(fc.constantFrom('warn', 'error', 'fatal'), fc.constant('info')),
    message: mutated(nonEmpty, fc.constant('')),
    name: optional(text),
    code: optional(text),
    source: optional(text),
    market: optional(market, nearMarket),
    context: optional(fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })),
  }),
  equity: entries({
    cash: mutated(signedDecimal, nearDecimal),
    positions: mutated(
      fc.array(
        fc.record({
          market: mutated(market, nearMarket),
          volume: mutated(decimal, nearDecimal),
          price: mutated(decimal),
          value: mutated(signedDecimal, nearDecimal),
        }),
        { maxLength: 3 },
      ),
    ),
    total: mutated(signedDecimal, nearDecimal),
    mode: optional(mode),
  }),
}

/** The reader's answer before the compiled check existed: zod, then the same-instant rule with Date.parse. */
function zodReference(kind: EntryKind, value: unknown) {
  const parsed = kind.schema.safeParse(value)
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error) }
  const entry = parsed.data as { ts: string; tsMs: number }
  if (Date.parse(entry.ts) !== entry.tsMs) {
    return { ok: false, issues: [{ path: 'tsMs', message: 'ts and tsMs must be the same instant' }] }
  }
  return { ok: true, entry }
}

describe('checkStoredEntry, compiled with z.compile', () => {
  for (const kind of Object.values(builtinKinds)) {
    it(`${kind.name}: same verdict, entry (key order included) and issues as zod's runtime parser`, () => {
      let accepted = 0
      let rejected = 0
      fc.assert(
        fc.property(generated[kind.name], (line) => {
          const stored = checkStoredEntry(kind as EntryKind, JSON.parse(line))
          const reference = zodReference(kind as EntryKind, JSON.parse(line))
          expect(stored.ok).toBe(reference.ok)
          if (stored.ok && reference.ok) {
            expect(stored.entry).toStrictEqual(reference.entry)
            expect(JSON.stringify(stored.entry)).toBe(JSON.stringify(reference.entry))
          }
          if (!stored.ok && !reference.ok) expect(stored.issues).toEqual(reference.issues)
          if (stored.ok) accepted++
          else rejected++
        }),
        { numRuns: 1500 },
      )
      // Both sides of the boundary were exercised.
      expect(accepted).toBeGreaterThan(100)
      expect(rejected).toBeGreaterThan(100)
    })
  }

  it('every built-in schema compiles (no silent fallback to the runtime parser)', () => {
    for (const kind of Object.values(builtinKinds)) expect(() => z.compile(kind.schema, { strict: true })).not.toThrow()
  })

  it('fills a missing error level with the default', () => {
    const stored = checkStoredEntry(builtinKinds.errors, { ts: '2025-08-01T00:00:00Z', tsMs: AUG_1, message: 'timeout' })
    expect(stored).toMatchObject({ ok: true, entry: { level: 'error', message: 'timeout' } })
  })

  it('keeps unknown fields and rejects negative, exponent and float money', () => {
    const kept = checkStoredEntry(builtinKinds.trades, { ...trade(AUG_1), venue: { name: 'upbit' } })
    expect(kept).toMatchObject({ ok: true, entry: { venue: { name: 'upbit' } } })
    for (const bad of [{ fee: '-1' }, { volume: '1e-3' }, { volume: 0.001 }]) {
      expect(checkStoredEntry(builtinKinds.trades, { ...trade(AUG_1), ...bad }).ok).toBe(false)
    }
    expect(
      checkStoredEntry(builtinKinds.equity, { ts: '2025-08-01T00:00:00Z', tsMs: AUG_1, cash: '-5', total: '-5', positions: [] })
        .ok,
    ).toBe(true)
  })

  it('leaves an own __proto__ key out of the entry, as zod does', () => {
    const line = `{"__proto__":{"polluted":true},${JSON.stringify(trade(AUG_1)).slice(1)}`
    const stored = checkStoredEntry(builtinKinds.trades, JSON.parse(line))
    expect(stored.ok && Object.hasOwn(stored.entry, '__proto__')).toBe(false)
    expect(stored.ok && Object.getPrototypeOf(stored.entry)).toBe(Object.prototype)
  })

  it('reports zod messages for what it rejects', () => {
    const stored = checkStoredEntry(builtinKinds.trades, { ...trade(AUG_1), price: '1e5', ts: '2025-02-29T00:00:00Z' })
    expect(stored).toMatchObject({
      ok: false,
      issues: [
        { path: 'ts', message: 'must be ISO-8601 with an offset, e.g. 2025-08-01T12:00:00Z' },
        { path: 'price', message: 'must be a non-negative decimal string such as "0.0005"' },
      ],
    })
  })

  it('rejects ts and tsMs that are not the same instant, with offsets and fractions', () => {
    const at = (ts: string, tsMs: number) => checkStoredEntry(builtinKinds.trades, { ...trade(AUG_1), ts, tsMs }).ok
    expect(at('2025-08-01T09:00:00.000+09:00', AUG_1)).toBe(true)
    expect(at('2025-08-01T09:00:00+09:00', AUG_1 + 1)).toBe(false)
    expect(at('2025-08-01T00:00:00.0009Z', AUG_1)).toBe(true)
  })

  it.each([
    ['2024-02-29T00:00:00Z', true],
    ['2025-02-29T00:00:00Z', false],
    ['2025-04-31T00:00:00Z', false],
    ['2025-08-01T09:00:00-23:59', true],
    ['2025-08-01T09:00:00+24:00', false],
    ['2025-08-01T09:00Z', false],
    ['2025-08-01T09:00:00', false],
    ['2025-08-01T09:00:00+0900', false],
  ])('ts %s: accepted %s', (ts, valid) => {
    const tsMs = Date.parse(ts) || AUG_1
    expect(checkStoredEntry(builtinKinds.trades, { ...trade(AUG_1), ts, tsMs }).ok).toBe(valid)
  })

  it('validates custom kinds with their own zod schema, refinements included', () => {
    const signals = defineEntryKind({
      name: 'signals',
      schema: z.looseObject({ score: z.number().refine((n) => n !== 13, 'unlucky') }),
    })
    const at = { ts: '2025-08-01T00:00:00Z', tsMs: AUG_1 }
    expect(checkStoredEntry(signals, { ...at, score: 13 })).toMatchObject({
      ok: false,
      issues: [{ path: 'score', message: 'unlucky' }],
    })
    expect(checkStoredEntry(signals, { ...at, score: 12 })).toMatchObject({ ok: true, entry: { score: 12 } })
  })

  it('returns a fill already in zod key order as parsed, and copies one in another order', () => {
    const inOrder = JSON.parse(JSON.stringify({ ...trade(AUG_1), venue: 'upbit' }))
    const kept = checkStoredEntry(builtinKinds.trades, inOrder)
    expect(kept.ok && kept.entry).toBe(inOrder)
    const { ts, ...rest } = inOrder
    const reordered = { ...rest, ts }
    const copied = checkStoredEntry(builtinKinds.trades, reordered)
    expect(copied.ok && copied.entry).not.toBe(reordered)
    expect(copied.ok && Object.keys(copied.entry)).toEqual(Object.keys(inOrder))
  })

  it('writes entries in zod key order whatever order the caller used', () => {
    const { mode, orderId, ...rest } = trade(AUG_1)
    const entry = prepareEntry(builtinKinds.trades, { mode, orderId, ...rest }, AUG_1, 'UTC')
    expect(Object.keys(entry)).toEqual(Object.keys(TradeEntrySchema.shape).filter((key) => key in entry))
  })
})
