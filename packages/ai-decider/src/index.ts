export { type ClaudeDeciderOptions, createClaudeDecider, DECISION_TOOL_NAME } from './claude.js'
export { Candle, MarketContext, NewsItem } from './context.js'
export type {
  AttemptRecord,
  AuditRecord,
  ClampEvent,
  DecideOptions,
  Decider,
  DecisionResult,
  FallbackReason,
  ModelPrice,
  PriceTable,
  ReplayFingerprint,
  ReplayInfo,
  Usage,
} from './decider.js'
export {
  Decision,
  DecisionWireSchema,
  decisionJsonSchema,
  holdDecision,
  normalizeDecision,
  parseDecision,
} from './decision.js'
export { createEnsembleDecider, type EnsembleDeciderOptions } from './ensemble.js'
export {
  AllDecidersFailedError,
  AuthError,
  DeciderAbortError,
  DeciderConfigError,
  DeciderError,
  DeciderTimeoutError,
  DecisionSchemaError,
  InvalidResponseError,
  isDeciderError,
  LookAheadError,
  type MemberFailure,
  NetworkError,
  OverloadedError,
  ProviderHttpError,
  QuotaError,
  RateLimitError,
  RefusalError,
  ReplayMismatchError,
  ReplayMissError,
  TruncationError,
} from './errors.js'
export { createFallbackDecider, type FallbackDeciderOptions } from './fallback.js'
export { createGptDecider, DECISION_SCHEMA_NAME, type GptDeciderOptions } from './gpt.js'
export type { FetchLike } from './http.js'
export { type CostLedger, type CostLedgerOptions, createCostLedger, type LedgerEntry, type LedgerTotals } from './ledger.js'
export { markFormingCandles, timeframeMs } from './point-in-time.js'
export {
  buildPrompt,
  createPromptBuilder,
  estimateTokens,
  PROMPT_VERSION,
  type Prompt,
  type PromptBuilder,
  type PromptOptions,
  promptHash,
} from './prompt.js'
export type { ProviderOptions } from './provider.js'
export { createReplayDecider, type Recording, type ReplayDeciderOptions, replayFingerprint } from './replay.js'
export type { RetryEvent, RetryOptions } from './retry.js'
export {
  applyRiskLimits,
  type RiskCheckedDecision,
  type RiskLimits,
  type RiskOrder,
  type RiskState,
  riskStateFromContext,
} from './risk.js'
export { createRuleDecider, type RuleDeciderOptions } from './rules.js'
