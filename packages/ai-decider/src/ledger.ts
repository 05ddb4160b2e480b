/**
 * The cost ledger: tokens and dollars per decision and per run, from the results' usage and your price table
 * (`prices` on the provider deciders). Replays count what they saved: the original call's cost, not spent again.
 */
import type { AuditRecord, DecisionResult, ReplayInfo, Usage } from './decider.js'
import { sumCosts } from './money.js'
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
  /** How a replay decider answered (`recording`, `recorded`, `missing`), or null without one. */
  replay: ReplayInfo['source'] | null
  /** For a decision answered from a recording: the cost of the original call, saved. */
  savedUsd: string | null
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
  /** Decisions answered from a recording, recorded now, and missing from the recording. */
  fromRecording: number
  recorded: number
  missing: number
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

const spent = (usage: Usage) => Object.values(usage).some((count) => count > 0)

/** Creates an empty ledger; `add` each `DecisionResult` of a run. */
export function createCostLedger(): CostLedger {
  const entries: LedgerEntry[] = []
  return {
    entries,
    add(result) {
      const replay = replayOf(result.audit)
      const entry: LedgerEntry = {
        asOf: result.audit?.asOf ?? null,
        market: result.audit?.market ?? '',
        provider: result.provider,
        model: result.model,
        usage: { ...emptyUsage(), ...result.usage },
        costUsd: result.costUsd,
        replay: replay?.source ?? null,
        savedUsd: replay?.source === 'recording' ? (replay.savedUsd ?? null) : null,
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
        unpriced: entries.filter((entry) => entry.costUsd === null && spent(entry.usage)).length,
        savedUsd: sumCosts(entries.map((entry) => entry.savedUsd)) ?? '0.00000000',
        fromRecording: count('recording'),
        recorded: count('recorded'),
        missing: count('missing'),
      }
    },
  }
}
