/** The contract every decider (Claude, GPT, rules, scripted, replay, fallback, ensemble) implements. */
import type { MarketContext } from './context.js'
import type { Decision } from './decision.js'

/** Per-call options. */
export interface DecideOptions {
  /** Cancels the call; the result is a `hold` with `fallback.code === 'aborted'` (or a throw, see `onFailure`). */
  signal?: AbortSignal | undefined
  /** Time budget for this call in milliseconds, retries included. Default: the decider's own timeout. */
  deadlineMs?: number | undefined
  /** `'hold'` (default) returns a safe hold on any failure; `'throw'` throws the `DeciderError` instead. */
  onFailure?: 'hold' | 'throw' | undefined
  /** Refuse (hold with `stale_context`) a context whose `asOf` is older than this many milliseconds. Default: no check. */
  maxContextAgeMs?: number | undefined
}

/** Token counts as reported by the provider; counts it did not report are 0. */
export interface Usage {
  /** Uncached input tokens. */
  inputTokens: number
  outputTokens: number
  /** Input tokens read from the prompt cache (Anthropic `cache_read_input_tokens`, OpenAI `cached_tokens`). */
  cacheReadTokens: number
  /** Input tokens written to the prompt cache (Anthropic `cache_creation_input_tokens`). */
  cacheWriteTokens: number
  /** Reasoning tokens, already included in `outputTokens`. */
  reasoningTokens: number
}

/** Why a result is a safe default rather than a model's decision. */
export interface FallbackReason {
  /** The error code, e.g. `'timeout'`, `'refusal'`, `'rate_limit'`, `'schema'`, `'all_failed'`. */
  code: string
  /** A human-readable explanation (never contains API keys). */
  message: string
}

/** Something the package changed in a decision, with the value before and after. */
export interface ClampEvent {
  /** What was enforced, e.g. `'max_order_quote'`, `'cooldown'`, `'reason_truncated'`. */
  rule: string
  /** Plain-language detail for logs. */
  detail: string
  from?: unknown
  to?: unknown
}

/** One provider attempt, for the audit trail. */
export interface AttemptRecord {
  attempt: number
  /** HTTP status, when there was an answer. */
  status?: number
  /** Error code of a failed attempt. */
  error?: string
  requestId?: string
  latencyMs: number
  /** How long we waited before the next attempt. */
  retryInMs?: number
}

/** Everything needed to explain a decision later. Never contains API keys or request headers. */
export interface AuditRecord {
  /** Random id of this decision. */
  id: string
  /** When the decision was asked for, UTC milliseconds. */
  at: number
  market: string
  provider: string
  model: string
  /** sha256 of the prompt (system, user, model): the replay key. */
  promptHash?: string
  /** The request body that was sent (the prompt and schema; headers and keys are not recorded). */
  request?: unknown
  /** The provider's raw response body of the last attempt. */
  response?: unknown
  attempts: AttemptRecord[]
  decision: Decision
  fallback: FallbackReason | null
  /** The error's safe JSON, when the call failed. */
  error?: Record<string, unknown>
  /** Tokens spent, when a provider answered. */
  usage?: Usage
  /** Cost in US dollars when a composite decider summed its members'. */
  costUsd?: string | null
  /** For chains and ensembles: the audit records of the members that ran. */
  members?: AuditRecord[]
}

/** What `decide` resolves to. */
export interface DecisionResult {
  /** The decision: the model's (validated) or a safe `hold` when `fallback` is set. */
  decision: Decision
  /** Which provider produced the decision (`'anthropic'`, `'openai'`, `'rules'`, ...). */
  provider: string
  model: string
  latencyMs: number
  usage: Usage
  /** Cost of the call in US dollars as a decimal string, from the user's price table; null if the model is not in it. */
  costUsd: string | null
  /** Set when the decision is a safe default because something failed. */
  fallback: FallbackReason | null
  /** Normalisations applied to the model's answer (risk limits are applied separately by `applyRiskLimits`). */
  clamps: ClampEvent[]
  audit: AuditRecord
}

/** Anything that turns a market snapshot into a decision. */
export interface Decider {
  /** `'anthropic'`, `'openai'`, `'rules'`, `'scripted'`, `'replay'`, `'fallback'`, `'ensemble'` or your own. */
  readonly provider: string
  readonly model: string
  /** True for deciders that answer locally in microseconds (rules, scripted); fallback chains give them no share of the deadline. */
  readonly offline?: boolean
  decide(context: MarketContext, options?: DecideOptions): Promise<DecisionResult>
}

/** Price per million tokens in US dollars, as decimal strings (e.g. `'3'`, `'0.30'`). */
export interface ModelPrice {
  input: string
  output: string
  /** Defaults to `input`. */
  cacheRead?: string
  /** Defaults to `input`. */
  cacheWrite?: string
}

/** Prices by model id, supplied by you: the package hard-codes no prices. */
export type PriceTable = Readonly<Record<string, ModelPrice>>
