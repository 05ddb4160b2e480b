import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from './config.js'
import { describeRiskLimits, readRiskLimitsFile } from './risk-limits.js'
import { useTempDirs } from './test-support/bot-setup.js'

const tempDir = useTempDirs()

function file(content: unknown): string {
  const path = join(tempDir(), 'limits.json')
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

describe('risk-limits file', () => {
  it('the example file in the README loads and prints every limit', () => {
    const limits = readRiskLimitsFile(new URL('../risk-limits.example.json', import.meta.url).pathname)
    expect(limits).toMatchObject({ maxOrderQuote: '100000', dailyLossLimitQuote: '30000', maxOrdersPerDay: 6 })
    expect(describeRiskLimits(limits)).toMatch(/daily loss limit +30000 KRW/)
  })

  it('error: a misspelt limit is refused rather than silently not applied', () => {
    const path = file({ maxPositionFraction: 0.1, maxOrderQuote: '1000', dailyLossLimitKrw: '5000' })
    expect(() => readRiskLimitsFile(path)).toThrow(ConfigError)
    expect(() => readRiskLimitsFile(path)).toThrow(/"dailyLossLimitKrw" in .* is not a known limit/)
  })

  it('error: a float amount or a missing required limit names the limit', () => {
    expect(() => readRiskLimitsFile(file({ maxPositionFraction: 0.1, maxOrderQuote: 1000 }))).toThrow(/"maxOrderQuote"/)
    expect(() => readRiskLimitsFile(file({ maxOrderQuote: '1000' }))).toThrow(/"maxPositionFraction"/)
    expect(() => readRiskLimitsFile(file('{ not json'))).toThrow(/cannot read .* as JSON/)
  })
})
