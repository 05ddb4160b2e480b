import { type Request, type Response, Router } from 'express'
import type { ListedKind, LogStore } from '../log-store.js'
import { listQuerySchema, parseQuery } from '../query.js'

/** `GET /trades`, `/decisions` (and `/analysis`, the old API's name), `/errors`: filtered, cursor-paginated. */
export function createLogRouter(store: LogStore): Router {
  const router = Router()
  const serve = (kind: ListedKind) => async (req: Request, res: Response) => {
    const json = await store.listJson(kind, parseQuery(listQuerySchema, req))
    res.type('json').send(json)
  }
  router.get('/trades', serve('trades'))
  router.get(['/decisions', '/analysis'], serve('decisions'))
  router.get('/errors', serve('errors'))
  return router
}
