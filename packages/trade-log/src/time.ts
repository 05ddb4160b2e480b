/**
 * Calendar days and ISO timestamps in a configured IANA time zone. Daily file names and daily statistics use
 * the same function so that a `trades_20250801` file and the 2025-08-01 row of a report mean the same day.
 */
import { TradeLogUsageError } from './errors.js'

const formatters = new Map<string, Intl.DateTimeFormat>()

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone)
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      })
    } catch (error) {
      throw new TradeLogUsageError(
        `Unknown time zone ${JSON.stringify(timeZone)}; use an IANA name such as "UTC" or "Asia/Seoul".`,
        {
          cause: error,
        },
      )
    }
    formatters.set(timeZone, formatter)
  }
  return formatter
}

/** Throws a typed error unless `timeZone` is a valid IANA zone. */
export function assertTimeZone(timeZone: string): void {
  partsFormatter(timeZone)
}

interface WallClock {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

function wallClock(epochMs: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {}
  for (const part of partsFormatter(timeZone).formatToParts(epochMs)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value)
  }
  return {
    year: parts['year']!,
    month: parts['month']!,
    day: parts['day']!,
    hour: parts['hour']!,
    minute: parts['minute']!,
    second: parts['second']!,
  }
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0')

/** Offset of `timeZone` from UTC at `epochMs`, in minutes (Asia/Seoul: 540). */
export function offsetMinutes(epochMs: number, timeZone: string): number {
  const clock = wallClock(epochMs, timeZone)
  const asUtc = Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second)
  return Math.round((asUtc - (epochMs - (((epochMs % 1000) + 1000) % 1000))) / 60_000)
}

/** The calendar day of `epochMs` in `timeZone` as `YYYYMMDD`. */
export function dayKey(epochMs: number, timeZone: string): string {
  const clock = wallClock(epochMs, timeZone)
  return `${pad(clock.year, 4)}${pad(clock.month)}${pad(clock.day)}`
}

/** `YYYYMMDD` to `YYYY-MM-DD`. */
export function dayKeyToIsoDate(key: string): string {
  return `${key.slice(0, 4)}-${key.slice(4, 6)}-${key.slice(6, 8)}`
}

/** ISO-8601 with the zone's offset, e.g. `2025-08-01T21:00:00.000+09:00`; UTC gives `Z`. */
export function isoWithOffset(epochMs: number, timeZone: string): string {
  if (timeZone === 'UTC') return new Date(epochMs).toISOString()
  const offset = offsetMinutes(epochMs, timeZone)
  const local = new Date(epochMs + offset * 60_000).toISOString().slice(0, -1)
  if (offset === 0) return `${local}Z`
  const sign = offset < 0 ? '-' : '+'
  const abs = Math.abs(offset)
  return `${local}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

/** Epoch ms of 00:00 on the day `key` in `timeZone` (exact for zones whose offset does not change that day). */
export function startOfDay(key: string, timeZone: string): number {
  const guess = Date.UTC(Number(key.slice(0, 4)), Number(key.slice(4, 6)) - 1, Number(key.slice(6, 8)))
  const first = guess - offsetMinutes(guess, timeZone) * 60_000
  return guess - offsetMinutes(first, timeZone) * 60_000
}

/** The day `days` after (or before, if negative) `key`, as `YYYYMMDD`. */
export function shiftDayKey(key: string, days: number): string {
  const next = new Date(Date.UTC(Number(key.slice(0, 4)), Number(key.slice(4, 6)) - 1, Number(key.slice(6, 8)) + days))
  return `${pad(next.getUTCFullYear(), 4)}${pad(next.getUTCMonth() + 1)}${pad(next.getUTCDate())}`
}

/** A time bound: a Date, epoch ms or ISO-8601 text. */
export type TimeBound = Date | number | string

/** Accepts a Date, epoch ms or an ISO string; returns epoch ms. */
export function toEpochMs(value: TimeBound, what: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value)
  if (!Number.isFinite(ms)) {
    throw new TradeLogUsageError(
      `${what} ${JSON.stringify(String(value))} is not a date; pass a Date, epoch ms or ISO-8601 text.`,
    )
  }
  return ms
}

/**
 * `dayKey` for a stream of mostly increasing times: remembers the current day's bounds so the writer's hot path
 * does not format a date per entry.
 */
export function createDayKeyCache(timeZone: string): (epochMs: number) => string {
  let key = ''
  let start = 0
  let end = -1
  return (epochMs) => {
    if (epochMs >= start && epochMs < end) return key
    key = dayKey(epochMs, timeZone)
    start = startOfDay(key, timeZone)
    end = startOfDay(shiftDayKey(key, 1), timeZone)
    // Zones whose midnight is skipped or repeated: fall back to formatting every time.
    if (!(epochMs >= start && epochMs < end)) end = start - 1
    return key
  }
}
