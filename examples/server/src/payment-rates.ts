/**
 * `PAYMENT_RATES`: where fiat prices get their rate. `upbit` (Upbit's KRW-BCH last trade, through
 * `@tradekit/upbit-client`), fixed rates `KRW=650000,USD=480.50`, or both (`upbit,USD=480.50`: KRW from Upbit,
 * USD fixed). Empty: no fiat prices.
 */
import {
  createFixedRateProvider,
  createUpbitRateProvider,
  type FiatCurrency,
  isFiatCurrency,
  type RateProvider,
  ratesByCurrency,
} from '@tradekit/electroncash-rpc'
import { createUpbitClient, type UpbitClientOptions } from '@tradekit/upbit-client'
import { ServerConfigError } from './errors.js'

export function ratesFromSetting(text: string | undefined, upbit: UpbitClientOptions = {}): RateProvider | undefined {
  if (text === undefined || text.trim() === '') return undefined
  const providers: Partial<Record<FiatCurrency, RateProvider>> = {}
  const fixed: Partial<Record<FiatCurrency, string>> = {}
  for (const part of text.split(',').map((item) => item.trim())) {
    if (part === 'upbit') {
      providers.KRW = createUpbitRateProvider(createUpbitClient(upbit))
      continue
    }
    const [currency, rate] = part.split('=').map((item) => item.trim())
    if (!isFiatCurrency(currency) || !rate || !/^\d{1,15}(\.\d{1,8})?$/.test(rate)) {
      throw new ServerConfigError(
        `PAYMENT_RATES: "${part.slice(0, 40)}" is neither "upbit" nor CURRENCY=RATE (KRW or USD per 1 BCH, e.g. KRW=650000).`,
      )
    }
    fixed[currency] = rate
  }
  const fixedProvider = Object.keys(fixed).length > 0 ? createFixedRateProvider(fixed) : undefined
  for (const currency of Object.keys(fixed) as FiatCurrency[]) providers[currency] = fixedProvider!
  return ratesByCurrency(providers)
}
