import type { IncomingMessage } from 'node:http'
import { Router } from 'express'
import { z } from 'zod'
import type { Bots } from '../bots.js'
import { CANDLE_INTERVALS, type CandleInterval } from '../candle-buckets.js'
import {
  botSchema,
  createQueryParser,
  decisionQualityQuerySchema,
  equityQuerySchema,
  marketSchema,
  PERFORMANCE_INCLUDES,
  parseQuery,
  performanceQuerySchema,
  statsQuerySchema,
  wholeNumber,
} from '../query.js'

const pricesQuerySchema = z.strictObject({
  bot: botSchema.optional(),
  market: marketSchema.optional(),
  points: wholeNumber(2, 5_000).default(1_000),
})
const portfolioQuerySchema = z.strictObject({ bot: botSchema.optional() })

const candlesQuerySchema = z.strictObject({
  bot: botSchema.optional(),
  market: marketSchema.optional(),
  interval: z.enum(['auto', ...(Object.keys(CANDLE_INTERVALS) as CandleInterval[])]).default('auto'),
  limit: wholeNumber(1, 2_000).default(300),
})

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

/**
 * The JSON bytes of `/performance` for a request's query (headline figures unless `include=` asks for more). Express's
 * route and the cached-GET fast path both answer with it.
 */
export function createPerformanceAnswer(bots: Bots) {
  const parse = createQueryParser(performanceQuerySchema)
  const serialize = performanceBytes()
  return async (req: Pick<IncomingMessage, 'url'>): Promise<Buffer> => {
    const { include, ...query } = parse(req)
    return serialize(await bots.store(query.bot).performance(query), include)
  }
}

/** The paths this router serves (the tests enumerate them). */
export const STATS_ROUTES = [
  '/portfolio',
  '/performance',
  '/equity',
  '/daily',
  '/prices',
  '/candles',
  '/decisions/quality',
] as const

/** `GET /portfolio`, `/performance`, `/equity`, `/daily`, `/prices`, `/decisions/quality`: statistics over the trade log. */
export function createStatsRouter(bots: Bots): Router {
  const router = Router()
  router.get('/portfolio', async (req, res) => {
    const { bot } = parseQuery(portfolioQuerySchema, req)
    res.json(await bots.store(bot).portfolio())
  })
  const performance = createPerformanceAnswer(bots)
  router.get('/performance', async (req, res) => {
    res.type('json').send(await performance(req))
  })
  router.get('/decisions/quality', async (req, res) => {
    const query = parseQuery(decisionQualityQuerySchema, req)
    res.json(await bots.store(query.bot).decisionQuality(query))
  })
  router.get('/equity', async (req, res) => {
    const query = parseQuery(equityQuerySchema, req)
    res.json(await bots.store(query.bot).equity(query))
  })
  router.get('/daily', async (req, res) => {
    const query = parseQuery(statsQuerySchema, req)
    res.json(await bots.store(query.bot).daily(query))
  })
  router.get('/prices', async (req, res) => {
    const query = parseQuery(pricesQuerySchema, req)
    res.json(await bots.store(query.bot).prices(query))
  })
  router.get('/candles', async (req, res) => {
    const query = parseQuery(candlesQuerySchema, req)
    res.json(await bots.store(query.bot).candles(query))
  })
  return router
}
