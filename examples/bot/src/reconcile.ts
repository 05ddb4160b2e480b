import pRetry from 'p-retry'
import type { ExchangeAccount, ExchangeOrder } from './exchange.js'
import { ORDER_IDENTIFIER_PREFIX, type OrderDesk, type SettledOrder } from './order-desk.js'

/** What start-up learned from the exchange before the first cycle. */
export interface StartReconciliation {
  /** Orders whose outcome the previous run did not see, and orders of ours the log lacked: now settled and logged. */
  settled: SettledOrder[]
  /** The bot's orders (by identifier prefix) the exchange reports since the start of the UTC day: they count. */
  orders: ExchangeOrder[]
  /** The account as the exchange reports it after settling: the position and cash the bot starts from. */
  accounts: ExchangeAccount[]
}

/**
 * Start-up reconciliation, before any order: settles every intent the journal left open (found by identifier;
 * an open order is cancelled, a final one has its missing fills logged, a missing one is closed as absent),
 * then asks the exchange for every open order and every order closed since the start of the UTC day (or the
 * oldest open intent) carrying the bot's identifier prefix, cancels and logs any the trade log lacks, and reads
 * the balances. Nothing here resends an order.
 */
export async function reconcileAtStart(desk: OrderDesk, now: number): Promise<StartReconciliation> {
  const exchange = desk.exchange
  const oldestOpen = desk.unresolved()[0]?.tsMs ?? now
  const settled = await desk.settleUnresolved()
  const ours = (order: ExchangeOrder) => order.identifier?.startsWith(ORDER_IDENTIFIER_PREFIX) ?? false
  for (const order of (await exchange.openOrders()).filter(ours)) settled.push(await desk.settleFound(order))
  const startOfDay = Date.parse(`${new Date(now).toISOString().slice(0, 10)}T00:00:00Z`)
  // A minute of slack: the exchange's clock may run ahead of ours.
  const closed = (await exchange.closedOrders(Math.min(startOfDay, oldestOpen), now + 60_000)).filter(ours)
  for (const order of closed) {
    if (!desk.isLogged(order)) settled.push(await desk.settleFound(order))
  }
  // Cancelled ones count too: the exchange accepted them. (`stateAt` counts each identifier once.)
  const orders = [...closed, ...settled.flatMap((s) => (s.order ? [s.order] : []))]
  return { settled, orders, accounts: await exchange.accounts() }
}

export interface WaitOptions {
  /** Whether an error means "try again later" (exchange unreachable) rather than "stop". */
  retryable: (error: unknown) => boolean
  /** First wait between attempts, ms; doubles up to `maxDelayMs`. */
  minDelayMs: number
  maxDelayMs: number
  /** Stops waiting (SIGINT/SIGTERM): the promise rejects with the abort reason. */
  signal?: AbortSignal | undefined
  /** Told about each failed attempt, before the wait. */
  onWait: (error: unknown, attempt: number, delayMs: number) => void
}

/**
 * Runs `task` until it succeeds, waiting while the exchange is unreachable: the bot does not trade on state it
 * could not confirm. Errors that waiting will not fix (bad keys, a refused request) end it at once.
 */
export function untilReachable<T>(task: () => Promise<T>, options: WaitOptions): Promise<T> {
  let delayMs = options.minDelayMs
  return pRetry(task, {
    retries: Number.POSITIVE_INFINITY,
    factor: 2,
    minTimeout: options.minDelayMs,
    maxTimeout: options.maxDelayMs,
    signal: options.signal,
    shouldRetry: ({ error }) => options.retryable(error),
    onFailedAttempt: ({ error, attemptNumber }) => {
      if (!options.retryable(error)) return
      options.onWait(error, attemptNumber, delayMs)
      delayMs = Math.min(delayMs * 2, options.maxDelayMs)
    },
  })
}
