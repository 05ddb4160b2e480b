import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { epochMsOfIsoDateTime, isIsoDateTimeWithOffset } from './iso-datetime.js'
import { timestampShape } from './schemas.js'

const zodAccepts = (text: string) => timestampShape.ts.safeParse(text).success

const pick = (...options: string[]) => fc.constantFrom(...options)
const digits = (min: number, max: number) =>
  fc.integer({ min, max }).map((value) => String(value).padStart(String(max).length, '0'))

/** Strings near the ISO form: every part sometimes out of range or malformed. */
const nearIso = fc
  .tuple(
    fc.oneof(digits(0, 9999), pick('202', '20250', '+2025', '２０２５')),
    pick('-', '/'),
    fc.oneof(digits(0, 13), pick('1', '001')),
    fc.oneof(digits(0, 32), pick('1')),
    pick('T', 'T', 't', ' '),
    fc.oneof(digits(0, 25), pick('1')),
    fc.oneof(digits(0, 61), pick('')),
    fc.oneof(
      digits(0, 61).map((s) => `:${s}`),
      pick('', ':6'),
    ),
    fc.oneof(
      pick('', '.', '.5', '.12', '.123', '.1234', '.123456789'),
      fc.integer({ min: 0, max: 999 }).map((n) => `.${n}`),
    ),
    fc.oneof(
      pick('Z', 'z', '', '+24:00', '-24:00', '+0900', '+09', '+09:60', ' Z', 'Z\n'),
      fc.tuple(pick('+', '-', '−'), digits(0, 25), digits(0, 60)).map(([sign, h, m]) => `${sign}${h}:${m}`),
    ),
  )
  .map((parts) => parts.join(''))

describe('isIsoDateTimeWithOffset', () => {
  it('accepts exactly what zod accepts for ts, on near-ISO and random strings', () => {
    fc.assert(
      fc.property(fc.oneof(nearIso, fc.string()), (text) => {
        expect(isIsoDateTimeWithOffset(text)).toBe(zodAccepts(text))
      }),
      { numRuns: 5000 },
    )
  })

  it.each([
    ['2024-02-29T00:00:00Z', true],
    ['2025-02-29T00:00:00Z', false],
    ['1900-02-29T00:00:00Z', false],
    ['2000-02-29T00:00:00Z', true],
    ['0000-02-29T00:00:00Z', true],
    ['2025-04-31T00:00:00Z', false],
    ['2025-11-31T00:00:00Z', false],
    ['2025-12-31T23:59:59.999999+14:00', true],
    ['2025-08-01T09:00:00+09:00', true],
    ['2025-08-01T09:00:00-23:59', true],
    ['2025-08-01T09:00:00+24:00', false],
    ['2025-08-01T09:00Z', false],
    ['2025-08-01T09:00:00', false],
    ['2025-08-01T09:00:00+0900', false],
    ['2025-08-01T24:00:00Z', false],
    ['2025-08-01T09:00:60Z', false],
    ['2025-08-01t09:00:00Z', false],
  ])('%s: %s, as zod says', (text, valid) => {
    expect(isIsoDateTimeWithOffset(text)).toBe(valid)
    expect(zodAccepts(text)).toBe(valid)
  })
})

describe('epochMsOfIsoDateTime', () => {
  it('equals Date.parse for every valid string, any fraction, year and offset', () => {
    const valid = fc
      .tuple(
        fc.integer({ min: 0, max: 253_402_300_799_999 }),
        pick('', '.', '0', '00', '000000'),
        fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
        fc.boolean(),
      )
      .map(([ms, fraction, offset, zulu]) => {
        const iso = new Date(ms + offset * 60_000).toISOString()
        const seconds = fraction === '' ? iso.slice(0, 19) : fraction === '.' ? iso.slice(0, 23) : iso.slice(0, 23) + fraction
        const abs = Math.abs(offset)
        const zone =
          zulu && offset === 0
            ? 'Z'
            : `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
        return `${seconds}${zone}`
      })
      .filter(isIsoDateTimeWithOffset)
    fc.assert(
      fc.property(valid, (text) => {
        expect(epochMsOfIsoDateTime(text)).toBe(Date.parse(text))
      }),
      { numRuns: 5000 },
    )
  })

  it('reads offsets the right way round', () => {
    expect(epochMsOfIsoDateTime('2025-08-01T09:00:00.000+09:00')).toBe(Date.UTC(2025, 7, 1))
    expect(epochMsOfIsoDateTime('2025-07-31T19:30:00.000-04:30')).toBe(Date.UTC(2025, 7, 1))
    expect(epochMsOfIsoDateTime('0099-12-31T23:59:59.999Z')).toBe(Date.parse('0099-12-31T23:59:59.999Z'))
  })
})
