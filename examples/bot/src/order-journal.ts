import { existsSync } from 'node:fs'
import { join } from 'node:path'
import {
  createTradeLogReader,
  createTradeLogWriter,
  DecimalSchema,
  defineEntryKind,
  type EntryOf,
  MarketSchema,
} from '@tradekit/trade-log'
import { z } from 'zod'

/**
 * The order journal: what the bot is about to do with an order, on disk (fdatasync) BEFORE it does it. An
 * `intent` is written before the order is sent, so a crash at any later moment leaves a record that the order
 * may exist, under which identifier, on which day. `settled` and `absent` close an intent. `day-start` keeps
 * today's PnL baseline. The risk limits are rebuilt from this journal, the durable trades log and the exchange;
 * never from the buffered decisions log.
 *
 * Files: `<tradeLogDir>/orders/orders_YYYYMMDD.jsonl`, written by trade-log as a custom durable kind. They sit
 * in their own folder so tools reading the trade log (the example server, `trade-log doctor`) see only the four
 * kinds they know.
 */
export const ordersKind = defineEntryKind({
  name: 'orders',
  durability: 'durable',
  schema: z.object({
    event: z.enum(['intent', 'settled', 'absent', 'day-start']),
    /** The order's client identifier (`tk-<decisionId>`): how it is found on the exchange after a crash. */
    identifier: z.string().min(1).optional(),
    market: MarketSchema.optional(),
    decisionId: z.string().min(1).optional(),
    side: z.enum(['buy', 'sell']).optional(),
    ordType: z.string().min(1).optional(),
    /** Market buy: the KRW total; limit: the price. Decimal string. */
    price: DecimalSchema.optional(),
    volume: DecimalSchema.optional(),
    reason: z.string().optional(),
    confidence: z.number().min(0).max(1).optional(),
    /** settled: the exchange's uuid, final state and executed volume. */
    orderId: z.string().min(1).optional(),
    state: z.string().min(1).optional(),
    executedVolume: DecimalSchema.optional(),
    /** settled by start-up reconciliation (the run that placed it crashed first). */
    recovered: z.boolean().optional(),
    /** absent / settled: how it was established. */
    detail: z.string().optional(),
    /** day-start: the UTC day and the equity its PnL is measured from. */
    day: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
    equity: DecimalSchema.optional(),
  }),
})

export type JournalEntry = EntryOf<typeof ordersKind>
export type JournalInput = Omit<JournalEntry, 'ts'>

/** An order the bot decided to send, as journaled before sending it. */
export interface OrderIntent {
  tsMs: number
  identifier: string
  market: string
  decisionId: string
  side: 'buy' | 'sell'
  reason: string
  confidence: number
}

/** What the journal says: intents by identifier (oldest first), which are closed, and each day's PnL baseline. */
export interface JournalState {
  intents: Map<string, OrderIntent>
  /** Identifiers whose intent is closed (settled or absent). */
  closed: Set<string>
  /** UTC day → the first baseline written for it. */
  dayStarts: Map<string, { tsMs: number; equity: string }>
}

export interface OrderJournal {
  /** Appends one entry; resolves once it is on disk (durable journal) or kept (memory journal). */
  append(entry: JournalInput): Promise<void>
  /** The journal so far, including what this process appended. */
  readonly state: JournalState
  close(): Promise<void>
}

/** Where the journal of a trade-log directory lives. */
export function orderJournalDir(logDir: string): string {
  return join(logDir, 'orders')
}

function emptyState(): JournalState {
  return { intents: new Map(), closed: new Set(), dayStarts: new Map() }
}

function apply(state: JournalState, entry: JournalInput): void {
  if (entry.event === 'day-start') {
    if (entry.day && entry.equity && !state.dayStarts.has(entry.day))
      state.dayStarts.set(entry.day, { tsMs: entry.tsMs, equity: entry.equity })
    return
  }
  if (!entry.identifier) return
  if (entry.event !== 'intent') {
    state.closed.add(entry.identifier)
    return
  }
  if (state.intents.has(entry.identifier)) return
  state.intents.set(entry.identifier, {
    tsMs: entry.tsMs,
    identifier: entry.identifier,
    market: entry.market ?? '',
    decisionId: entry.decisionId ?? '',
    side: entry.side ?? 'buy',
    reason: entry.reason ?? '',
    confidence: entry.confidence ?? 0,
  })
}

/** Reads the journal of a trade-log directory (an empty state when there is none yet). */
export async function readOrderJournal(logDir: string): Promise<JournalState> {
  const state = emptyState()
  const dir = orderJournalDir(logDir)
  if (!existsSync(dir)) return state
  const reader = createTradeLogReader({ dir, kinds: [ordersKind] })
  for await (const { entry } of reader.stream({ kind: 'orders' })) apply(state, entry as JournalInput)
  return state
}

/** Opens the durable journal of a trade-log directory: every `append` is fdatasync'ed before it resolves. */
export async function openOrderJournal(logDir: string, options: { now?: () => number } = {}): Promise<OrderJournal> {
  const state = await readOrderJournal(logDir)
  const writer = createTradeLogWriter({
    dir: orderJournalDir(logDir),
    kinds: [ordersKind],
    ...(options.now ? { now: options.now } : {}),
  })
  return {
    state,
    async append(entry) {
      await writer.append('orders', entry)
      apply(state, entry)
    },
    close: () => writer.close(),
  }
}

/** A journal in memory: for backtests, which replay history and never resume after a crash. */
export function createMemoryJournal(): OrderJournal {
  const state = emptyState()
  return {
    state,
    async append(entry) {
      apply(state, entry)
    },
    close: async () => {},
  }
}
