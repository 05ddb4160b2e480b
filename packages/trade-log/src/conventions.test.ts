import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { conventionsMarkdown, PERFORMANCE_METRICS } from './conventions.js'
import { performance } from './performance.js'

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')

describe('the conventions table', () => {
  it('the README shows the tables rendered from PERFORMANCE_CONVENTIONS and PERFORMANCE_METRICS, word for word', () => {
    expect(readme).toContain(conventionsMarkdown())
  })

  it('names every figure of a result once, and every name is a figure of the result', () => {
    const fields = PERFORMANCE_METRICS.map((metric) => metric.field)
    expect(new Set(fields).size).toBe(fields.length)
    const result = performance([])
    for (const field of fields) {
      const [head, tail] = field.split('.')
      expect(head! in result, field).toBe(true)
      if (tail) expect(tail in (result[head as keyof typeof result] as object), field).toBe(true)
    }
    // Every scalar figure of a result is in the table (lists, details and echoes are not figures).
    const notFigures = new Set([
      'buyAndHold',
      'dailyReturns',
      'closedTrades',
      'reasons',
      'conventions',
      'equitySource',
      'maxDrawdown',
    ])
    const described = new Set(fields.map((field) => field.split('.')[0]))
    const undescribed = Object.keys(result).filter((key) => !notFigures.has(key) && !described.has(key))
    expect(undescribed).toEqual([])
  })
})
