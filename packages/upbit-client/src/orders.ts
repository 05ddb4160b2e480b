/**
 * Orders that cannot be doubled. Every create carries an `identifier`; after an ambiguous failure (timeout,
 * dropped connection, 5xx) the order is looked up by that identifier and resent, with the same identifier,
 * only when Upbit says it does not exist. Cancels tolerate an order that is already cancelled.
 */
import { UpbitError, UpbitNotFoundError, UpbitOrderUnknownError, UpbitValidationError } from './errors.js'
import {
  type CreateOrderParams,
  checkOrderAgainstRules,
  checkOrderShape,
  exactOrderAmounts,
  type MarketRules,
  newIdentifier,
  orderWireParams,
} from './order-params.js'
import { type Order, orderSchema } from './schemas.js'
import { isAmbiguousFailure, type Transport } from './transport.js'

/** Refers to one order: by Upbit's `uuid` or your `identifier`. */
export type OrderRef = { uuid: string; identifier?: never } | { identifier: string; uuid?: never }

export interface CallOptions {
  /** Aborts the call (queued or in flight). */
  signal?: AbortSignal
}

/** Options of the duplicate-proof create. */
export interface OrderRecoveryOptions {
  /** How many times an order Upbit confirmed absent is resent (same identifier). Default 2. */
  maxResends?: number
}

/** Upbit rejects a reused identifier with a 400 whose name or message mentions it (exact name undocumented). */
export function isDuplicateIdentifier(error: unknown): boolean {
  return error instanceof UpbitValidationError && /identifier/i.test(`${String(error.errorName ?? '')} ${error.upbitMessage}`)
}

export function getOrder(transport: Transport, ref: OrderRef, options: CallOptions = {}): Promise<Order> {
  return transport.call({
    method: 'GET',
    path: '/v1/order',
    group: 'default',
    auth: true,
    params: ref.uuid === undefined ? { identifier: ref.identifier } : { uuid: ref.uuid },
    schema: orderSchema,
    signal: options.signal,
  })
}

/** The order by identifier, `null` when Upbit says it does not exist, or `UpbitOrderUnknownError` if it cannot tell. */
async function lookUp(transport: Transport, identifier: string, options: CallOptions): Promise<Order | null> {
  try {
    return await getOrder(transport, { identifier }, options)
  } catch (error) {
    if (error instanceof UpbitNotFoundError) return null
    throw new UpbitOrderUnknownError(identifier, error)
  }
}

export interface CreateOrderDeps {
  transport: Transport
  /** Live rules for the market (tick from instruments, minimum from chance); undefined skips the checks. */
  rules?: ((order: CreateOrderParams) => Promise<MarketRules>) | undefined
  recovery: OrderRecoveryOptions
}

/** Places an order exactly once. Resolves to the order Upbit holds under the identifier. */
export async function createOrder(
  deps: CreateOrderDeps,
  input: CreateOrderParams,
  options: CallOptions = {},
  path: '/v1/orders' | '/v1/orders/test' = '/v1/orders',
): Promise<Order> {
  const order = exactOrderAmounts(path === '/v1/orders' ? 'createOrder' : 'testOrder', input)
  checkOrderShape(order)
  if (deps.rules) checkOrderAgainstRules(order, await deps.rules(order))
  const identifier = order.identifier ?? newIdentifier()
  const params = orderWireParams(order, identifier)
  const send = () =>
    deps.transport.call({
      method: 'POST',
      path,
      group: path === '/v1/orders' ? 'order' : 'order-test',
      auth: true,
      params,
      schema: orderSchema,
      retrySafe: false,
      signal: options.signal,
    })
  if (path === '/v1/orders/test') return send()
  const maxResends = deps.recovery.maxResends ?? 2
  let ambiguous = false
  for (let resends = 0; ; resends++) {
    try {
      return await send()
    } catch (error) {
      // A duplicate identifier on the first send is the caller's reuse, not our earlier attempt: report it.
      const duplicate = ambiguous && isDuplicateIdentifier(error)
      if (!isAmbiguousFailure(error) && !duplicate) throw error
      ambiguous = true
      const existing = await lookUp(deps.transport, identifier, options)
      if (existing) return existing
      // Upbit says no order holds the identifier: safe to resend it unchanged, a bounded number of times.
      if (duplicate || resends >= maxResends) throw error
      if (error instanceof UpbitError) {
        const url = `${deps.transport.config.baseUrl}${path}`
        deps.transport.config.hooks.onRetry?.({
          method: 'POST',
          url,
          group: 'order',
          attempt: resends + 2,
          error,
          retriesLeft: maxResends - resends - 1,
        })
      }
    }
  }
}

/** Cancels an order; cancelling one that is already cancelled resolves to it instead of failing. */
export async function cancelOrder(transport: Transport, ref: OrderRef, options: CallOptions = {}): Promise<Order> {
  try {
    return await transport.call({
      method: 'DELETE',
      path: '/v1/order',
      group: 'default',
      auth: true,
      params: ref.uuid === undefined ? { identifier: ref.identifier } : { uuid: ref.uuid },
      schema: orderSchema,
      retrySafe: true,
      signal: options.signal,
    })
  } catch (error) {
    if (!(error instanceof UpbitNotFoundError || error instanceof UpbitValidationError)) throw error
    const current = await getOrder(transport, ref, options).catch(() => undefined)
    if (current?.state === 'cancel') return current
    throw error
  }
}
