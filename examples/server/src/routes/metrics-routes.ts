import { Router } from 'express'
import type { Authenticator } from '../auth.js'
import type { Metrics } from '../metrics.js'

/** `GET /metrics` in the Prometheus text format; behind the bearer token unless `authenticator` is undefined. */
export function createMetricsRouter(metrics: Metrics, authenticator: Authenticator | undefined): Router {
  const router = Router()
  router.get('/metrics', async (req, res) => {
    authenticator?.verify(req.headers.authorization)
    res.setHeader('Content-Type', metrics.registry.contentType)
    res.send(await metrics.registry.metrics())
  })
  return router
}
