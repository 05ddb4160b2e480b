/**
 * The instant of a `ts` zod has accepted as ISO-8601 with offset, by arithmetic: `Date.parse` costs more than the
 * compiled validation of a whole trade entry. `iso-datetime.test.ts` proves both agree.
 */
const digit = (text: string, index: number) => text.charCodeAt(index) - 48
const two = (text: string, index: number) => digit(text, index) * 10 + digit(text, index + 1)

const DAY_MS = 86_400_000

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

/**
 * `Date.parse(text)` for a string `z.iso.datetime({ offset: true })` accepted (only then: the shape is not checked
 * here). Fractions other than milliseconds go to `Date.parse`.
 */
export function epochMsOfIsoDateTime(text: string): number {
  return epochMs(text, daysFromCivil)
}

/**
 * Returns a function equal to `epochMsOfIsoDateTime` that remembers the last date's day number: a file's timestamps
 * mostly share their date, and the civil-date arithmetic is most of the cost (a reader checking every line).
 */
export function createEpochMsOfIsoDateTime(): (text: string) => number {
  let lastDate = -1
  let lastDays = 0
  const daysOf = (year: number, month: number, day: number) => {
    const date = year * 10_000 + month * 100 + day
    if (date !== lastDate) {
      lastDays = daysFromCivil(year, month, day)
      lastDate = date
    }
    return lastDays
  }
  return (text) => epochMs(text, daysOf)
}

function epochMs(text: string, daysOf: (year: number, month: number, day: number) => number): number {
  let end = 19
  let ms = 0
  if (text.charCodeAt(end) === 46) {
    // Exactly three fraction digits put `Z`, `+` or `-` at 23; any other count puts a digit there or ends sooner.
    end = 23
    ms = digit(text, 20) * 100 + two(text, 21)
  }
  const zone = text.charCodeAt(end)
  if (!(zone === 90 || zone === 43 || zone === 45)) return Date.parse(text)
  const days = daysOf(two(text, 0) * 100 + two(text, 2), two(text, 5), two(text, 8))
  const utc = days * DAY_MS + two(text, 11) * 3_600_000 + two(text, 14) * 60_000 + two(text, 17) * 1000 + ms
  if (zone === 90) return utc
  const offsetMs = (two(text, end + 1) * 60 + two(text, end + 4)) * 60_000
  return zone === 43 ? utc - offsetMs : utc + offsetMs
}
