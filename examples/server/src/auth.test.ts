import { generateKeyPairSync } from 'node:crypto'
import jwt from 'jsonwebtoken'
import { afterEach, describe, expect, it, vi } from 'vitest'
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

  describe('tokens that passed are remembered until they expire (cached answers skip the signature check)', () => {
    afterEach(() => {
      vi.useRealTimers()
    })

    it('error: a JWT that passed is refused from its exp on, as if it had never been seen', () => {
      vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 0, 1, 12) })
      const auth = createAuthenticator({ jwtSecret: SECRET })
      const token = jwt.sign({ sub: 'dashboard' }, SECRET, { algorithm: 'HS256', expiresIn: 60 })
      expect(auth.verify(`Bearer ${token}`).subject).toBe('dashboard')
      vi.setSystemTime(Date.UTC(2026, 0, 1, 12, 0, 59, 999))
      expect(auth.verify(`Bearer ${token}`).subject).toBe('dashboard')
      vi.setSystemTime(Date.UTC(2026, 0, 1, 12, 1, 0))
      expect(reasonOf(() => auth.verify(`Bearer ${token}`))).toMatch(/Token expired at 2026-01-01T12:01:00/)
      expect(reasonOf(() => auth.verify(`Bearer ${token}`))).toMatch(/Token expired/)
    })

    it('error: forged, expired and too long-lived tokens are refused every time, never remembered', () => {
      const auth = createAuthenticator({ token: TOKEN, jwtSecret: SECRET, jwtMaxLifetimeSeconds: 600 })
      const now = Math.floor(Date.now() / 1000)
      const good = jwt.sign({ sub: 'eve', exp: now + 60 }, SECRET)
      expect(auth.verify(`Bearer ${good}`).subject).toBe('eve')
      const [header, payload] = good.split('.')
      const tampered = `${header}.${payload}.${'A'.repeat(43)}`
      const refused = {
        tampered,
        'other secret': jwt.sign({ sub: 'eve', exp: now + 60 }, 'another-secret-0123456789'),
        expired: jwt.sign({ sub: 'eve', iat: now - 120, exp: now - 60 }, SECRET),
        'too long-lived': jwt.sign({ sub: 'eve', iat: now, exp: now + 601 }, SECRET),
        'static token with a byte changed': `${TOKEN.slice(0, -1)}X`,
      }
      for (const round of [1, 2, 3]) {
        for (const [name, candidate] of Object.entries(refused)) {
          expect(() => auth.verify(`Bearer ${candidate}`), `${name}, round ${round}`).toThrow(UnauthorizedError)
        }
      }
      expect(auth.verify(`Bearer ${TOKEN}`)).toEqual({ kind: 'token', subject: 'api-token' })
      expect(auth.verify(`Bearer ${TOKEN}`)).toEqual({ kind: 'token', subject: 'api-token' })
    })
  })
})
