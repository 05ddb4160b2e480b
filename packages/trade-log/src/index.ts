export {
  conventionsMarkdown,
  type FigureUnit,
  type MetricConvention,
  MIN_DAYS_FOR_RATIOS,
  MIN_TRADES_FOR_SQN,
  PERFORMANCE_CONVENTIONS,
  PERFORMANCE_METRICS,
  PERIODS_PER_YEAR,
  type PerformanceConvention,
  type PerformanceFigure,
} from './conventions.js'
export { type CursorPosition, decodeCursor, encodeCursor } from './cursor.js'
export {
  DECIMAL_PATTERN,
  type DecimalString,
  decimalFromLegacyNumber,
  formatDecimal,
  parseDecimal,
  sumDecimals,
} from './decimal.js'
export {
  type CalibrationBucket,
  type DeciderQuality,
  type DecisionQuality,
  type DecisionQualityOptions,
  decisionQuality,
  type FallbackCount,
} from './decision-quality.js'
export {
  DOCTOR_FINDINGS,
  type DoctorFinding,
  type DoctorFindingCode,
  type DoctorFixAction,
  type DoctorKindReport,
  type DoctorOptions,
  type DoctorReport,
  describeFix,
  doctor,
  FIX_ACTION_TYPES,
  type NearMiss,
} from './doctor.js'
export { entryIdentity, fillIdentity } from './duplicates.js'
export {
  isTradeLogError,
  TradeLogDatabaseError,
  TradeLogDecimalError,
  TradeLogError,
  TradeLogIoError,
  TradeLogLockError,
  TradeLogSchemaVersionError,
  TradeLogStrictReadError,
  TradeLogUsageError,
  TradeLogValidationError,
  type ValidationIssue,
} from './errors.js'
export { type LogFile, listLogFiles, logFileName, parseLogFileName } from './files.js'
export type { FollowedRecord, Follower, FollowerEvents, FollowOptions } from './follow.js'
export {
  type BuiltinKinds,
  builtinKinds,
  type Durability,
  decisionsKind,
  defineEntryKind,
  type EntryInputOf,
  type EntryKind,
  type EntryOf,
  type EntrySchema,
  equityKind,
  errorsKind,
  tradesKind,
} from './kinds.js'
export {
  isLegacyRecord,
  LEGACY_ASSUMPTIONS,
  type LegacyContext,
  type LegacyOutcome,
  type LegacyProvenance,
  type LegacyTradeRecord,
  normalizeLegacyRecord,
  normalizeLegacyTrade,
} from './legacy.js'
export { DAMAGE_CODES, DEFAULT_MAX_LINE_BYTES, type Diagnostic, type DiagnosticCode, MAX_LINE_BYTES } from './lines.js'
export {
  type BuyAndHoldLeg,
  type ClosedTrade,
  type DailyReturn,
  type MaxDrawdown,
  type Performance,
  type PerformanceConventions,
  type PerformanceOptions,
  performance,
} from './performance.js'
export {
  createPerformanceIndex,
  INDEX_CLOSED_TRADES,
  type PerformanceIndex,
  type PerformanceIndexOptions,
  type PerformanceIndexRefresh,
  type PerformanceIndexStore,
} from './performance-checkpoint.js'
export {
  createPerformanceTracker,
  type PerformanceStateOptions,
  type PerformanceTracker,
  type PerformanceTrackerOptions,
  type PerformanceTrackerState,
} from './performance-tracker.js'
export { type Portfolio, type PortfolioOptions, type Position, type Prices, portfolio } from './portfolio.js'
export {
  createTradeLogReader,
  type LogRecord,
  type ReadEntriesOptions,
  type ReadPage,
  type StreamOptions,
  type TimeBound,
  type TradeLogReader,
  type TradeLogReaderOptions,
} from './reader.js'
export { type LogDirSource, type ResolvedLogDir, type ResolveLogDirOptions, resolveLogDir } from './resolve-dir.js'
export {
  DecimalSchema,
  type DecisionEntry,
  DecisionEntrySchema,
  type EntryTimestamps,
  type EquityEntry,
  EquityEntrySchema,
  type ErrorEntry,
  ErrorEntrySchema,
  MarketSchema,
  NonNegativeDecimalSchema,
  type TradeEntry,
  TradeEntrySchema,
} from './schemas.js'
export { dayKey, isoWithOffset } from './time.js'
export { createTradeLogWriter, type TradeLogWriter, type TradeLogWriterOptions } from './writer.js'
