import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createFillLineParser } from './fill-line.js'
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

const tradesKind = builtinKinds.trades as EntryKind

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

type Answer = { ok: boolean; entry?: unknown; issues?: unknown }

/** The same verdict, the same entry (deeply, key order included) and the same issues. */
function expectSameAnswer(actual: Answer, reference: Answer) {
  expect(actual.ok).toBe(reference.ok)
  if (actual.ok && reference.ok) {
    // toEqual, prototype and keys rather than toStrictEqual, which compares an own `constructor` key by identity.
    expect(actual.entry).toEqual(reference.entry)
    expect(Object.getPrototypeOf(actual.entry)).toBe(Object.getPrototypeOf(reference.entry))
    expect(Object.keys(actual.entry as object)).toEqual(Object.keys(reference.entry as object))
    expect(JSON.stringify(actual.entry)).toBe(JSON.stringify(reference.entry))
  }
  if (!actual.ok && !reference.ok) expect(actual.issues).toEqual(reference.issues)
}

describe('checkStoredEntry, compiled with z.compile', () => {
  for (const kind of Object.values(builtinKinds)) {
    it(`${kind.name}: same verdict, entry (key order included) and issues as zod's runtime parser`, () => {
      let accepted = 0
      let rejected = 0
      fc.assert(
        fc.property(generated[kind.name], (line) => {
          const reference = zodReference(kind as EntryKind, JSON.parse(line))
          const stored = checkStoredEntry(kind as EntryKind, JSON.parse(line))
          expectSameAnswer(stored, reference)
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

/** A fill as the writer writes it: the schema's keys in its order, optional ones sometimes left out. */
const writtenFill = fc
  .record({
    time: fc.tuple(
      fc.integer({ min: 0, max: 4_102_444_800_000 }),
      fc.constantFrom(0, 0, 540, -270, 23 * 60 + 59),
      fc.constantFrom('ms', 'seconds'),
    ),
    market,
    side: fc.constantFrom('buy', 'sell'),
    volume: decimal,
    price: decimal,
    funds: decimal,
    fee: decimal,
    orderId: nonEmpty,
    identifier: fc.option(nonEmpty, { nil: ABSENT }),
    decisionId: fc.option(nonEmpty, { nil: ABSENT }),
    mode,
    reason: fc.option(text, { nil: ABSENT }),
    confidence: fc.option(unit, { nil: ABSENT }),
  })
  .map(({ time: [tsMs, offset, precision], ...fields }): [string, unknown][] => {
    const local = new Date(tsMs + offset * 60_000).toISOString()
    const abs = Math.abs(offset)
    const zone =
      offset === 0
        ? 'Z'
        : `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
    const ts = `${precision === 'seconds' ? local.slice(0, 19) : local.slice(0, 23)}${zone}`
    const pairs: [string, unknown][] = [
      ['ts', ts],
      ['tsMs', precision === 'seconds' ? tsMs - (tsMs % 1000) : tsMs],
    ]
    for (const [key, value] of Object.entries(fields)) if (value !== ABSENT) pairs.push([key, value])
    return pairs
  })

// The values a field of a fill may wrongly (or, for zod, rightly but unusually) hold in a file.
const hostileValue = fc.oneof(
  // Money as numbers, signed, with exponents, with spaces, in other digits; some of these zod accepts.
  fc.constantFrom(0.001, 1, -0, 1e21, 2 ** 53 + 2, '-0', '0', '00.10', '+1', '1.', '.5', '1e3', '1E-3', '0x10'),
  fc.constantFrom('١٢', '１', '1 ', ' 1', '1\n', '', '1,5', '99999999999999999999999.000000000000000001'),
  // Other types and shapes.
  fc.constantFrom(null, true, [], {}, ['0.1'], { value: '0.1' }),
  // Near timestamps and instants.
  fc.constantFrom('2025-08-01T12:00Z', '2025-08-01t12:00:00z', '2025-08-01 12:00:00Z', '2025-02-29T00:00:00Z'),
  fc.constantFrom('2024-02-29T00:00:00Z', '2025-08-01T12:00:00.1Z', '2025-08-01T12:00:00.123456+09:00'),
  fc.constantFrom('2025-08-01T12:00:00+24:00', '2025-08-01T12:00:00+0900', '２025-08-01T12:00:00Z', 1754049600000),
  fc.constantFrom('1754049600000', 1754049600000.5, -1, 'BUY', 'Paper', 'KRW-BTC', 'krw-btc', '\u{1F4B0}', 1.0001),
  fc.string({ maxLength: 6 }),
  fc.double(),
  fc.jsonValue({ maxDepth: 1 }),
)
const schemaKeys = Object.keys(TradeEntrySchema.shape)
const anyKey = fc.oneof(
  fc.constantFrom(...schemaKeys),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'venue', '0', '10', 'Ts', 'ts '),
)

type Mutation = (pairs: [string, unknown][]) => void
/** One change a line can suffer: a field's value, a key gone, a key added anywhere, two keys swapped, tsMs moved. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), hostileValue).map(
    ([at, value]): Mutation =>
      (pairs) => {
        if (pairs.length > 0) pairs[at % pairs.length]![1] = value
      },
  ),
  fc.nat().map(
    (at): Mutation =>
      (pairs) => {
        if (pairs.length > 0) pairs.splice(at % pairs.length, 1)
      },
  ),
  fc.tuple(fc.nat(), anyKey, hostileValue).map(
    ([at, key, value]): Mutation =>
      (pairs) => {
        pairs.splice(at % (pairs.length + 1), 0, [key, value])
      },
  ),
  fc.tuple(fc.nat(), fc.nat()).map(
    ([a, b]): Mutation =>
      (pairs) => {
        if (pairs.length === 0) return
        const [i, j] = [a % pairs.length, b % pairs.length]
        ;[pairs[i], pairs[j]] = [pairs[j]!, pairs[i]!]
      },
  ),
  fc.constantFrom(1, -1, 1000, 0.5).map(
    (delta): Mutation =>
      (pairs) => {
        const tsMs = pairs.find(([key]) => key === 'tsMs')
        if (tsMs && typeof tsMs[1] === 'number') tsMs[1] += delta
      },
  ),
)

/** Valid fills as written, and the same with one to three changes, as JSON text (by hand: `__proto__` stays a key). */
const nearlyWrittenFills = fc.tuple(writtenFill, fc.array(mutation, { minLength: 0, maxLength: 3 })).map(([pairs, mutations]) => {
  for (const mutate of mutations) mutate(pairs)
  return `{${pairs.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',')}}`
})

const lineOf = (pairs: [string, unknown][]) =>
  `{${pairs.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',')}}`

/** A written line with its text damaged: a character replaced, removed or inserted, a stretch repeated. */
const damagedLines = fc
  .tuple(
    writtenFill.map(lineOf),
    fc.array(
      fc.tuple(
        fc.constantFrom('replace', 'remove', 'insert', 'repeat'),
        fc.nat(),
        fc.constantFrom(
          ' ',
          '"',
          '\\',
          'e',
          'E',
          '-',
          '+',
          '0',
          '1',
          '9',
          '.',
          'A',
          'a',
          ',',
          ':',
          '{',
          '}',
          '\u0000',
          '\n',
          'é',
          '\\u0073',
        ),
      ),
      { minLength: 1, maxLength: 2 },
    ),
  )
  .map(([line, edits]) => {
    let text = line
    for (const [edit, at, char] of edits) {
      const i = at % text.length
      if (edit === 'replace') text = text.slice(0, i) + char + text.slice(i + 1)
      else if (edit === 'remove') text = text.slice(0, i) + text.slice(i + 1)
      else if (edit === 'insert') text = text.slice(0, i) + char + text.slice(i)
      else text = text.slice(0, i) + text.slice(i, i + 8) + text.slice(i)
    }
    return text
  })

describe('checkStoredEntry on fills as written, nearly written and damaged: zod’s answer', () => {
  const check = (value: unknown) => checkStoredEntry(tradesKind, value)

  it('same verdict, entry (key order included) and issues as zod’s runtime parser', () => {
    let accepted = 0
    let rejected = 0
    fc.assert(
      fc.property(fc.oneof(writtenFill.map(lineOf), nearlyWrittenFills, damagedLines), (line) => {
        let value: unknown
        try {
          value = JSON.parse(line)
        } catch {
          return
        }
        const reference = zodReference(tradesKind, value)
        const answer = check(JSON.parse(line))
        expectSameAnswer(answer, reference)
        // An entry returned as parsed is zod's output key for key, in the same order.
        if (answer.ok && answer.entry === value) expectSameAnswer({ ok: true, entry: value }, reference)
        if (answer.ok) accepted++
        else rejected++
      }),
      { numRuns: 8000 },
    )
    expect(accepted).toBeGreaterThan(1000)
    expect(rejected).toBeGreaterThan(1000)
  })

  it.each([
    ['a float amount', { volume: 0.001 }],
    ['an integer amount', { fee: 22 }],
    ['a negative amount', { fee: '-22.5' }],
    ['an exponent amount', { price: '4.5e7' }],
    ['"-0" as an amount', { funds: '-0' }],
    ['a trailing dot', { funds: '45000.' }],
    ['Arabic-Indic digits', { volume: '٠.٠٠١' }],
    ['tsMs one off', { tsMs: AUG_1 + 1 }],
    ['tsMs as text', { tsMs: String(AUG_1) }],
    ['tsMs beyond the safe integers', { tsMs: 2 ** 53 + 2 }],
    ['a negative tsMs', { ts: '1969-12-31T23:59:59.999Z', tsMs: -1 }],
    ['ts without seconds', { ts: '2025-08-01T00:00Z' }],
    ['a 31st of April', { ts: '2025-04-31T00:00:00Z' }],
    ['a 29th of February 2025', { ts: '2025-02-29T00:00:00Z' }],
    ['an empty order id', { orderId: '' }],
    ['an upper-case side', { side: 'BUY' }],
    ['a confidence above 1', { confidence: 1.0001 }],
    ['a null identifier', { identifier: null }],
  ])('rejects %s with zod’s issues', (_name, change) => {
    const line = JSON.stringify({ ...trade(AUG_1), ...change })
    const reference = zodReference(tradesKind, JSON.parse(line))
    expect(reference.ok).toBe(false)
    expectSameAnswer(check(JSON.parse(line)), reference)
  })

  it.each([
    ['a missing required key', (line: string) => line.replace(/,"mode":"paper"/, '')],
    ['a repeated key', (line: string) => line.replace('{', '{"fee":"1",')],
    ['an own __proto__ key', (line: string) => line.replace('}', ',"__proto__":{"x":1}}')],
    ['an own __proto__ key first', (line: string) => line.replace('{', '{"__proto__":{"x":1},')],
    ['an unknown key', (line: string) => line.replace('}', ',"venue":"upbit"}')],
    ['an integer-like key', (line: string) => line.replace('}', ',"10":1}')],
    [
      'keys in another order',
      (line: string) => line.replace(/"market":"KRW-BTC","side":"buy"/, '"side":"buy","market":"KRW-BTC"'),
    ],
    ['confidence -0', (line: string) => line.replace('}', ',"confidence":-0}')],
    ['confidence as an exponent', (line: string) => line.replace('}', ',"confidence":5e-1}')],
    ['tsMs as an exponent', (line: string) => line.replace(/"tsMs":(\d+)/, (_all, ms) => `"tsMs":${Number(ms) / 1000}e3`)],
  ])('answers %s as zod does', (_name, change) => {
    const line = change(JSON.stringify(trade(AUG_1)))
    expect(line).not.toBe(JSON.stringify(trade(AUG_1)))
    expectSameAnswer(check(JSON.parse(line)), zodReference(tradesKind, JSON.parse(line)))
  })

  it('answers as zod does when Object.prototype holds a field zod reads (a polluted prototype)', () => {
    const written = JSON.stringify(trade(AUG_1))
    for (const [key, value, enumerable] of [
      ['reason', 5, false],
      ['confidence', 0.5, false],
      ['confidence', 0.5, true],
      ['venue', 5, true],
    ] as const) {
      let answer: Answer
      let reference: Answer
      Object.defineProperty(Object.prototype, key, { value, enumerable, configurable: true, writable: true })
      try {
        answer = check(JSON.parse(written))
        reference = zodReference(tradesKind, JSON.parse(written))
      } finally {
        delete (Object.prototype as Record<string, unknown>)[key]
      }
      expectSameAnswer(answer, reference)
    }
  })
})

describe('createFillLineParser, the reader’s fast path for a fill line: zod’s answer or none', () => {
  const parse = createFillLineParser()!

  /** What the parser gave must be zod's entry for the line, key order included; undefined leaves it to zod. */
  function expectZodOrNone(line: string): boolean {
    const entry = parse(line)
    if (entry === undefined) return false
    const reference = zodReference(tradesKind, JSON.parse(line))
    expect(reference.ok).toBe(true)
    expectSameAnswer({ ok: true, entry }, reference)
    return true
  }

  it('on written, nearly written, damaged and generated lines it answers as zod or leaves the line to zod', () => {
    let taken = 0
    let left = 0
    fc.assert(
      fc.property(fc.oneof(writtenFill.map(lineOf), nearlyWrittenFills, damagedLines, generated.trades), (line) => {
        if (expectZodOrNone(line)) taken++
        else left++
      }),
      { numRuns: 12_000 },
    )
    expect(taken).toBeGreaterThan(1000)
    expect(left).toBeGreaterThan(1000)
  })

  it('takes every fill as the writer writes it (strings without escapes)', () => {
    let taken = 0
    fc.assert(
      fc.property(writtenFill.map(lineOf), (line) => {
        if (line.includes('\\')) return
        expect(parse(line)).toBeDefined()
        taken++
      }),
      { numRuns: 2000 },
    )
    expect(taken).toBeGreaterThan(500)
  })

  it.each([
    ['spaces after the colons', (line: string) => line.replaceAll('":', '": ')],
    ['an escaped key', (line: string) => line.replace('"side"', '"\\u0073ide"')],
    ['an escaped value', (line: string) => line.replace('"paper"', '"pap\\u0065r"')],
    ['a trailing CR', (line: string) => `${line}\r`],
    ['a repeated key', (line: string) => line.replace('{', '{"fee":"1",')],
    ['an own __proto__ key', (line: string) => line.replace('}', ',"__proto__":{"x":1}}')],
    ['an unknown key', (line: string) => line.replace('}', ',"venue":"upbit"}')],
    [
      'keys in another order',
      (line: string) => line.replace(/"market":"KRW-BTC","side":"buy"/, '"side":"buy","market":"KRW-BTC"'),
    ],
    ['confidence -0', (line: string) => line.replace('}', ',"confidence":-0}')],
    ['confidence as an exponent', (line: string) => line.replace('}', ',"confidence":5e-1}')],
    ['confidence above 1', (line: string) => line.replace('}', ',"confidence":1.0000000000000002}')],
    ['confidence 1e999', (line: string) => line.replace('}', ',"confidence":1e999}')],
    ['tsMs one off', (line: string) => line.replace(/"tsMs":(\d+)/, (_all, ms) => `"tsMs":${Number(ms) + 1}`)],
    ['tsMs with a leading zero', (line: string) => line.replace('"tsMs":', '"tsMs":0')],
    ['tsMs of 16 digits', (line: string) => line.replace(/"tsMs":(\d+)/, '"tsMs":9007199254740993')],
    ['a negative amount', (line: string) => line.replace(/"fee":"/, '"fee":"-')],
    ['a control character in the order id', (line: string) => line.replace('"orderId":"', '"orderId":"\u0001')],
    ['an empty order id', (line: string) => line.replace(/"orderId":"[^"]*"/, '"orderId":""')],
    ['an empty reason', (line: string) => line.replace('}', ',"reason":""}')],
    ['a reason with quotes and unicode', (line: string) => line.replace('}', ',"reason":"RSI \\"oversold\\" é \u2028"}')],
    ['a 29th of February 2025', (line: string) => line.replace(/"ts":"[^"]*"/, '"ts":"2025-02-29T00:00:00Z"')],
  ])('answers %s as zod does, or leaves it to zod', (_name, change) => {
    const written = JSON.stringify(trade(AUG_1))
    expect(expectZodOrNone(written)).toBe(true)
    const line = change(written)
    expect(line).not.toBe(written)
    let parses = true
    try {
      JSON.parse(line)
    } catch {
      parses = false
    }
    if (parses) expectZodOrNone(line)
    else expect(parse(line)).toBeUndefined()
  })

  it('leaves a line to zod when Object.prototype holds a field zod reads (a polluted prototype)', () => {
    // With and without the optional fields: a key the line lacks is read through the prototype by zod; one it has
    // is set on the entry, where an inherited setter or read-only key would take the assignment.
    const lines = [
      JSON.stringify(trade(AUG_1)),
      // Every optional field, in the schema's order (as the writer writes them).
      JSON.stringify(
        prepareEntry(
          builtinKinds.trades,
          { ...trade(AUG_1), identifier: 'i', decisionId: 'd', reason: 'r', confidence: 0.5 },
          AUG_1,
          'UTC',
        ),
      ),
    ]
    const polluted: [string, PropertyDescriptor][] = [
      ['reason', { value: 'inherited', enumerable: false, writable: true }],
      ['confidence', { value: 0.5, enumerable: false, writable: true }],
      ['confidence', { value: 0.5, enumerable: true, writable: true }],
      ['venue', { value: 5, enumerable: true, writable: true }],
      ['identifier', { value: 'inherited', enumerable: false, writable: false }],
      ['mode', { set() {}, enumerable: false }],
    ]
    for (const line of lines) {
      expect(parse(line)).toBeDefined()
      for (const [key, descriptor] of polluted) {
        let entry: unknown
        Object.defineProperty(Object.prototype, key, { ...descriptor, configurable: true })
        try {
          entry = parse(line)
        } finally {
          delete (Object.prototype as Record<string, unknown>)[key]
        }
        expect(entry, `${key} on Object.prototype`).toBeUndefined()
      }
    }
  })
})
