/**
 * Keeps trade-log's all-time performance checkpoint current while the bot writes: once at start and again each
 * time the bot's day changes, in the background. A dashboard server started on this log directory for the first
 * time then resumes from it (examples/server uses the same index with the same options, so they share the file)
 * instead of reading the whole history before its first answer.
 */
import { createPerformanceIndex, createTradeLogReader, dayKey, type PerformanceIndex } from '@tradekit/trade-log'
import type { Logger } from 'pino'

export interface StatsCheckpoint {
  /** Call after each cycle: refreshes the checkpoint when the day changed since the last refresh (and the first time). */
  tick(): void
  /** Resolves when a refresh in progress has finished (call before exiting). */
  settled(): Promise<void>
  readonly index: PerformanceIndex
}

export function createStatsCheckpoint(options: {
  /** The trade-log directory the bot writes. */
  dir: string
  /** The bot's clock (the replayed candle time in paper replay). */
  now: () => number
  logger: Logger
  /** Time zone of the daily files. Default: `'UTC'`, the writer's and the server's default. */
  timeZone?: string
}): StatsCheckpoint {
  const timeZone = options.timeZone ?? 'UTC'
  const warn = (message: string) => options.logger.warn(message)
  const index = createPerformanceIndex({ reader: createTradeLogReader({ dir: options.dir }), timeZone, onWarning: warn })
  let lastDay: string | undefined
  let running: Promise<void> | undefined
  return {
    index,
    tick() {
      const day = dayKey(options.now(), timeZone)
      if (day === lastDay || running) return
      lastDay = day
      running = index
        .result()
        .then(
          () => undefined,
          // Statistics are a convenience for the dashboard: a failure never stops trading.
          (error: unknown) => warn(`performance checkpoint not refreshed: ${(error as Error).message}`),
        )
        .finally(() => {
          running = undefined
        })
    },
    settled: () => running ?? Promise.resolve(),
  }
}
