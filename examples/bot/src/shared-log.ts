/**
 * The bot's trade log in PostgreSQL as well (`tradeLogUrl`, `TRADE_LOG_URL=postgres://…#<bot>`), so one dashboard
 * shows bots on several machines. The local files stay the bot's own durable record (its restart rebuilds state and
 * reconciles orders from them); every entry is then also inserted in the database, keyed by its identity, so a copy
 * that is sent twice is stored once. An entry the database did not take (it was down) is not lost: it is in the
 * files, and a catch-up (`importLogDirectory`, which inserts only what is missing) runs at start and after a failure.
 */
import type { TradeLogWriter } from '@tradekit/trade-log'
import { createPostgresTradeLogWriter, describeUrl, importLogDirectory, isPostgresUrl } from '@tradekit/trade-log/postgres'
import type { Logger } from 'pino'

export interface SharedLogOptions {
  /** `postgres://user:password@host/db#bot`. */
  url: string
  /** The bot's log directory (what the catch-up copies). */
  dir: string
  logger: Logger
  /** First wait before a catch-up after a failed insert; doubles up to a minute. Default 1000 ms. */
  retryMs?: number
}

/** How far back the catch-up at start looks (entries a previous run could not insert). */
const START_CATCH_UP_MS = 7 * 86_400_000

/** Wraps the bot's file writer: every entry goes to the files first, then to PostgreSQL. */
export function shareTradeLog(
  files: TradeLogWriter,
  options: SharedLogOptions,
): TradeLogWriter & { catchUp(fromMs: number): Promise<void> } {
  const database = createPostgresTradeLogWriter({ url: options.url })
  const where = describeUrl(new URL(options.url))
  let behind = false
  /** Time of the first entry the database did not take. */
  let missedFrom: number | undefined
  let catching: Promise<void> | undefined
  let timer: NodeJS.Timeout | undefined
  let delay = options.retryMs ?? 1000
  let closed = false

  const catchUp = (fromMs: number): Promise<void> => {
    catching ??= (async () => {
      // New entries go straight to the database from here on (inserting one twice stores it once), so nothing
      // appended while the import reads falls between the two.
      behind = false
      await files.flush()
      const report = await importLogDirectory({ url: options.url, dir: options.dir, from: fromMs })
      delay = options.retryMs ?? 1000
      const inserted = Object.values(report.kinds).reduce((sum, kind) => sum + kind.inserted, 0)
      if (inserted > 0) options.logger.info({ inserted, database: where }, 'trade log caught up in PostgreSQL')
    })()
      .catch((error: unknown) => missed(fromMs, error))
      .finally(() => {
        catching = undefined
      })
    return catching
  }
  function missed(tsMs: number, error: unknown) {
    behind = true
    missedFrom = Math.min(missedFrom ?? tsMs, tsMs)
    options.logger.warn(
      { err: (error as Error).message, database: where },
      'trade log entries kept in the files only for now; retrying',
    )
    if (closed || timer) return
    timer = setTimeout(() => {
      timer = undefined
      const from = missedFrom!
      missedFrom = undefined
      // A minute of margin for entries stamped slightly before the first one missed.
      void catchUp(from - 60_000)
    }, delay)
    timer.unref()
    delay = Math.min(delay * 2, 60_000)
  }

  return {
    dir: files.dir,
    currentFiles: () => files.currentFiles(),
    append: (async (kind: string, input: unknown) => {
      const entry = (await files.append(kind as 'trades', input as never)) as { tsMs: number }
      if (behind) {
        missedFrom = Math.min(missedFrom ?? entry.tsMs, entry.tsMs)
      } else {
        // The stored entry (with its timestamps) is sent: the same key as the catch-up would give it.
        await database.append(kind as 'trades', entry as never).catch((error: unknown) => missed(entry.tsMs, error))
      }
      return entry
    }) as TradeLogWriter['append'],
    async flush() {
      await files.flush()
      await database.flush().catch(() => undefined)
    },
    async close() {
      closed = true
      clearTimeout(timer)
      await catching
      await files.close()
      // Buffered entries reach the database now; what it does not take is caught up at the next start.
      await database.close().catch(() => undefined)
    },
    catchUp,
  }
}

/** The bot's writer with `tradeLogUrl` set: shared, and caught up for the last week at start (in the background). */
export function sharedTradeLog(files: TradeLogWriter, url: string, dir: string, logger: Logger): TradeLogWriter {
  if (!isPostgresUrl(url)) {
    throw new Error(
      'configuration: setting "tradeLogUrl" (TRADE_LOG_URL) must be a postgres:// URL, e.g. postgres://bot:password@db:5432/trades#alpha',
    )
  }
  const shared = shareTradeLog(files, { url, dir, logger })
  void shared.catchUp(Date.now() - START_CATCH_UP_MS)
  return shared
}
