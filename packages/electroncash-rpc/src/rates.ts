/**
 * Rate providers: where the BCH price of a fiat currency comes from when an invoice is priced in KRW or USD. The
 * watcher asks once, at creation, and stores the rate with the invoice (the price is locked).
 */
import { type FiatCurrency, rateToDecimal } from './amount.js'
import { RateError } from './payment-errors.js'

/** A quote: fiat per 1 BCH as a decimal string. */
export interface Rate {
  currency: FiatCurrency
  /** Fiat per 1 BCH, decimal string. */
  rate: string
  /** The provider's name, stored with the invoice. */
  source: string
  /** When the quote was made, Unix milliseconds. */
  quotedAt: number
}

export interface RateProvider {
  /** Stored with each invoice priced through it. */
  readonly name: string
  /** The current rate for `currency`; rejects with `RateError` when it has none. */
  rate(currency: FiatCurrency): Promise<Rate>
}

/**
 * A provider with fixed rates (demos, tests, or a merchant who sets the price by hand), e.g.
 * `createFixedRateProvider({ KRW: '650000', USD: '480.50' })`.
 */
export function createFixedRateProvider(
  rates: Partial<Record<FiatCurrency, string>>,
  options: { name?: string; now?: () => number } = {},
): RateProvider {
  const name = options.name ?? 'fixed'
  const now = options.now ?? Date.now
  const table = new Map<FiatCurrency, string>()
  for (const [currency, rate] of Object.entries(rates) as [FiatCurrency, string][]) {
    table.set(currency, rateToDecimal(rate, currency))
  }
  return {
    name,
    async rate(currency) {
      const rate = table.get(currency)
      if (rate === undefined) {
        throw new RateError(
          `The ${name} rate provider has no ${currency} rate; configure one (it has ${[...table.keys()].join(', ') || 'none'}).`,
          {
            provider: name,
            currency,
          },
        )
      }
      return { currency, rate, source: name, quotedAt: now() }
    },
  }
}

/**
 * The part of an Upbit client the Upbit provider uses: `getTicker` as `@tradekit/upbit-client` has it. Typed
 * structurally, so this package does not depend on the Upbit client; pass `createUpbitClient()` (or its simulator's).
 */
export interface UpbitTickerSource {
  getTicker(params: { markets: string[] }): Promise<readonly { market: string; trade_price: number; timestamp: number }[]>
}

/**
 * Rates from Upbit's last trade price: KRW from the `KRW-BCH` ticker. Upbit quotes no USD market for BCH, so USD
 * is refused (route USD to another provider with `ratesByCurrency`). A quote older than `maxAgeMs` (default 5 min)
 * is refused rather than locked into an invoice.
 */
export function createUpbitRateProvider(
  source: UpbitTickerSource,
  options: { maxAgeMs?: number; now?: () => number } = {},
): RateProvider {
  const maxAgeMs = options.maxAgeMs ?? 5 * 60_000
  const now = options.now ?? Date.now
  const name = 'upbit'
  return {
    name,
    async rate(currency) {
      if (currency !== 'KRW') {
        throw new RateError(
          `Upbit lists BCH only against KRW here, not ${currency}; use another rate provider for ${currency}.`,
          {
            provider: name,
            currency,
          },
        )
      }
      let tickers: Awaited<ReturnType<UpbitTickerSource['getTicker']>>
      try {
        tickers = await source.getTicker({ markets: ['KRW-BCH'] })
      } catch (error) {
        throw new RateError(`Upbit did not give the KRW-BCH ticker (${(error as Error).message}); try again later.`, {
          provider: name,
          currency,
          cause: error,
        })
      }
      const ticker = tickers.find((entry) => entry.market === 'KRW-BCH')
      if (!ticker) throw new RateError('Upbit answered without a KRW-BCH ticker; try again later.', { provider: name, currency })
      if (now() - ticker.timestamp > maxAgeMs) {
        throw new RateError(
          `Upbit's last KRW-BCH trade is ${Math.round((now() - ticker.timestamp) / 1000)} s old (limit ${maxAgeMs / 1000} s); not locking a stale price.`,
          { provider: name, currency },
        )
      }
      let rate: string
      try {
        rate = rateToDecimal(ticker.trade_price, currency)
      } catch (error) {
        throw new RateError(`Upbit's KRW-BCH trade price ${ticker.trade_price} is not a price.`, {
          provider: name,
          currency,
          cause: error,
        })
      }
      return { currency, rate, source: name, quotedAt: ticker.timestamp }
    },
  }
}

/** One provider per currency, e.g. `ratesByCurrency({ KRW: upbit, USD: fixed })`. */
export function ratesByCurrency(providers: Partial<Record<FiatCurrency, RateProvider>>): RateProvider {
  const names = [...new Set(Object.values(providers).map((provider) => provider.name))]
  return {
    name: names.join('+') || 'none',
    async rate(currency) {
      const provider = providers[currency]
      if (!provider) {
        throw new RateError(`No rate provider is configured for ${currency}.`, { provider: 'none', currency })
      }
      return provider.rate(currency)
    },
  }
}
