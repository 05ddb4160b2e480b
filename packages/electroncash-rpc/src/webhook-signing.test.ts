import * as crypto from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import { WebhookVerificationError } from './payment-errors.js'
import { createMemoryReplayGuard, signWebhook, verifyWebhook } from './webhook-signing.js'

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>()
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) }
})

const secret = 'whsec-test-0123456789'
const body = '{"eventId":"inv_1:settled","amount":"0.29"}'
const T = 1_790_000_000

function signed(overrides: { body?: string; deliveryId?: string; timestamp?: number; secret?: string } = {}) {
  return signWebhook({
    secret: overrides.secret ?? secret,
    body: overrides.body ?? body,
    deliveryId: overrides.deliveryId ?? 'dlv_1',
    timestamp: overrides.timestamp ?? T,
  })
}

const verify = (signature: string | undefined, options: Partial<Parameters<typeof verifyWebhook>[0]> = {}) =>
  verifyWebhook({ secret, body, signature, replayGuard: createMemoryReplayGuard({ now: () => T }), now: T, ...options })

async function reason(promise: Promise<unknown>): Promise<string> {
  const error = await promise.catch((e: unknown) => e)
  expect(error).toBeInstanceOf(WebhookVerificationError)
  return (error as WebhookVerificationError).reason
}

describe('webhook signatures', () => {
  it('signs timestamp, delivery id and the exact body: t=<s>,d=<id>,v1=<hex HMAC-SHA256 of "t.d.body">', () => {
    const expected = crypto.createHmac('sha256', secret).update(`${T}.dlv_1.${body}`).digest('hex')
    expect(signed()).toBe(`t=${T},d=dlv_1,v1=${expected}`)
  })

  it('verifies a good delivery and returns its parsed body', async () => {
    const verified = await verify(signed())
    expect(verified).toEqual({ deliveryId: 'dlv_1', timestamp: T, firstDelivery: true, payload: JSON.parse(body) })
  })

  it('compares signatures in constant time (crypto.timingSafeEqual), never with ===', async () => {
    vi.mocked(crypto.timingSafeEqual).mockClear()
    await verify(signed())
    expect(crypto.timingSafeEqual).toHaveBeenCalled()
  })

  it.each([
    ['a changed body', () => verify(signed(), { body: body.replace('0.29', '0.01') }), 'signature'],
    ['another secret', () => verify(signed({ secret: 'other-secret' })), 'signature'],
    ['a delivery id swapped in the header', () => verify(signed().replace('d=dlv_1', 'd=dlv_2')), 'signature'],
    ['a timestamp changed in the header', () => verify(signed().replace(`t=${T}`, `t=${T + 1}`)), 'signature'],
    ['a signature 301 s old', () => verify(signed({ timestamp: T - 301 })), 'timestamp'],
    ['a signature from 301 s in the future', () => verify(signed({ timestamp: T + 301 })), 'timestamp'],
    ['no header', () => verify(undefined), 'malformed'],
    ['a header without a delivery id', () => verify(`t=${T},v1=${'a'.repeat(64)}`), 'malformed'],
    ['a v1 that is not hex', () => verify(`t=${T},d=dlv_1,v1=zz`), 'signature'],
  ])('error: %s is refused', async (_name, run, expected) => {
    expect(await reason(run())).toBe(expected)
  })

  it('error: a replay of an accepted delivery inside the window is refused', async () => {
    const replayGuard = createMemoryReplayGuard({ now: () => T })
    const header = signed()
    await verify(header, { replayGuard })
    expect(await reason(verify(header, { replayGuard }))).toBe('replay')
  })

  it('the sender trying the same delivery again (new timestamp) is accepted and flagged: firstDelivery false', async () => {
    const replayGuard = createMemoryReplayGuard({ now: () => T })
    expect((await verify(signed(), { replayGuard })).firstDelivery).toBe(true)
    const again = await verify(signed({ timestamp: T + 10 }), { replayGuard, now: T + 10 })
    expect(again.firstDelivery).toBe(false)
  })

  it('accepts any of several secrets while one is rotated', async () => {
    await expect(verify(signed({ secret: 'new-secret' }), { secret: [secret, 'new-secret'] })).resolves.toMatchObject({
      deliveryId: 'dlv_1',
    })
  })

  it('the memory replay guard stays bounded and forgets expired entries', () => {
    let now = T
    const guard = createMemoryReplayGuard({ maxEntries: 2, now: () => now })
    expect(guard.remember('a', T + 10)).toBe(true)
    expect(guard.remember('a', T + 10)).toBe(false)
    now = T + 11
    expect(guard.remember('a', T + 30)).toBe(true)
    guard.remember('b', T + 30)
    guard.remember('c', T + 30)
    expect(guard.remember('a', T + 30)).toBe(true) // the oldest was dropped past the bound
  })
})
