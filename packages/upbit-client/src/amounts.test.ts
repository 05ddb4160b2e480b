import Big from 'big.js'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { exactAmount } from './amounts.js'
import { createUpbitClient, type UpbitClient } from './client.js'
import { UpbitDecimalError } from './errors.js'

describe('exactAmount: the one gate for amounts', () => {
  it.each([
    ['0.001', '0.001'],
    ['50000000', '50000000'],
    ['1.50', '1.5'],
    [0.001, '0.001'],
    [1e-7, '0.0000001'],
    [45_000_000, '45000000'],
    [10n, '10'],
    [new Big('0.00012345'), '0.00012345'],
  ] as const)('accepts %s as %s', (input, wire) => {
    expect(exactAmount('m', 'f', input, { decimals: 8 })).toBe(wire)
  })

  it.each([
    ['1e-8', 'not a plain decimal'],
    ['abc', 'not a plain decimal'],
    ['', 'not a plain decimal'],
    [' 1', 'not a plain decimal'],
    ['-1', 'not a plain decimal'],
    ['+1', 'not a plain decimal'],
    ['1,000', 'not a plain decimal'],
    ['0x10', 'not a plain decimal'],
    [0.1 + 0.2, 'not exact'],
    [1.123456789, '9 decimals'],
    ['0.000000001', '9 decimals'],
    [Number.NaN, 'not a finite number'],
    [Number.POSITIVE_INFINITY, 'not a finite number'],
    [-1, 'negative'],
    [2 ** 60, 'not exact'],
    ['0', 'greater than zero'],
    [0, 'greater than zero'],
  ] as const)('error: rejects %j (%s) naming method and field', (input, why) => {
    const error = (() => {
      try {
        exactAmount('withdrawCoin', 'amount', input, { decimals: 8 })
      } catch (e) {
        return e as UpbitDecimalError
      }
    })()
    expect(error).toBeInstanceOf(UpbitDecimalError)
    expect(error!.message).toContain('withdrawCoin: amount')
    expect(error!.message).toContain(why)
    expect(error!.method).toBe('withdrawCoin')
    expect(error!.field).toBe('amount')
  })

  it('KRW amounts are whole won', () => {
    expect(() => exactAmount('withdrawKrw', 'amount', '10000.5', { decimals: 0 })).toThrow('at most 0')
    expect(exactAmount('withdrawKrw', 'amount', '10000.000', { decimals: 0 })).toBe('10000')
  })
})

/** Methods with a parameter that can hold a `Big`, i.e. a `DecimalInput` amount, read from `UpbitClient`'s own types. */
type HasAmount<P> = P extends object
  ? { [K in keyof P]-?: Big extends P[K] ? K : never }[keyof P] extends never
    ? false
    : true
  : false
type AmountMethods = {
  [K in keyof UpbitClient]: UpbitClient[K] extends (p: infer P, ...rest: never[]) => unknown
    ? true extends HasAmount<P>
      ? K
      : never
    : never
}[keyof UpbitClient]

/** Every method with an amount field, how to call it, and its amount fields with the wire name each lands in. */
const AMOUNT_METHODS: {
  [K in AmountMethods]: {
    fields: Record<string, string>
    call: (c: UpbitClient, amounts: Record<string, unknown>) => Promise<unknown>
  }
} = {
  getOrderbook: { fields: { level: 'level' }, call: (c, a) => c.getOrderbook({ markets: ['KRW-BTC'], ...a } as never) },
  createOrder: {
    fields: { price: 'price', volume: 'volume' },
    call: (c, a) => c.createOrder({ market: 'KRW-BTC', side: 'bid', ordType: 'limit', price: '1', volume: '1', ...a } as never),
  },
  testOrder: {
    fields: { price: 'price', volume: 'volume' },
    call: (c, a) => c.testOrder({ market: 'KRW-BTC', side: 'bid', ordType: 'limit', price: '1', volume: '1', ...a } as never),
  },
  cancelAndNewOrder: {
    fields: { newVolume: 'new_volume', newPrice: 'new_price' },
    call: (c, a) => c.cancelAndNewOrder({ prevOrderUuid: 'u', newOrdType: 'limit', ...a } as never),
  },
  withdrawCoin: {
    fields: { amount: 'amount' },
    call: (c, a) => c.withdrawCoin({ currency: 'BTC', netType: 'BTC', address: 'addr', amount: '1', ...a } as never),
  },
  withdrawKrw: {
    fields: { amount: 'amount' },
    call: (c, a) => c.withdrawKrw({ twoFactorType: 'kakao', amount: '1', ...a } as never),
  },
  depositKrw: {
    fields: { amount: 'amount' },
    call: (c, a) => c.depositKrw({ twoFactorType: 'kakao', amount: '1', ...a } as never),
  },
  transferBetweenPockets: {
    fields: { amount: 'amount' },
    call: (c, a) => c.transferBetweenPockets({ to: 'p2', currency: 'BTC', amount: '1', ...a } as never),
  },
  transferFromPocket: {
    fields: { amount: 'amount' },
    call: (c, a) => c.transferFromPocket({ currency: 'BTC', amount: '1', ...a } as never),
  },
}

function recordingClient() {
  const sent: Array<{ url: string; body: string | undefined }> = []
  const client = createUpbitClient({
    accessKey: 'a',
    secretKey: 's',
    orderChecks: false,
    rateLimit: { enabled: false },
    retry: { retries: 0 },
    fetch: async (url, init) => {
      sent.push({ url: String(url), body: typeof init?.body === 'string' ? init.body : undefined })
      return new Response(JSON.stringify({ error: { name: 'validation_error', message: 'stop here' } }), { status: 400 })
    },
  })
  return { client, sent }
}

describe('every method with an amount field passes the gate', () => {
  it('the table lists exactly the methods whose parameters hold a DecimalInput (checked by the type checker)', () => {
    expectTypeOf<keyof typeof AMOUNT_METHODS>().toEqualTypeOf<AmountMethods>()
    const { client } = recordingClient()
    for (const method of Object.keys(AMOUNT_METHODS)) expect(typeof client[method as keyof UpbitClient]).toBe('function')
    expect(Object.keys(AMOUNT_METHODS).sort()).toEqual([
      'cancelAndNewOrder',
      'createOrder',
      'depositKrw',
      'getOrderbook',
      'testOrder',
      'transferBetweenPockets',
      'transferFromPocket',
      'withdrawCoin',
      'withdrawKrw',
    ])
  })

  const cases = Object.entries(AMOUNT_METHODS).flatMap(([method, spec]) =>
    Object.entries(spec.fields).map(([field, wire]) => [method, field, wire, spec.call] as const),
  )
  const bad: unknown[] = ['1e-8', 'abc', 0.1 + 0.2, '0.000000001', 1.123456789, Number.NaN, -5, '1e-7']

  it.each(cases)(
    '%s.%s: malformed, exponent and float-artefact amounts never reach the wire',
    async (method, field, _wire, call) => {
      const { client, sent } = recordingClient()
      for (const value of bad) {
        const error = await call(client, { [field]: value }).catch((e: unknown) => e)
        expect(error, `${method}.${field} = ${String(value)}`).toBeInstanceOf(UpbitDecimalError)
        expect((error as UpbitDecimalError).method).toBe(method)
        expect((error as UpbitDecimalError).field).toBe(field)
      }
      expect(sent).toEqual([])
    },
  )

  it.each(cases)('%s.%s: an exact amount is sent as the plain decimal string', async (_method, field, wire, call) => {
    const { client, sent } = recordingClient()
    await call(client, { [field]: field === 'level' ? 1000 : new Big('3.0') }).catch(() => undefined)
    expect(sent).toHaveLength(1)
    const request = sent[0]!
    const value = request.body ? JSON.parse(request.body)[wire] : new URL(request.url).searchParams.get(wire)
    expect(value).toBe(field === 'level' ? '1000' : '3')
  })
})
