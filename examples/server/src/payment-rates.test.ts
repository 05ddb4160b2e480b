import { startUpbitSimulator } from '@tradekit/upbit-client/testing'
import { describe, expect, it } from 'vitest'
import { configFromEnv } from './config.js'
import { ServerConfigError } from './errors.js'
import { ratesFromSetting } from './payment-rates.js'

describe('PAYMENT_RATES', () => {
  it('fixed rates, Upbit, or both (KRW from Upbit, USD fixed); empty means no fiat prices', async () => {
    expect(ratesFromSetting(undefined)).toBeUndefined()
    const fixed = ratesFromSetting('KRW=650000, USD=480.50')!
    expect(await fixed.rate('USD')).toMatchObject({ rate: '480.5', source: 'fixed' })
    expect(ratesFromSetting('upbit,USD=480')!.name).toBe('upbit+fixed')
  })

  it("upbit: KRW from the KRW-BCH ticker (against Upbit's simulator)", async () => {
    const sim = await startUpbitSimulator({ markets: { 'KRW-BCH': () => '651500' }, startTime: Date.now() })
    try {
      const rates = ratesFromSetting('upbit', { baseUrl: sim.baseUrl })!
      expect(await rates.rate('KRW')).toMatchObject({ rate: '651500', source: 'upbit' })
      await expect(rates.rate('USD')).rejects.toThrow(/No rate provider is configured for USD/)
    } finally {
      await sim.close()
    }
  })

  it.each(['EUR=1', 'KRW=', 'KRW=abc', 'coingecko'])('error: %s stops start-up naming PAYMENT_RATES', (value) => {
    const env = { API_TOKEN: 'token-from-env-0123456789', ELECTRONCASH_URL: 'http://e:7777', PAYMENT_RATES: value }
    expect(() => configFromEnv(env)).toThrow(ServerConfigError)
    expect(() => configFromEnv(env)).toThrow(/^PAYMENT_RATES: /)
  })
})

describe('PAYMENT_NOTIFY_URL', () => {
  const env = { API_TOKEN: 'token-from-env-0123456789', ELECTRONCASH_URL: 'http://e:7777' }

  it("is the daemon's notify callback: an http(s) URL ending in /payments/daemon-notify/<secret>", () => {
    const url = 'http://10.0.0.5:8001/payments/daemon-notify/s3cret-path-0123456789'
    expect(configFromEnv({ ...env, PAYMENT_NOTIFY_URL: url }).payments?.notifyUrl).toBe(url)
  })

  it.each([
    'http://10.0.0.5:8001/hooks',
    'http://10.0.0.5:8001/payments/daemon-notify/short',
    'ftp://h/payments/daemon-notify/0123456789abcdef',
  ])('error: %s stops start-up naming PAYMENT_NOTIFY_URL', (value) => {
    expect(() => configFromEnv({ ...env, PAYMENT_NOTIFY_URL: value })).toThrow(/PAYMENT_NOTIFY_URL/)
  })
})
