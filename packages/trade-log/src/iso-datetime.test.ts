import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createEpochMsOfIsoDateTime, epochMsOfIsoDateTime } from './iso-datetime.js'
import { timestampShape } from './schemas.js'

const zodAccepts = (text: string) => timestampShape.ts.safeParse(text).success

describe('epochMsOfIsoDateTime', () => {
  it('equals Date.parse for every string zod accepts: any fraction length, year and offset', () => {
    const valid = fc
      .tuple(
        fc.oneof(
          fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }),
          fc.integer({ min: -62_167_219_200_000, max: -59_011_459_200_000 }),
        ),
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
        fc.boolean(),
      )
      .map(([ms, fractionDigits, offset, zulu]) => {
        const iso = new Date(ms + offset * 60_000).toISOString()
        const fraction = `${iso.slice(20, 23)}987654`.slice(0, fractionDigits)
        const seconds = fractionDigits === 0 ? iso.slice(0, 19) : `${iso.slice(0, 19)}.${fraction}`
        const abs = Math.abs(offset)
        const zone =
          zulu && offset === 0
            ? 'Z'
            : `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
        return `${seconds}${zone}`
      })
      .filter(zodAccepts)
    // The remembering variant too: one for the whole run (a date seen before, or the same as the last one, or not).
    const remembering = createEpochMsOfIsoDateTime()
    fc.assert(
      fc.property(valid, (text) => {
        expect(epochMsOfIsoDateTime(text)).toBe(Date.parse(text))
        expect(remembering(text)).toBe(Date.parse(text))
      }),
      { numRuns: 5000 },
    )
  })

  it('the remembering variant answers for each date, not the last one: neighbouring days, years and offsets', () => {
    const epochMsOf = createEpochMsOfIsoDateTime()
    const texts = [
      '2025-08-01T09:00:00.000+09:00',
      '2025-08-01T23:59:59.999Z',
      '2025-08-02T00:00:00.000Z',
      '2025-08-01T00:00:00Z',
      '2024-08-01T00:00:00Z',
      '2024-02-29T12:00:00.000-04:30',
      '2024-03-01T12:00:00.000-04:30',
      '0000-02-29T00:00:00Z',
      '2024-02-29T12:00:00.000-04:30',
    ]
    for (const text of [...texts, ...texts.reverse()]) expect(epochMsOf(text)).toBe(Date.parse(text))
  })

  it('reads offsets the right way round, and leap days of years 0 and 2000', () => {
    expect(epochMsOfIsoDateTime('2025-08-01T09:00:00.000+09:00')).toBe(Date.UTC(2025, 7, 1))
    expect(epochMsOfIsoDateTime('2025-07-31T19:30:00.000-04:30')).toBe(Date.UTC(2025, 7, 1))
    for (const text of ['0099-12-31T23:59:59.999Z', '0000-02-29T12:00:00.000Z', '2000-03-01T00:00:00.000+14:00']) {
      expect(epochMsOfIsoDateTime(text)).toBe(Date.parse(text))
    }
  })
})
