import { createHash } from 'node:crypto'
import Big from 'big.js'
import jwt from 'jsonwebtoken'
import { describe, expect, it } from 'vitest'
import { createToken, encodeParams, prepareRequest } from './signing.js'

const keys = { accessKey: 'test-access', secretKey: 'test-secret-0123456789' }
const sha512 = (text: string) => createHash('sha512').update(text).digest('hex')

function claims(token: string, algorithm: 'HS256' | 'HS512' = 'HS256') {
  return jwt.verify(token, keys.secretKey, { algorithms: [algorithm] }) as Record<string, string>
}

function tokenOf(headers: Record<string, string>): string {
  return headers.authorization!.replace(/^Bearer /, '')
}

describe('encodeParams', () => {
  it('GET arrays become repeated key[]=value, unencoded in the hash and percent-encoded on the wire', () => {
    const encoded = encodeParams('GET', { market: 'KRW-BTC', states: ['wait', 'watch'], limit: 100 })
    expect(encoded.hashString).toBe('market=KRW-BTC&states[]=wait&states[]=watch&limit=100')
    expect(encoded.query).toBe('market=KRW-BTC&states%5B%5D=wait&states%5B%5D=watch&limit=100')
    expect(encoded.body).toBeUndefined()
  })

  it('uuids[] keep their order and a key that already ends in [] is not doubled', () => {
    const encoded = encodeParams('DELETE', { 'uuids[]': ['b-2', 'a-1'], identifiers: ['x'] })
    expect(encoded.hashString).toBe('uuids[]=b-2&uuids[]=a-1&identifiers[]=x')
  })

  it('ISO timestamps keep : and + in the hash but are encoded on the wire', () => {
    const encoded = encodeParams('GET', { start_time: '2026-11-15T09:00:00+09:00', end_time: '2026-11-22T00:00:00Z' })
    expect(encoded.hashString).toBe('start_time=2026-11-15T09:00:00+09:00&end_time=2026-11-22T00:00:00Z')
    expect(encoded.query).toBe('start_time=2026-11-15T09%3A00%3A00%2B09%3A00&end_time=2026-11-22T00%3A00%3A00Z')
    // The server decodes the wire form back to exactly the hashed form.
    const decoded = encoded.query
      .split('&')
      .map((pair) => pair.split('=').map(decodeURIComponent).join('='))
      .join('&')
    expect(decoded).toBe(encoded.hashString)
  })

  it('drops null and undefined from both the hash and the wire', () => {
    const encoded = encodeParams('POST', {
      market: 'KRW-BTC',
      side: 'bid',
      volume: null,
      price: '5000',
      ord_type: 'price',
      identifier: undefined,
    })
    expect(encoded.hashString).toBe('market=KRW-BTC&side=bid&price=5000&ord_type=price')
    expect(encoded.body).toBe('{"market":"KRW-BTC","side":"bid","price":"5000","ord_type":"price"}')
    expect(encoded.body).not.toContain('null')
  })

  it('writes numbers and Big in positional notation, never 1e-7', () => {
    const encoded = encodeParams('POST', { volume: 1e-7, price: new Big('1e21') })
    expect(encoded.hashString).toBe('volume=0.0000001&price=1000000000000000000000')
    expect(JSON.parse(encoded.body!)).toEqual({ volume: '0.0000001', price: '1000000000000000000000' })
  })
})

describe('signed requests', () => {
  const orders = [
    { market: 'KRW-BTC', side: 'bid', volume: '0.01', price: '100000000', ord_type: 'limit', identifier: 'id-1' },
    { market: 'KRW-BTC', side: 'bid', volume: '0.01', price: '100000000', ord_type: 'limit', time_in_force: 'post_only' },
    { market: 'KRW-BTC', side: 'bid', price: '10000', ord_type: 'price', smp_type: 'cancel_maker' },
    { market: 'KRW-BTC', side: 'ask', volume: '0.00012345', ord_type: 'market' },
    { market: 'KRW-BTC', side: 'bid', price: '10000', ord_type: 'best', time_in_force: 'ioc' },
    { market: 'KRW-BTC', side: 'ask', volume: '0.5', ord_type: 'best', time_in_force: 'fok' },
  ]

  it.each(orders)('POST %o hashes the JSON body keys in order as k=v', (order) => {
    const prepared = prepareRequest('POST', '/v1/orders', order, keys)
    const expected = Object.entries(order)
      .map(([k, v]) => `${k}=${v}`)
      .join('&')
    expect(prepared.body).toBe(JSON.stringify(order))
    expect(prepared.headers['content-type']).toBe('application/json; charset=utf-8')
    const payload = claims(tokenOf(prepared.headers))
    expect(payload.query_hash).toBe(sha512(expected))
    expect(payload.query_hash_alg).toBe('SHA512')
    expect(payload.access_key).toBe('test-access')
  })

  it('DELETE by uuid signs the query and sends no body', () => {
    const prepared = prepareRequest('DELETE', '/v1/order', { uuid: 'c1d2' }, keys)
    expect(prepared.pathWithQuery).toBe('/v1/order?uuid=c1d2')
    expect(prepared.body).toBeUndefined()
    expect(claims(tokenOf(prepared.headers)).query_hash).toBe(sha512('uuid=c1d2'))
  })

  it('a request without parameters carries no query_hash claims', () => {
    const prepared = prepareRequest('GET', '/v1/accounts', undefined, keys)
    const payload = claims(tokenOf(prepared.headers))
    expect(Object.keys(payload).sort()).toEqual(['access_key', 'nonce'])
    expect(prepared.pathWithQuery).toBe('/v1/accounts')
  })

  it('every token has a fresh UUID v4 nonce', () => {
    const nonces = new Set(Array.from({ length: 50 }, () => claims(createToken(keys, 'a=1')).nonce))
    expect(nonces.size).toBe(50)
    for (const nonce of nonces) expect(nonce).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  it('signs with HS512 when asked, and the token fails HS256 verification', () => {
    const token = createToken(keys, 'market=KRW-BTC', 'HS512')
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'HS512', typ: 'JWT' })
    expect(claims(token, 'HS512').query_hash).toBe(sha512('market=KRW-BTC'))
    expect(() => claims(token, 'HS256')).toThrow()
  })

  it('public requests carry no Authorization header', () => {
    const prepared = prepareRequest('GET', '/v1/ticker', { markets: 'KRW-BTC,KRW-ETH' })
    expect(prepared.headers.authorization).toBeUndefined()
    expect(prepared.pathWithQuery).toBe('/v1/ticker?markets=KRW-BTC%2CKRW-ETH')
  })
})
