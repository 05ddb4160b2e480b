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

/**
 * The old Python bot's trade entry, as quoted in /work/shared/context/README.md (from
 * autotrading-architecture-ko.md): floats for amount and price, no fee, no order id.
 */
export const LEGACY_BUY = {
  timestamp: '2025-08-01T12:00:00Z',
  action: 'buy',
  symbol: 'KRW-BTC',
  amount: 0.001,
  price: 45000000,
  ai_confidence: 0.85,
} as const
