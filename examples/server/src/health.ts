import type { HealthCheck, HealthResponse } from './api-types.js'
import type { Bots } from './bots.js'
import type { LogStore } from './log-store.js'

/** One dependency's health, computed on demand. */
export type HealthProbe = () => Promise<HealthCheck>

export interface HealthOptions {
  /** Reuse a computed report for this long, so a scraper hammering /health cannot make us hammer the disk. Default: `1_000`. */
  cacheMs?: number
}

export interface Health {
  /** Full report: status, reasons and every check. */
  report(): Promise<HealthResponse>
}

/**
 * Readiness: the server is ready when it can read the log directory and, if payments are configured, reach the
 * Electron Cash daemon. A stale bot is reported (`warn`) but does not make the server unready: the API still
 * serves what was logged.
 */
export function createHealth(
  checks: { logDir: HealthProbe; electronCash: HealthProbe; bot: HealthProbe },
  options: HealthOptions = {},
): Health {
  const cacheMs = options.cacheMs ?? 1_000
  let cached: { at: number; value: Promise<HealthResponse> } | undefined

  async function compute(): Promise<HealthResponse> {
    const settle = (probe: HealthProbe) =>
      probe().catch((error: unknown): HealthCheck => ({ status: 'down', summary: `check failed: ${(error as Error).message}` }))
    const [logDir, electronCash, bot] = await Promise.all([
      settle(checks.logDir),
      settle(checks.electronCash),
      settle(checks.bot),
    ])
    const reasons: string[] = []
    if (logDir.status === 'down') reasons.push(`trade log: ${logDir.summary}`)
    if (electronCash.status === 'down') reasons.push(`electron cash: ${electronCash.summary}`)
    if (bot.status === 'down') reasons.push(`bot: ${bot.summary}`)
    return { status: reasons.length === 0 ? 'ready' : 'unavailable', reasons, checks: { logDir, electronCash, bot } }
  }

  return {
    report() {
      const now = Date.now()
      if (!cached || now - cached.at >= cacheMs) cached = { at: now, value: compute() }
      return cached.value
    },
  }
}

/**
 * The bot check. Liveness is judged by when the bot last wrote its decision or equity file (wall clock), not by
 * the time inside the entry, which is simulated time when the bot replays history.
 */
export function botCheck(
  last: { entryMs: number; writtenMs: number } | undefined,
  staleAfterMs: number,
  now: number,
): HealthCheck {
  if (last === undefined) return { status: 'warn', summary: 'no bot cycle logged yet', lastCycleAt: null, lastWriteAt: null }
  const ageMs = Math.max(0, now - last.writtenMs)
  const facts = { lastCycleAt: new Date(last.entryMs).toISOString(), lastWriteAt: new Date(last.writtenMs).toISOString(), ageMs }
  if (ageMs > staleAfterMs) {
    return {
      status: 'warn',
      summary: `last cycle written ${Math.round(ageMs / 1000)} s ago (stale after ${Math.round(staleAfterMs / 1000)} s): is the bot running and writing to this directory?`,
      ...facts,
    }
  }
  return { status: 'ok', summary: `last cycle written ${Math.round(ageMs / 1000)} s ago`, ...facts }
}

const SEVERITY: Record<HealthCheck['status'], number> = { disabled: 0, ok: 1, warn: 2, down: 3 }

/**
 * One check over every bot: with a single bot its own check unchanged; with several, the worst status, a summary
 * naming each bot that is not ok, and every bot's check under `bots`.
 */
export async function combineChecks(bots: Bots, probe: (store: LogStore) => Promise<HealthCheck>): Promise<HealthCheck> {
  const checks = await Promise.all(
    bots.entries().map(async ([id, store]) => {
      try {
        return [id, await probe(store)] as const
      } catch (error) {
        return [id, { status: 'down', summary: `check failed: ${(error as Error).message}` } as HealthCheck] as const
      }
    }),
  )
  if (checks.length === 1) return checks[0]![1]
  const worst = checks.reduce((a, b) => (SEVERITY[b[1].status] > SEVERITY[a[1].status] ? b : a))
  const troubled = checks.filter(([, check]) => check.status === 'warn' || check.status === 'down')
  return {
    status: worst[1].status,
    summary:
      troubled.length === 0 ? `${checks.length} bots ok` : troubled.map(([id, check]) => `${id}: ${check.summary}`).join('; '),
    bots: Object.fromEntries(checks),
  }
}
