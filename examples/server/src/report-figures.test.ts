import { PERFORMANCE_METRICS } from '@tradekit/trade-log'
import { describe, expect, it } from 'vitest'
import { duration, REPORT_FIGURES } from '../dashboard/report.js'

describe('the dashboard’s performance report card', () => {
  it('shows every figure of trade-log’s PERFORMANCE_METRICS, with its label and unit, in its order', () => {
    expect(REPORT_FIGURES).toEqual(PERFORMANCE_METRICS.map(({ field, label, unit }) => ({ field, label, unit })))
  })

  it('writes durations in days, hours and minutes', () => {
    expect([duration(40_000), duration(95 * 60_000), duration(3 * 86_400_000 + 4 * 3_600_000)]).toEqual([
      '40s',
      '1h 35m',
      '3d 4h',
    ])
  })
})
