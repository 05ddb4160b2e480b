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
  /** When the decision was asked for (wall clock), UTC milliseconds. */
  at: number
  /** The context's decision time (`asOf`), UTC milliseconds: in a backtest, the replayed moment. */
  asOf?: number
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
  /** Tokens spent by this decision (all zero when no provider was asked, e.g. a replay from a recording). */
  usage?: Usage
  /** Cost of this decision in US dollars from your price table (members summed); null when a model is not in it. */
  costUsd?: string | null
  /** How a replay decider answered: from the recording, by recording it, or not at all. */
  replay?: ReplayInfo
  /** For chains and ensembles: the audit records of the members that ran. */
  members?: AuditRecord[]
}

/** What a replay decider's key covers: everything that shaped the answer. A recording is replayed only on a match. */
export interface ReplayFingerprint {
  provider: string
  model: string
  /** The prompt template's version (`Prompt.version`). */
  promptVersion: string
  /** sha256 of the system and user parts of the prompt (the data included). */
  promptHash: string
  /** sha256 of the decision JSON schema the model was asked to follow. */
  schemaVersion: string
  /** The decision time (`asOf`), ISO 8601. */
  decisionTime: string
  /** The newest data stamp in the context (a candle close, `updatedAt`, a news item), ISO 8601. */
  dataCutoff: string
}

/** How a replay decider answered one decision. */
export interface ReplayInfo {
  /**
   * `recording`: from the recording, at $0; `recorded`: the inner decider answered and was recorded; `missing`: no
   * recording; `mismatch`: a recording made with other inputs, refused.
   */
  source: 'recording' | 'recorded' | 'missing' | 'mismatch'
  /** The recording file (existing or written). */
  file: string
  fingerprint: ReplayFingerprint
  /** When the recording was made, ISO 8601 (for `recording` and `recorded`). */
  recordedAt?: string
  /** For `recording`: the tokens the original call spent, which this replay did not. */
  savedUsage?: Usage
  /** For `recording`: the original call's cost at your price table (or as recorded), which this replay saved. */
  savedUsd?: string | null
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
