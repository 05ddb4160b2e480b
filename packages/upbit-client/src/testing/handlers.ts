/**
 * msw handlers answering Upbit's REST API with fixtures, for tests of request shapes. Exchange routes check that
 * a Bearer token is present; for signature-exact behaviour use `startUpbitSimulator`.
 */
import type { HttpHandler } from 'msw'
import { upbitFixtures } from './fixtures.js'

export interface UpbitHandlersOptions {
  /** Host to intercept. Default `'https://api.upbit.com'`. */
  baseUrl?: string
  /** Replace fixtures, e.g. `{ accounts: [] }`. Default: `upbitFixtures`. */
  fixtures?: Partial<{ [K in keyof typeof upbitFixtures]: unknown }>
}

const remaining = (group: string) => ({ headers: { 'remaining-req': `group=${group}; min=1800; sec=9` } })

/**
 * Handlers for the common endpoints; combine with your own `http.*` overrides. Async because msw is an optional
 * peer dependency, loaded only here: `setupServer(...(await createUpbitHandlers()))`.
 */
export async function createUpbitHandlers(options: UpbitHandlersOptions = {}): Promise<HttpHandler[]> {
  const { HttpResponse, http } = await import('msw')
  const unauthorized = () =>
    HttpResponse.json({ error: { name: 'no_authorization_token', message: 'Authorization token is missing.' } }, { status: 401 })
  const base = (options.baseUrl ?? 'https://api.upbit.com').replace(/\/+$/, '')
  const f = { ...upbitFixtures, ...options.fixtures }
  const authed =
    (answer: () => unknown) =>
    ({ request }: { request: Request }) =>
      request.headers.get('authorization')?.startsWith('Bearer ')
        ? HttpResponse.json(answer() as object, remaining('default'))
        : unauthorized()
  return [
    http.get(`${base}/v1/market/all`, () => HttpResponse.json(f.markets as object, remaining('market'))),
    http.get(`${base}/v1/candles/*`, ({ request }) => {
      const count = Number(new URL(request.url).searchParams.get('count') ?? 1)
      return HttpResponse.json(
        Array.from({ length: count }, () => f.candle),
        remaining('candle'),
      )
    }),
    http.get(`${base}/v1/ticker`, () => HttpResponse.json([f.ticker], remaining('ticker'))),
    http.get(`${base}/v1/orderbook`, () => HttpResponse.json([f.orderbook], remaining('orderbook'))),
    http.get(`${base}/v1/orderbook/instruments`, () => HttpResponse.json([f.instrument], remaining('orderbook'))),
    http.get(
      `${base}/v1/accounts`,
      authed(() => f.accounts),
    ),
    http.get(
      `${base}/v1/order`,
      authed(() => f.order),
    ),
    http.post(
      `${base}/v1/orders`,
      authed(() => f.order),
    ),
    http.delete(
      `${base}/v1/order`,
      authed(() => f.order),
    ),
    http.get(
      `${base}/v1/pockets`,
      authed(() => f.pockets),
    ),
    http.get(
      `${base}/v1/pockets/assets`,
      authed(() => f.pocketAssets),
    ),
    http.post(
      `${base}/v1/pockets/universal_transfers`,
      authed(() => f.pocketTransfer),
    ),
    http.get(
      `${base}/v1/pockets/universal_transfers`,
      authed(() => [f.pocketTransfer]),
    ),
  ]
}
