import type { TradeLogWriter } from '@tradekit/trade-log'

/**
 * Where the bot writes what it did: the four trade-log kinds. Entries carry `tsMs` (the bot's clock); the
 * trade-log writer adds the ISO `ts` and validates against its schemas.
 */
export type LogEntryInput = { tsMs: number } & Record<string, unknown>

export interface BotLog {
  decision(entry: LogEntryInput): Promise<void>
  trade(entry: LogEntryInput): Promise<void>
  error(entry: LogEntryInput): Promise<void>
  equity(entry: LogEntryInput): Promise<void>
  /** Flushes buffered kinds and closes the files; resolves when everything is on disk. */
  close(): Promise<void>
}

/** The bot's log on a trade-log writer: trades and equity durable (fdatasync), decisions and errors buffered. */
export function createBotLog(writer: TradeLogWriter): BotLog {
  // The writer validates every entry against its schema; the loose input type is checked there, at run time.
  const append = (kind: 'decisions' | 'trades' | 'errors' | 'equity') => async (entry: LogEntryInput) => {
    await writer.append(kind, entry as never)
  }
  let closing: Promise<void> | undefined
  return {
    decision: append('decisions'),
    trade: append('trades'),
    error: append('errors'),
    equity: append('equity'),
    close: () => {
      if (!closing) closing = writer.close()
      return closing
    },
  }
}
