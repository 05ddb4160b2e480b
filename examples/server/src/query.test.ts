import type { Request } from 'express'
import { describe, expect, it } from 'vitest'
import { BadRequestError } from './errors.js'
import { createQueryParser, listQuerySchema, parseQuery } from './query.js'

const parse = (query: Record<string, unknown>) => parseQuery(listQuerySchema, { query } as unknown as Request)
const messageOf = (query: Record<string, unknown>) => {
  try {
    parse(query)
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestError)
    return (error as Error).message
  }
  throw new Error('expected a 400')
}

describe('list query', () => {
  it('defaults to the newest 100', () => {
    expect(parse({})).toEqual({ limit: 100, order: 'desc' })
  })

  it('parses dates, epoch ms and filters', () => {
    expect(parse({ from: '2025-08-01', to: '1754049600000', market: 'KRW-BTC', side: 'buy', limit: '5' })).toEqual({
      from: Date.UTC(2025, 7, 1),
      to: 1754049600000,
      market: 'KRW-BTC',
      side: 'buy',
      limit: 5,
      order: 'desc',
    })
    expect(parse({ from: '2025-08-01T21:00:00+09:00' }).from).toBe(Date.UTC(2025, 7, 1, 12))
  })

  it.each([
    [{ limit: '0' }, /query parameter limit: Too small/],
    [{ limit: 'ten' }, /query parameter limit/],
    [{ side: 'long' }, /query parameter side/],
    [{ market: '../../etc' }, /query parameter market: expected a market such as KRW-BTC/],
    [{ from: 'yesterday' }, /query parameter from: expected an ISO-8601 date or epoch milliseconds, got "yesterday"/],
    [{ from: '2025-08-02', to: '2025-08-01' }, /from must not be after to/],
    [{ symbol: 'KRW-BTC' }, /unknown query parameter "symbol"/],
    [{ market: ['KRW-BTC', 'KRW-ETH'] }, /query parameter market/],
  ])('error: %j is a 400 that names the parameter', (query, expected) => {
    expect(messageOf(query)).toMatch(expected)
  })
})

describe('remembered query parsing', () => {
  const request = (url: string) => {
    const search = new URLSearchParams(url.split('?')[1] ?? '')
    return { url, query: Object.fromEntries(search) } as unknown as Request
  }

  it('a repeated query string is answered from memory, a new one is parsed', () => {
    let parses = 0
    const counted = listQuerySchema.transform((value) => {
      parses++
      return value
    })
    const parseList = createQueryParser(counted)
    const first = parseList(request('/trades?limit=5&side=buy'))
    expect(parseList(request('/trades?limit=5&side=buy'))).toBe(first)
    expect(parses).toBe(1)
    expect(parseList(request('/trades?limit=6&side=buy')).limit).toBe(6)
    expect(parses).toBe(2)
    expect(first).toEqual({ limit: 5, side: 'buy', order: 'desc' })
    expect(Object.isFrozen(first)).toBe(true)
  })

  it('a bad query is refused every time, never remembered', () => {
    const parseList = createQueryParser(listQuerySchema)
    expect(() => parseList(request('/trades?limit=0'))).toThrow(/query parameter limit/)
    expect(() => parseList(request('/trades?limit=0'))).toThrow(BadRequestError)
  })

  it('memory is bounded: the oldest query string is forgotten first', () => {
    let parses = 0
    const counted = listQuerySchema.transform((value) => {
      parses++
      return value
    })
    const parseList = createQueryParser(counted, 2)
    parseList(request('/t?limit=1'))
    parseList(request('/t?limit=2'))
    parseList(request('/t?limit=3'))
    expect(parses).toBe(3)
    parseList(request('/t?limit=3'))
    expect(parses).toBe(3)
    parseList(request('/t?limit=1'))
    expect(parses).toBe(4)
  })
})

describe('strict input (issue 18, item 14)', () => {
  it.each([
    [{ from: '2025-02-30' }, /query parameter from: 2025-02-30 is not a calendar date/],
    [{ from: '2025-02-29' }, /not a calendar date/],
    [{ from: '2025-13-01' }, /not a calendar date/],
    [{ to: '2025-08-01T24:00:00Z' }, /not a valid time of day/],
    [{ to: '2025-08-01T12:60Z' }, /not a valid time of day/],
    [{ from: '2025-08-01T12:00:00+15:00' }, /offset/],
    [{ limit: '0x10' }, /query parameter limit: expected a whole number in decimal digits/],
    [{ limit: '1e2' }, /query parameter limit: expected a whole number/],
    [{ limit: ' 16' }, /query parameter limit: expected a whole number/],
    [{ limit: '16.0' }, /query parameter limit: expected a whole number/],
  ])('error: %j is refused instead of being read leniently', (query, expected) => {
    expect(messageOf(query)).toMatch(expected)
  })

  it('a leap day, a time without an offset (UTC) and a compact offset are read as written', () => {
    expect(parse({ from: '2024-02-29' }).from).toBe(Date.UTC(2024, 1, 29))
    expect(parse({ from: '2025-08-01T12:30' }).from).toBe(Date.UTC(2025, 7, 1, 12, 30))
    expect(parse({ from: '2025-08-01T21:00:00+0900' }).from).toBe(Date.UTC(2025, 7, 1, 12))
    expect(parse({ limit: '016' }).limit).toBe(16)
  })
})
