/** Accounts and orders: balances, order chance, create/test/cancel/replace, open/closed/by-id lists, batch cancels. */
import { z } from 'zod'
import { exactAmount, PRICE_DECIMALS, VOLUME_DECIMALS } from '../amounts.js'
import type { DecimalInput } from '../decimal.js'
import type { CreateOrderParams, SmpType, TimeInForce } from '../order-params.js'
import { type CallOptions, cancelOrder, createOrder, getOrder, type OrderRef } from '../orders.js'
import {
  type Account,
  accountSchema,
  type BatchCancelResult,
  batchCancelSchema,
  type CancelAndNewResult,
  cancelAndNewSchema,
  type Order,
  type OrderChance,
  orderChanceSchema,
  orderSchema,
} from '../schemas.js'
import { type ApiContext, iso, list, type OrderBy, type TimeInput } from './context.js'

export type OrderState = 'wait' | 'watch' | 'done' | 'cancel'

export interface OpenOrdersParams {
  market?: string
  state?: 'wait' | 'watch'
  states?: Array<'wait' | 'watch'>
  page?: number
  limit?: number
  orderBy?: OrderBy
}
export interface ClosedOrdersParams {
  market?: string
  state?: 'done' | 'cancel'
  states?: Array<'done' | 'cancel'>
  /** Window at most 7 days. */
  startTime?: TimeInput | number
  endTime?: TimeInput | number
  limit?: number
  orderBy?: OrderBy
}
export type OrderListRef = { uuids: string[]; identifiers?: never } | { identifiers: string[]; uuids?: never }
export interface CancelAndNewParams {
  prevOrderUuid?: string
  prevOrderIdentifier?: string
  newOrdType: 'limit' | 'price' | 'market' | 'best'
  newVolume?: DecimalInput | 'remain_only'
  newPrice?: DecimalInput
  newIdentifier?: string
  newTimeInForce?: TimeInForce
  newSmpType?: SmpType
}
export interface CancelOpenOrdersParams {
  cancelSide?: 'all' | 'ask' | 'bid'
  pairs?: string[]
  excludedPairs?: string[]
  quoteCurrencies?: string[]
  count?: number
  orderBy?: OrderBy
}

const accountList = z.array(accountSchema)
const orderList = z.array(orderSchema)

export function tradingApi(ctx: ApiContext) {
  const { exchange, transport, orderDeps } = ctx
  return {
    /** GET /accounts */
    getAccounts: (o?: CallOptions): Promise<Account[]> => exchange('GET', '/v1/accounts', undefined, accountList, o),
    /** GET /orders/chance: fees, minimums and balances for a market. */
    getOrderChance: (p: { market: string }, o?: CallOptions): Promise<OrderChance> =>
      exchange('GET', '/v1/orders/chance', { market: p.market }, orderChanceSchema, o),
    /** GET /order by uuid or identifier (with `trades`). */
    getOrder: (ref: OrderRef, o?: CallOptions): Promise<Order> => getOrder(transport, ref, o),
    /** POST /orders exactly once: identifier generated if absent; ambiguous failures reconciled by identifier. */
    createOrder: (order: CreateOrderParams, o?: CallOptions): Promise<Order> => createOrder(orderDeps, order, o),
    /** POST /orders/test: validates an order without placing it. */
    testOrder: (order: CreateOrderParams, o?: CallOptions): Promise<Order> => createOrder(orderDeps, order, o, '/v1/orders/test'),
    /** DELETE /order; an already-cancelled order resolves instead of failing. */
    cancelOrder: (ref: OrderRef, o?: CallOptions): Promise<Order> => cancelOrder(transport, ref, o),
    /** POST /orders/cancel_and_new: cancel and replace on the same market and side (never retried blindly). */
    cancelAndNewOrder: async (p: CancelAndNewParams, o?: CallOptions): Promise<CancelAndNewResult> => {
      const newVolume =
        p.newVolume === undefined || p.newVolume === 'remain_only'
          ? p.newVolume
          : exactAmount('cancelAndNewOrder', 'newVolume', p.newVolume, { decimals: VOLUME_DECIMALS })
      // The market is not in the request, so the widest precision of any market applies; Upbit checks the tick.
      const newPrice =
        p.newPrice === undefined
          ? undefined
          : exactAmount('cancelAndNewOrder', 'newPrice', p.newPrice, { decimals: PRICE_DECIMALS })
      return exchange(
        'POST',
        '/v1/orders/cancel_and_new',
        {
          prev_order_uuid: p.prevOrderUuid,
          prev_order_identifier: p.prevOrderIdentifier,
          new_ord_type: p.newOrdType,
          new_volume: newVolume,
          new_price: newPrice,
          new_identifier: p.newIdentifier,
          new_time_in_force: p.newTimeInForce,
          new_smp_type: p.newSmpType,
        },
        cancelAndNewSchema,
        o,
        'order',
      )
    },
    /** GET /orders/open */
    getOpenOrders: (p: OpenOrdersParams = {}, o?: CallOptions): Promise<Order[]> =>
      exchange(
        'GET',
        '/v1/orders/open',
        { market: p.market, state: p.state, states: p.states, page: p.page, limit: p.limit, order_by: p.orderBy },
        orderList,
        o,
      ),
    /** GET /orders/closed (window at most 7 days; use `iterateClosedOrders` for longer). */
    getClosedOrders: (p: ClosedOrdersParams = {}, o?: CallOptions): Promise<Order[]> =>
      exchange(
        'GET',
        '/v1/orders/closed',
        {
          market: p.market,
          state: p.state,
          states: p.states,
          start_time: iso(p.startTime),
          end_time: iso(p.endTime),
          limit: p.limit,
          order_by: p.orderBy,
        },
        orderList,
        o,
      ),
    /** GET /orders/uuids: up to 100 uuids or identifiers. */
    getOrdersByIds: (p: OrderListRef & { market?: string; orderBy?: OrderBy }, o?: CallOptions): Promise<Order[]> =>
      exchange(
        'GET',
        '/v1/orders/uuids',
        { market: p.market, uuids: p.uuids, identifiers: p.identifiers, order_by: p.orderBy },
        orderList,
        o,
      ),
    /** DELETE /orders/uuids: cancel up to 20 by uuid or identifier. */
    cancelOrdersByIds: (p: OrderListRef, o?: CallOptions): Promise<BatchCancelResult> =>
      exchange('DELETE', '/v1/orders/uuids', { uuids: p.uuids, identifiers: p.identifiers }, batchCancelSchema, o),
    /** DELETE /orders/open: batch cancel (its own group: 1 request per 2 s). */
    cancelOpenOrders: (p: CancelOpenOrdersParams = {}, o?: CallOptions): Promise<BatchCancelResult> =>
      exchange(
        'DELETE',
        '/v1/orders/open',
        {
          cancel_side: p.cancelSide,
          pairs: list(p.pairs),
          excluded_pairs: list(p.excludedPairs),
          quote_currencies: list(p.quoteCurrencies),
          count: p.count,
          order_by: p.orderBy,
        },
        batchCancelSchema,
        o,
        'order-cancel-all',
      ),
  }
}

export type TradingApi = ReturnType<typeof tradingApi>
