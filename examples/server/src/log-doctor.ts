/**
 * INTERIM ADAPTER: trade-log's `resolveLogDir` and `doctor` had not landed when this was written. This file
 * maps the log directory's state to the health check; it is replaced by trade-log's doctor once exported.
 */
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { listLogFiles } from '@tradekit/trade-log'
import type { HealthCheck } from './api-types.js'

export function resolveLogDir(option: string | undefined): string {
  return resolve(option ?? process.env['TRADE_LOG_DIR'] ?? './logs')
}

export async function diagnoseLogDir(dir: string, _timeZone: string): Promise<HealthCheck> {
  try {
    const info = await stat(dir)
    if (!info.isDirectory()) return { status: 'down', summary: `${dir} is not a directory`, dir }
  } catch {
    return { status: 'down', summary: `${dir} does not exist: set TRADE_LOG_DIR to the bot's log directory`, dir }
  }
  const files = await listLogFiles(dir)
  return { status: files.length > 0 ? 'ok' : 'warn', summary: `${files.length} log files`, dir, files: files.length }
}
