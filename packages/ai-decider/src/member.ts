/** Running one member of a fallback chain or ensemble so that it can neither hang nor throw past its budget. */
import type { MarketContext } from './context.js'
import { createDeadline, raceSignal } from './deadline.js'
import type { Decider, DecisionResult } from './decider.js'
import { isDeciderError, type MemberFailure } from './errors.js'

/** How long after its budget a member that ignores it is cut off. */
const GRACE_MS = 5

/**
 * Runs one member with its budget (undefined: none). Built-in deciders honour it and never throw with
 * `onFailure: 'hold'`; a foreign decider that ignores its budget, or throws anyway, is cut off `GRACE_MS` after it
 * or becomes a failure code, so the rest of the chain still runs. `signal` is the caller's abort.
 */
export async function runMember(
  decider: Decider,
  context: MarketContext,
  signal: AbortSignal,
  budget: number | undefined,
): Promise<DecisionResult | MemberFailure> {
  const member = createDeadline(signal, budget === undefined ? undefined : budget + GRACE_MS)
  const options = { signal: member.signal, deadlineMs: budget, onFailure: 'hold' as const }
  try {
    return await raceSignal(decider.decide(context, options), member.signal)
  } catch (error) {
    const code = member.expired() ?? (isDeciderError(error) ? error.code : 'internal')
    const message = error instanceof Error ? error.message : String(error)
    return { provider: decider.provider, model: decider.model, code, message }
  } finally {
    member.dispose()
  }
}

/** The failure entry of a member whose result is a safe default. */
export function memberFailure(result: DecisionResult): MemberFailure {
  return {
    provider: result.provider,
    model: result.model,
    code: result.fallback?.code ?? 'unknown',
    message: result.fallback?.message ?? '',
  }
}
