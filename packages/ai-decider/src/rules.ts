/**
 * A deterministic, offline decider: moving-average crossover filtered by RSI, with indicators from
 * `trading-signals`. Lets the bot and the demo run without any API key, and is the last link of fallback chains.
 */
import { RSI, SMA } from 'trading-signals'
import type { MarketContext } from './context.js'
import type { DecideOptions, Decider, DecisionResult } from './decider.js'
import { DeciderConfigError, DeciderError } from './errors.js'
import { lessThan } from './money.js'
import { runDecision } from './run.js'

export interface RuleDeciderOptions {
  /** Candle timeframe to read from `context.candles`. Default `'1h'`. */
  timeframe?: string | undefined
  /** Fast moving-average period. Default `10`. */
  fastPeriod?: number | undefined
  /** Slow moving-average period. Default `30`. */
  slowPeriod?: number | undefined
  /** RSI period. Default `14`. */
  rsiPeriod?: number | undefined
  /** No buy when RSI is at or above this. Default `70`. */
  rsiOverbought?: number | undefined
  /** No sell when RSI is at or below this. Default `30`. */
  rsiOversold?: number | undefined
  /** Fraction of free quote to buy on a bullish crossover. Default `0.1`. */
  buySize?: number | undefined
  /** Fraction of the position to sell on a bearish crossover. Default `1`. */
  sellSize?: number | undefined
  /** Confidence reported for crossover signals. Default `0.6`. */
  confidence?: number | undefined
  /** Stop-loss distance below the price for buys, as a fraction. Default `0.03`; `null` for none. */
  stopLossFraction?: number | null | undefined
  /** Take-profit distance above the price for buys, as a fraction. Default `0.06`; `null` for none. */
  takeProfitFraction?: number | null | undefined
}

interface Signal {
  fast: number
  slow: number
  previousFast: number
  previousSlow: number
  rsi: number
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback
  if (!Number.isInteger(resolved) || resolved < 1) {
    throw new DeciderConfigError(`createRuleDecider: ${name} must be a positive integer, got ${resolved}.`)
  }
  return resolved
}

function fraction(name: string, value: number | null | undefined, fallback: number | null): number | null {
  const resolved = value === undefined ? fallback : value
  if (resolved !== null && !(resolved >= 0 && resolved <= 1)) {
    throw new DeciderConfigError(`createRuleDecider: ${name} must be between 0 and 1, got ${resolved}.`)
  }
  return resolved
}

function computeSignal(closes: number[], fastPeriod: number, slowPeriod: number, rsiPeriod: number): Signal | undefined {
  const fast = new SMA(fastPeriod)
  const slow = new SMA(slowPeriod)
  const rsi = new RSI(rsiPeriod)
  let previousFast: number | null = null
  let previousSlow: number | null = null
  for (const [index, close] of closes.entries()) {
    if (index === closes.length - 1) {
      previousFast = fast.getResult()
      previousSlow = slow.getResult()
    }
    fast.add(close)
    slow.add(close)
    rsi.add(close)
  }
  const [f, s, r] = [fast.getResult(), slow.getResult(), rsi.getResult()]
  if (f === null || s === null || r === null || previousFast === null || previousSlow === null) return undefined
  return { fast: f, slow: s, previousFast, previousSlow, rsi: r }
}

/** Creates the moving-average-crossover + RSI decider. Same context in, same decision out. */
export function createRuleDecider(options: RuleDeciderOptions = {}): Decider {
  const timeframe = options.timeframe ?? '1h'
  const fastPeriod = positiveInteger('fastPeriod', options.fastPeriod, 10)
  const slowPeriod = positiveInteger('slowPeriod', options.slowPeriod, 30)
  const rsiPeriod = positiveInteger('rsiPeriod', options.rsiPeriod, 14)
  if (fastPeriod >= slowPeriod) {
    throw new DeciderConfigError(`createRuleDecider: fastPeriod (${fastPeriod}) must be shorter than slowPeriod (${slowPeriod}).`)
  }
  const overbought = options.rsiOverbought ?? 70
  const oversold = options.rsiOversold ?? 30
  const buySize = fraction('buySize', options.buySize, 0.1) ?? 0
  const sellSize = fraction('sellSize', options.sellSize, 1) ?? 0
  const confidence = fraction('confidence', options.confidence, 0.6) ?? 0
  const stopLossFraction = fraction('stopLossFraction', options.stopLossFraction, 0.03)
  const takeProfitFraction = fraction('takeProfitFraction', options.takeProfitFraction, 0.06)
  const model = `ma-cross-rsi(${fastPeriod},${slowPeriod},${rsiPeriod})@${timeframe}`
  const frame = { provider: 'rules', model }

  const decideFrom = (context: MarketContext) => {
    const closes = (context.candles[timeframe] ?? []).map((candle) => candle.close)
    const signal = computeSignal(closes, fastPeriod, slowPeriod, rsiPeriod)
    if (!signal) {
      throw new DeciderError(
        `The rule decider needs at least ${Math.max(slowPeriod, rsiPeriod) + 2} '${timeframe}' candles, got ${closes.length}.`,
        { code: 'insufficient_data', provider: 'rules' },
      )
    }
    const price = context.ticker.price
    const levels = `fast SMA ${signal.fast.toFixed(2)}, slow SMA ${signal.slow.toFixed(2)}, RSI ${signal.rsi.toFixed(1)}`
    const crossedUp = signal.previousFast <= signal.previousSlow && signal.fast > signal.slow
    const crossedDown = signal.previousFast >= signal.previousSlow && signal.fast < signal.slow
    if (crossedUp && signal.rsi < overbought) {
      return {
        action: 'buy',
        confidence,
        size: buySize,
        reason: `Bullish crossover (${levels}).`,
        stopLoss: stopLossFraction === null ? null : price * (1 - stopLossFraction),
        takeProfit: takeProfitFraction === null ? null : price * (1 + takeProfitFraction),
      }
    }
    if (crossedDown && signal.rsi > oversold && lessThan('0', context.balances.base)) {
      return {
        action: 'sell',
        confidence,
        size: sellSize,
        reason: `Bearish crossover (${levels}).`,
        stopLoss: null,
        takeProfit: null,
      }
    }
    return { action: 'hold', confidence, size: 0, reason: `No crossover signal (${levels}).`, stopLoss: null, takeProfit: null }
  }

  return {
    provider: 'rules',
    model,
    offline: true,
    decide(context: MarketContext, options?: DecideOptions): Promise<DecisionResult> {
      return runDecision(frame, context, options, async () => ({ value: decideFrom(context) }))
    },
  }
}
