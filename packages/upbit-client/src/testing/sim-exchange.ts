/**
 * The simulator's matching engine and ledger: balances, order life cycle (wait → done/cancel), fills against
 * the current candle, the KRW fee, tick and minimum checks, identifier uniqueness. Exact decimals throughout.
 */
import { randomUUID } from 'node:crypto'
import Big from 'big.js'
import { type DecimalInput, toBig, toDecimalString } from '../decimal.js'
import { isOnTick, MIN_ORDER_TOTAL, quoteCurrency } from '../tick-size.js'
import { reject } from './sim-errors.js'
import type { FeedCandle } from './sim-feed.js'

export interface SimTrade {
  uuid: string
  price: Big
  volume: Big
  funds: Big
  createdAt: number
}

export interface SimOrder {
  uuid: string
  identifier: string | null
  market: string
  side: 'bid' | 'ask'
  ordType: 'limit' | 'price' | 'market' | 'best'
  price: Big | null
  volume: Big | null
  timeInForce: string | null
  smpType: string | null
  state: 'wait' | 'done' | 'cancel'
  createdAt: number
  executedVolume: Big
  executedFunds: Big
  paidFee: Big
  /** Reserved balance not yet spent (quote for bids, base for asks). */
  locked: Big
  trades: SimTrade[]
}

interface Balance {
  balance: Big
  locked: Big
  avgBuyPrice: Big
}

const ZERO = new Big(0)
const VOLUME_DP = 8

/** KST ISO timestamp as Upbit writes `created_at`: `2026-11-22T11:00:00+09:00`. */
export function kstIso(ms: number): string {
  return `${new Date(ms + 9 * 3_600_000).toISOString().slice(0, 19)}+09:00`
}

export interface CreateOrderInput {
  market?: unknown
  side?: unknown
  volume?: unknown
  price?: unknown
  ord_type?: unknown
  identifier?: unknown
  time_in_force?: unknown
  smp_type?: unknown
}

function decimalField(name: string, value: unknown): Big | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string' && typeof value !== 'number') reject(400, 'validation_error', `${name} must be a decimal string`)
  const text = String(value)
  if (!/^\d+(\.\d+)?$/.test(text)) reject(400, 'validation_error', `${name} "${text}" is not a plain decimal`)
  return new Big(text)
}

/** What the exchange reports as it happens (the simulator's streams turn these into myOrder and myAsset frames). */
export interface SimExchangeListener {
  /** An order event: `wait` when placed, `trade` per fill (with the trade), `done` or `cancel` when it ends. */
  order(order: SimOrder, state: 'wait' | 'trade' | 'done' | 'cancel', trade?: SimTrade): void
  /** Balances of these currencies changed. */
  balances(currencies: string[]): void
}

export class SimExchange {
  private readonly balances = new Map<string, Balance>()
  readonly orders: SimOrder[] = []
  private readonly usedIdentifiers = new Set<string>()
  /** Set by the simulator to stream order and balance changes. */
  listener: SimExchangeListener | undefined

  constructor(
    balances: Record<string, DecimalInput>,
    private readonly feeRate: Big,
    private readonly currentCandle: (market: string) => FeedCandle,
    private readonly now: () => number,
    readonly markets: readonly string[],
  ) {
    for (const [currency, amount] of Object.entries(balances)) this.account(currency).balance = toBig(amount)
  }

  account(currency: string): Balance {
    let entry = this.balances.get(currency)
    if (!entry) {
      entry = { balance: ZERO, locked: ZERO, avgBuyPrice: ZERO }
      this.balances.set(currency, entry)
    }
    return entry
  }

  setBalance(currency: string, amount: DecimalInput): void {
    this.account(currency).balance = toBig(amount)
  }

  feeFor(market: string): Big {
    return quoteCurrency(market) === 'KRW' ? this.feeRate : new Big('0.0025')
  }

  accounts() {
    return [...this.balances.entries()]
      .filter(([, b]) => b.balance.gt(0) || b.locked.gt(0))
      .map(([currency, b]) => ({
        currency,
        balance: toDecimalString(b.balance),
        locked: toDecimalString(b.locked),
        avg_buy_price: toDecimalString(b.avgBuyPrice),
        avg_buy_price_modified: false,
        unit_currency: 'KRW',
      }))
  }

  find(ref: { uuid?: string | null | undefined; identifier?: string | null | undefined }): SimOrder {
    const order = ref.uuid
      ? this.orders.find((o) => o.uuid === ref.uuid)
      : ref.identifier
        ? this.orders.find((o) => o.identifier === ref.identifier)
        : reject(400, 'validation_error', 'uuid or identifier is required')
    return order ?? reject(404, 'order_not_found', 'Order not found.')
  }

  /** Validates and places an order (or only validates, for /orders/test). */
  create(input: CreateOrderInput, testOnly = false): SimOrder {
    const identifier = typeof input.identifier === 'string' ? input.identifier : null
    if (identifier !== null && !testOnly) {
      // Upbit: an identifier can never be reused, even when the request that used it failed.
      if (this.usedIdentifiers.has(identifier))
        reject(400, 'duplicate_identifier', `identifier "${identifier}" was already used.`)
      this.usedIdentifiers.add(identifier)
    }
    const market = String(input.market ?? '')
    if (!this.markets.includes(market)) reject(404, 'market_does_not_exist', `Market ${market} does not exist.`)
    const side = input.side
    if (side !== 'bid' && side !== 'ask') reject(400, 'validation_error', 'side must be bid or ask')
    const ordType = input.ord_type as SimOrder['ordType']
    const price = decimalField('price', input.price)
    const volume = decimalField('volume', input.volume)
    const tif = typeof input.time_in_force === 'string' ? input.time_in_force : null
    const smp = typeof input.smp_type === 'string' ? input.smp_type : null
    const errorName = side === 'bid' ? 'create_bid_error' : 'create_ask_error'
    const sideName = side as 'bid' | 'ask'
    if (ordType === 'limit') {
      if (!price || !volume) reject(400, 'validation_error', 'A limit order needs price and volume.')
      if (tif === 'post_only' && smp) reject(400, 'validation_error', 'post_only cannot be used with smp_type.')
      if (!isOnTick(price!, market)) reject(400, `invalid_price_${sideName}`, 'The order price is not on the tick size.')
    } else if (ordType === 'price') {
      if (side !== 'bid' || !price || volume) reject(400, errorName, "ord_type 'price' needs side bid, a price and no volume.")
    } else if (ordType === 'market') {
      if (side !== 'ask' || !volume || price) reject(400, errorName, "ord_type 'market' needs side ask, a volume and no price.")
    } else if (ordType === 'best') {
      if (tif !== 'ioc' && tif !== 'fok') reject(400, 'validation_error', "ord_type 'best' needs time_in_force ioc or fok.")
      if (side === 'bid' ? !price || volume : !volume || price) reject(400, errorName, 'best: bid takes price, ask takes volume.')
    } else reject(400, 'validation_error', `Unknown ord_type ${String(ordType)}.`)
    if (tif !== null && !['ioc', 'fok', 'post_only'].includes(tif)) reject(400, 'validation_error', 'Bad time_in_force.')
    if (tif === 'post_only' && ordType !== 'limit') reject(400, 'validation_error', 'post_only is for limit orders only.')

    const quote = quoteCurrency(market)
    const base = market.slice(quote.length + 1)
    const close = this.currentCandle(market).close
    const total = ordType === 'limit' ? price!.times(volume!) : sideName === 'bid' ? price! : volume!.times(close)
    const min = MIN_ORDER_TOTAL[quote]
    if (min && total.lt(min)) reject(400, `under_min_total_${sideName}`, `The minimum order total is ${min} ${quote}.`)
    if (quote === 'KRW' && total.gt('1000000000')) reject(400, `over_max_total_${sideName}`, 'Over the maximum order total.')

    const fee = this.feeFor(market)
    const reserve = sideName === 'bid' ? total.times(fee.plus(1)) : volume!
    const funding = this.account(sideName === 'bid' ? quote : base)
    if (funding.balance.lt(reserve)) reject(400, `insufficient_funds_${sideName}`, 'Insufficient balance.')

    const order: SimOrder = {
      uuid: randomUUID(),
      identifier,
      market,
      side: sideName,
      ordType,
      price,
      volume,
      timeInForce: tif,
      smpType: smp,
      state: 'wait',
      createdAt: this.now(),
      executedVolume: ZERO,
      executedFunds: ZERO,
      paidFee: ZERO,
      locked: reserve,
      trades: [],
    }
    if (testOnly) return order
    funding.balance = funding.balance.minus(reserve)
    funding.locked = funding.locked.plus(reserve)
    this.orders.push(order)
    this.listener?.order(order, 'wait')
    this.listener?.balances([sideName === 'bid' ? quote : base])

    const marketable = ordType !== 'limit' || (sideName === 'bid' ? price!.gte(close) : price!.lte(close))
    if (marketable && tif === 'post_only') this.cancel(order)
    else if (marketable) this.fill(order, close)
    else if (tif === 'ioc' || tif === 'fok') this.cancel(order)
    return order
  }

  /** Fills the whole remainder of an order at `at` (the simulator's book has unlimited depth at the price). */
  private fill(order: SimOrder, at: Big): void {
    const quote = quoteCurrency(order.market)
    const base = order.market.slice(quote.length + 1)
    const fee = this.feeFor(order.market)
    const volume =
      order.ordType === 'price' || (order.ordType === 'best' && order.side === 'bid')
        ? order.price!.div(at).round(VOLUME_DP, 0)
        : order.volume!.minus(order.executedVolume)
    const funds = volume.times(at)
    const paidFee = funds.times(fee)
    const quoteAccount = this.account(quote)
    const baseAccount = this.account(base)
    if (order.side === 'bid') {
      quoteAccount.locked = quoteAccount.locked.minus(order.locked)
      quoteAccount.balance = quoteAccount.balance.plus(order.locked.minus(funds).minus(paidFee))
      const held = baseAccount.balance.plus(baseAccount.locked)
      baseAccount.avgBuyPrice = held.plus(volume).eq(0)
        ? ZERO
        : held.times(baseAccount.avgBuyPrice).plus(funds).div(held.plus(volume)).round(8, 1)
      baseAccount.balance = baseAccount.balance.plus(volume)
    } else {
      baseAccount.locked = baseAccount.locked.minus(order.locked)
      quoteAccount.balance = quoteAccount.balance.plus(funds.minus(paidFee))
    }
    order.locked = ZERO
    order.executedVolume = order.executedVolume.plus(volume)
    order.executedFunds = order.executedFunds.plus(funds)
    order.paidFee = order.paidFee.plus(paidFee)
    const trade = { uuid: randomUUID(), price: at, volume, funds, createdAt: this.now() }
    order.trades.push(trade)
    order.state = 'done'
    this.listener?.order(order, 'trade', trade)
    this.listener?.order(order, 'done')
    this.listener?.balances([quote, base])
  }

  /** Cancels a waiting order and releases what it reserved. */
  cancel(order: SimOrder): SimOrder {
    if (order.state !== 'wait') reject(404, 'order_not_found', 'No cancellable order was found.')
    const quote = quoteCurrency(order.market)
    const account = this.account(order.side === 'bid' ? quote : order.market.slice(quote.length + 1))
    account.locked = account.locked.minus(order.locked)
    account.balance = account.balance.plus(order.locked)
    order.locked = ZERO
    order.state = 'cancel'
    this.listener?.order(order, 'cancel')
    this.listener?.balances([order.side === 'bid' ? quote : order.market.slice(quote.length + 1)])
    return order
  }

  /** Fills resting limit orders the candle crossed; a gap fills at the open, which is the better price. */
  match(market: string, candle: FeedCandle): void {
    for (const order of this.orders) {
      if (order.market !== market || order.state !== 'wait' || !order.price) continue
      if (order.side === 'bid' && candle.low.lte(order.price))
        this.fill(order, candle.open.lt(order.price) ? candle.open : order.price)
      if (order.side === 'ask' && candle.high.gte(order.price))
        this.fill(order, candle.open.gt(order.price) ? candle.open : order.price)
    }
  }

  /** The order as Upbit's API writes it. */
  view(order: SimOrder, withTrades = false) {
    const s = (value: Big | null) => (value === null ? null : toDecimalString(value))
    const fee = this.feeFor(order.market)
    const remaining = order.volume && order.state === 'wait' ? order.volume.minus(order.executedVolume) : ZERO
    const reservedFee = order.side === 'bid' && order.price ? (order.volume ?? new Big(1)).times(order.price).times(fee) : ZERO
    return {
      uuid: order.uuid,
      side: order.side,
      ord_type: order.ordType,
      price: s(order.price),
      state: order.state,
      market: order.market,
      created_at: kstIso(order.createdAt),
      volume: s(order.volume),
      remaining_volume: s(order.volume ? remaining : null),
      reserved_fee: s(order.ordType === 'price' ? order.price!.times(fee) : reservedFee),
      remaining_fee: s(order.state === 'wait' ? reservedFee : ZERO),
      paid_fee: s(order.paidFee),
      locked: s(order.locked),
      executed_volume: s(order.executedVolume),
      executed_funds: s(order.executedFunds),
      trades_count: order.trades.length,
      identifier: order.identifier,
      time_in_force: order.timeInForce,
      smp_type: order.smpType,
      ...(withTrades
        ? {
            trades: order.trades.map((t) => ({
              market: order.market,
              uuid: t.uuid,
              price: s(t.price),
              volume: s(t.volume),
              funds: s(t.funds),
              trend: null,
              created_at: kstIso(t.createdAt),
              side: order.side,
            })),
          }
        : {}),
    }
  }
}
