import { Router } from 'express'
import { z } from 'zod'
import type { LogStore } from '../log-store.js'
import {
  equityQuerySchema,
  marketSchema,
  PERFORMANCE_INCLUDES,
  parseQuery,
  performanceQuerySchema,
  statsQuerySchema,
  wholeNumber,
} from '../query.js'

const pricesQuerySchema = z.strictObject({
  market: marketSchema.optional(),
  points: wholeNumber(2, 5_000).default(1_000),
})
const portfolioQuerySchema = z.strictObject({})

/**
 * Serialized performance answers per computed value and `include`: the value object stays the same until the log
 * changes, so a repeat is a lookup instead of a JSON.stringify.
 */
function performanceBytes() {
  const byValue = new WeakMap<object, Map<string, Buffer>>()
  return (value: unknown, include: readonly string[]): Buffer => {
    const key = [...include].sort().join(',')
    const known = byValue.get(value as object) ?? new Map<string, Buffer>()
    byValue.set(value as object, known)
    let bytes = known.get(key)
    if (!bytes) {
      const body: Record<string, unknown> = { ...(value as Record<string, unknown>) }
      for (const [name, field] of Object.entries(PERFORMANCE_INCLUDES)) if (!include.includes(name)) delete body[field]
      bytes = Buffer.from(JSON.stringify(body))
      known.set(key, bytes)
    }
    return bytes
  }
}

/** The paths this router serves (the tests enumerate them). */
export const STATS_ROUTES = ['/portfolio', '/performance', '/equity', '/daily', '/prices'] as const

/** `GET /portfolio`, `/performance`, `/equity`, `/daily`, `/prices`: statistics over the trade log. */
export function createStatsRouter(store: LogStore): Router {
  const router = Router()
  router.get('/portfolio', async (req, res) => {
    parseQuery(portfolioQuerySchema, req)
    res.json(await store.portfolio())
  })
  const serialize = performanceBytes()
  router.get('/performance', async (req, res) => {
    const { include, ...query } = parseQuery(performanceQuerySchema, req)
    res.type('json').send(serialize(await store.performance(query), include))
  })
  router.get('/equity', async (req, res) => {
    res.json(await store.equity(parseQuery(equityQuerySchema, req)))
  })
  router.get('/daily', async (req, res) => {
    res.json(await store.daily(parseQuery(statsQuerySchema, req)))
  })
  router.get('/prices', async (req, res) => {
    res.json(await store.prices(parseQuery(pricesQuerySchema, req)))
  })
  return router
}
