import { describe, expect, it } from 'vitest'
import type { RemainingReq } from './errors.js'
import { createRateLimiter, type RateLimiter } from './rate-limiter.js'
import { looseObjectSchema } from './schemas.js'
import { createTransport } from './transport.js'

/** The real limiter, with its calls recorded. */
function recordingLimiter(): { limiter: RateLimiter; updates: Array<[string, RemainingReq]>; acquired: string[] } {
  const real = createRateLimiter({ enabled: false })
  const updates: Array<[string, RemainingReq]> = []
  const acquired: string[] = []
  return {
    updates,
    acquired,
    limiter: {
      ...real,
      maxRetries429: real.maxRetries429,
      tryAcquire: (group, signal) => {
        acquired.push(group)
        return real.tryAcquire(group, signal)
      },
      update: (group, remaining) => {
        updates.push([group, remaining])
        real.update(group, remaining)
      },
    },
  }
}

describe('Remaining-Req group', () => {
  it("the budget update goes to the group Upbit named, and later calls of that endpoint queue in Upbit's group", async () => {
    const { limiter, updates, acquired } = recordingLimiter()
    const transport = createTransport({
      baseUrl: 'https://api.upbit.test',
      fetch: async (url) =>
        new Response('{}', {
          headers: {
            'remaining-req': String(url).includes('/v1/status/wallet')
              ? 'group=status-wallet; min=1800; sec=7'
              : 'group=default; sec=29',
          },
        }),
      timeoutMs: 1000,
      keys: undefined,
      jwtAlgorithm: 'HS256',
      limiter,
      retry: {},
      hooks: {},
    })
    const call = (path: string) =>
      transport.call({ method: 'GET', path, group: 'default', auth: false, schema: looseObjectSchema })
    await call('/v1/status/wallet')
    await call('/v1/status/wallet')
    await call('/v1/accounts')
    expect(updates.map(([group, r]) => `${group}:${r.sec}`)).toEqual(['status-wallet:7', 'status-wallet:7', 'default:29'])
    expect(acquired).toEqual(['default', 'status-wallet', 'default'])
  })
})
