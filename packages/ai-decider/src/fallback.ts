/**
 * A chain of deciders: the next one runs only when the previous one failed (its result has `fallback` set), never
 * because it said hold. The caller's deadline is shared out so the last links always get their turn.
 */

import type { AuditRecord, Decider, DecisionResult } from './decider.js'
import { AllDecidersFailedError, DeciderAbortError, DeciderConfigError, type MemberFailure } from './errors.js'
import { memberFailure, runMember } from './member.js'
import { sumCosts } from './money.js'
import { addUsage, runDecision } from './run.js'

export interface FallbackDeciderOptions {
  /**
   * Weight of each decider's share of the remaining deadline, in chain order. A decider gets
   * `remaining × its weight / sum of the weights of itself and the online deciders after it`.
   * Default: 1 for online deciders; offline ones (rules, scripted) need no share and get whatever is left.
   */
  shares?: readonly number[] | undefined
  /** Time kept back for offline deciders at the end of the chain, in milliseconds. Default `20`. */
  reserveMs?: number | undefined
  /** Receives the chain's audit record (members included). Default: none. */
  onAudit?: ((record: AuditRecord) => void) | undefined
}

/** Creates the chain. `deciders` run in order; the first that does not fail provides the decision. */
export function createFallbackDecider(deciders: readonly Decider[], options: FallbackDeciderOptions = {}): Decider {
  if (deciders.length === 0) throw new DeciderConfigError('createFallbackDecider: give at least one decider.')
  const weights = deciders.map((decider, index) => (decider.offline ? 0 : (options.shares?.[index] ?? 1)))
  if (weights.some((weight) => !(weight >= 0))) {
    throw new DeciderConfigError('createFallbackDecider: shares must be non-negative numbers.')
  }
  const reserveMs = options.reserveMs ?? 20
  const model = deciders.map((decider) => `${decider.provider}:${decider.model}`).join(' > ')
  const frame = { provider: 'fallback', model, onAudit: options.onAudit, cutOff: false }

  /** The budget of decider `index` given the time left; undefined when the caller set no deadline. */
  const budgetFor = (index: number, remaining: number): number | undefined => {
    if (!Number.isFinite(remaining)) return undefined
    if (deciders[index]?.offline) return remaining
    const trailingOffline = deciders.slice(index + 1).some((decider) => decider.offline)
    const available = Math.max(0, remaining - (trailingOffline ? reserveMs : 0))
    const weightLeft = weights.slice(index).reduce((sum, weight) => sum + weight, 0)
    return weightLeft === 0 ? available : (available * (weights[index] ?? 0)) / weightLeft
  }

  return {
    provider: 'fallback',
    model,
    offline: deciders.every((decider) => decider.offline),
    decide(context, decideOptions) {
      return runDecision(frame, context, decideOptions, async ({ deadline, audit }) => {
        const results: DecisionResult[] = []
        const failures: MemberFailure[] = []
        const members: AuditRecord[] = []
        audit.members = members
        const settle = () => {
          audit.usage = addUsage(results.map((result) => result.usage))
          audit.costUsd = sumCosts(results.map((result) => result.costUsd))
        }
        for (const [index, decider] of deciders.entries()) {
          if (deadline.expired() === 'aborted') break
          const budget = budgetFor(index, deadline.remaining())
          if (budget !== undefined && budget <= 0 && !decider.offline) {
            failures.push({ provider: decider.provider, model: decider.model, code: 'no_time', message: 'skipped: no time left' })
            continue
          }
          const result = await runMember(decider, context, deadline.signal, budget)
          if (!('decision' in result)) {
            failures.push(result)
            continue
          }
          results.push(result)
          members.push(result.audit)
          settle()
          if (result.fallback === null) {
            return {
              value: result.decision,
              provider: result.provider,
              model: result.model,
              usage: addUsage(results.map((member) => member.usage)),
              costUsd: sumCosts(results.map((member) => member.costUsd)),
              clamps: result.clamps,
            }
          }
          failures.push(memberFailure(result))
        }
        if (deadline.expired() === 'aborted') {
          throw new DeciderAbortError('The fallback chain was aborted by the caller.', { provider: 'fallback' })
        }
        const summary =
          failures.map((failure) => `${failure.provider} ${failure.code}`).join(', ') || 'no decider had time to run'
        throw new AllDecidersFailedError(`Every decider of the fallback chain failed (${summary}); holding.`, failures)
      })
    },
  }
}
