/**
 * What a backtest reports about its decider: each decision (from the recording, recorded now, or missing), tokens
 * and dollars from the user's price table, and what replaying saved. Everything here is a pure function of the
 * replayed history and the recording, so a replayed run reports the same bytes every time.
 */
import {
  type CostLedger,
  createCostLedger,
  type Decider,
  type DecisionResult,
  type LedgerTotals,
  type PriceTable,
  type ReplayInfo,
  type Usage,
} from '@tradekit/ai-decider'

/** One decision of the run, as the decider answered (before the risk limits). */
export interface BacktestDecision {
  /** The decision time (the replayed candle's close), ISO 8601. */
  time: string
  provider: string
  model: string
  action: 'buy' | 'sell' | 'hold'
  size: number
  confidence: number
  /** The fallback code when the decision is a safe hold because something failed (`replay_miss`, ...), else null. */
  fallback: string | null
  /** `recording`, `recorded`, `missing` or `mismatch` with a recording; null when the decider was asked directly. */
  source: ReplayInfo['source'] | null
  usage: Usage
  /** Dollars this decision cost; null when its model is not in the price table. */
  costUsd: string | null
  /** For a decision from the recording: what the original call cost, saved now. */
  savedUsd: string | null
}

/** The decider's part of a backtest report. */
export interface DecisionReport {
  /** How the run used its recording: `record`, `replay`, `record-missing`, or `none` (the decider was asked). */
  mode: 'record' | 'replay' | 'record-missing' | 'none'
  totals: LedgerTotals
  /** Decision times with no recording (replay mode holds there), ISO 8601. */
  missing: string[]
  /**
   * Decision times whose recording was made with other inputs and refused (a hold there). Replays are
   * path-dependent: after a held decision the balances differ from the recorded run, so later prompts differ too.
   */
  refused: string[]
  decisions: BacktestDecision[]
}

/**
 * Wraps a decider so each result lands in the ledger (priced at `prices`, call by call) and the decision list;
 * the decider itself is unchanged.
 */
export function trackDecisions(
  decider: Decider,
  prices: PriceTable | undefined,
): { decider: Decider; report: (mode: DecisionReport['mode']) => DecisionReport } {
  const ledger: CostLedger = createCostLedger({ prices })
  const decisions: BacktestDecision[] = []
  const track = (result: DecisionResult) => {
    const entry = ledger.add(result)
    decisions.push({
      time: entry.asOf === null ? '' : new Date(entry.asOf).toISOString(),
      provider: result.provider,
      model: result.model,
      action: result.decision.action,
      size: result.decision.size,
      confidence: result.decision.confidence,
      fallback: result.fallback?.code ?? null,
      source: entry.replay,
      usage: entry.usage,
      costUsd: entry.costUsd,
      savedUsd: entry.savedUsd,
    })
  }
  return {
    decider: {
      provider: decider.provider,
      model: decider.model,
      ...(decider.offline === undefined ? {} : { offline: decider.offline }),
      async decide(context, options) {
        const result = await decider.decide(context, options)
        track(result)
        return result
      },
    },
    report: (mode) => ({
      mode,
      totals: ledger.totals(),
      missing: decisions.filter((decision) => decision.source === 'missing').map((decision) => decision.time),
      refused: decisions.filter((decision) => decision.source === 'mismatch').map((decision) => decision.time),
      decisions,
    }),
  }
}

/** The report's lines for a person: where the decisions came from, tokens, cost and what the recording saved. */
export function formatDecisionReport(report: DecisionReport): string[] {
  const t = report.totals
  const lines = [
    `  decisions ${t.decisions}: ${
      report.mode === 'none'
        ? 'asked the decider each time'
        : `${t.fromRecording} from the recording, ${t.recorded} recorded now, ${t.missing} missing and ${t.mismatched} refused (held)`
    }`,
    `  tokens in ${t.usage.inputTokens + t.usage.cacheReadTokens + t.usage.cacheWriteTokens}, out ${t.usage.outputTokens}; cost $${t.costUsd}${
      t.unpriced > 0 ? ` (+ ${t.unpriced} decisions of models without a price)` : ''
    }; saved by the recording $${t.savedUsd}`,
  ]
  const list = (times: string[]) => `${times.slice(0, 5).join(', ')}${times.length > 5 ? `, … (${times.length})` : ''}`
  if (report.missing.length > 0) lines.push(`  missing from the recording: ${list(report.missing)}`)
  if (report.refused.length > 0) {
    lines.push(`  refused (recorded with other inputs; re-record with --record): ${list(report.refused)}`)
  }
  return lines
}
