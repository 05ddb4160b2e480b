/**
 * The cost ledger: tokens and dollars per decision and per run, from the results' usage and your price table
 * (`prices` on the provider deciders). Replays count what they saved: the original call's cost, not spent again.
 */
import type { AuditRecord, DecisionResult, PriceTable, ReplayInfo, Usage } from './decider.js'
import { costUsd, sumCosts } from './money.js'
import { addUsage, emptyUsage } from './run.js'

/** One decision in the ledger. */
export interface LedgerEntry {
  /** The decision time (`asOf`) of the context, UTC ms, when the decider recorded it. */
  asOf: number | null
  market: string
  provider: string
  model: string
  /** Tokens this decision spent. */
  usage: Usage
  /** What this decision cost in US dollars; null when its model is not in your price table. */
  costUsd: string | null
  /** How a replay decider answered (`recording`, `recorded`, `missing`, `mismatch`), or null without one. */
  replay: ReplayInfo['source'] | null
  /** For a decision answered from a recording: the cost of the original call, saved. */
  savedUsd: string | null
  /** True when tokens were spent on a model without a price, so `costUsd` is unknown. */
  unpriced: boolean
}

/** The run's totals. */
export interface LedgerTotals {
  decisions: number
  usage: Usage
  /** Sum of the known costs, 8 decimals. */
  costUsd: string
  /** Decisions that spent tokens on a model missing from the price table (their cost is not in `costUsd`). */
  unpriced: number
  /** Sum of what answers from recordings saved, 8 decimals. */
  savedUsd: string
  /** Decisions answered from a recording, recorded now, missing from the recording, and refused (other inputs). */
  fromRecording: number
  recorded: number
  missing: number
  mismatched: number
}

export interface CostLedger {
  /** Adds one result and returns its entry. */
  add(result: DecisionResult): LedgerEntry
  /** The entries, in the order they were added. */
  readonly entries: readonly LedgerEntry[]
  totals(): LedgerTotals
}

/** The replay information of a result: its own, or the first member's (a replay decider inside a chain). */
function replayOf(audit: AuditRecord | undefined): ReplayInfo | undefined {
  if (!audit) return undefined
  if (audit.replay) return audit.replay
  for (const member of audit.members ?? []) {
    const found = replayOf(member)
    if (found) return found
  }
  return undefined
}

const spent = (usage: Usage | undefined) => usage !== undefined && Object.values(usage).some((count) => count > 0)

export interface CostLedgerOptions {
  /**
   * Prices per model id (US dollars per million tokens). Each call is priced by the model that made it, members
   * of chains and ensembles included. Default: the cost each result already carries (its decider's `prices`).
   */
  prices?: PriceTable | undefined
}

/** The cost of one audited call at `prices`: its members' summed, else its own tokens at its model's price. */
function priceAudit(audit: AuditRecord, prices: PriceTable): string | null {
  if (audit.members && audit.members.length > 0) {
    const costs = audit.members.map((member) => priceAudit(member, prices))
    return costs.some((cost) => cost === null) ? null : sumCosts(costs)
  }
  const price = prices[audit.model]
  if (price) return costUsd(audit.usage ?? emptyUsage(), price)
  return spent(audit.usage) ? (audit.costUsd ?? null) : '0.00000000'
}

/** Creates an empty ledger; `add` each `DecisionResult` of a run. */
export function createCostLedger(options: CostLedgerOptions = {}): CostLedger {
  const entries: LedgerEntry[] = []
  return {
    entries,
    add(result) {
      const replay = replayOf(result.audit)
      // With a price table, a null cost means some call's model has no price (calls that spent nothing price at 0).
      const cost = options.prices && result.audit ? priceAudit(result.audit, options.prices) : result.costUsd
      const entry: LedgerEntry = {
        asOf: result.audit?.asOf ?? null,
        market: result.audit?.market ?? '',
        provider: result.provider,
        model: result.model,
        usage: { ...emptyUsage(), ...result.usage },
        costUsd: cost,
        replay: replay?.source ?? null,
        savedUsd: replay?.source === 'recording' ? (replay.savedUsd ?? null) : null,
        unpriced: cost === null && (options.prices !== undefined || spent(result.usage)),
      }
      entries.push(entry)
      return entry
    },
    totals() {
      const count = (source: ReplayInfo['source']) => entries.filter((entry) => entry.replay === source).length
      return {
        decisions: entries.length,
        usage: addUsage(entries.map((entry) => entry.usage)),
        costUsd: sumCosts(entries.map((entry) => entry.costUsd)) ?? '0.00000000',
        unpriced: entries.filter((entry) => entry.unpriced).length,
        savedUsd: sumCosts(entries.map((entry) => entry.savedUsd)) ?? '0.00000000',
        fromRecording: count('recording'),
        recorded: count('recorded'),
        missing: count('missing'),
        mismatched: count('mismatch'),
      }
    },
  }
}
