import { parse as parseQueryString } from 'node:querystring'
import type { Request } from 'express'
import { z } from 'zod'
import { BadRequestError } from './errors.js'

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|([+-])(\d{2}):?(\d{2}))?)?$/

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate()

/**
 * Epoch ms of an ISO-8601 date or date-time, or an error message. Every field is checked, so `2025-02-30` is refused
 * rather than rolled over to March the way `Date.parse` does; a time without an offset is UTC, like a bare date.
 */
export function parseInstant(value: string): number | string {
  if (/^\d{1,16}$/.test(value)) return Number(value)
  const match = ISO_INSTANT.exec(value)
  if (!match) return `expected an ISO-8601 date or epoch milliseconds, got "${value.slice(0, 40)}"`
  const [, y, mo, d, h = '0', mi = '0', sec = '0', fraction = '', zone, sign, oh = '0', om = '0'] = match
  const [year, month, day] = [Number(y), Number(mo), Number(d)]
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return `${value.slice(0, 10)} is not a calendar date`
  if (Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return `${value.slice(0, 40)} is not a valid time of day`
  if (Number(oh) > 14 || Number(om) > 59) return `the offset of ${value.slice(0, 40)} is not a UTC offset (at most ±14:00)`
  const offsetMs = zone === undefined || zone === 'Z' ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000
  const millis = Math.floor(Number(`0${fraction || '.0'}`) * 1000)
  return Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(sec), millis) - offsetMs
}

/** `2025-08-01`, `2025-08-01T12:00:00Z`, `2025-08-01T21:00:00+09:00` or epoch milliseconds. */
const instant = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const ms = parseInstant(value)
    if (typeof ms === 'string') {
      ctx.addIssue({ code: 'custom', message: ms })
      return z.NEVER
    }
    return ms
  })

/**
 * A whole number in decimal digits. `z.coerce.number()` would take `0x10`, `1e2`, ` 16` and `16.0` too: a client
 * sending those has a bug we should tell it about.
 */
export function wholeNumber(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,16}$/, 'expected a whole number in decimal digits')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
}

/** Markets as Upbit writes them: quote-base in capitals, e.g. `KRW-BTC`. */
export const marketSchema = z.string().regex(/^[A-Z0-9]{2,10}-[A-Z0-9]{1,20}$/, 'expected a market such as KRW-BTC')

/** `?bot=<id>` on a server with several bots (default: the first). */
export const botSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'expected a bot id as listed by GET /api/bots')
const range = { from: instant.optional(), to: instant.optional() }
const checkRange = (value: { from?: number | undefined; to?: number | undefined }) =>
  value.from === undefined || value.to === undefined || value.from <= value.to

/** Query of `/api/trades`, `/api/decisions`, `/api/errors`. Unknown parameters are refused, not ignored. */
export const listQuerySchema = z
  .strictObject({
    /** A bot id, or `all` for every bot's entries merged newest first. */
    bot: botSchema.optional(),
    market: marketSchema.optional(),
    side: z.enum(['buy', 'sell']).optional(),
    ...range,
    limit: wholeNumber(1, 1_000).default(100),
    cursor: z.string().min(1).max(1_024).optional(),
    order: z.enum(['desc', 'asc']).default('desc'),
  })
  .refine(checkRange, { message: 'from must not be after to', path: ['from'] })
export type ListQuery = z.output<typeof listQuerySchema>

/** Named periods for statistics; `from`/`to` narrow further. */
export const PERIODS = ['day', 'week', 'month', 'year', 'all'] as const
export type Period = (typeof PERIODS)[number]

const statsShape = {
  bot: botSchema.optional(),
  period: z.enum(PERIODS).default('all'),
  market: marketSchema.optional(),
  ...range,
}
export const statsQuerySchema = z
  .strictObject(statsShape)
  .refine(checkRange, { message: 'from must not be after to', path: ['from'] })
export type StatsQuery = z.output<typeof statsQuerySchema>

/** The long parts of a performance answer, sent only when asked for, and the fields they are sent in. */
export const PERFORMANCE_INCLUDES = { dailyReturns: 'dailyReturns', closedTrades: 'recentClosedTrades' } as const

/** `/api/performance`: a statistics query plus `include=dailyReturns,closedTrades`. */
export const performanceQuerySchema = z
  .strictObject({
    ...statsShape,
    include: z
      .string()
      .default('')
      .transform((value) => value.split(',').filter(Boolean))
      .pipe(z.array(z.enum(Object.keys(PERFORMANCE_INCLUDES) as [keyof typeof PERFORMANCE_INCLUDES]))),
  })
  .refine(checkRange, { message: 'from must not be after to', path: ['from'] })

/** `30m`, `4h`, `1d`: a horizon in minutes, hours or days, as milliseconds (at most 30 days). */
const horizon = z
  .string()
  .regex(/^\d{1,4}[mhd]$/, 'expected a duration such as 30m, 4h or 1d')
  .transform((value) => Number(value.slice(0, -1)) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[value.at(-1) as 'm' | 'h' | 'd'])
  .pipe(
    z
      .number()
      .int()
      .min(60_000, 'at least 1m')
      .max(30 * 86_400_000, 'at most 30d'),
  )

/** `/api/decisions/quality`: a statistics query plus the horizon decisions are judged at (default one day). */
export const decisionQualityQuerySchema = z
  .strictObject({ ...statsShape, horizon: horizon.default(86_400_000) })
  .refine(checkRange, { message: 'from must not be after to', path: ['from'] })

export const equityQuerySchema = z
  .strictObject({
    bot: botSchema.optional(),
    period: z.enum(PERIODS).default('all'),
    ...range,
    points: wholeNumber(2, 5_000).default(500),
  })
  .refine(checkRange, { message: 'from must not be after to', path: ['from'] })
export type EquityQuery = z.output<typeof equityQuerySchema>

/** Parses `req.query` with a schema; a failure becomes a 400 naming each bad parameter and why. */
export function parseQuery<T extends z.ZodType>(schema: T, req: Request): z.output<T> {
  const result = schema.safeParse(req.query)
  if (result.success) return result.data
  throw new BadRequestError(describeIssues('query parameter', result.error))
}

/**
 * `parseQuery` that remembers the answers for recent query strings (the dashboard and most clients repeat theirs):
 * a repeat costs a map lookup instead of query-string and schema parsing. Answers are frozen because they are shared.
 * It reads the raw URL with Express's own "simple" query parser (node:querystring), so Express routes and the
 * cached-GET fast path parse a query identically.
 */
export function createQueryParser<T extends z.ZodType>(
  schema: T,
  size = 256,
): (req: { url?: string | undefined }) => Readonly<z.output<T>> {
  const memo = new Map<string, Readonly<z.output<T>>>()
  return (req) => {
    const url = req.url ?? ''
    const at = url.indexOf('?')
    const raw = at === -1 ? '' : url.slice(at + 1)
    const hit = memo.get(raw)
    if (hit !== undefined) return hit
    // Only valid queries are remembered: a bad one throws here every time, with its own message.
    const result = schema.safeParse(parseQueryString(raw))
    if (!result.success) throw new BadRequestError(describeIssues('query parameter', result.error))
    const parsed = Object.freeze(result.data)
    memo.set(raw, parsed)
    if (memo.size > size) memo.delete(memo.keys().next().value!)
    return parsed
  }
}

export function describeIssues(what: string, error: z.ZodError): string {
  const parts = error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `unknown ${what} ${issue.keys.map((key) => `"${key}"`).join(', ')}`
    const name = issue.path.length > 0 ? issue.path.join('.') : 'value'
    return `${what} ${name}: ${issue.message}`
  })
  return `Invalid ${parts.join('; ')}.`
}

/** Start of a named period, counted back from `now`. */
export function periodStart(period: Period, now: number): number | undefined {
  const day = 86_400_000
  switch (period) {
    case 'day':
      return now - day
    case 'week':
      return now - 7 * day
    case 'month':
      return now - 30 * day
    case 'year':
      return now - 365 * day
    case 'all':
      return undefined
  }
}
