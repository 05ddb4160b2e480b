/**
 * `dayKey` and `toISOString` for many timestamps in a row (statistics over a year of fills). `Intl` and `Date`
 * cost about a microsecond per call, so each function here caches per day and does the rest with arithmetic.
 */
import { dayKey, offsetMinutes } from './time.js'

const DAY_MS = 86_400_000
/** An offset checked equal at both ends of this stretch is taken as constant inside it (zones change twice a year). */
const STRETCH_MS = 6 * 3_600_000

/** Returns a function equal to `dayKey(epochMs, timeZone)`, fast for nearby timestamps. */
export function createDayKeys(timeZone: string): (epochMs: number) => string {
  // UTC never changes offset: no Intl lookups at all (the first one in a process costs tens of milliseconds).
  const utc = timeZone === 'UTC' || timeZone === 'Etc/UTC'
  const byDayNumber = new Map<number, string>()
  // The last answer: statistics ask for the same day many times in a row.
  let lastNumber = Number.NaN
  let lastKey = ''
  let from = Number.NaN
  let to = Number.NaN
  let offsetMs = 0
  return (epochMs) => {
    if (!(epochMs >= from && epochMs <= to)) {
      // Before 1970 some zones had offsets with seconds (local mean time), which offsetMinutes rounds; near a
      // change of offset the stretch is not uniform. Both ask Intl directly.
      if (epochMs < 0) return dayKey(epochMs, timeZone)
      if (utc) {
        from = 0
        to = Number.POSITIVE_INFINITY
      } else {
        const offset = offsetMinutes(epochMs, timeZone)
        if (offsetMinutes(epochMs + STRETCH_MS, timeZone) !== offset) return dayKey(epochMs, timeZone)
        from = epochMs
        to = epochMs + STRETCH_MS
        offsetMs = offset * 60_000
      }
    }
    const dayNumber = Math.floor((epochMs + offsetMs) / DAY_MS)
    if (dayNumber === lastNumber) return lastKey
    let key = byDayNumber.get(dayNumber)
    if (key === undefined) {
      key = new Date(dayNumber * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')
      byDayNumber.set(dayNumber, key)
    }
    lastNumber = dayNumber
    lastKey = key
    return key
  }
}

const LAST_4_DIGIT_YEAR_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999)
const pad = (value: number, width: number) => String(value).padStart(width, '0')

/** Returns a function equal to `new Date(epochMs).toISOString()`, with the date part cached per day. */
export function createIsoTimes(): (epochMs: number) => string {
  const dates = new Map<number, string>()
  return (epochMs) => {
    if (!(epochMs >= 0 && epochMs <= LAST_4_DIGIT_YEAR_MS && Number.isInteger(epochMs))) {
      return new Date(epochMs).toISOString()
    }
    const dayNumber = Math.floor(epochMs / DAY_MS)
    let date = dates.get(dayNumber)
    if (date === undefined) {
      date = new Date(dayNumber * DAY_MS).toISOString().slice(0, 11)
      dates.set(dayNumber, date)
    }
    const time = epochMs - dayNumber * DAY_MS
    const hours = pad(Math.floor(time / 3_600_000), 2)
    const minutes = pad(Math.floor(time / 60_000) % 60, 2)
    const seconds = pad(Math.floor(time / 1000) % 60, 2)
    return `${date}${hours}:${minutes}:${seconds}.${pad(time % 1000, 3)}Z`
  }
}
