import { describe, expect, it } from 'vitest'
import { TradeLogUsageError } from './errors.js'
import { assertTimeZone, createDayKeyCache, dayKey, isoWithOffset, startOfDay } from './time.js'

describe('time', () => {
  it('names days in the configured zone', () => {
    const t = Date.UTC(2025, 7, 1, 15, 30)
    expect(dayKey(t, 'UTC')).toBe('20250801')
    expect(dayKey(t, 'Asia/Seoul')).toBe('20250802')
    expect(dayKey(t, 'America/Los_Angeles')).toBe('20250801')
  })

  it('writes ISO-8601 with the zone offset', () => {
    const t = Date.UTC(2025, 7, 1, 15, 30)
    expect(isoWithOffset(t, 'UTC')).toBe('2025-08-01T15:30:00.000Z')
    expect(isoWithOffset(t, 'Asia/Seoul')).toBe('2025-08-02T00:30:00.000+09:00')
    expect(isoWithOffset(t, 'America/New_York')).toBe('2025-08-01T11:30:00.000-04:00')
    expect(Date.parse(isoWithOffset(t, 'Asia/Kolkata'))).toBe(t)
  })

  it('finds midnight in the zone, across a daylight-saving change', () => {
    expect(startOfDay('20250802', 'Asia/Seoul')).toBe(Date.UTC(2025, 7, 1, 15))
    expect(startOfDay('20250309', 'America/New_York')).toBe(Date.UTC(2025, 2, 9, 5))
    expect(startOfDay('20250310', 'America/New_York')).toBe(Date.UTC(2025, 2, 10, 4))
  })

  it('the day-key cache agrees with dayKey around midnights and DST changes', () => {
    for (const zone of ['UTC', 'Asia/Seoul', 'America/New_York']) {
      const cached = createDayKeyCache(zone)
      for (let t = Date.UTC(2025, 2, 8); t < Date.UTC(2025, 2, 12); t += 17 * 60_000) expect(cached(t)).toBe(dayKey(t, zone))
    }
  })

  it('error: an unknown zone is a usage error', () => {
    expect(() => assertTimeZone('Mars/Olympus')).toThrow(TradeLogUsageError)
  })
})
