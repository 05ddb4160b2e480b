/**
 * Webhook signatures, for the sender and for receivers (no web framework needed).
 *
 * The `Tradekit-Signature` header is `t=<unix seconds>,d=<delivery id>,v1=<hex HMAC-SHA256>`, the HMAC keyed with
 * the shared secret over `<t>.<d>.<body>`: the exact body bytes, the time of the attempt and the delivery id are
 * all signed, so none can be changed or replayed on another delivery. Several `v1=` values may appear while a
 * secret is rotated; one matching is enough.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { WebhookVerificationError } from './payment-errors.js'

/** The header that carries the signature. */
export const SIGNATURE_HEADER = 'tradekit-signature'
/** The delivery id, also in the body and in the signature: de-duplicate deliveries on it. */
export const DELIVERY_HEADER = 'tradekit-delivery'
/** The event id: the same for every delivery of one event. */
export const EVENT_HEADER = 'tradekit-event'

const hmac = (secret: string, timestamp: number, deliveryId: string, body: string | Uint8Array) =>
  createHmac('sha256', secret).update(`${timestamp}.${deliveryId}.`).update(body).digest('hex')

/** The signature header for one attempt: `t=...,d=...,v1=...`. */
export function signWebhook(options: {
  secret: string
  body: string | Uint8Array
  deliveryId: string
  /** Unix seconds of this attempt. */
  timestamp: number
}): string {
  if (!/^[\w:.-]{1,200}$/.test(options.deliveryId)) {
    throw new TypeError('signWebhook: a delivery id is 1-200 letters, digits, "_", ":", "." or "-".')
  }
  return `t=${options.timestamp},d=${options.deliveryId},v1=${hmac(options.secret, options.timestamp, options.deliveryId, options.body)}`
}

/** Remembers accepted signatures (and delivery ids) so a replay inside the window is refused. */
export interface ReplayGuard {
  /**
   * Records `key` until `expiresAt` (Unix seconds); returns false if it was already recorded and unexpired. Must be
   * atomic across the receiver's processes if it runs several (e.g. Redis `SET key 1 NX EXAT expiresAt`).
   */
  remember(key: string, expiresAt: number): boolean | Promise<boolean>
}

/** An in-memory `ReplayGuard` for one receiver process, bounded to `maxEntries` (oldest forgotten first). */
export function createMemoryReplayGuard(options: { maxEntries?: number; now?: () => number } = {}): ReplayGuard {
  const maxEntries = options.maxEntries ?? 100_000
  const now = options.now ?? (() => Date.now() / 1000)
  const seen = new Map<string, number>()
  return {
    remember(key, expiresAt) {
      const at = now()
      const known = seen.get(key)
      if (known !== undefined && known > at) return false
      seen.delete(key)
      seen.set(key, expiresAt)
      // Map order is insertion order: drop expired and, past the bound, the oldest.
      for (const [oldest, until] of seen) {
        if (seen.size <= maxEntries && until > at) break
        seen.delete(oldest)
      }
      return true
    },
  }
}

export interface VerifyWebhookOptions {
  /** The shared secret, or several while rotating. */
  secret: string | readonly string[]
  /** The raw body exactly as received (not re-serialised JSON). */
  body: string | Uint8Array
  /** The `Tradekit-Signature` header. */
  signature: string | null | undefined
  /** Remembers what was accepted, to refuse replays. Required: without it a captured request could be replayed. */
  replayGuard: ReplayGuard
  /** Accepted clock difference, seconds. Default 300. */
  toleranceSeconds?: number
  /** Unix seconds now. Default: the clock. */
  now?: number
}

/** A verified delivery. */
export interface VerifiedWebhook {
  deliveryId: string
  /** Unix seconds of the attempt. */
  timestamp: number
  /**
   * False when this delivery id was verified before with another timestamp: the sender tried again (no answer,
   * or an error status). Process it only if the first did not finish; the event id says which event it is.
   */
  firstDelivery: boolean
  /** The parsed body. */
  payload: unknown
}

function reject(message: string, reason: WebhookVerificationError['reason']): never {
  throw new WebhookVerificationError(`Webhook refused: ${message}`, reason)
}

/**
 * Verifies a webhook: signature (constant-time, any of the secrets), timestamp within the window, and no replay
 * of an accepted signature. Throws `WebhookVerificationError` (`reason`: `malformed`, `signature`, `timestamp`,
 * `replay`); answer 400/401 and do not process.
 */
export async function verifyWebhook(options: VerifyWebhookOptions): Promise<VerifiedWebhook> {
  const tolerance = options.toleranceSeconds ?? 300
  const now = options.now ?? Math.floor(Date.now() / 1000)
  const header = options.signature ?? ''
  const fields = header.split(',').map((part) => {
    const at = part.indexOf('=')
    return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const
  })
  const t = fields.find(([key]) => key === 't')?.[1]
  const d = fields.find(([key]) => key === 'd')?.[1]
  const given = fields.filter(([key]) => key === 'v1').map(([, value]) => value)
  if (!t || !/^\d{1,12}$/.test(t) || !d || given.length === 0) {
    reject(`the ${SIGNATURE_HEADER} header is missing or not "t=<seconds>,d=<delivery id>,v1=<hex>".`, 'malformed')
  }
  const timestamp = Number(t)
  const secrets = typeof options.secret === 'string' ? [options.secret] : options.secret
  if (secrets.length === 0 || secrets.some((secret) => secret.length === 0)) {
    throw new TypeError('verifyWebhook: give the shared secret (a non-empty string).')
  }
  const matches = secrets.some((secret) => {
    const expected = Buffer.from(hmac(secret, timestamp, d, options.body), 'hex')
    return given.some((value) => {
      const candidate = Buffer.from(/^[0-9a-f]{64}$/i.test(value) ? value : '', 'hex')
      // Same length first (a SHA-256 is always 32 bytes), then a comparison that takes the same time either way.
      return candidate.length === expected.length && timingSafeEqual(candidate, expected)
    })
  })
  if (!matches) reject('the signature does not match the body (wrong secret, or the body was changed).', 'signature')
  if (Math.abs(now - timestamp) > tolerance) {
    reject(
      `the signature is ${Math.abs(now - timestamp)} s from our clock (window ${tolerance} s): a replay, or a clock off.`,
      'timestamp',
    )
  }
  // The exact signed message, once: a replay inside the window is refused.
  const expiresAt = timestamp + tolerance + 1
  if (!(await options.replayGuard.remember(`sig:${timestamp}.${d}`, expiresAt))) {
    reject(`delivery ${d} with timestamp ${timestamp} was already accepted: a replay.`, 'replay')
  }
  // A delivery id seen before with another timestamp is the sender trying again.
  const firstDelivery = await options.replayGuard.remember(`delivery:${d}`, now + 7 * 86_400)
  let payload: unknown
  try {
    payload = JSON.parse(typeof options.body === 'string' ? options.body : Buffer.from(options.body).toString('utf8'))
  } catch {
    reject('the body is not JSON.', 'malformed')
  }
  return { deliveryId: d, timestamp, firstDelivery, payload }
}
