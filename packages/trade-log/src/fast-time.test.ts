import { describe, expect, it } from 'vitest'
import { createDayKeys, createIsoTimes } from './fast-time.js'
import { dayKey } from './time.js'

const HOUR = 3_600_000

// Hourly steps (plus odd milliseconds) across DST changes in both directions and zones with :30 and :45 offsets.
const stamps = (from: number, hours: number) =>
  Array.from({ length: hours * 4 }, (_, i) => from + i * (HOUR / 4) + (i % 7) * 37_123)

describe('createDayKeys', () => {
  for (const [timeZone, from] of [
    ['UTC', Date.UTC(2025, 0, 1)],
    ['Etc/UTC', Date.UTC(2025, 0, 1)],
    ['Asia/Seoul', Date.UTC(2025, 7, 1)],
    ['America/New_York', Date.UTC(2025, 2, 7)], // spring forward on 9 March
    ['America/New_York', Date.UTC(2025, 9, 31)], // fall back on 2 November
    ['Europe/London', Date.UTC(2025, 2, 28)],
    ['Asia/Kathmandu', Date.UTC(2025, 0, 1)],
    ['Australia/Lord_Howe', Date.UTC(2025, 3, 3)], // a 30-minute DST change on 6 April
  ] as const) {
    it(`agrees with dayKey for every stamp in ${timeZone} from ${new Date(from).toISOString().slice(0, 10)}`, () => {
      const keys = createDayKeys(timeZone)
      const all = stamps(from, 24 * 8)
      expect(all.map(keys)).toEqual(all.map((ms) => dayKey(ms, timeZone)))
    })
  }

  it('agrees with dayKey before 1970 and out of order', () => {
    const keys = createDayKeys('Asia/Seoul')
    const all = [Date.UTC(1900, 0, 1, 15, 40), Date.UTC(2025, 7, 1, 14, 59), Date.UTC(1969, 11, 31, 23), Date.UTC(2025, 7, 1, 15)]
    expect(all.map(keys)).toEqual(all.map((ms) => dayKey(ms, 'Asia/Seoul')))
  })
})

describe('createIsoTimes', () => {
  it('formats like toISOString, including years outside 0000–9999', () => {
    const iso = createIsoTimes()
    const all = [
      ...stamps(Date.UTC(2025, 11, 30), 72),
      0,
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(10_000, 0, 1),
      -1,
      Date.UTC(-1, 5, 1, 12),
    ]
    expect(all.map(iso)).toEqual(all.map((ms) => new Date(ms).toISOString()))
  })
})
