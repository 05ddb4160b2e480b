import { type DoctorReport, doctor } from '@tradekit/trade-log'
import type { HealthCheck } from './api-types.js'

/**
 * The log-directory health check: trade-log's `doctor` verdict with the facts an operator needs (absolute path,
 * where the path came from, files per kind with their last write, misnamed files, other directories that do
 * hold logs). Lines are not scanned here, to keep /health cheap on a year of logs; skipped lines are counted in
 * /metrics as the API reads them.
 */
export async function diagnoseLogDir(dir: string, options: { timeZone: string; source: string }): Promise<HealthCheck> {
  const report: DoctorReport = await doctor(dir, { timeZone: options.timeZone, scan: false })
  const status = !report.exists || !report.readable || !report.verdict.ok ? 'down' : 'ok'
  const lastWriteAt =
    report.kinds
      .map((kind) => kind.lastWriteAt)
      .sort()
      .at(-1) ?? null
  return {
    status,
    summary: report.verdict.message,
    dir: report.dir,
    source: options.source,
    exists: report.exists,
    readable: report.readable,
    lastWriteAt,
    files: Object.fromEntries(
      report.kinds.map((kind) => [
        kind.kind,
        { files: kind.files, firstDay: kind.firstDay, lastDay: kind.lastDay, lastWriteAt: kind.lastWriteAt },
      ]),
    ),
    nearMisses: report.nearMisses,
    candidates: report.candidates,
  }
}
