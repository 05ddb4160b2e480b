/**
 * The fail-closed frame every decider runs in: deadline and abort, validation of the answer, usage and cost,
 * the audit record, and a safe hold (or a throw, if the caller asked) on any failure.
 */
import { randomUUID } from 'node:crypto'
import { MarketContext } from './context.js'
import { createDeadline, type Deadline, raceSignal } from './deadline.js'
import type {
  AttemptRecord,
  AuditRecord,
  ClampEvent,
  DecideOptions,
  DecisionResult,
  PriceTable,
  ReplayInfo,
  Usage,
} from './decider.js'
import { holdDecision, normalizeDecision } from './decision.js'
import { DeciderAbortError, DeciderError, DeciderTimeoutError, isDeciderError } from './errors.js'
import { costUsd } from './money.js'
import { assertPointInTime } from './point-in-time.js'
import type { Redactor } from './redact.js'

/** What a decider's work fills in while it runs, for the audit record. */
export interface AuditDraft {
  promptHash?: string
  request?: unknown
  response?: unknown
  attempts: AttemptRecord[]
  members?: AuditRecord[]
  /** Tokens spent, set as soon as a provider answered (a refusal costs tokens too). */
  usage?: Usage
  /** Cost already known to a composite decider (sum of its members). */
  costUsd?: string | null
  /** Set by the replay decider. */
  replay?: ReplayInfo
}

export interface RunScope {
  deadline: Deadline
  audit: AuditDraft
}

/** A successful answer: the raw decision candidate (validated by the frame) and what it cost. */
export interface Answer {
  value: unknown
  usage?: Usage
  /** The model that answered, if it differs from the configured one (e.g. a dated snapshot id). */
  model?: string
  /** Overrides the provider name in the result (fallback chains report the member that answered). */
  provider?: string
  /** Set by composite deciders that already computed the cost. */
  costUsd?: string | null
  /** Clamps a member already applied (composite deciders pass them on). */
  clamps?: ClampEvent[]
}

export interface RunFrame {
  provider: string
  model: string
  /** Budget when the caller gives no `deadlineMs`; undefined means none. */
  defaultBudgetMs?: number | undefined
  prices?: PriceTable | undefined
  onAudit?: ((record: AuditRecord) => void) | undefined
  /**
   * `false` for composite deciders: the budget is not enforced by a timer of the frame, because each member is cut
   * off at its own share (see `runMember`). Default `true`.
   */
  cutOff?: boolean | undefined
  /** Removes the decider's secrets from the result, the audit record and the error before they leave. Default: none. */
  redactor?: Redactor | undefined
}

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }
}

/** Adds token counts, e.g. of every member of an ensemble. */
export function addUsage(usages: readonly Usage[]): Usage {
  const total = emptyUsage()
  for (const usage of usages) {
    for (const key of Object.keys(total) as (keyof Usage)[]) total[key] += usage[key]
  }
  return total
}

/** Converts anything thrown into a `DeciderError`, telling a timeout from an abort by the deadline's state. */
export function toDeciderError(error: unknown, deadline: Deadline, provider: string): DeciderError {
  const expired = deadline.expired()
  if (expired === 'aborted') {
    return isDeciderError(error) && error.code === 'aborted'
      ? error
      : new DeciderAbortError(`The ${provider} decision was aborted by the caller.`, { provider, cause: error })
  }
  if (expired === 'timeout' && !(isDeciderError(error) && error.code !== 'timeout' && error.code !== 'network')) {
    return new DeciderTimeoutError(
      `The ${provider} decision did not finish within its deadline; raise deadlineMs or timeoutMs if this repeats.`,
      { provider, cause: error },
    )
  }
  if (isDeciderError(error)) return error
  const message = error instanceof Error ? error.message : String(error)
  return new DeciderError(`The ${provider} decider failed unexpectedly: ${message}`, {
    code: 'internal',
    provider,
    cause: error,
  })
}

/** A malformed context would make a meaningless prompt: refuse it (the frame turns this into a hold). */
function checkContext(context: MarketContext, provider: string): void {
  const parsed = MarketContext.safeParse(context)
  if (parsed.success) return
  const issues = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
  throw new DeciderError(`The market context is invalid (${issues.join('; ')}); fix the data passed to decide().`, {
    code: 'invalid_context',
    provider,
    cause: parsed.error,
  })
}

function priceCall(frame: RunFrame, usage: Usage, model: string): string | null {
  const price = frame.prices?.[model] ?? frame.prices?.[frame.model]
  return price ? costUsd(usage, price) : null
}

function emitAudit(frame: RunFrame, record: AuditRecord): void {
  try {
    frame.onAudit?.(record)
  } catch {
    // An audit sink that throws must not turn a decision into a crash of the trading loop.
  }
}

function redact(frame: RunFrame, result: DecisionResult): DecisionResult {
  return frame.redactor ? frame.redactor.value(result) : result
}

/** Runs `work` inside the fail-closed frame and builds the `DecisionResult`. */
export async function runDecision(
  frame: RunFrame,
  context: MarketContext,
  options: DecideOptions | undefined,
  work: (scope: RunScope) => Promise<Answer>,
): Promise<DecisionResult> {
  const started = performance.now()
  const at = Date.now()
  const cutOff = frame.cutOff ?? true
  const deadline = createDeadline(options?.signal, options?.deadlineMs ?? frame.defaultBudgetMs, { timer: cutOff })
  const audit: AuditDraft = { attempts: [] }
  const market = typeof context?.market === 'string' ? context.market : ''
  const asOf = typeof context?.asOf === 'number' ? context.asOf : undefined
  const base = {
    id: randomUUID(),
    at,
    ...(asOf === undefined ? {} : { asOf }),
    market,
    provider: frame.provider,
    model: frame.model,
  }
  try {
    if (options?.signal?.aborted) throw options.signal.reason
    checkContext(context, frame.provider)
    // Before any work: a decider must never see data from after its decision time (and never pay to see it).
    assertPointInTime(context, frame.provider)
    const age = at - context.asOf
    if (options?.maxContextAgeMs !== undefined && age > options.maxContextAgeMs) {
      throw new DeciderError(
        `The market context is ${age} ms old, more than maxContextAgeMs ${options.maxContextAgeMs}; refresh the data before deciding.`,
        { code: 'stale_context', provider: frame.provider },
      )
    }
    // Raced against the deadline so a decider that ignores its signal still cannot hold up the caller.
    const answer = await raceSignal(work({ deadline, audit }), deadline.signal)
    if (answer.usage) audit.usage = answer.usage
    const { decision, clamps } = normalizeDecision(answer.value, answer.provider ?? frame.provider)
    const usage = answer.usage ?? emptyUsage()
    const model = answer.model ?? frame.model
    const cost = answer.costUsd !== undefined ? answer.costUsd : priceCall(frame, usage, model)
    // The cost ledger of this decision: tokens and dollars, in the audit record as in the result.
    const record: AuditRecord = {
      ...base,
      ...audit,
      provider: answer.provider ?? frame.provider,
      model,
      usage,
      costUsd: cost,
      decision,
      fallback: null,
    }
    // The one gate out: whatever a provider echoed (a key in the reason, the model id, a header) is redacted here.
    const result = redact(frame, {
      decision,
      provider: record.provider,
      model,
      latencyMs: performance.now() - started,
      usage,
      costUsd: cost,
      fallback: null,
      clamps: [...(answer.clamps ?? []), ...clamps],
      audit: record,
    })
    emitAudit(frame, result.audit)
    return result
  } catch (thrown) {
    const error = frame.redactor
      ? frame.redactor.error(toDeciderError(thrown, deadline, frame.provider))
      : toDeciderError(thrown, deadline, frame.provider)
    const decision = holdDecision(`No trade: the ${error.provider ?? frame.provider} decision failed (${error.code}).`)
    const fallback = { code: error.code, message: error.message }
    const usage = audit.usage ?? emptyUsage()
    // A failure after the provider answered (a refusal, a bad answer) still cost its tokens.
    const cost = audit.costUsd !== undefined ? audit.costUsd : audit.usage ? priceCall(frame, usage, frame.model) : null
    const result = redact(frame, {
      decision,
      provider: frame.provider,
      model: frame.model,
      latencyMs: performance.now() - started,
      usage,
      costUsd: cost,
      fallback,
      clamps: [],
      audit: { ...base, ...audit, usage, costUsd: cost, decision, fallback, error: error.toJSON() },
    })
    emitAudit(frame, result.audit)
    if (options?.onFailure === 'throw') throw error
    return result
  } finally {
    deadline.dispose()
  }
}
