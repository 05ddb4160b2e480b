/**
 * Upbit request signing. One function, `encodeParams`, renders the wire query/body AND the hashed string from
 * the same list of pairs, so they cannot drift apart (the cause of most `invalid_query_payload` reports).
 */
import { createHash, createSecretKey, type KeyObject, randomUUID } from 'node:crypto'
import Big from 'big.js'
import jwt from 'jsonwebtoken'
import { toDecimalString } from './decimal.js'
import { UpbitRequestError } from './errors.js'

/** A parameter value: strings are sent as-is; numbers, bigints and `Big` are written in positional notation. */
export type ParamValue = string | number | bigint | boolean | Big | null | undefined | readonly (string | number | Big)[]

/** Request parameters in the order they will be sent. `null`/`undefined` values are dropped. */
export type Params = Record<string, ParamValue>

/** JWT algorithms Upbit accepts: HS256 (what ccxt and pyupbit send) and HS512 (the docs' sample). */
export type JwtAlgorithm = 'HS256' | 'HS512'

/** The two renderings of one parameter list. */
export interface EncodedParams {
  /** The `k=v&...` string Upbit hashes: unencoded, in send order, arrays as repeated `key[]=value`. '' when none. */
  hashString: string
  /** Percent-encoded query string for GET/DELETE without the leading `?`. '' when none. */
  query: string
  /** JSON body for POST (same keys in the same order), or undefined when not a POST. */
  body: string | undefined
}

function formatScalar(key: string, value: string | number | bigint | boolean | Big): string {
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return String(value)
  if (typeof value === 'number' || typeof value === 'bigint' || value instanceof Big) return toDecimalString(value)
  throw new UpbitRequestError(`Parameter "${key}" has an unsupported type ${typeof value}`)
}

/** Flattens params to ordered `[key, value]` pairs: nullish dropped, arrays to repeated `key[]`. */
export function toPairs(params: Params | undefined): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === null || value === undefined) continue
    if (Array.isArray(value)) {
      const arrayKey = key.endsWith('[]') ? key : `${key}[]`
      for (const item of value as readonly (string | number | Big)[]) pairs.push([arrayKey, formatScalar(key, item)])
    } else {
      pairs.push([key, formatScalar(key, value as string | number | bigint | boolean | Big)])
    }
  }
  return pairs
}

/** Renders the wire form and the hashed string from the same pairs. */
export function encodeParams(method: string, params: Params | undefined): EncodedParams {
  const pairs = toPairs(params)
  const hashString = pairs.map(([k, v]) => `${k}=${v}`).join('&')
  if (method.toUpperCase() === 'POST') {
    const body: Record<string, string | string[]> = {}
    for (const [k, v] of pairs) {
      if (k.endsWith('[]')) {
        const name = k.slice(0, -2)
        const list = body[name]
        body[name] = Array.isArray(list) ? [...list, v] : [v]
      } else body[k] = v
    }
    return { hashString, query: '', body: JSON.stringify(body) }
  }
  const query = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')
  return { hashString, query, body: undefined }
}

/** Hex SHA-512 of the hash string, as `query_hash` expects. */
export function queryHash(hashString: string): string {
  return createHash('sha512').update(hashString, 'utf8').digest('hex')
}

/** Credentials for signing. The secret may be a `KeyObject` made once with `signingKeyFrom` (60× faster to sign with). */
export interface SigningKeys {
  accessKey: string
  secretKey: string | KeyObject
}

/**
 * The secret as a `KeyObject` over its raw UTF-8 bytes (Upbit: "not base64 encoded"). jsonwebtoken handles a
 * string secret by first trying to parse it as a private key, which throws and costs about a millisecond per token.
 */
export function signingKeyFrom(secretKey: string | KeyObject): KeyObject {
  return typeof secretKey === 'string' ? createSecretKey(Buffer.from(secretKey, 'utf8')) : secretKey
}

/** Builds the JWT for one request: access_key, a fresh UUID v4 nonce and, with params, query_hash + query_hash_alg. */
export function createToken(keys: SigningKeys, hashString: string, algorithm: JwtAlgorithm = 'HS256'): string {
  const payload: Record<string, string> = { access_key: keys.accessKey, nonce: randomUUID() }
  if (hashString !== '') {
    payload.query_hash = queryHash(hashString)
    payload.query_hash_alg = 'SHA512'
  }
  // No iat/exp claims: Upbit does not require them.
  return jwt.sign(payload, signingKeyFrom(keys.secretKey), { algorithm, noTimestamp: true })
}

/** A request ready for fetch: path with query, optional body, and headers including Authorization when signed. */
export interface PreparedRequest {
  method: string
  /** Path plus `?query` when there is one. */
  pathWithQuery: string
  body: string | undefined
  headers: Record<string, string>
}

/** Encodes params and, when keys are given, signs them: the single place requests are built. */
export function prepareRequest(
  method: string,
  path: string,
  params: Params | undefined,
  keys?: SigningKeys,
  algorithm: JwtAlgorithm = 'HS256',
): PreparedRequest {
  const encoded = encodeParams(method, params)
  const headers: Record<string, string> = { accept: 'application/json' }
  if (encoded.body !== undefined) headers['content-type'] = 'application/json; charset=utf-8'
  if (keys) headers.authorization = `Bearer ${createToken(keys, encoded.hashString, algorithm)}`
  return {
    method,
    pathWithQuery: encoded.query === '' ? path : `${path}?${encoded.query}`,
    body: encoded.body,
    headers,
  }
}
