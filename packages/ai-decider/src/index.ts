export { Decision, DecisionWireSchema, decisionJsonSchema, holdDecision, parseDecision } from './decision.js'
export { DeciderError, DecisionSchemaError, isDeciderError } from './errors.js'
