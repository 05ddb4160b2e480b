import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decisionJsonSchema, holdDecision, parseDecision } from './decision.js'
import { DecisionSchemaError } from './errors.js'

const valid = { action: 'buy', confidence: 0.8, size: 0.25, reason: 'MA crossover', stopLoss: 90, takeProfit: null }

describe('decisionJsonSchema', () => {
  const schema = decisionJsonSchema() as {
    type: string
    additionalProperties: boolean
    required: string[]
    properties: Record<string, Record<string, unknown>>
  }

  it('is a closed root object with every property required', () => {
    expect(schema.type).toBe('object')
    expect(schema.additionalProperties).toBe(false)
    expect([...schema.required].sort()).toEqual(Object.keys(schema.properties).sort())
  })

  it('carries no numeric or length bounds, which Anthropic rejects', () => {
    const text = JSON.stringify(schema)
    for (const keyword of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'maxLength', 'minLength']) {
      expect(text).not.toContain(`"${keyword}"`)
    }
  })

  it('uses nullable types instead of optional properties', () => {
    expect(JSON.stringify(schema.properties.stopLoss)).toContain('"null"')
  })

  it('offers exactly the three actions of the reference wire schema', () => {
    expect(schema.properties.action?.enum).toEqual(['buy', 'sell', 'hold'])
  })
})

describe('parseDecision', () => {
  it('accepts a valid decision', () => {
    expect(parseDecision(valid)).toEqual(valid)
  })

  it('error: a missing size is an error, never 100%', () => {
    const { size: _size, ...noSize } = valid
    expect(() => parseDecision(noSize)).toThrow(/size/)
  })

  it('error: out-of-range values list every problem', () => {
    try {
      parseDecision({ ...valid, confidence: 1.5, size: -0.1 }, 'openai')
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(DecisionSchemaError)
      const schemaError = error as DecisionSchemaError
      expect(schemaError.provider).toBe('openai')
      expect(schemaError.issues.map((issue) => issue.split(':')[0])).toEqual(['confidence', 'size'])
    }
  })

  it('never lets an out-of-range size through, whatever the model sends', () => {
    fc.assert(
      fc.property(fc.anything(), (size) => {
        try {
          const decision = parseDecision({ ...valid, size })
          expect(decision.size).toBeGreaterThanOrEqual(0)
          expect(decision.size).toBeLessThanOrEqual(1)
        } catch (error) {
          expect(error).toBeInstanceOf(DecisionSchemaError)
        }
      }),
    )
  })

  it('holdDecision is a valid decision that does nothing', () => {
    const hold = holdDecision('x'.repeat(600))
    expect(parseDecision(hold)).toMatchObject({ action: 'hold', size: 0 })
    expect(hold.reason).toHaveLength(500)
  })
})
