import { createHash, timingSafeEqual } from 'node:crypto'
import jwt from 'jsonwebtoken'
import { LRUCache } from 'lru-cache'
import { ServerConfigError, UnauthorizedError } from './errors.js'

/** How clients prove who they are. At least one of the three must be set: the API is never open by default. */
export interface AuthOptions {
  /** A static bearer token (the `API_TOKEN` environment variable in `main.ts`). Default: none. */
  token?: string | undefined
  /** Secret for HS256 JWTs. Default: none. */
  jwtSecret?: string | undefined
  /** PEM public key for RS256 JWTs. Default: none. */
  jwtPublicKey?: string | undefined
  /** Longest JWT lifetime accepted (`exp` − `iat`, or `exp` − now without `iat`), in seconds. Default: `86_400`. */
  jwtMaxLifetimeSeconds?: number | undefined
}

/** Who made a request: the static token, or the JWT subject. */
export interface Principal {
  kind: 'token' | 'jwt'
  subject: string
}

/** A token that passed, and until when it passes (a JWT's `exp`; forever for the static token). */
interface Passed {
  principal: Principal
  untilMs: number
}

export interface Authenticator {
  /** Verifies an `Authorization` header value (or a bare token); throws `UnauthorizedError` with the reason. */
  verify(authorization: string | undefined): Principal
  /** Same, for a token already taken out of the header. */
  verifyToken(token: string): Principal
}

const digest = (value: string) => createHash('sha256').update(value).digest()

export function createAuthenticator(options: AuthOptions): Authenticator {
  const { token, jwtSecret, jwtPublicKey } = options
  if (!token && !jwtSecret && !jwtPublicKey) {
    throw new ServerConfigError(
      'No authentication configured: set auth.token (API_TOKEN), auth.jwtSecret (JWT_SECRET) or auth.jwtPublicKey (JWT_PUBLIC_KEY_FILE). The API is never served without one.',
    )
  }
  if (token !== undefined && token.length < 16) {
    throw new ServerConfigError('auth.token (API_TOKEN) is shorter than 16 characters: use a long random value.')
  }
  const tokenDigest = token ? digest(token) : undefined
  const maxLifetime = options.jwtMaxLifetimeSeconds ?? 86_400

  function verifyJwt(candidate: string, key: string, algorithm: 'HS256' | 'RS256'): Passed | undefined {
    try {
      const payload = jwt.verify(candidate, key, { algorithms: [algorithm] })
      if (typeof payload === 'string' || typeof payload.exp !== 'number') {
        throw new UnauthorizedError('Token has no expiry (exp claim): issue tokens with an expiry.')
      }
      // A stolen long-lived token stays useful for its whole life: refuse lifetimes beyond the configured maximum.
      const issuedAt = typeof payload.iat === 'number' ? payload.iat : Math.floor(Date.now() / 1000)
      if (payload.exp - issuedAt > maxLifetime) {
        throw new UnauthorizedError(
          `Token lifetime exceeds this server's maximum of ${maxLifetime} s (JWT_MAX_LIFETIME_SECONDS): issue shorter-lived tokens.`,
        )
      }
      return {
        principal: { kind: 'jwt', subject: typeof payload.sub === 'string' ? payload.sub : 'jwt' },
        untilMs: payload.exp * 1000,
      }
    } catch (error) {
      if (error instanceof UnauthorizedError) throw error
      if (error instanceof jwt.TokenExpiredError) {
        throw new UnauthorizedError(`Token expired at ${error.expiredAt.toISOString()}: request a new one.`)
      }
      return undefined
    }
  }

  // Tokens that passed, until they expire: a dashboard polling every few seconds sends the same JWT each time, and
  // verifying its signature (or hashing the static token) was a large part of a cached answer's cost. Only a token
  // that fully passed is kept, so a forged or expired one is checked in full every time; a cached JWT is dropped at
  // its `exp`, exactly when jsonwebtoken would start refusing it, and its lifetime check only gets easier with time.
  const passed = new LRUCache<string, Passed>({ max: 1_024 })

  function verifyToken(candidate: string): Principal {
    const known = passed.get(candidate)
    if (known !== undefined) {
      if (Date.now() < known.untilMs) return known.principal
      passed.delete(candidate)
    }
    const verified = verifyUncached(candidate)
    Object.freeze(verified.principal)
    passed.set(candidate, verified)
    return verified.principal
  }

  function verifyUncached(candidate: string): Passed {
    if (tokenDigest && timingSafeEqual(digest(candidate), tokenDigest)) {
      return { principal: { kind: 'token', subject: 'api-token' }, untilMs: Number.POSITIVE_INFINITY }
    }
    const looksLikeJwt = candidate.split('.').length === 3
    if (looksLikeJwt && jwtSecret) {
      const verified = verifyJwt(candidate, jwtSecret, 'HS256')
      if (verified) return verified
    }
    if (looksLikeJwt && jwtPublicKey) {
      const verified = verifyJwt(candidate, jwtPublicKey, 'RS256')
      if (verified) return verified
    }
    throw new UnauthorizedError('Invalid bearer token: check the token the server was configured with.')
  }

  return {
    verifyToken,
    verify(authorization) {
      const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null
      if (!match) throw new UnauthorizedError('Missing bearer token: send "Authorization: Bearer <token>".')
      return verifyToken(match[1]!)
    },
  }
}
