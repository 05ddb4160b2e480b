import { Router } from 'express'
import type { LogStore } from '../log-store.js'
import { listQuerySchema, parseQuery } from '../query.js'

/** `GET /trades`, `/decisions` (and `/analysis`, the old API's name), `/errors`: filtered, cursor-paginated. */
export function createLogRouter(store: LogStore): Router {
  const router = Router()
  router.get('/trades', async (req, res) => {
    res.json(await store.list('trades', parseQuery(listQuerySchema, req)))
  })
  router.get(['/decisions', '/analysis'], async (req, res) => {
    res.json(await store.list('decisions', parseQuery(listQuerySchema, req)))
  })
  router.get('/errors', async (req, res) => {
    res.json(await store.list('errors', parseQuery(listQuerySchema, req)))
  })
  return router
}
