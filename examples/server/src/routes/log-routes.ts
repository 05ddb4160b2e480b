import type { IncomingMessage } from 'node:http'
import { type Request, type Response, Router } from 'express'
import { ALL_BOTS, type Bots } from '../bots.js'
import type { CursorCodec } from '../cursor-codec.js'
import type { ListedKind } from '../log-store.js'
import { mergedPage } from '../merged-pages.js'
import { createQueryParser, listQuerySchema } from '../query.js'

/** The paths this router serves and the kind each lists (the tests and the fast path enumerate them). */
export const LOG_ROUTE_KINDS = {
  '/trades': 'trades',
  '/decisions': 'decisions',
  // The old API's name for decisions.
  '/analysis': 'decisions',
  '/errors': 'errors',
} as const satisfies Record<string, ListedKind>
export const LOG_ROUTES = Object.keys(LOG_ROUTE_KINDS) as (keyof typeof LOG_ROUTE_KINDS)[]

/**
 * The JSON bytes of one list answer for a request's query (`?bot=all` merges every bot). Express's routes and the
 * cached-GET fast path both answer with it.
 */
export function createListAnswer(bots: Bots, cursors: CursorCodec) {
  const parseList = createQueryParser(listQuerySchema)
  return async (kind: ListedKind, req: Pick<IncomingMessage, 'url'>): Promise<Buffer> => {
    const query = parseList(req)
    if (query.bot === ALL_BOTS) return Buffer.from(JSON.stringify(await mergedPage(bots, kind, query, cursors)))
    return bots.store(query.bot).listJson(kind, query)
  }
}

/** `GET /trades`, `/decisions` (and `/analysis`, the old API's name), `/errors`: filtered, cursor-paginated. */
export function createLogRouter(bots: Bots, cursors: CursorCodec): Router {
  const router = Router()
  const answer = createListAnswer(bots, cursors)
  for (const [path, kind] of Object.entries(LOG_ROUTE_KINDS)) {
    router.get(path, async (req: Request, res: Response) => {
      res.type('json').send(await answer(kind, req))
    })
  }
  return router
}
