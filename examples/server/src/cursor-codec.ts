import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { BadRequestError } from './errors.js'

/**
 * Page cursors handed to clients are signed, so a crafted cursor (one naming `../../etc/passwd`, say) is
 * refused before it reaches the trade-log reader: no request can steer a read outside the log directory.
 */
export interface CursorCodec {
  encode(inner: string): string
  /** Returns the inner cursor or throws `BadRequestError`. */
  decode(cursor: string): string
}

export function createCursorCodec(secret: string | Buffer = randomBytes(32)): CursorCodec {
  const sign = (payload: string) => createHmac('sha256', secret).update(payload).digest().subarray(0, 16)
  return {
    encode(inner) {
      const payload = Buffer.from(inner, 'utf8').toString('base64url')
      return `${payload}.${sign(payload).toString('base64url')}`
    },
    decode(cursor) {
      const [payload, signature, extra] = cursor.split('.')
      const given = Buffer.from(signature ?? '', 'base64url')
      const expected = payload ? sign(payload) : undefined
      if (extra !== undefined || !expected || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new BadRequestError(
          'Invalid query parameter cursor: pass the nextCursor of a previous response unchanged (cursors do not survive a server restart unless CURSOR_SECRET is set).',
        )
      }
      return Buffer.from(payload!, 'base64url').toString('utf8')
    },
  }
}
