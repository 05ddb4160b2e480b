/**
 * How good the decider's decisions were, from the decisions log and the trades log: counts per decider and model,
 * what happened after each decision (the price a stated horizon later, and the round trip an acted-on buy
 * opened), calibration of the confidence (hit rate by bucket, Brier score), and cost where the entries carry it.
 * Money stays decimal strings (big.js); rates and scores are numbers. Definitions in the README.
 */
import Big from 'big.js'
import { priceRatio } from './buy-and-hold.js'
import { DECIMAL_PATTERN, type DecimalString, formatDecimal, sumDecimals } from './decimal.js'
import { TradeLogUsageError } from './errors.js'
import { sortFills } from './ledger.js'
import { performance } from './performance.js'
import { roundRatio } from './return-figures.js'
import type { DecisionEntry, EquityEntry, TradeEntry } from './schemas.js'

/** Options of `decisionQuality`. */
export interface DecisionQualityOptions {
  /** How long after a decision its outcome is measured: the first logged price at or after `decision + horizonMs`. Default 1 day. */
  horizonMs?: number
  /** Confidence buckets of equal width for calibration. Default 10 (0–0.1, …, 0.9–1). */
  buckets?: number
}

/** Hit rate of the decisions whose confidence fell in `[from, to)` (the last bucket includes 1). */
export interface CalibrationBucket {
  from: number
  to: number
  decisions: number
  meanConfidence: number | null
  hitRate: number | null
}

/** A fallback reason and how often it occurred. */
export interface FallbackCount {
  reason: string
  count: number
}

/** The figures for one decider and model (or for all of them). */
export interface DeciderQuality {
  /** `*` in the total. */
  provider: string
  model: string
  decisions: number
  /** By the action logged (after the bot's risk limits). */
  buys: number
  sells: number
  /** Decisions logged as `hold`. */
  held: number
  /** Decisions with at least one fill carrying their `decisionId`. */
  actedOn: number
  /** Buys and sells logged that no fill carries (risk limits, a minimum order, a failed order). */
  notActedOn: number
  /** Decisions with a `fallbackReason`: a fallback decider answered, or the bot failed closed. */
  fallbacks: number
  /** By reason (the text before the first `:`), most frequent first. */
  fallbackReasons: FallbackCount[]
  /** Acted-on buys and sells, measured `horizonMs` later. */
  outcome: {
    /** With a price at the decision and one at or after the horizon. */
    evaluated: number
    /** Whose horizon is past the log's last price of the market. */
    pending: number
    /** Share that moved the way the decision bet: up after a buy, down after a sell. A flat price is a miss. */
    hitRate: number | null
    /** Mean signed return: `P1 / P0 − 1` after a buy, `1 − P1 / P0` after a sell. */
    meanReturn: number | null
    /** Round trips opened by the acted-on buys, and what they made (quote currency). */
    roundTrips: { closed: number; wins: number; losses: number; profit: DecimalString }
  }
  /** Every directional decision (acted on or not), as the decider proposed it, against its confidence. */
  calibration: {
    evaluated: number
    /** mean((confidence − hit)²): 0 is perfect, 0.25 is a coin flip said with confidence 0.5. */
    brier: number | null
    buckets: CalibrationBucket[]
  }
  cost: {
    inputTokens: number
    outputTokens: number
    /** Decisions whose entry carries `costUsd`. */
    pricedDecisions: number
    /** Σ costUsd of those, 8 decimals. */
    costUsd: DecimalString | null
    /** costUsd / pricedDecisions. */
    perDecisionUsd: DecimalString | null
    /** costUsd / round-trip profit: dollars spent per unit of quote-currency profit (8 significant digits). */
    perProfit: number | null
  }
  /** Why each null figure is null, by its path (`outcome.hitRate`, `cost.perProfit`, …). */
  reasons: Record<string, string>
}

/** The result of `decisionQuality`. */
export interface DecisionQuality {
  horizonMs: number
  /** One row per provider and model, ordered by provider then model. */
  deciders: DeciderQuality[]
  /** All decisions together. */
  total: DeciderQuality
  /** Fills whose `decisionId` names no decision in the log (another bot, or a decision outside the range). */
  unmatchedFills: number
}

const DAY_MS = 86_400_000

/** A decision reduced to what the figures read. */
interface Read {
  entry: DecisionEntry
  /** The decider's own call (`proposed` in the example bot's log), else the logged one. */
  proposedAction: 'buy' | 'sell' | 'hold'
  proposedConfidence: number
  acted: boolean
  /** The price `horizonMs` after the decision over the price at it, minus 1; or why there is none. */
  change: number | 'pending' | 'no-price'
  cost: DecimalString | undefined
}

const isPositiveDecimal = (value: unknown): value is string =>
  typeof value === 'string' && DECIMAL_PATTERN.test(value) && !/^-|^0(\.0+)?$/.test(value)

/** The decision's own proposal, when the entry carries a valid one. */
function proposalOf(entry: DecisionEntry): { action: Read['proposedAction']; confidence: number } {
  const proposed = entry['proposed'] as { action?: unknown; confidence?: unknown } | undefined
  const action = proposed?.action
  const confidence = proposed?.confidence
  if (
    (action === 'buy' || action === 'sell' || action === 'hold') &&
    typeof confidence === 'number' &&
    confidence >= 0 &&
    confidence <= 1
  ) {
    return { action, confidence }
  }
  return { action: entry.action, confidence: entry.confidence }
}

/** The fallback reason's key: the code before the first `:` (the example bot writes `code: message`). */
const reasonKey = (reason: string) => (reason.includes(':') ? reason.slice(0, reason.indexOf(':')) : reason).trim().slice(0, 120)

/** Logged prices of each market, sorted by time: fills, snapshot positions, and the price a decision saw. */
function priceSeries(decisions: readonly DecisionEntry[], fills: readonly TradeEntry[], equity: readonly EquityEntry[]) {
  const byMarket = new Map<string, { at: number; price: string }[]>()
  const add = (market: string, at: number, price: unknown) => {
    if (!isPositiveDecimal(price)) return
    let list = byMarket.get(market)
    if (!list) {
      list = []
      byMarket.set(market, list)
    }
    list.push({ at, price })
  }
  for (const fill of fills) add(fill.market, fill.tsMs, fill.price)
  for (const snapshot of equity) for (const position of snapshot.positions) add(position.market, snapshot.tsMs, position.price)
  for (const decision of decisions) add(decision.market, decision.tsMs, decision['price'])
  for (const list of byMarket.values()) list.sort((a, b) => a.at - b.at)
  return byMarket
}

/** Index of the first point at or after `at`. */
function firstAtOrAfter(list: readonly { at: number }[], at: number): number {
  let low = 0
  let high = list.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (list[mid]!.at < at) low = mid + 1
    else high = mid
  }
  return low
}

function emptyFigures(provider: string, model: string, buckets: number): DeciderQuality {
  return {
    provider,
    model,
    decisions: 0,
    buys: 0,
    sells: 0,
    held: 0,
    actedOn: 0,
    notActedOn: 0,
    fallbacks: 0,
    fallbackReasons: [],
    outcome: {
      evaluated: 0,
      pending: 0,
      hitRate: null,
      meanReturn: null,
      roundTrips: { closed: 0, wins: 0, losses: 0, profit: '0' },
    },
    calibration: {
      evaluated: 0,
      brier: null,
      buckets: Array.from({ length: buckets }, (_, i) => ({
        from: roundRatio(i / buckets),
        to: roundRatio((i + 1) / buckets),
        decisions: 0,
        meanConfidence: null,
        hitRate: null,
      })),
    },
    cost: { inputTokens: 0, outputTokens: 0, pricedDecisions: 0, costUsd: null, perDecisionUsd: null, perProfit: null },
    reasons: {},
  }
}

/** The figures of a group of decisions. */
function figuresOf(
  provider: string,
  model: string,
  reads: readonly Read[],
  trips: ReadonlyMap<string, { profit: string }>,
  buckets: number,
  horizonMs: number,
): DeciderQuality {
  const q = emptyFigures(provider, model, buckets)
  const fallbackCounts = new Map<string, number>()
  let hits = 0
  let signedSum = 0
  let brierSum = 0
  const bucketSums = q.calibration.buckets.map(() => ({ confidence: 0, hits: 0 }))
  const costs: string[] = []
  const tripProfits: string[] = []
  for (const read of reads) {
    const { entry } = read
    q.decisions++
    if (entry.action === 'buy') q.buys++
    else if (entry.action === 'sell') q.sells++
    else q.held++
    if (read.acted) q.actedOn++
    else if (entry.action !== 'hold') q.notActedOn++
    if (typeof entry.fallbackReason === 'string' && entry.fallbackReason !== '') {
      q.fallbacks++
      const key = reasonKey(entry.fallbackReason)
      fallbackCounts.set(key, (fallbackCounts.get(key) ?? 0) + 1)
    }
    q.cost.inputTokens += entry.usage?.inputTokens ?? 0
    q.cost.outputTokens += entry.usage?.outputTokens ?? 0
    if (read.cost !== undefined) costs.push(read.cost)
    const trip = entry.decisionId === undefined ? undefined : trips.get(entry.decisionId)
    if (read.acted && trip) {
      q.outcome.roundTrips.closed++
      const profit = new Big(trip.profit)
      if (profit.gt(0)) q.outcome.roundTrips.wins++
      else if (profit.lt(0)) q.outcome.roundTrips.losses++
      tripProfits.push(trip.profit)
    }
    const { change } = read
    if (typeof change !== 'number') {
      if (read.acted && change === 'pending' && entry.action !== 'hold') q.outcome.pending++
      continue
    }
    if (read.acted && entry.action !== 'hold') {
      q.outcome.evaluated++
      if (entry.action === 'buy' ? change > 0 : change < 0) hits++
      signedSum += entry.action === 'buy' ? change : -change
    }
    if (read.proposedAction !== 'hold') {
      const hit = (read.proposedAction === 'buy' ? change > 0 : change < 0) ? 1 : 0
      q.calibration.evaluated++
      brierSum += (read.proposedConfidence - hit) ** 2
      const index = Math.min(buckets - 1, Math.floor(read.proposedConfidence * buckets))
      q.calibration.buckets[index]!.decisions++
      bucketSums[index]!.confidence += read.proposedConfidence
      bucketSums[index]!.hits += hit
    }
  }
  q.fallbackReasons = [...fallbackCounts]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1))
  const why = (path: string, reason: string) => {
    q.reasons[path] = reason
    return null
  }
  const horizon = `${roundRatio(horizonMs / 3_600_000)} h`
  if (q.outcome.evaluated > 0) {
    q.outcome.hitRate = roundRatio(hits / q.outcome.evaluated)
    q.outcome.meanReturn = roundRatio(signedSum / q.outcome.evaluated)
  } else {
    const reason =
      q.actedOn === 0
        ? 'no decision was acted on'
        : q.outcome.pending > 0
          ? `the log has no price ${horizon} after the acted-on decisions yet`
          : 'no logged price at an acted-on decision'
    why('outcome.hitRate', reason)
    why('outcome.meanReturn', reason)
  }
  q.outcome.roundTrips.profit = sumDecimals(tripProfits)
  for (const [i, bucket] of q.calibration.buckets.entries()) {
    if (bucket.decisions === 0) continue
    bucket.meanConfidence = roundRatio(bucketSums[i]!.confidence / bucket.decisions)
    bucket.hitRate = roundRatio(bucketSums[i]!.hits / bucket.decisions)
  }
  if (q.calibration.evaluated > 0) q.calibration.brier = roundRatio(brierSum / q.calibration.evaluated)
  else why('calibration.brier', `no buy or sell decision with a logged price at it and ${horizon} after it`)
  if (costs.length > 0) {
    const total = new Big(sumDecimals(costs))
    q.cost.pricedDecisions = costs.length
    q.cost.costUsd = formatDecimal(total, 8)
    q.cost.perDecisionUsd = formatDecimal(total.div(costs.length), 8)
    const profit = new Big(q.outcome.roundTrips.profit)
    if (profit.gt(0)) q.cost.perProfit = Number(total.div(profit).toPrecision(8))
    else
      why(
        'cost.perProfit',
        q.outcome.roundTrips.closed === 0 ? 'no round trip opened by these decisions closed' : 'their round trips made no profit',
      )
  } else {
    const reason = 'no decision entry carries costUsd (the audit records’ cost)'
    why('cost.costUsd', reason)
    why('cost.perDecisionUsd', reason)
    why('cost.perProfit', reason)
  }
  return q
}

/**
 * Decision quality per decider and model. `decisions` and `fills` in any order; `equity` snapshots add prices
 * for the outcomes. Pass the entries of one range (the outcome of a decision near its end may need prices after
 * it: include them, or read the pending count).
 */
export function decisionQuality(
  decisions: readonly DecisionEntry[],
  fills: readonly TradeEntry[],
  equity: readonly EquityEntry[] = [],
  options: DecisionQualityOptions = {},
): DecisionQuality {
  const horizonMs = options.horizonMs ?? DAY_MS
  const buckets = options.buckets ?? 10
  if (!(Number.isFinite(horizonMs) && horizonMs > 0)) {
    throw new TradeLogUsageError(`horizonMs must be a positive number of milliseconds, got ${JSON.stringify(options.horizonMs)}.`)
  }
  if (!(Number.isInteger(buckets) && buckets >= 1 && buckets <= 100)) {
    throw new TradeLogUsageError(`buckets must be a whole number from 1 to 100, got ${JSON.stringify(options.buckets)}.`)
  }
  const sorted = [...decisions].sort((a, b) => a.tsMs - b.tsMs)
  const ids = new Set(sorted.flatMap((decision) => (decision.decisionId === undefined ? [] : [decision.decisionId])))
  const acted = new Set<string>()
  let unmatchedFills = 0
  for (const fill of fills) {
    if (fill.decisionId === undefined) continue
    if (ids.has(fill.decisionId)) acted.add(fill.decisionId)
    else unmatchedFills++
  }
  // Round trips by the decision whose fill opened them.
  const trips = new Map<string, { profit: string }>()
  for (const trip of performance(sortFills(fills)).closedTrades) if (trip.decisionId !== null) trips.set(trip.decisionId, trip)
  const prices = priceSeries(sorted, fills, equity)

  const reads: Read[] = sorted.map((entry) => {
    const proposal = proposalOf(entry)
    const list = prices.get(entry.market) ?? []
    // The price at the decision: the one it logged, else the last logged at or before it.
    const own = isPositiveDecimal(entry['price']) ? entry['price'] : undefined
    const before = firstAtOrAfter(list, entry.tsMs + 1) - 1
    const p0 = own ?? (before >= 0 ? list[before]!.price : undefined)
    const after = firstAtOrAfter(list, entry.tsMs + horizonMs)
    const p1 = after < list.length ? list[after]!.price : undefined
    const change: Read['change'] = p0 === undefined ? 'no-price' : p1 === undefined ? 'pending' : priceRatio(p1, p0) - 1
    const cost = entry['costUsd']
    return {
      entry,
      proposedAction: proposal.action,
      proposedConfidence: proposal.confidence,
      acted: entry.decisionId !== undefined && acted.has(entry.decisionId),
      change,
      cost: typeof cost === 'string' && DECIMAL_PATTERN.test(cost) ? cost : undefined,
    }
  })

  const groups = new Map<string, Read[]>()
  for (const read of reads) {
    const key = JSON.stringify([read.entry.provider, read.entry.model])
    let group = groups.get(key)
    if (!group) {
      group = []
      groups.set(key, group)
    }
    group.push(read)
  }
  const deciders = [...groups.keys()].sort().map((key) => {
    const [provider, model] = JSON.parse(key) as [string, string]
    return figuresOf(provider, model, groups.get(key)!, trips, buckets, horizonMs)
  })
  return { horizonMs, deciders, total: figuresOf('*', '*', reads, trips, buckets, horizonMs), unmatchedFills }
}
