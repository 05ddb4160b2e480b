/**
 * Pockets for the simulator's rate limits. Upbit counts the exchange groups per pocket (sub-account): every API key
 * of a pocket and every connection using one draws from one budget, and a 418 blocks them all. The quotation groups
 * are counted per IP. The simulator's own key is in pocket `'main'`; `apiKeys` adds keys, each in a pocket.
 */
import type { KeyObject } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import jwt from 'jsonwebtoken'
import { signingKeyFrom } from '../signing.js'

/** An extra API key the simulator accepts. */
export interface SimApiKey {
  accessKey: string
  secretKey: string
  /** The pocket whose budgets it draws from. Default `'main'` (the simulator's own key's pocket). */
  pocket?: string
}

interface PocketKey {
  accessKey: string
  secretKey: KeyObject
  pocket: string
}

export class SimPockets {
  private readonly byAccessKey = new Map<string, PocketKey>()

  constructor(main: { accessKey: string; secretKey: KeyObject }, extra: SimApiKey[] = []) {
    this.byAccessKey.set(main.accessKey, { ...main, pocket: 'main' })
    for (const key of extra) {
      if (this.byAccessKey.has(key.accessKey)) throw new Error(`Simulator apiKeys: access key ${key.accessKey} is given twice.`)
      this.byAccessKey.set(key.accessKey, {
        accessKey: key.accessKey,
        secretKey: signingKeyFrom(key.secretKey),
        pocket: key.pocket ?? 'main',
      })
    }
  }

  /** The key a request's JWT names (read before verifying it), or undefined: verification then fails as at Upbit. */
  keyOf(authorization: string | undefined): PocketKey | undefined {
    if (!authorization?.startsWith('Bearer ')) return undefined
    const claims = jwt.decode(authorization.slice('Bearer '.length), { json: true })
    return typeof claims?.access_key === 'string' ? this.byAccessKey.get(claims.access_key) : undefined
  }

  /**
   * Whose budget a request is counted in: the IP for quotation groups, the pocket of the key for the rest. A request
   * without a known key is counted under its IP (it is refused with 401 anyway, as Upbit refuses it).
   */
  callerOf(req: IncomingMessage, quotation: boolean): string {
    const ip = `ip:${req.socket.remoteAddress ?? 'unknown'}`
    if (quotation) return ip
    const key = this.keyOf(req.headers.authorization)
    return key ? `pocket:${key.pocket}` : ip
  }
}
