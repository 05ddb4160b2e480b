/**
 * The one decision type every decider returns, and the wire schema sent to providers.
 *
 * Providers share only a strict JSON-schema subset: root object, every property required, nullable instead of
 * optional, `additionalProperties: false`, and no numeric bounds (Anthropic rejects them). So the wire schema
 * has no ranges, and `parseDecision` enforces them in code after the model has answered.
 */
import { z } from 'zod'
import type { ClampEvent } from './decider.js'
import { DecisionSchemaError } from './errors.js'

/** What a model is asked to return. Bounds are described in text only; they are enforced by `parseDecision`. */
export const DecisionWireSchema = z
  .object({
    action: z.enum(['buy', 'sell', 'hold']).describe('Trading action for the market in context.'),
    confidence: z.number().describe('Confidence from 0 to 1.'),
    size: z
      .number()
      .describe(
        'Fraction from 0 to 1 of what is available for the side: free quote balance for buy, position for sell, 0 for hold.',
      ),
    reason: z.string().describe('One or two sentences, at most 500 characters.'),
    stopLoss: z.number().nullable().describe('Absolute stop-loss price, or null.'),
    takeProfit: z.number().nullable().describe('Absolute take-profit price, or null.'),
  })
  .strict()

/** A validated decision: every range checked. */
export const Decision = z
  .object({
    action: z.enum(['buy', 'sell', 'hold']),
    confidence: z.number().min(0).max(1),
    size: z.number().min(0).max(1),
    reason: z.string().max(500),
    stopLoss: z.number().positive().nullable(),
    takeProfit: z.number().positive().nullable(),
  })
  .strict()

/** A validated decision: buy, sell or hold, how much (fraction 0..1) and why. */
export type Decision = z.infer<typeof Decision>

/** The JSON Schema sent to Claude and GPT: generated from `DecisionWireSchema` in the strict subset both accept. */
export function decisionJsonSchema(): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(DecisionWireSchema, { target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >
  return schema
}

/**
 * Validates a model's answer (already JSON-parsed) into a `Decision`, or throws `DecisionSchemaError` listing every
 * problem. Nothing is guessed: a missing size is an error, never "100%".
 */
export function parseDecision(value: unknown, provider?: string): Decision {
  const result = Decision.safeParse(value)
  if (result.success) return result.data
  const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
  throw new DecisionSchemaError(`The model's decision is invalid: ${issues.join('; ')}.`, {
    issues,
    cause: result.error,
    ...(provider === undefined ? {} : { provider }),
  })
}

/** The safe default: do nothing. */
export function holdDecision(reason: string): Decision {
  return { action: 'hold', confidence: 0, size: 0, reason: reason.slice(0, 500), stopLoss: null, takeProfit: null }
}

/**
 * Turns a model's parsed answer into a `Decision`: harmless fixes are applied and reported (an over-long reason is
 * cut, a hold's size becomes 0); everything else that is out of range throws `DecisionSchemaError`.
 */
export function normalizeDecision(value: unknown, provider?: string): { decision: Decision; clamps: ClampEvent[] } {
  const clamps: ClampEvent[] = []
  let candidate = value
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = { ...(value as Record<string, unknown>) }
    if (typeof record.reason === 'string' && record.reason.length > 500) {
      clamps.push({ rule: 'reason_truncated', detail: 'reason cut to 500 characters', from: record.reason.length, to: 500 })
      record.reason = record.reason.slice(0, 500)
    }
    if (record.action === 'hold' && typeof record.size === 'number' && record.size !== 0) {
      clamps.push({ rule: 'hold_size', detail: 'a hold trades nothing: size set to 0', from: record.size, to: 0 })
      record.size = 0
    }
    candidate = record
  }
  return { decision: parseDecision(candidate, provider), clamps }
}
