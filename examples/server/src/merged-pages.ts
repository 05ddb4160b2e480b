import type { Page } from './api-types.js'
import type { Bots } from './bots.js'
import type { CursorCodec } from './cursor-codec.js'
import { BadRequestError } from './errors.js'
import type { ListedKind } from './log-store.js'
import type { ListQuery } from './query.js'

type Entry = { tsMs: number } & Record<string, unknown>

/**
 * `?bot=all`: every bot's entries merged by time, each tagged with its `bot`. Ties are ordered by bot id, then by
 * each bot's own order, so pages never repeat or skip an entry. The cursor is the time of the page's last entry and
 * how many entries at exactly that time were already served (signed like every cursor).
 */
export async function mergedPage(bots: Bots, kind: ListedKind, query: ListQuery, cursors: CursorCodec): Promise<Page<Entry>> {
  const descending = query.order === 'desc'
  let boundary: number | undefined
  let skip = 0
  if (query.cursor !== undefined) {
    const match = /^m:(\d{1,16}):(\d{1,7})$/.exec(cursors.decode(query.cursor))
    if (!match)
      throw new BadRequestError('Invalid query parameter cursor: it was not issued for bot=all; start again without it.')
    boundary = Number(match[1])
    skip = Number(match[2])
  }
  const narrowed: ListQuery = { ...query, cursor: undefined, limit: query.limit + skip }
  if (boundary !== undefined) {
    if (descending) narrowed.to = Math.min(query.to ?? Number.POSITIVE_INFINITY, boundary + 1)
    else narrowed.from = Math.max(query.from ?? 0, boundary)
  }
  const pages = await Promise.all(bots.entries().map(async ([bot, store]) => ({ bot, page: await store.list(kind, narrowed) })))
  const merged = pages
    .flatMap(({ bot, page }) => page.items.map((item, index) => ({ bot, index, item: item as unknown as Entry })))
    .sort(
      (a, b) =>
        (descending ? b.item.tsMs - a.item.tsMs : a.item.tsMs - b.item.tsMs) ||
        (a.bot < b.bot ? -1 : a.bot > b.bot ? 1 : a.index - b.index),
    )
  const served = merged.slice(skip, skip + query.limit)
  const more = merged.length > skip + query.limit || pages.some(({ page }) => page.nextCursor !== null)
  let nextCursor: string | null = null
  const last = served.at(-1)
  if (more && last) {
    const atLast = served.filter((entry) => entry.item.tsMs === last.item.tsMs).length
    const carried = boundary === last.item.tsMs ? skip : 0
    nextCursor = cursors.encode(`m:${last.item.tsMs}:${carried + atLast}`)
  }
  return {
    items: served.map(({ bot, item }) => ({ bot, ...item })),
    nextCursor,
    skippedLines: pages.reduce((sum, { page }) => sum + page.skippedLines, 0),
  }
}
