export { Candle, MarketContext, NewsItem } from './context.js'
export {
  Decision,
  DecisionWireSchema,
  decisionJsonSchema,
  holdDecision,
  normalizeDecision,
  parseDecision,
} from './decision.js'
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
  NetworkError,
  OverloadedError,
  ProviderHttpError,
  QuotaError,
  RateLimitError,
  RefusalError,
  ReplayMissError,
  TruncationError,
} from './errors.js'
export {
  applyRiskLimits,
  type RiskCheckedDecision,
  type RiskLimits,
  type RiskOrder,
  type RiskState,
  riskStateFromContext,
} from './risk.js'
export { createRuleDecider, type RuleDeciderOptions } from './rules.js'
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
  Usage,
} from './types.js'
