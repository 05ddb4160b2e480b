/**
 * Verifies requests the way Upbit does, re-deriving the hashed string from what arrived on the wire (not from
 * the client's encoder): the decoded query in order for GET/DELETE, the JSON body's keys in order for POST.
 */
import { createHash, type KeyObject } from 'node:crypto'
import jwt from 'jsonwebtoken'
import { reject } from './sim-errors.js'

/** The `k=v&...` string Upbit hashes, rebuilt from a raw query string (form decoding: `+` is a space). */
export function hashStringFromQuery(rawQuery: string): string {
  if (rawQuery === '') return ''
  return rawQuery
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=')
      const decode = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '))
      return eq < 0 ? `${decode(part)}=` : `${decode(part.slice(0, eq))}=${decode(part.slice(eq + 1))}`
    })
    .join('&')
}

/** The hashed string for a JSON body: keys in body order, arrays as repeated `key[]=value`. */
export function hashStringFromBody(body: Record<string, unknown>): string {
  const pairs: string[] = []
  for (const [key, value] of Object.entries(body)) {
    if (value === null || value === undefined) continue
    if (Array.isArray(value)) for (const item of value) pairs.push(`${key}[]=${String(item)}`)
    else pairs.push(`${key}=${String(value)}`)
  }
  return pairs.join('&')
}

/** Checks the Authorization header; throws Upbit's 401 errors. Records the nonce on success. */
export function verifyAuthorization(
  header: string | undefined,
  hashString: string,
  keys: { accessKey: string; secretKey: string | KeyObject },
  usedNonces: Set<string>,
): void {
  if (!header?.startsWith('Bearer ')) reject(401, 'no_authorization_token', 'Authorization token is missing.')
  const token = header!.slice('Bearer '.length)
  const decoded = jwt.decode(token, { json: true })
  if (!decoded) reject(401, 'jwt_verification', 'Failed to verify Jwt token.')
  if (decoded!.access_key !== keys.accessKey) reject(401, 'invalid_access_key', 'Unknown access key.')
  try {
    jwt.verify(token, keys.secretKey, { algorithms: ['HS256', 'HS512'] })
  } catch {
    reject(401, 'jwt_verification', 'Failed to verify Jwt token.')
  }
  const nonce = decoded!.nonce
  if (typeof nonce !== 'string' || nonce === '') reject(401, 'jwt_verification', 'Jwt has no nonce.')
  if (usedNonces.has(nonce)) reject(401, 'nonce_used', 'This nonce was already used.')
  if (hashString !== '') {
    const expected = createHash('sha512').update(hashString, 'utf8').digest('hex')
    if (decoded!.query_hash !== expected || decoded!.query_hash_alg !== 'SHA512') {
      reject(401, 'invalid_query_payload', 'Failed to verify the query of Jwt.')
    }
  }
  usedNonces.add(nonce)
}
