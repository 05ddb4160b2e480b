import { generateKeyPairSync } from 'node:crypto'
import jwt from 'jsonwebtoken'
import { describe, expect, it } from 'vitest'
import { createAuthenticator } from './auth.js'
import { ServerConfigError, UnauthorizedError } from './errors.js'

const TOKEN = 'static-token-0123456789abcdef'
const SECRET = 'hs256-secret-for-tests-0123456789'

function reasonOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(UnauthorizedError)
    return (error as Error).message
  }
  throw new Error('expected the call to throw')
}

describe('authenticator', () => {
  it('config: refuses to start without any way to authenticate', () => {
    expect(() => createAuthenticator({})).toThrow(ServerConfigError)
    expect(() => createAuthenticator({ token: 'short' })).toThrow(/shorter than 16/)
  })

  it('accepts the static token and rejects another one without echoing either', () => {
    const auth = createAuthenticator({ token: TOKEN })
    expect(auth.verify(`Bearer ${TOKEN}`)).toEqual({ kind: 'token', subject: 'api-token' })
    const message = reasonOf(() => auth.verify('Bearer wrong-token-value-123'))
    expect(message).toMatch(/Invalid bearer token/)
    expect(message).not.toContain('wrong-token-value-123')
    expect(message).not.toContain(TOKEN)
  })

  it('names the missing header', () => {
    const auth = createAuthenticator({ token: TOKEN })
    expect(reasonOf(() => auth.verify(undefined))).toMatch(/Missing bearer token/)
    expect(reasonOf(() => auth.verify(`Basic ${TOKEN}`))).toMatch(/Missing bearer token/)
  })

  it('jwt: HS256 with expiry verifies; expired says when; no exp is refused', () => {
    const auth = createAuthenticator({ jwtSecret: SECRET })
    const good = jwt.sign({ sub: 'dashboard' }, SECRET, { algorithm: 'HS256', expiresIn: 60 })
    expect(auth.verify(`Bearer ${good}`)).toEqual({ kind: 'jwt', subject: 'dashboard' })
    const expired = jwt.sign({ sub: 'dashboard', exp: Math.floor(Date.now() / 1000) - 120 }, SECRET, { algorithm: 'HS256' })
    expect(reasonOf(() => auth.verify(`Bearer ${expired}`))).toMatch(/Token expired at \d{4}-/)
    const forever = jwt.sign({ sub: 'dashboard' }, SECRET, { algorithm: 'HS256' })
    expect(reasonOf(() => auth.verify(`Bearer ${forever}`))).toMatch(/no expiry/)
  })

  it('jwt: a token signed with another secret, or alg none, is refused', () => {
    const auth = createAuthenticator({ jwtSecret: SECRET })
    const other = jwt.sign({ sub: 'x' }, 'another-secret-0123456789', { algorithm: 'HS256', expiresIn: 60 })
    expect(reasonOf(() => auth.verify(`Bearer ${other}`))).toMatch(/Invalid bearer token/)
    const none = jwt.sign({ sub: 'x', exp: Math.floor(Date.now() / 1000) + 60 }, '', { algorithm: 'none' })
    expect(reasonOf(() => auth.verify(`Bearer ${none}`))).toMatch(/Invalid bearer token/)
  })

  it('jwt: RS256 verifies with the public key only; an HS256 token made from the public key is refused', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
    const auth = createAuthenticator({ jwtPublicKey: publicPem })
    const good = jwt.sign({ sub: 'ops' }, privateKey, { algorithm: 'RS256', expiresIn: 60 })
    expect(auth.verify(`Bearer ${good}`).subject).toBe('ops')
    // The classic key-confusion attack: sign HS256 with the public key text as the secret.
    const confused = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')
    const forged = `${confused}.${Buffer.from(JSON.stringify({ sub: 'ops', exp: 9999999999 })).toString('base64url')}.sig`
    expect(reasonOf(() => auth.verify(`Bearer ${forged}`))).toMatch(/Invalid bearer token/)
  })
})
