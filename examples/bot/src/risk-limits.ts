import { readFileSync } from 'node:fs'
import type { RiskLimits } from '@tradekit/ai-decider'
import { z } from 'zod'
import { ConfigError } from './config.js'

const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal string such as "50000"')

/** The risk-limits file: ai-decider's `RiskLimits` as JSON. Unknown keys are refused (a typo must not disable a limit). */
export const RiskLimitsFileSchema = z
  .object({
    maxPositionFraction: z.number().min(0).max(1),
    maxOrderQuote: decimal,
    minOrderQuote: decimal.optional(),
    minConfidence: z.number().min(0).max(1).optional(),
    cooldownMs: z.number().int().min(0).optional(),
    dailyLossLimitQuote: decimal.optional(),
    maxOrdersPerDay: z.number().int().min(0).optional(),
    feeRate: decimal.optional(),
  })
  .strict() satisfies z.ZodType<RiskLimits>

/** Paper-mode limits when no file is given: small orders, a 5% daily loss limit of the default 1,000,000 KRW. */
export const PAPER_RISK_LIMITS: RiskLimits = {
  maxPositionFraction: 0.5,
  maxOrderQuote: '200000',
  minOrderQuote: '5000',
  minConfidence: 0.55,
  cooldownMs: 0,
  dailyLossLimitQuote: '50000',
  maxOrdersPerDay: 24,
}

/** Reads and validates a risk-limits file; one `ConfigError` names the file and the bad limit. */
export function readRiskLimitsFile(path: string): RiskLimits {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(path, 'utf8'))
  } catch (cause) {
    throw new ConfigError(`risk limits: cannot read ${path} as JSON (${(cause as Error).message})`, 'riskLimitsFile', { cause })
  }
  const parsed = RiskLimitsFileSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path.join('.')
    const what = issue.code === 'unrecognized_keys' ? 'is not a known limit' : issue.message
    throw new ConfigError(`risk limits: "${key}" in ${path} ${what}`, 'riskLimitsFile')
  }
  return parsed.data
}

/** The limits as lines a person reads before the first live order. */
export function describeRiskLimits(limits: RiskLimits): string {
  const rows: [string, string][] = [
    ['max position', `${limits.maxPositionFraction * 100}% of equity`],
    ['max order', `${limits.maxOrderQuote} KRW`],
    ['min order', `${limits.minOrderQuote ?? '5000'} KRW`],
    ['min confidence', String(limits.minConfidence ?? 0)],
    ['cooldown', `${limits.cooldownMs ?? 0} ms`],
    ['daily loss limit', limits.dailyLossLimitQuote ? `${limits.dailyLossLimitQuote} KRW` : 'NONE'],
    ['max orders per day', limits.maxOrdersPerDay === undefined ? 'no limit' : String(limits.maxOrdersPerDay)],
  ]
  return rows.map(([name, value]) => `  ${name.padEnd(20)} ${value}`).join('\n')
}
