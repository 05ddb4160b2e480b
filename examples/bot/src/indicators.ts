import type { MarketContext } from '@tradekit/ai-decider'
import { RSI, SMA } from 'trading-signals'
import { timeframeLabel } from './cycle.js'

/** The last value of an indicator over closes, or null when there are too few candles. */
function last(indicator: SMA | RSI, closes: readonly number[]): number | null {
  for (const close of closes) indicator.add(close)
  const value = indicator.getResult()
  return value === null ? null : Number(value.toFixed(2))
}

/**
 * The indicator snapshot put in the context (for model deciders) and in the decision log: fast and slow
 * moving averages and RSI on the fast timeframe, a moving average on the slow one, the 24 h change.
 */
export function createIndicators(timeframes: readonly [number, number]) {
  const [fast, slow] = timeframes.map(timeframeLabel) as [string, string]
  return (context: MarketContext): Record<string, number | null> => {
    const fastCloses = (context.candles[fast] ?? []).map((c) => c.close)
    const slowCloses = (context.candles[slow] ?? []).map((c) => c.close)
    return {
      [`sma10_${fast}`]: last(new SMA(10), fastCloses),
      [`sma30_${fast}`]: last(new SMA(30), fastCloses),
      [`rsi14_${fast}`]: last(new RSI(14), fastCloses),
      [`sma20_${slow}`]: last(new SMA(20), slowCloses),
      change24h: context.ticker.change24h ?? null,
    }
  }
}
