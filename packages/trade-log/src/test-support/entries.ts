import type { TradeEntry } from '../schemas.js'

/** A valid fill at `tsMs`; override any field. */
export function trade(tsMs: number, overrides: Partial<TradeEntry> = {}): TradeEntry {
  return {
    ts: new Date(tsMs).toISOString(),
    tsMs,
    market: 'KRW-BTC',
    side: 'buy',
    volume: '0.001',
    price: '45000000',
    funds: '45000',
    fee: '22.5',
    orderId: `order-${tsMs}`,
    mode: 'paper',
    ...overrides,
  }
}

/** 2025-08-01T00:00:00Z */
export const AUG_1 = Date.UTC(2025, 7, 1)
export const HOUR = 3_600_000
export const DAY = 86_400_000
