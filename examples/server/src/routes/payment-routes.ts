import { Router } from 'express'
import { z } from 'zod'
import { BadRequestError, NotFoundError } from '../errors.js'
import type { Payments } from '../payments.js'
import { describeIssues } from '../query.js'

/** Either `amountBch` (decimal string, at most 8 decimals) or `amountSats` (integer string or safe integer). */
const createPaymentSchema = z
  .strictObject({
    amountBch: z
      .string()
      .regex(/^\d{1,8}(\.\d{1,8})?$/, 'expected BCH as a decimal string with at most 8 decimals, e.g. "0.0005"')
      .optional(),
    amountSats: z
      .union([z.string().regex(/^\d{1,16}$/, 'expected whole satoshis, e.g. "50000"'), z.number().int().safe()])
      .optional(),
    memo: z.string().max(200).default(''),
    expiresInSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(3_600),
  })
  .refine((body) => (body.amountBch === undefined) !== (body.amountSats === undefined), {
    message: 'give exactly one of amountBch or amountSats',
    path: ['amountBch'],
  })

const paymentIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'expected a payment id as returned by POST /api/payments')

/** `POST /payments`, `GET /payments/:id`, `GET /wallet`. Mount behind `requireAuth` and `express.json()`. */
export function createPaymentRouter(payments: Payments): Router {
  const router = Router()
  router.post('/payments', async (req, res) => {
    const parsed = createPaymentSchema.safeParse(req.body ?? {})
    if (!parsed.success) throw new BadRequestError(describeIssues('body field', parsed.error))
    const { amountBch, amountSats, memo, expiresInSeconds } = parsed.data
    const amount = amountBch !== undefined ? { bch: amountBch } : { sats: BigInt(amountSats!) }
    const payment = await payments.create({ amount, memo, expiresInSeconds })
    res.status(201).json(payment)
  })
  router.get('/payments/:id', async (req, res) => {
    const id = paymentIdSchema.safeParse(req.params['id'])
    if (!id.success) throw new BadRequestError(describeIssues('path parameter', id.error).replace('value', 'id'))
    const payment = await payments.get(id.data)
    if (!payment) throw new NotFoundError(`No payment ${id.data}: it was never created on this server.`)
    res.json(payment)
  })
  router.get('/wallet', async (_req, res) => {
    res.json(await payments.wallet())
  })
  return router
}
