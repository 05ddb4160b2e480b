/**
 * Price ticks and order minimums. `GET /orderbook/instruments` (`tick_size`) and `GET /orders/chance`
 * (`min_total`) are the source of truth; these tables are the fallback when the live values are not at hand.
 */
import type Big from 'big.js'
import { type DecimalInput, type DecimalString, toBig, toDecimalString } from './decimal.js'
import { UpbitRequestError } from './errors.js'

// KRW table in force since 2025-07-31 (docs.upbit.com/kr/docs/krw-market-info; rows under 100 KRW from two
// transcriptions of the krw_tick_unit_change_250731 notice). [lower bound, tick], highest band first.
const KRW_TICKS: ReadonlyArray<readonly [string, string]> = [
  ['1000000', '1000'],
  ['500000', '500'],
  ['100000', '100'],
  ['50000', '50'],
  ['10000', '10'],
  ['5000', '5'],
  ['100', '1'],
  ['10', '0.1'],
  ['1', '0.01'],
  ['0.1', '0.001'],
  ['0.01', '0.0001'],
  ['0.001', '0.00001'],
  ['0.0001', '0.000001'],
  ['0.00001', '0.0000001'],
  ['0', '0.00000001'],
]

// USDT market: 0.01 at >= 10, then one more decimal per decade down to 1e-8.
const USDT_TICKS: ReadonlyArray<readonly [string, string]> = [
  ['10', '0.01'],
  ['1', '0.001'],
  ['0.1', '0.0001'],
  ['0.01', '0.00001'],
  ['0.001', '0.000001'],
  ['0.0001', '0.0000001'],
  ['0', '0.00000001'],
]

/** Minimum order totals per quote currency (KRW 5,000; BTC 0.00005 and USDT 0.5 since 2024-08-19). */
export const MIN_ORDER_TOTAL: Readonly<Record<string, DecimalString>> = { KRW: '5000', BTC: '0.00005', USDT: '0.5' }

/** `KRW-BTC` → `KRW`. */
export function quoteCurrency(market: string): string {
  const dash = market.indexOf('-')
  if (dash <= 0) throw new UpbitRequestError(`"${market}" is not an Upbit market code like "KRW-BTC"`, 'market')
  return market.slice(0, dash)
}

/** The tick for a price on a market from the fallback tables (KRW since 2025-07-31, BTC, USDT). */
export function tickSizeFor(price: DecimalInput, market: string): DecimalString {
  const quote = quoteCurrency(market)
  if (quote === 'BTC') return '0.00000001'
  const table = quote === 'KRW' ? KRW_TICKS : quote === 'USDT' ? USDT_TICKS : undefined
  if (!table) {
    throw new UpbitRequestError(
      `No tick table for ${quote} markets: pass tickSize from getOrderbookInstruments({ markets: ['${market}'] })`,
      'tick_size',
    )
  }
  const p = toBig(price)
  for (const [lower, tick] of table) if (p.gte(lower)) return tick
  return table[table.length - 1]![1]
}

function snap(price: Big, tick: Big, direction: 'down' | 'up'): Big {
  // Big.round(0, 0) truncates toward zero, Big.round(0, 3) rounds away from zero.
  return price
    .div(tick)
    .round(0, direction === 'down' ? 0 : 3)
    .times(tick)
}

/**
 * Rounds a price onto the market's tick grid: `roundToTick('1234567', 'KRW-BTC', 'down')` → `'1234000'`.
 * `tickSize` (from `orderbook/instruments`) overrides the table.
 */
export function roundToTick(
  price: DecimalInput,
  market: string,
  direction: 'down' | 'up',
  tickSize?: DecimalInput,
): DecimalString {
  const p = toBig(price)
  if (p.lte(0)) throw new UpbitRequestError(`Price ${toDecimalString(p)} must be positive`, 'tick_size')
  let tick = toBig(tickSize ?? tickSizeFor(p, market))
  let rounded = snap(p, tick, direction)
  // Rounding up can cross into a band with a coarser tick (999,999 → 1,000,000): snap again with that band's tick.
  if (tickSize === undefined) {
    const next = toBig(tickSizeFor(rounded, market))
    if (!next.eq(tick)) {
      tick = next
      rounded = snap(rounded, tick, direction)
    }
  }
  return toDecimalString(rounded)
}

/** True when the price sits on the tick grid. */
export function isOnTick(price: DecimalInput, market: string, tickSize?: DecimalInput): boolean {
  const p = toBig(price)
  return p.mod(toBig(tickSize ?? tickSizeFor(p, market))).eq(0)
}

/** The minimum order total for a market from the fallback table, or undefined for quotes it does not know. */
export function minOrderTotalFor(market: string): DecimalString | undefined {
  return MIN_ORDER_TOTAL[quoteCurrency(market)]
}
