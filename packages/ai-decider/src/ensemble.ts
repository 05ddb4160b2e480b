/**
 * Several deciders asked at once: the action most of them chose wins if at least `minAgreement` agree, with their
 * averaged confidence; otherwise hold. Failed members do not vote.
 */

import type { AuditRecord, Decider, DecisionResult } from './decider.js'
import type { Decision } from './decision.js'
import { AllDecidersFailedError, DeciderConfigError } from './errors.js'
import { memberFailure, runMember } from './member.js'
import { sumCosts } from './money.js'
import { addUsage, runDecision } from './run.js'

export interface EnsembleDeciderOptions {
  /** How many deciders must choose the same action. Default: a majority of all deciders (`floor(n / 2) + 1`). */
  minAgreement?: number | undefined
  /** Receives the ensemble's audit record (members included). Default: none. */
  onAudit?: ((record: AuditRecord) => void) | undefined
}

/**
 * Combines the agreeing decisions: mean confidence; the smallest size and the levels of the decision that proposed
 * it, so the ensemble never trades more than any agreeing member wanted.
 */
function combine(agreeing: readonly Decision[], votes: string): Decision {
  const smallest = agreeing.reduce((min, decision) => (decision.size < min.size ? decision : min))
  const confidence = agreeing.reduce((sum, decision) => sum + decision.confidence, 0) / agreeing.length
  return { ...smallest, confidence, reason: `Ensemble ${votes}: ${smallest.reason}`.slice(0, 500) }
}

export function createEnsembleDecider(deciders: readonly Decider[], options: EnsembleDeciderOptions = {}): Decider {
  if (deciders.length === 0) throw new DeciderConfigError('createEnsembleDecider: give at least one decider.')
  const minAgreement = options.minAgreement ?? Math.floor(deciders.length / 2) + 1
  if (!Number.isInteger(minAgreement) || minAgreement < 1 || minAgreement > deciders.length) {
    throw new DeciderConfigError(
      `createEnsembleDecider: minAgreement must be an integer from 1 to ${deciders.length}, got ${minAgreement}.`,
    )
  }
  const model = deciders.map((decider) => `${decider.provider}:${decider.model}`).join(' + ')
  const frame = { provider: 'ensemble', model, onAudit: options.onAudit, cutOff: false }
  return {
    provider: 'ensemble',
    model,
    offline: deciders.every((decider) => decider.offline),
    decide(context, decideOptions) {
      return runDecision(frame, context, decideOptions, async ({ deadline, audit }) => {
        const budget = Number.isFinite(deadline.at) ? deadline.remaining() : undefined
        const settled = await Promise.all(deciders.map((decider) => runMember(decider, context, deadline.signal, budget)))
        const results = settled.filter((result): result is DecisionResult => 'decision' in result)
        audit.members = results.map((result) => result.audit)
        audit.usage = addUsage(results.map((result) => result.usage))
        audit.costUsd = sumCosts(results.map((result) => result.costUsd))
        const answered = results.filter((result) => result.fallback === null)
        if (answered.length === 0) {
          const failures = settled.map((result) => ('decision' in result ? memberFailure(result) : result))
          throw new AllDecidersFailedError('Every member of the ensemble failed; holding.', failures)
        }
        const counts = new Map<Decision['action'], Decision[]>()
        for (const { decision } of answered) counts.set(decision.action, [...(counts.get(decision.action) ?? []), decision])
        const ranked = [...counts.entries()].sort((a, b) => b[1].length - a[1].length)
        const [action, agreeing] = ranked[0]!
        const tie = ranked.length > 1 && ranked[1]![1].length === agreeing.length
        const votes = `${ranked.map(([name, list]) => `${name} ${list.length}`).join(', ')} of ${deciders.length}`
        const value: Decision =
          !tie && agreeing.length >= minAgreement
            ? combine(agreeing, votes)
            : {
                action: 'hold',
                confidence: 0,
                size: 0,
                reason: `No agreement (${votes}; ${minAgreement} needed${tie ? `, tie on ${action}` : ''}).`,
                stopLoss: null,
                takeProfit: null,
              }
        return { value, usage: audit.usage, costUsd: audit.costUsd }
      })
    },
  }
}
