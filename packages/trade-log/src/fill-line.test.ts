import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createFillLineParser, jsonNumber } from './fill-line.js'
import { builtinKinds, checkStoredEntry, type EntryKind } from './kinds.js'
import { createTradeLogReader } from './reader.js'
import { TradeEntrySchema } from './schemas.js'
import { AUG_1, trade } from './test-support/entries.js'
import { useTempDir } from './test-support/temp-dir.js'
import { createTradeLogWriter } from './writer.js'

// kinds.test.ts proves the parser gives zod's answer on generated lines; these tests pin what it was written for.
describe('createFillLineParser', () => {
  const tempDir = useTempDir()

  it('exists with this zod (else every fill would take the general path without a word)', () => {
    const parse = createFillLineParser()
    expect(parse).toBeDefined()
    expect(parse!(JSON.stringify(trade(AUG_1)))).toEqual(trade(AUG_1))
  })

  it('was written for this TradeEntrySchema: a changed schema fails here until fill-line.ts changes with it', () => {
    const shape = TradeEntrySchema.shape
    const pattern = (shape.ts as unknown as { _zod: { pattern: RegExp } })._zod.pattern
    // The snapshot sorts keys: the schema's order, which the layout follows, is pinned on its own.
    expect({ order: Object.keys(shape), ts: pattern.source, schema: z.toJSONSchema(TradeEntrySchema) }).toMatchInlineSnapshot(`
      {
        "order": [
          "ts",
          "tsMs",
          "market",
          "side",
          "volume",
          "price",
          "funds",
          "fee",
          "orderId",
          "identifier",
          "decisionId",
          "mode",
          "reason",
          "confidence",
        ],
        "schema": {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "additionalProperties": {},
          "properties": {
            "confidence": {
              "maximum": 1,
              "minimum": 0,
              "type": "number",
            },
            "decisionId": {
              "minLength": 1,
              "type": "string",
            },
            "fee": {
              "pattern": "^\\d+(\\.\\d+)?$",
              "type": "string",
            },
            "funds": {
              "pattern": "^\\d+(\\.\\d+)?$",
              "type": "string",
            },
            "identifier": {
              "minLength": 1,
              "type": "string",
            },
            "market": {
              "pattern": "^[A-Z0-9]+-[A-Z0-9]+$",
              "type": "string",
            },
            "mode": {
              "enum": [
                "paper",
                "live",
              ],
              "type": "string",
            },
            "orderId": {
              "minLength": 1,
              "type": "string",
            },
            "price": {
              "pattern": "^\\d+(\\.\\d+)?$",
              "type": "string",
            },
            "reason": {
              "type": "string",
            },
            "side": {
              "enum": [
                "buy",
                "sell",
              ],
              "type": "string",
            },
            "ts": {
              "format": "date-time",
              "pattern": "^(?:(?:\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29|\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|(?:02)-(?:0[1-9]|1\\d|2[0-8])))T(?:(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?(?:Z|([+-](?:[01]\\d|2[0-3]):[0-5]\\d)))$",
              "type": "string",
            },
            "tsMs": {
              "maximum": 9007199254740991,
              "minimum": 0,
              "type": "integer",
            },
            "volume": {
              "pattern": "^\\d+(\\.\\d+)?$",
              "type": "string",
            },
          },
          "required": [
            "ts",
            "tsMs",
            "market",
            "side",
            "volume",
            "price",
            "funds",
            "fee",
            "orderId",
            "mode",
          ],
          "type": "object",
        },
        "ts": "^(?:(?:\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29|\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|(?:02)-(?:0[1-9]|1\\d|2[0-8])))T(?:(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?(?:Z|([+-](?:[01]\\d|2[0-3]):[0-5]\\d)))$",
      }
    `)
  })

  it('a log the writer wrote reads entry for entry as JSON.parse and zod read its lines', async () => {
    const dir = tempDir()
    const writer = createTradeLogWriter({ dir, timeZone: 'UTC' })
    const reasons = [undefined, '', 'RSI "oversold"', 'line\nbreak', 'é ünïcode 💰', '\u2028']
    for (let i = 0; i < 120; i++) {
      const fill = trade(AUG_1 + i * 1000, {
        side: i % 2 === 0 ? 'buy' : 'sell',
        volume: `0.${String(i + 1).padStart(5, '0')}`,
        orderId: i % 7 === 0 ? `order "${i}"` : `order-${i}`,
        ...(i % 3 === 0 ? { identifier: `id-${i}` } : {}),
        ...(i % 4 === 0 ? { decisionId: `d-${i}` } : {}),
        ...(reasons[i % reasons.length] === undefined ? {} : { reason: reasons[i % reasons.length]! }),
        ...(i % 5 === 0 ? { confidence: i / 200 } : {}),
      })
      await writer.append('trades', fill)
    }
    await writer.close()
    const lines = readFileSync(join(dir, 'trades_20250801.jsonl'), 'utf8').trimEnd().split('\n')
    const parse = createFillLineParser()!
    // Both paths are walked: lines with escapes go to zod, the others to the parser.
    expect(lines.filter((line) => parse(line) !== undefined).length).toBeGreaterThan(40)
    expect(lines.filter((line) => parse(line) === undefined).length).toBeGreaterThan(40)
    const read: unknown[] = []
    for await (const record of createTradeLogReader({ dir }).stream({ kind: 'trades' })) read.push(record.entry)
    const expected = lines.map((line) => {
      const checked = checkStoredEntry(builtinKinds.trades as EntryKind, JSON.parse(line))
      if (!checked.ok) throw new Error('the writer wrote an invalid line')
      return checked.entry
    })
    expect(read).toEqual(expected)
    expect(read.map((entry) => JSON.stringify(entry))).toEqual(expected.map((entry) => JSON.stringify(entry)))
  })
})

describe('jsonNumber, the fill-line parser’s Number()', () => {
  it('gives exactly what Number() gives for every JSON number (short ones by a division, the rest by Number)', () => {
    const digits = (min: number, max: number) =>
      fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), minLength: min, maxLength: max })
    const decimal = fc
      .tuple(
        fc.boolean(),
        fc.oneof(
          fc.constant('0'),
          digits(1, 18).map((d) => `1${d}`),
        ),
        fc.option(digits(1, 18)),
      )
      .map(([negative, whole, fraction]) => `${negative ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}`)
    const text = fc.oneof(
      decimal,
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value)),
    )
    fc.assert(
      fc.property(text, (value) => {
        expect(Object.is(jsonNumber(value), Number(value))).toBe(true)
      }),
      { numRuns: 20_000 },
    )
    for (const value of ['0', '-0', '1', '0.7', '0.999999999999999', '999999999999999', '1748736001000', '1e-1', '5E+2'])
      expect(Object.is(jsonNumber(value), Number(value))).toBe(true)
  })
})
