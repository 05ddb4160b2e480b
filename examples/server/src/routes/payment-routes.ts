import { timingSafeEqual } from 'node:crypto'
import { Router } from 'express'
import { z } from 'zod'
import { BadRequestError, NotFoundError } from '../errors.js'
import type { PaymentAmount, Payments } from '../payments.js'
import { describeIssues } from '../query.js'

/**
 * Exactly one of `amountBch` (decimal string, at most 8 decimals), `amountSats` (integer string or safe integer)
 * or `price` (`{ currency: 'KRW' | 'USD', amount }`, converted at the locked rate). Whether the amount can exist
 * (at most 21,000,000 BCH, above dust) is checked by the payment watcher, before anything reaches the daemon.
 */
const createPaymentSchema = z
  .strictObject({
    amountBch: z
      .string()
      .regex(/^\d{1,8}(\.\d{1,8})?$/, 'expected BCH as a decimal string with at most 8 decimals, e.g. "0.0005"')
      .optional(),
    amountSats: z
      .union([z.string().regex(/^\d{1,16}$/, 'expected whole satoshis, e.g. "50000"'), z.number().int().safe()])
      .optional(),
    price: z
      .strictObject({
        currency: z.enum(['KRW', 'USD']),
        amount: z.string().regex(/^\d{1,15}(\.\d{1,2})?$/, 'expected a decimal string, e.g. "12000" or "9.99"'),
      })
      .optional(),
    orderId: z
      .string()
      .regex(/^[\w.:#/-]{1,100}$/, 'expected 1-100 letters, digits or . _ - : # /')
      .optional(),
    memo: z.string().max(200).default(''),
    expiresInSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(3_600),
    confirmations: z.number().int().min(0).max(100).optional(),
  })
  .refine((body) => [body.amountBch, body.amountSats, body.price].filter((value) => value !== undefined).length === 1, {
    message: 'give exactly one of amountBch, amountSats or price',
    path: ['amountBch'],
  })

const paymentIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'expected a payment id as returned by POST /api/payments')

function pathId(value: unknown, name: string): string {
  const id = paymentIdSchema.safeParse(value)
  if (!id.success) throw new BadRequestError(describeIssues('path parameter', id.error).replace('value', name))
  return id.data
}

/**
 * `POST /payments` (201 new, 200 for an order id that has one), `GET /payments/:id`, its webhook delivery log
 * `GET /payments/:id/deliveries`, `POST /payments/:id/deliveries/:deliveryId/redeliver` (202), `GET /wallet`.
 * Mount behind `requireAuth` and `express.json()`.
 */
export function createPaymentRouter(payments: Payments): Router {
  const router = Router()
  router.post('/payments', async (req, res) => {
    const parsed = createPaymentSchema.safeParse(req.body ?? {})
    if (!parsed.success) throw new BadRequestError(describeIssues('body field', parsed.error))
    const { amountBch, amountSats, price, memo, expiresInSeconds, orderId, confirmations } = parsed.data
    const amount: PaymentAmount =
      amountBch !== undefined ? { bch: amountBch } : amountSats !== undefined ? { sats: BigInt(amountSats) } : { fiat: price! }
    const { existing, ...payment } = await payments.create({ amount, memo, expiresInSeconds, orderId, confirmations })
    res.status(existing ? 200 : 201).json(payment)
  })
  router.get('/payments/:id', async (req, res) => {
    const id = pathId(req.params['id'], 'id')
    const payment = await payments.get(id)
    if (!payment) throw new NotFoundError(`No payment ${id}: it was never created on this server.`)
    res.json(payment)
  })
  router.get('/payments/:id/deliveries', async (req, res) => {
    res.json({ items: await payments.deliveries(pathId(req.params['id'], 'id')) })
  })
  router.post('/payments/:id/deliveries/:deliveryId/redeliver', async (req, res) => {
    const delivery = await payments.redeliver(pathId(req.params['id'], 'id'), pathId(req.params['deliveryId'], 'deliveryId'))
    res.status(202).json(delivery)
  })
  router.get('/wallet', async (_req, res) => {
    res.json(await payments.wallet())
  })
  return router
}

/** The path prefix of `PAYMENT_NOTIFY_URL`: `/payments/daemon-notify/<secret>`. */
export const DAEMON_NOTIFY_PATH = /^\/payments\/daemon-notify\/([A-Za-z0-9_-]{16,128})$/

/**
 * `POST /payments/daemon-notify/:secret`: the Electron Cash daemon's `notify` callback (it cannot send a bearer
 * token, so the secret is in the path). The body is not read; any POST with the right secret makes the watcher poll
 * now. Anything else is a 404, whatever the secret's length or content.
 */
export function createDaemonNotifyRouter(payments: Payments, notifyUrl: string | (() => string)): Router {
  const secretOf = () => {
    const url = typeof notifyUrl === 'function' ? notifyUrl() : notifyUrl
    const secret = DAEMON_NOTIFY_PATH.exec(new URL(url).pathname)?.[1]
    if (!secret) throw new TypeError('notifyUrl must end in /payments/daemon-notify/<secret of 16-128 characters>.')
    return Buffer.from(secret)
  }
  if (typeof notifyUrl === 'string') secretOf() // a wrong URL stops start-up, not the first callback
  const router = Router()
  router.post('/payments/daemon-notify/:secret', (req, res) => {
    const secret = secretOf()
    const given = Buffer.from(String(req.params['secret']))
    if (given.length !== secret.length || !timingSafeEqual(given, secret)) throw new NotFoundError('Not found.')
    payments.poke()
    res.status(204).end()
  })
  return router
}
