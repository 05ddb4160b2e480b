import { createUpbitClient } from '@tradekit/upbit-client'
import { startUpbitSimulator } from '@tradekit/upbit-client/testing'
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import { fiatToSats } from './amount.js'
import { RateError } from './payment-errors.js'
import { createFixedRateProvider, createUpbitRateProvider, ratesByCurrency, type UpbitTickerSource } from './rates.js'

const START = Date.UTC(2026, 0, 1)
const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

async function simulator(price: string) {
  const sim = await startUpbitSimulator({ markets: { 'KRW-BCH': () => price, 'KRW-BTC': () => '100000000' }, startTime: START })
  closers.push(() => sim.close())
  return sim
}

describe('rate providers', () => {
  it('fixed: the configured rates, normalised, named in each quote', async () => {
    const rates = createFixedRateProvider({ KRW: '650000', USD: '480.50' }, { now: () => 5 })
    expect(await rates.rate('USD')).toEqual({ currency: 'USD', rate: '480.5', source: 'fixed', quotedAt: 5 })
    await expect(rates.rate('KRW')).resolves.toMatchObject({ rate: '650000' })
  })

  it('error: fixed: a currency it was not given, or a rate that is not a price', async () => {
    await expect(createFixedRateProvider({ KRW: '650000' }).rate('USD')).rejects.toBeInstanceOf(RateError)
    await expect(createFixedRateProvider({ KRW: '650000' }).rate('USD')).rejects.toThrow(
      /has no USD rate; configure one \(it has KRW\)/,
    )
    expect(() => createFixedRateProvider({ KRW: '0' })).toThrow(/not a positive KRW price/)
  })

  it("upbit: KRW from the KRW-BCH ticker of Upbit's simulator, through @tradekit/upbit-client", async () => {
    const sim = await simulator('651500')
    const client = createUpbitClient({ baseUrl: sim.baseUrl })
    const rates = createUpbitRateProvider(client, { now: () => START + 1_000 })
    const quote = await rates.rate('KRW')
    expect(quote).toEqual({ currency: 'KRW', rate: '651500', source: 'upbit', quotedAt: START })
    expect(fiatToSats('10000', 'KRW', quote.rate)).toBe(1_534_920n)
    sim.setPrice('KRW-BCH', '702000')
    expect((await rates.rate('KRW')).rate).toBe('702000')
  })

  it("the upbit-client's client fits the provider's structural type (no runtime dependency on it)", () => {
    expectTypeOf(createUpbitClient).returns.toExtend<UpbitTickerSource>()
  })

  it('error: upbit: USD, a stale quote, a failing API and a missing market are RateErrors that say what to do', async () => {
    const sim = await simulator('651500')
    const client = createUpbitClient({ baseUrl: sim.baseUrl })
    await expect(createUpbitRateProvider(client, { now: () => START }).rate('USD')).rejects.toThrow(
      /not USD; use another rate provider/,
    )
    const late = createUpbitRateProvider(client, { now: () => START + 10 * 60_000 })
    await expect(late.rate('KRW')).rejects.toThrow(/last KRW-BCH trade is 600 s old \(limit 300 s\)/)
    sim.injectFault({ path: '/v1/ticker', kind: 'status-before', status: 500, times: 5 })
    const failing = createUpbitRateProvider(client, { now: () => START })
    const error = await failing.rate('KRW').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RateError)
    expect((error as Error).message).toMatch(/Upbit did not give the KRW-BCH ticker/)
    const empty: UpbitTickerSource = { getTicker: async () => [] }
    await expect(createUpbitRateProvider(empty).rate('KRW')).rejects.toThrow(/without a KRW-BCH ticker/)
  })

  it('by currency: KRW from one provider, USD from another', async () => {
    const rates = ratesByCurrency({
      KRW: createFixedRateProvider({ KRW: '650000' }, { name: 'a' }),
      USD: createFixedRateProvider({ USD: '480' }, { name: 'b' }),
    })
    expect(rates.name).toBe('a+b')
    expect((await rates.rate('USD')).source).toBe('b')
    await expect(ratesByCurrency({}).rate('KRW')).rejects.toThrow(/No rate provider is configured for KRW/)
  })
})
