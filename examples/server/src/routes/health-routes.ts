import { Router } from 'express'
import type { Authenticator } from '../auth.js'
import type { Health } from '../health.js'

/**
 * `GET /health`: without a token only `{ status }` (load balancers need no more, and strangers learn nothing);
 * with a valid token the checks and reasons. 200 when ready, 503 otherwise. A token that does not verify is 401.
 */
export function createHealthRouter(health: Health, authenticator: Authenticator): Router {
  const router = Router()
  router.get('/health', async (req, res) => {
    const detailed = req.headers.authorization !== undefined
    if (detailed) authenticator.verify(req.headers.authorization)
    const report = await health.report()
    res.setHeader('Cache-Control', 'no-store')
    res.status(report.status === 'ready' ? 200 : 503).json(detailed ? report : { status: report.status })
  })
  return router
}
