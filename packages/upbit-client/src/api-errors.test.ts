import { describe, expect, it } from 'vitest'
import { parseBanMs, parseErrorBody, toApiError } from './api-errors.js'
import { isUpbitError, UpbitApiError, UpbitBanError, type UpbitError, upbitErrorNames } from './errors.js'
import * as api from './index.js'
import { parseRemainingReq } from './remaining-req.js'

describe('error bodies', () => {
  it('reads Upbit JSON errors with a string or numeric name', () => {
    expect(parseErrorBody('{"error":{"name":"nonce_used","message":"m"}}')).toEqual({ errorName: 'nonce_used', message: 'm' })
    expect(parseErrorBody('{"error":{"name":404,"message":"Code not found"}}')).toEqual({
      errorName: 404,
      message: 'Code not found',
    })
  })

  it('keeps a plain-text body (429 sends one) as the message', () => {
    expect(parseErrorBody('Too many API requests.\n')).toEqual({ errorName: undefined, message: 'Too many API requests.' })
    expect(parseErrorBody('')).toEqual({ errorName: undefined, message: '' })
  })

  it.each([
    [null, 'Blocked for 60 seconds.', 60_000],
    ['30', 'whatever', 30_000],
    [null, '10분 동안 차단됩니다', 600_000],
    [null, 'blocked for 2 minutes', 120_000],
    [null, 'Too many requests', undefined],
  ])('ban duration from Retry-After %s / body %j is %s ms', (retryAfter, body, expected) => {
    expect(parseBanMs(retryAfter, body)).toBe(expected)
  })

  it.each([
    [401, '{"error":{"name":"no_authorization_i_p","message":"m"}}', 'UpbitAuthError', 'auth'],
    [400, '{"error":{"name":"under_min_total_bid","message":"m"}}', 'UpbitValidationError', 'validation'],
    [400, '{"error":{"name":"insufficient_funds_ask","message":"m"}}', 'UpbitInsufficientFundsError', 'insufficient_funds'],
    [404, '{"error":{"name":404,"message":"Code not found"}}', 'UpbitNotFoundError', 'not_found'],
    [429, 'Too many API requests.', 'UpbitRateLimitError', 'rate_limit'],
    [418, 'Blocked for 10 seconds', 'UpbitBanError', 'ban'],
    [503, '<html>maintenance</html>', 'UpbitServerError', 'server'],
    [409, '{"error":{"name":"conflict","message":"m"}}', 'UpbitApiError', 'api'],
  ])('status %i body %s becomes %s with code %s', (status, body, name, code) => {
    const error = toApiError({
      method: 'GET',
      url: 'u',
      status,
      body,
      remaining: undefined,
      group: 'g',
      retryAfter: null,
      now: 0,
    })
    expect(error.name).toBe(name)
    expect(error.code).toBe(code)
    expect(error.message).toContain(`${status}`)
  })

  it('a 418 without a stated duration still stops the group for a safe default', () => {
    const error = toApiError({
      method: 'GET',
      url: 'u',
      status: 418,
      body: '',
      remaining: undefined,
      group: 'ticker',
      retryAfter: null,
      now: 1000,
    })
    expect(error).toBeInstanceOf(UpbitBanError)
    expect((error as UpbitBanError).bannedUntil).toBe(61_000)
    expect((error as UpbitBanError).banMs).toBeUndefined()
  })
})

describe('Remaining-Req', () => {
  it.each([
    ['group=default; min=1800; sec=29', { group: 'default', min: 1800, sec: 29 }],
    ['group=order-cancel-all; sec=0', { group: 'order-cancel-all', sec: 0 }],
    ['group=candles;min=600;sec=9', { group: 'candles', min: 600, sec: 9 }],
  ])('parses %s', (header, expected) => {
    expect(parseRemainingReq(header)).toEqual(expected)
  })

  it.each([null, '', 'garbage', 'group=x; sec=-1', 'sec=3'])('ignores malformed %j', (header) => {
    expect(parseRemainingReq(header)).toBeUndefined()
  })
})

describe('error classes', () => {
  it('every exported error class is recognised by isUpbitError, also across package copies', () => {
    const classes = Object.entries(api).filter(
      ([name, value]) => typeof value === 'function' && /^Upbit\w*Error$/.test(name),
    ) as Array<[string, typeof UpbitError]>
    expect(classes.length).toBeGreaterThanOrEqual(15)
    expect(new Set(classes.map(([name]) => name))).toEqual(upbitErrorNames)
    const foreign = Object.assign(new Error('x'), { name: 'UpbitRateLimitError', code: 'rate_limit' })
    expect(isUpbitError(foreign)).toBe(true)
    expect(isUpbitError(Object.assign(new Error('x'), { name: 'UpbitRateLimitError' }))).toBe(false)
  })

  it('chains cause and serialises it without secrets', () => {
    const cause = new Error('socket hang up')
    const error = new UpbitApiError({
      method: 'GET',
      url: 'https://api.upbit.com/v1/accounts',
      status: 500,
      errorName: 'x',
      upbitMessage: 'y',
      cause,
    })
    expect(error.cause).toBe(cause)
    expect(error.toJSON()).toMatchObject({
      name: 'UpbitApiError',
      code: 'api',
      status: 500,
      cause: { message: 'socket hang up' },
    })
  })
})
