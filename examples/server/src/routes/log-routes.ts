import { type Request, type Response, Router } from 'express'
import { ALL_BOTS, type Bots } from '../bots.js'
import type { CursorCodec } from '../cursor-codec.js'
import type { ListedKind } from '../log-store.js'
import { mergedPage } from '../merged-pages.js'
import { createQueryParser, listQuerySchema } from '../query.js'

/** The paths this router serves (the tests enumerate them). */
export const LOG_ROUTES = ['/trades', '/decisions', '/analysis', '/errors'] as const

/** `GET /trades`, `/decisions` (and `/analysis`, the old API's name), `/errors`: filtered, cursor-paginated. */
export function createLogRouter(bots: Bots, cursors: CursorCodec): Router {
  const router = Router()
  const parseList = createQueryParser(listQuerySchema)
  const serve = (kind: ListedKind) => async (req: Request, res: Response) => {
    const query = parseList(req)
    if (query.bot === ALL_BOTS) return res.json(await mergedPage(bots, kind, query, cursors))
    res.type('json').send(await bots.store(query.bot).listJson(kind, query))
  }
  router.get('/trades', serve('trades'))
  router.get(['/decisions', '/analysis'], serve('decisions'))
  router.get('/errors', serve('errors'))
  return router
}
