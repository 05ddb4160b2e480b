/** Create-order parameters, Upbit's order-type rules, and the checks made before an order is sent. */
import { randomUUID } from 'node:crypto'
import { currencyDecimals, exactAmount, PRICE_DECIMALS, VOLUME_DECIMALS } from './amounts.js'
import { compareDecimal, type DecimalInput, type DecimalString, multiplyDecimal, toDecimalString } from './decimal.js'
import { UpbitRequestError } from './errors.js'
import type { Params } from './signing.js'
import { isOnTick, quoteCurrency, roundToTick } from './tick-size.js'

export type OrderSide = 'bid' | 'ask'
export type TimeInForce = 'ioc' | 'fok' | 'post_only'
export type SmpType = 'cancel_maker' | 'cancel_taker' | 'reduce'

interface OrderBase {
  market: string
  /** Unique forever across your orders; generated (`tk-<uuid>`) when omitted. The idempotency key. */
  identifier?: string
  smpType?: SmpType
}

/** Limit order: volume at price; `timeInForce` ioc, fok or post_only. */
export interface LimitOrderParams extends OrderBase {
  ordType: 'limit'
  side: OrderSide
  volume: DecimalInput
  price: DecimalInput
  timeInForce?: TimeInForce
}

/** Market buy: spend `price` (a total in the quote currency, fee charged on top). */
export interface MarketBuyOrderParams extends OrderBase {
  ordType: 'price'
  side: 'bid'
  price: DecimalInput
}

/** Market sell: sell `volume`. */
export interface MarketSellOrderParams extends OrderBase {
  ordType: 'market'
  side: 'ask'
  volume: DecimalInput
}

/** Best-price order: needs ioc or fok; a bid gives `price` (total), an ask gives `volume`. */
export type BestOrderParams = OrderBase & { ordType: 'best'; timeInForce: 'ioc' | 'fok' } & (
    | { side: 'bid'; price: DecimalInput }
    | { side: 'ask'; volume: DecimalInput }
  )

export type CreateOrderParams = LimitOrderParams | MarketBuyOrderParams | MarketSellOrderParams | BestOrderParams

const fail = (message: string): never => {
  throw new UpbitRequestError(`Order not sent: ${message}`, 'order_check')
}

/**
 * The order with its amounts through the amount gate: volume at most 8 decimals; a limit price at most 8 (the
 * tick check then holds it to the grid); a total to spend (`price` of a market or best buy) at most the quote
 * currency's decimals (KRW: whole won). Returns a copy whose amounts are plain decimal strings.
 */
export function exactOrderAmounts<T extends CreateOrderParams>(method: string, order: T): T {
  const o = { ...order } as T & { price?: DecimalInput; volume?: DecimalInput }
  if (o.volume !== undefined) o.volume = exactAmount(method, 'volume', o.volume, { decimals: VOLUME_DECIMALS })
  if (o.price !== undefined) {
    const total = o.ordType === 'price' || (o.ordType === 'best' && o.side === 'bid')
    const decimals = total ? currencyDecimals(quoteCurrency(o.market)) : PRICE_DECIMALS
    o.price = exactAmount(method, 'price', o.price, { decimals })
  }
  return o
}

/** Applies Upbit's order-type rules locally so a malformed order is never sent. */
export function checkOrderShape(order: CreateOrderParams): void {
  const o = order as CreateOrderParams & { price?: DecimalInput; volume?: DecimalInput; timeInForce?: TimeInForce }
  if (o.ordType === 'limit') {
    if (o.price === undefined || o.volume === undefined) fail('a limit order needs both price and volume')
    if (o.timeInForce === 'post_only' && o.smpType) fail('post_only cannot be combined with smpType')
  } else if (o.ordType === 'price') {
    if (o.side !== 'bid' || o.price === undefined) fail("ordType 'price' (market buy) needs side 'bid' and a total price")
    if (o.volume !== undefined) fail("ordType 'price' (market buy) takes no volume")
  } else if (o.ordType === 'market') {
    if (o.side !== 'ask' || o.volume === undefined) fail("ordType 'market' (market sell) needs side 'ask' and a volume")
    if (o.price !== undefined) fail("ordType 'market' (market sell) takes no price")
  } else if (o.ordType === 'best') {
    if (o.timeInForce !== 'ioc' && o.timeInForce !== 'fok') fail("ordType 'best' needs timeInForce 'ioc' or 'fok'")
    if (o.side === 'bid' ? o.price === undefined : o.volume === undefined) fail("'best' bid needs price, ask needs volume")
  } else fail(`unknown ordType ${JSON.stringify((o as { ordType: unknown }).ordType)}`)
  for (const key of ['price', 'volume'] as const) {
    const value = o[key]
    if (value !== undefined && compareDecimal(value, 0) <= 0) fail(`${key} must be positive`)
  }
}

/** A new identifier: `tk-` plus a UUID v4. */
export function newIdentifier(): string {
  return `tk-${randomUUID()}`
}

/** Wire body for POST /orders and /orders/test, in Upbit's documented key order, decimals as strings. */
export function orderWireParams(order: CreateOrderParams, identifier: string): Params {
  const o = order as CreateOrderParams & { price?: DecimalInput; volume?: DecimalInput; timeInForce?: TimeInForce }
  return {
    market: o.market,
    side: o.side,
    volume: o.volume === undefined ? undefined : toDecimalString(o.volume),
    price: o.price === undefined ? undefined : toDecimalString(o.price),
    ord_type: o.ordType,
    identifier,
    time_in_force: o.timeInForce,
    smp_type: o.smpType,
  }
}

/** Live or fallback market rules used by the pre-send checks. */
export interface MarketRules {
  /** Tick for the order's price, from `orderbook/instruments`; undefined → the fallback table. */
  tickSize?: DecimalString | undefined
  /** Minimum total for this side, from `orders/chance`; undefined → the fallback table. */
  minTotal?: DecimalString | undefined
  /**
   * What a sell by volume (`market`, or `best` ask) would fetch per unit, from the best bid; its total is estimated as
   * volume × this. Undefined (no quote, or `orderChecks: 'table'`) leaves such sells to Upbit's own minimum check.
   */
  bestBid?: DecimalString | undefined
}

/** A sell that gives a volume and no price: its total is only known against the book. */
export function sellsByVolume(order: CreateOrderParams): boolean {
  return order.side === 'ask' && order.ordType !== 'limit'
}

/** Rejects an off-tick limit price or a total under the minimum before it costs a request. */
export function checkOrderAgainstRules(order: CreateOrderParams, rules: MarketRules): void {
  const o = order as CreateOrderParams & { price?: DecimalInput; volume?: DecimalInput }
  if (o.ordType === 'limit' && o.price !== undefined && !isOnTick(o.price, o.market, rules.tickSize)) {
    const down = roundToTick(o.price, o.market, 'down', rules.tickSize)
    const up = roundToTick(o.price, o.market, 'up', rules.tickSize)
    fail(`price ${toDecimalString(o.price)} is off the ${o.market} tick grid; use ${down} or ${up} (roundToTick)`)
  }
  if (rules.minTotal === undefined) return
  if (sellsByVolume(order)) {
    if (rules.bestBid === undefined || o.volume === undefined) return
    const estimate = multiplyDecimal(o.volume, rules.bestBid)
    if (compareDecimal(estimate, rules.minTotal) < 0) {
      fail(
        `selling ${toDecimalString(o.volume)} at the best bid ${rules.bestBid} comes to about ${estimate}, under the ` +
          `${o.market} minimum of ${rules.minTotal}; sell a larger volume`,
      )
    }
    return
  }
  const total =
    o.ordType === 'limit' && o.price !== undefined && o.volume !== undefined
      ? multiplyDecimal(o.price, o.volume)
      : o.price !== undefined
        ? toDecimalString(o.price)
        : undefined
  if (total !== undefined && compareDecimal(total, rules.minTotal) < 0) {
    fail(`total ${total} is under the ${o.market} minimum of ${rules.minTotal}`)
  }
}
