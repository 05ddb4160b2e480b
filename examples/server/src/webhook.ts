import { createHmac } from 'node:crypto'
import type { Logger } from 'pino'

/** Where payment status changes are POSTed. */
export interface WebhookOptions {
  /** Receiver URL (http or https). */
  url: string
  /** HMAC-SHA256 key; the receiver recomputes the signature to trust the call. */
  secret: string
  /** Attempts per event, with 0.5 s, 1 s, 2 s... between them. Default: `4`. */
  attempts?: number
  /** Per-attempt timeout. Default: `5_000`. */
  timeoutMs?: number
  /** Injectable fetch. Default: `globalThis.fetch`. */
  fetch?: typeof fetch
}

export const SIGNATURE_HEADER = 'x-tradekit-signature'

/**
 * Signature header value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. Including the time lets the
 * receiver refuse replays older than a few minutes.
 */
export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')
  return `t=${timestampSeconds},v1=${mac}`
}

/** Checks a signature header against the body (for receivers; the tests use it too). */
export function verifyWebhook(secret: string, body: string, header: string, toleranceSeconds = 300, now = Date.now()): boolean {
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=') as [string, string]))
  const timestamp = Number(parts['t'])
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false
  return signWebhook(secret, body, timestamp) === header
}

/** A URL safe to log: no credentials, no query string. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`
  } catch {
    return '<invalid url>'
  }
}

export interface WebhookSender {
  /** Delivers one event in the background; failures are logged and counted, never thrown at the caller. */
  send(type: string, data: unknown): Promise<boolean>
}

export function createWebhookSender(options: WebhookOptions, logger: Logger): WebhookSender {
  const doFetch = options.fetch ?? globalThis.fetch
  const attempts = options.attempts ?? 4
  const timeoutMs = options.timeoutMs ?? 5_000
  const target = redactUrl(options.url)
  return {
    async send(type, data) {
      const body = JSON.stringify({ type, data, sentAt: new Date().toISOString() })
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          const response = await doFetch(options.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              [SIGNATURE_HEADER]: signWebhook(options.secret, body, Math.floor(Date.now() / 1000)),
            },
            body,
            signal: AbortSignal.timeout(timeoutMs),
          })
          if (response.ok) return true
          logger.warn({ target, status: response.status, attempt }, 'webhook answered with an error status')
          if (response.status >= 400 && response.status < 500 && response.status !== 429) return false
        } catch (error) {
          logger.warn({ target, attempt, err: (error as Error).message }, 'webhook delivery failed')
        }
        if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** (attempt - 1)))
      }
      logger.error({ target, type }, 'webhook gave up after all attempts')
      return false
    },
  }
}
