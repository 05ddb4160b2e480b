/**
 * The check `z.iso.datetime({ offset: true })` makes, without its regex: zod spells the calendar (month lengths,
 * leap years) as one long alternation, which costs more than parsing the rest of a trade line. Here a short regex
 * checks the shape and arithmetic checks the day. `iso-datetime.test.ts` proves both accept the same strings.
 */

// zod's form: seconds required, any number of fraction digits, `Z` or `±HH:MM` with HH 00–23. Month and day are
// range-checked here; whether the day exists in that month is checked below.
const SHAPE =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/

const LONG_MONTHS = [1, 3, 5, 7, 8, 10, 12]
const digit = (text: string, index: number) => text.charCodeAt(index) - 48

/** True when `text` is what `z.iso.datetime({ offset: true })` accepts: a real calendar date, time, `Z` or offset. */
export function isIsoDateTimeWithOffset(text: string): boolean {
  if (!SHAPE.test(text)) return false
  const day = digit(text, 8) * 10 + digit(text, 9)
  if (day <= 28) return true
  const month = digit(text, 5) * 10 + digit(text, 6)
  if (month !== 2) return day <= 30 || LONG_MONTHS.includes(month)
  if (day > 29) return false
  const year = digit(text, 0) * 1000 + digit(text, 1) * 100 + digit(text, 2) * 10 + digit(text, 3)
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
}

const two = (text: string, index: number) => digit(text, index) * 10 + digit(text, index + 1)

/**
 * `Date.parse(text)` for a string `isIsoDateTimeWithOffset` accepted, by arithmetic: `Date.parse` costs more than
 * the whole compiled check. Fractions other than milliseconds and years before 100 (which `Date.UTC` reads as
 * 19xx) are left to `Date.parse`.
 */
export function epochMsOfIsoDateTime(text: string): number {
  const year = two(text, 0) * 100 + two(text, 2)
  let end = 19
  let ms = 0
  if (text.charCodeAt(end) === 46) {
    // Exactly three fraction digits put `Z`, `+` or `-` at 23; any other count puts a digit there or ends sooner.
    end = 23
    ms = digit(text, 20) * 100 + two(text, 21)
  }
  const zone = text.charCodeAt(end)
  if (year < 100 || !(zone === 90 || zone === 43 || zone === 45)) return Date.parse(text)
  const utc = Date.UTC(year, two(text, 5) - 1, two(text, 8), two(text, 11), two(text, 14), two(text, 17), ms)
  if (zone === 90) return utc
  const offsetMs = (two(text, end + 1) * 60 + two(text, end + 4)) * 60_000
  return zone === 43 ? utc - offsetMs : utc + offsetMs
}
