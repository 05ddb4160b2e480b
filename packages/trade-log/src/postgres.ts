/**
 * `@tradekit/trade-log/postgres`: the same writer and reader on PostgreSQL, for several bots on several machines
 * and several server replicas. A separate entry point, so programs that keep files never load `pg`.
 */
export { TradeLogDatabaseError, TradeLogSchemaVersionError } from './errors.js'
export type { PerformanceIndexStore } from './performance-checkpoint.js'
export { describeUrl, isPostgresUrl } from './postgres/connection.js'
export type { PostgresConnectionOptions } from './postgres/database.js'
export { type ImportOptions, type ImportReport, importLogDirectory } from './postgres/import.js'
export { migrateTradeLog, TRADE_LOG_SCHEMA_VERSION } from './postgres/migrate.js'
export {
  createPostgresTradeLogReader,
  type PostgresTradeLogReader,
  type PostgresTradeLogReaderOptions,
} from './postgres/reader.js'
export { createPostgresTradeLogWriter, type PostgresTradeLogWriterOptions } from './postgres/writer.js'
