import { formatDecimal, parseDecimal } from '@tradekit/trade-log'
import { Router } from 'express'
import { z } from 'zod'
import type { Bots } from '../bots.js'
import { parseQuery, statsQuerySchema } from '../query.js'

type Figures = Record<string, unknown>

/** Σ of decimal strings, or null when any is missing (a total that silently skips a bot would be wrong). */
function total(values: unknown[]): string | null {
  if (values.some((value) => typeof value !== 'string')) return null
  return formatDecimal(
    values.reduce((sum: ReturnType<typeof parseDecimal>, value) => sum.plus(parseDecimal(value as string)), parseDecimal('0')),
  )
}

/**
 * `GET /bots`: the combined view. Each bot's headline figures (portfolio and all-time performance) side by side,
 * and their totals in money (ratios such as win rate are per bot: averaging them would mislead).
 */
export function createBotsRouter(bots: Bots): Router {
  const router = Router()
  router.get('/bots', async (req, res) => {
    parseQuery(z.strictObject({}), req)
    const rows = await Promise.all(
      bots.ids.map(async (id) => {
        const store = bots.store(id)
        const [portfolio, performance] = (await Promise.all([
          store.portfolio(),
          store.performance(statsQuerySchema.parse({})),
        ])) as [Figures, Figures]
        return {
          id,
          startingBalance: (portfolio['startingBalance'] as Figures | undefined)?.['amount'] ?? null,
          cash: portfolio['cash'] ?? null,
          equity: portfolio['equity'] ?? null,
          realizedPnl: portfolio['realizedPnl'] ?? null,
          unrealizedPnl: portfolio['unrealizedPnl'] ?? null,
          fees: portfolio['fees'] ?? null,
          pricesAt: portfolio['pricesAt'] ?? null,
          fills: performance['fills'],
          tradeCount: performance['tradeCount'],
          winRate: performance['winRate'],
          maxDrawdown: (performance['maxDrawdown'] as Figures | undefined)?.['relative'] ?? null,
          sharpe: performance['sharpe'],
        }
      }),
    )
    const sum = (field: keyof (typeof rows)[number]) => total(rows.map((row) => row[field]))
    res.json({
      bots: rows,
      total: {
        startingBalance: sum('startingBalance'),
        equity: sum('equity'),
        realizedPnl: sum('realizedPnl'),
        unrealizedPnl: sum('unrealizedPnl'),
        fees: sum('fees'),
        fills: rows.reduce((count, row) => count + Number(row.fills ?? 0), 0),
        tradeCount: rows.reduce((count, row) => count + Number(row.tradeCount ?? 0), 0),
      },
    })
  })
  return router
}
