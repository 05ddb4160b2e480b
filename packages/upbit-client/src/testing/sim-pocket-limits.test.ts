import { describe, expect, it } from 'vitest'
import { createUpbitClient } from '../client.js'
import { startUpbitSimulator } from './simulator.js'

// A budget no test can refill by running slowly: 2 orders per minute.
const rateLimit = { budgets: { order: { limit: 2, intervalMs: 60_000 } } }
const order = { market: 'KRW-BTC', side: 'bid', ordType: 'limit', price: '90000000', volume: '0.0001' } as const

describe('simulator: limits per pocket', () => {
  it('every key and connection of one pocket draws from one budget; another pocket has its own', async () => {
    const sim = await startUpbitSimulator({
      rateLimit,
      apiKeys: [
        { accessKey: 'second-key', secretKey: 'second-secret' },
        { accessKey: 'sub-key', secretKey: 'sub-secret', pocket: 'sub' },
      ],
    })
    try {
      // Each client has its own connections and no limiter of its own: only the simulator counts.
      const client = (accessKey: string, secretKey: string) =>
        createUpbitClient({
          baseUrl: sim.baseUrl,
          accessKey,
          secretKey,
          orderChecks: false,
          rateLimit: { enabled: false, maxRetries429: 0 },
        })
      const main = client(sim.accessKey, sim.secretKey)
      const second = client('second-key', 'second-secret')
      const sub = client('sub-key', 'sub-secret')
      await main.createOrder(order)
      await second.createOrder(order)
      await expect(second.createOrder(order)).rejects.toMatchObject({ name: 'UpbitRateLimitError', status: 429 })
      await expect(main.createOrder(order)).rejects.toMatchObject({ name: 'UpbitRateLimitError', status: 429 })
      await sub.createOrder(order)
      await sub.createOrder(order)
      expect(sim.stats().byStatus[429]).toBe(2)
    } finally {
      await sim.close()
    }
  })

  it('error: a key the simulator does not know is refused with invalid_access_key, as before', async () => {
    const sim = await startUpbitSimulator({ apiKeys: [{ accessKey: 'known', secretKey: 'known-secret' }] })
    try {
      const stranger = createUpbitClient({ baseUrl: sim.baseUrl, accessKey: 'stranger', secretKey: 'x' })
      await expect(stranger.getAccounts()).rejects.toMatchObject({ name: 'UpbitAuthError', errorName: 'invalid_access_key' })
      // A known extra key signs with its own secret, not the simulator's.
      const wrongSecret = createUpbitClient({ baseUrl: sim.baseUrl, accessKey: 'known', secretKey: sim.secretKey })
      await expect(wrongSecret.getAccounts()).rejects.toMatchObject({ name: 'UpbitAuthError', errorName: 'jwt_verification' })
      const known = createUpbitClient({ baseUrl: sim.baseUrl, accessKey: 'known', secretKey: 'known-secret' })
      expect((await known.getAccounts())[0]?.currency).toBe('KRW')
    } finally {
      await sim.close()
    }
  })

  it('error: the same access key given twice is refused', async () => {
    await expect(startUpbitSimulator({ accessKey: 'dup', apiKeys: [{ accessKey: 'dup', secretKey: 'x' }] })).rejects.toThrow(
      /given twice/,
    )
  })
})
