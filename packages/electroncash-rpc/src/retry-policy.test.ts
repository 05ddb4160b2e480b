import { describe, expect, it } from 'vitest'
import { createElectronCashClient } from './client.js'
import { RETRY_SAFETY, retrySafety } from './retry-policy.js'
import { answering, failingFetch } from './test-support/failing-fetch.js'

/** A fetch that fails once with the given system error, then answers a JSON-RPC success. */
const failingOnce = (code: string) => failingFetch([code], answering(null))

const client = (fetch: typeof globalThis.fetch) =>
  createElectronCashClient({
    url: 'http://127.0.0.1:7777',
    username: 'u',
    password: 'p',
    env: {},
    fetch,
    retry: { retries: 1, minDelayMs: 0, maxDelayMs: 0, jitter: false },
  })

describe('retry classification table: one test per method', () => {
  it.each(Object.entries(RETRY_SAFETY))(
    '%s is %s: repeated after a reset only if safe, always after a refusal',
    async (method, safety) => {
      const reset = failingOnce('ECONNRESET')
      const afterReset = await client(reset.fetch)
        .call(method, [])
        .then(() => 'ok')
        .catch((e: Error) => e.name)
      expect({ afterReset, sends: reset.calls() }).toEqual(
        safety === 'safe' ? { afterReset: 'ok', sends: 2 } : { afterReset: 'ConnectionError', sends: 1 },
      )

      const refused = failingOnce('ECONNREFUSED')
      expect(await client(refused.fetch).call(method, [])).toBeNull()
      expect(refused.calls()).toBe(2)
    },
  )

  it('treats methods it does not know as unsafe', () => {
    expect(retrySafety('some_future_command')).toBe('unsafe')
  })
})
