import { Router } from 'express'
import { z } from 'zod'
import type { LogStore } from '../log-store.js'
import { equityQuerySchema, marketSchema, parseQuery, statsQuerySchema, wholeNumber } from '../query.js'

const pricesQuerySchema = z.strictObject({
  market: marketSchema.optional(),
  points: wholeNumber(2, 5_000).default(1_000),
})
const portfolioQuerySchema = z.strictObject({})

/** The paths this router serves (the tests enumerate them). */
export const STATS_ROUTES = ['/portfolio', '/performance', '/equity', '/daily', '/prices'] as const

/** `GET /portfolio`, `/performance`, `/equity`, `/daily`, `/prices`: statistics over the trade log. */
export function createStatsRouter(store: LogStore): Router {
  const router = Router()
  router.get('/portfolio', async (req, res) => {
    parseQuery(portfolioQuerySchema, req)
    res.json(await store.portfolio())
  })
  router.get('/performance', async (req, res) => {
    res.json(await store.performance(parseQuery(statsQuerySchema, req)))
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
