import { BadRequestError, NotFoundError } from './errors.js'
import type { LogStore } from './log-store.js'

/** One bot whose log directory this server serves. */
export interface BotOptions {
  /** Short name used in the API (`?bot=alpha`) and the dashboard's selector: lowercase letters, digits, `-`, `_`. */
  id: string
  /** Its trade-log directory. */
  logDir: string
  /** Quote-currency cash before its first fill. Default: derived from its equity log. */
  startingBalance?: string | undefined
  /** Its all-time performance checkpoint file. Default: inside its log directory. */
  performanceCacheFile?: string | false | undefined
}

/** The id a single-directory server gives its only bot. */
export const DEFAULT_BOT = 'default'
/** `?bot=all`: every bot at once (lists merged newest first, `/api/bots` for the figures side by side). */
export const ALL_BOTS = 'all'
export const BOT_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/

/** The bots a server serves, by id; the first one answers requests that name none. */
export interface Bots {
  readonly ids: readonly string[]
  readonly defaultId: string
  /** The store of `id` (the default bot when undefined); an unknown id is a 404 naming the known ones. */
  store(id: string | undefined): LogStore
  entries(): [string, LogStore][]
}

export function createBots(stores: ReadonlyMap<string, LogStore>): Bots {
  const ids = [...stores.keys()]
  const defaultId = ids[0]!
  return {
    ids,
    defaultId,
    store(id) {
      if (id === ALL_BOTS) {
        throw new BadRequestError(
          'Invalid query parameter bot: "all" merges the lists (trades, decisions, errors); GET /api/bots gives every bot’s figures side by side.',
        )
      }
      const store = stores.get(id ?? defaultId)
      if (!store) {
        throw new NotFoundError(`No bot "${id}" on this server: known bots are ${ids.join(', ')} (GET /api/bots).`)
      }
      return store
    },
    entries: () => [...stores.entries()],
  }
}
