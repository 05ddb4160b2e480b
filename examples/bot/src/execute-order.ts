import { setTimeout as delay } from 'node:timers/promises'
import type { Exchange, ExchangeOrder, OrderRequest } from './exchange.js'
import { type Fill, fillsFromOrder } from './fills.js'

export interface ExecuteOrderOptions {
  /** Sends the order: the order desk's `place`, which journals the intent first. */
  place: (request: OrderRequest) => Promise<ExchangeOrder>
  /** Give up waiting and cancel after this many milliseconds. */
  timeoutMs: number
  /** Time between GET /order polls. */
  pollMs: number
  /** Aborted on shutdown: `cancel` cancels the order at once, `finish` keeps waiting until it settles or times out. */
  shutdown?: AbortSignal | undefined
  onShutdown: 'cancel' | 'finish'
}

export interface ExecutedOrder {
  order: ExchangeOrder
  fills: Fill[]
  /** `settled`: done or cancelled by the exchange; `timeout` / `shutdown`: we cancelled it. */
  outcome: 'settled' | 'timeout' | 'shutdown'
}

const FINAL = new Set(['done', 'cancel'])

/**
 * Places an order and waits for it to settle: from its myOrder events while the exchange has a live order stream,
 * by polling GET /order every `pollMs` while it has none (or the stream cannot say). If it does not settle in time
 * (or shutdown asks to cancel) it is cancelled and polled until the cancel is final, so no order is left open
 * behind us. The caller logs the fills through the order desk, whichever source ended the order.
 */
export async function executeOrder(
  exchange: Exchange,
  request: OrderRequest,
  options: ExecuteOrderOptions,
): Promise<ExecutedOrder> {
  const placed = await options.place(request)
  const deadline = Date.now() + options.timeoutMs
  let order = placed
  let outcome: ExecutedOrder['outcome'] = 'settled'
  while (!FINAL.has(order.state)) {
    if (options.shutdown?.aborted && options.onShutdown === 'cancel') {
      outcome = 'shutdown'
      break
    }
    if (Date.now() >= deadline) {
      outcome = 'timeout'
      break
    }
    const signal = options.onShutdown === 'cancel' ? options.shutdown : undefined
    if (exchange.settledFromStream) {
      const streamed = await exchange.settledFromStream(placed.uuid, deadline - Date.now(), signal)
      if (typeof streamed === 'object') {
        order = streamed
        continue
      }
      // `waiting`: the deadline or shutdown came first, checked above. `rest`: poll.
      if (streamed === 'waiting') continue
    }
    await sleep(options.pollMs, signal)
    order = await exchange.getOrder(placed.uuid)
  }
  if (!FINAL.has(order.state)) order = await cancelAndConfirm(exchange, placed.uuid, options.pollMs)
  return { order, fills: fillsFromOrder(order), outcome }
}

/** DELETE /order is asynchronous on Upbit (the answer still says `wait`): poll until the order is final. */
export async function cancelAndConfirm(exchange: Exchange, uuid: string, pollMs: number): Promise<ExchangeOrder> {
  try {
    await exchange.cancelOrder(uuid)
  } catch (error) {
    // It may have filled between our last poll and the cancel: the next GET says which.
    const current = await exchange.getOrder(uuid)
    if (!FINAL.has(current.state)) throw error
    return current
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    const current = await exchange.getOrder(uuid)
    if (FINAL.has(current.state)) return current
    await sleep(pollMs)
  }
  throw new Error(`order ${uuid} was cancelled but still reports an open state after 50 polls: check it on the exchange`)
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal ? { signal } : undefined)
  } catch (error) {
    if (!signal?.aborted) throw error
  }
}
