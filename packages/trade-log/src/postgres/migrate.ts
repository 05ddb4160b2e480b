import { openLogDatabase, type PostgresConnectionOptions } from './database.js'
import { TRADE_LOG_SCHEMA_VERSION } from './migrations.js'

export { TRADE_LOG_SCHEMA_VERSION }

/**
 * Creates or upgrades the trade-log tables now (writers and readers also do it on first use). Resolves with the
 * version found before and the version now; a newer schema is refused with `TradeLogSchemaVersionError`.
 */
export async function migrateTradeLog(
  options: Omit<PostgresConnectionOptions, 'migrate'>,
): Promise<{ before: number; version: number }> {
  const database = openLogDatabase({ ...options, maxConnections: 1 })
  try {
    await database.ready()
    return { before: database.versionFound ?? 0, version: TRADE_LOG_SCHEMA_VERSION }
  } finally {
    await database.close()
  }
}
