import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createUpbitClient, type UpbitClient } from '../client.js'
import { UpbitResponseError } from '../errors.js'

const base = 'https://api.upbit.com'
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const seen: Array<{ method: string; path: string; query: string; body: unknown }> = []
const groups: string[] = []
const client = createUpbitClient({
  accessKey: 'ak',
  secretKey: 'sk',
  rateLimit: { enabled: false },
  // msw patches globalThis.fetch in beforeAll, after this client is built: look it up per call.
  fetch: (input, init) => globalThis.fetch(input, init),
  hooks: { onRequest: (info) => groups.push(info.group) },
})

/** Answers `method path` with `body`, recording what the client sent. */
function answer(method: 'get' | 'post', path: string, body: unknown) {
  server.use(
    http[method](`${base}${path}`, async ({ request }) => {
      const url = new URL(request.url)
      seen.push({
        method: request.method,
        path: url.pathname,
        query: url.search,
        body: request.method === 'POST' ? await request.json() : undefined,
      })
      return HttpResponse.json(body as object, { headers: { 'remaining-req': 'group=default; min=1800; sec=29' } })
    }),
  )
}

const withdrawChance = {
  member_level: { security_level: 3, fee_level: 0, locked: false, wallet_locked: false },
  currency: {
    code: 'BTC',
    withdraw_fee: '0.0005',
    is_coin: true,
    wallet_state: 'working',
    wallet_support: ['deposit', 'withdraw'],
  },
  account: {
    currency: 'BTC',
    balance: '1.0',
    locked: '0.0',
    avg_buy_price: '0',
    avg_buy_price_modified: false,
    unit_currency: 'KRW',
  },
  withdraw_limit: {
    currency: 'BTC',
    minimum: '0.001',
    onetime: '10',
    daily: '10',
    remaining_daily: '10',
    fixed: 8,
    can_withdraw: true,
  },
}
const depositAddress = { currency: 'BTC', net_type: 'BTC', deposit_address: '3Fabc', secondary_address: null }

/** The nine deposit/withdraw/travel-rule methods that used to return untyped objects: a sample and a broken body each. */
const typed: Array<[string, 'get' | 'post', string, unknown, unknown, (c: UpbitClient) => Promise<unknown>]> = [
  [
    'getWithdrawChance',
    'get',
    '/v1/withdraws/chance',
    withdrawChance,
    { ...withdrawChance, account: {} },
    (c) => c.getWithdrawChance({ currency: 'BTC', netType: 'BTC' }),
  ],
  [
    'getWithdrawAddresses',
    'get',
    '/v1/withdraws/coin_addresses',
    [{ currency: 'BTC', net_type: 'BTC', withdraw_address: 'bc1q', secondary_address: null }],
    [{ currency: 'BTC' }],
    (c) => c.getWithdrawAddresses(),
  ],
  [
    'getDepositChance',
    'get',
    '/v1/deposits/chance/coin',
    {
      currency: 'BTC',
      net_type: 'BTC',
      is_deposit_possible: true,
      deposit_impossible_reason: null,
      minimum_deposit_amount: '0.0001',
      minimum_deposit_confirmations: 2,
      decimal_precision: 8,
    },
    { currency: 'BTC' },
    (c) => c.getDepositChance({ currency: 'BTC', netType: 'BTC' }),
  ],
  [
    'generateDepositAddress',
    'post',
    '/v1/deposits/generate_coin_address',
    { success: true, message: 'creating' },
    { success: 'yes' },
    (c) => c.generateDepositAddress({ currency: 'BTC', netType: 'BTC' }),
  ],
  [
    'getDepositAddresses',
    'get',
    '/v1/deposits/coin_addresses',
    [depositAddress],
    [{ deposit_address: 1 }],
    (c) => c.getDepositAddresses(),
  ],
  [
    'getDepositAddress',
    'get',
    '/v1/deposits/coin_address',
    depositAddress,
    { currency: 'BTC' },
    (c) => c.getDepositAddress({ currency: 'BTC', netType: 'BTC' }),
  ],
  [
    'getTravelRuleVasps',
    'get',
    '/v1/travel_rule/vasps',
    [{ vasp_name: 'Binance', vasp_uuid: 'v-1', depositable: true, withdrawable: false }],
    [{ vasp_name: 'x' }],
    (c) => c.getTravelRuleVasps(),
  ],
  [
    'verifyTravelRuleByUuid',
    'post',
    '/v1/travel_rule/deposit/uuid',
    { deposit_uuid: 'd-1', verification_result: 'verified', deposit_state: 'ACCEPTED' },
    { deposit_uuid: 'd-1' },
    (c) => c.verifyTravelRuleByUuid({ depositUuid: 'd-1', vaspUuid: 'v-1' }),
  ],
  [
    'verifyTravelRuleByTxid',
    'post',
    '/v1/travel_rule/deposit/txid',
    { deposit_uuid: 'd-1', verification_result: 'failed', deposit_state: 'TRAVEL_RULE_SUSPECTED' },
    {},
    (c) => c.verifyTravelRuleByTxid({ vaspUuid: 'v-1', txid: 'tx', currency: 'BTC', netType: 'BTC' }),
  ],
]

describe('typed deposit, withdraw and travel-rule responses', () => {
  it.each(typed)('%s: parses the documented shape', async (_name, method, path, good, _bad, call) => {
    answer(method, path, good)
    expect(await call(client)).toEqual(good)
  })

  it.each(typed)(
    'error: %s with a body missing documented fields is an UpbitResponseError',
    async (_name, method, path, _good, bad, call) => {
      answer(method, path, bad)
      await expect(call(client)).rejects.toBeInstanceOf(UpbitResponseError)
    },
  )
})

describe('number types Upbit switched to in SDK 1.2', () => {
  it.each([7_654_321, '7654321'])('status/wallet block_height %j comes out as the number 7654321', async (height) => {
    answer('get', '/v1/status/wallet', [
      { currency: 'BTC', wallet_state: 'working', block_state: 'normal', block_height: height, net_type: 'BTC' },
    ])
    const [status] = await client.getWalletStatus()
    expect(status!.block_height).toBe(7_654_321)
  })

  it.each([8, '8'])('withdraws/chance withdraw_limit.fixed %j comes out as the number 8', async (fixed) => {
    answer('get', '/v1/withdraws/chance', { ...withdrawChance, withdraw_limit: { ...withdrawChance.withdraw_limit, fixed } })
    const chance = await client.getWithdrawChance({ currency: 'BTC', netType: 'BTC' })
    expect(chance.withdraw_limit.fixed).toBe(8)
  })
})

describe('pocket API', () => {
  const transfer = {
    uuid: 't-1',
    identifier: 'move-1',
    from: 'p-main',
    to: 'p-sub',
    currency: 'KRW',
    amount: '100000',
    state: 'submitted',
    created_at: '2026-06-02T10:00:00+09:00',
  }

  it('lists pockets, their keys and a sub-pocket balance; every call counts in the default group (per pocket)', async () => {
    answer('get', '/v1/pockets', [
      { uuid: 'p-main', name: 'main', type: 'main' },
      { uuid: 'p-sub', name: 'grid bot', type: 'sub' },
    ])
    answer('get', '/v1/pockets/api_keys', [{ access_key: 'ak', expire_at: '2027-06-01T00:00:00+09:00', pocket_uuid: 'p-sub' }])
    answer('get', '/v1/pockets/assets', [
      { currency: 'KRW', balance: '100000', locked: '0', avg_buy_price: '0', unit_currency: 'KRW' },
    ])
    seen.length = 0
    groups.length = 0
    expect((await client.getPockets()).map((p) => p.uuid)).toEqual(['p-main', 'p-sub'])
    expect((await client.getPocketApiKeys())[0]!.pocket_uuid).toBe('p-sub')
    expect((await client.getPocketAssets({ pocketUuid: 'p-sub' }))[0]!.balance).toBe('100000')
    expect(seen.map((s) => `${s.method} ${s.path}${s.query}`)).toEqual([
      'GET /v1/pockets',
      'GET /v1/pockets/api_keys',
      'GET /v1/pockets/assets?uuid=p-sub',
    ])
    expect(groups).toEqual(['default', 'default', 'default'])
  })

  it('transfers between pockets with an exact amount and lists them', async () => {
    answer('post', '/v1/pockets/universal_transfers', transfer)
    answer('post', '/v1/pockets/transfers', { ...transfer, from: 'p-sub', to: 'p-main' })
    answer('get', '/v1/pockets/universal_transfers', [transfer])
    answer('get', '/v1/pockets/transfers', [transfer])
    seen.length = 0
    const moved = await client.transferBetweenPockets({
      from: 'p-main',
      to: 'p-sub',
      currency: 'KRW',
      amount: 100_000,
      identifier: 'move-1',
    })
    expect(moved.state).toBe('submitted')
    await client.transferFromPocket({ currency: 'BTC', amount: '0.00100000' })
    await client.getPocketTransfersAll({ states: ['done', 'failed'], currency: 'KRW' })
    await client.getPocketTransfers({ direction: 'in' })
    expect(seen[0]!.body).toEqual({ from: 'p-main', to: 'p-sub', currency: 'KRW', amount: '100000', identifier: 'move-1' })
    expect(seen[1]!.body).toEqual({ currency: 'BTC', amount: '0.001' })
    expect(decodeURIComponent(seen[2]!.query)).toBe('?currency=KRW&states[]=done&states[]=failed')
    expect(seen[3]!.query).toBe('?direction=in')
  })

  it('error: a KRW transfer of a fraction of a won never reaches the wire', async () => {
    seen.length = 0
    await expect(client.transferBetweenPockets({ to: 'p-sub', currency: 'KRW', amount: '100.5' })).rejects.toThrow(
      'transferBetweenPockets: amount "100.5" has 1 decimals; at most 0',
    )
    expect(seen).toEqual([])
  })
})
