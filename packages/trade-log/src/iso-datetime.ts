/**
 * The instant of a `ts` zod has accepted as ISO-8601 with offset, by arithmetic: `Date.parse` costs more than the
 * compiled validation of a whole trade entry. `iso-datetime.test.ts` proves both agree.
 */
const digit = (text: string, index: number) => text.charCodeAt(index) - 48
const two = (text: string, index: number) => digit(text, index) * 10 + digit(text, index + 1)

/**
 * `Date.parse(text)` for a string `z.iso.datetime({ offset: true })` accepted (only then: the shape is not checked
 * here). Fractions other than milliseconds and years before 100 (which `Date.UTC` reads as 19xx) go to `Date.parse`.
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
