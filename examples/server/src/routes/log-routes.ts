import { type Request, type Response, Router } from 'express'
import type { ListedKind, LogStore } from '../log-store.js'
import { createQueryParser, listQuerySchema } from '../query.js'

/** The paths this router serves (the tests enumerate them). */
export const LOG_ROUTES = ['/trades', '/decisions', '/analysis', '/errors'] as const

/** `GET /trades`, `/decisions` (and `/analysis`, the old API's name), `/errors`: filtered, cursor-paginated. */
export function createLogRouter(store: LogStore): Router {
  const router = Router()
  const parseList = createQueryParser(listQuerySchema)
  const serve = (kind: ListedKind) => async (req: Request, res: Response) => {
    const body = await store.listJson(kind, parseList(req))
    res.type('json').send(body)
  }
  router.get('/trades', serve('trades'))
  router.get(['/decisions', '/analysis'], serve('decisions'))
  router.get('/errors', serve('errors'))
  return router
}
