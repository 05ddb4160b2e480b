import {
  createClaudeDecider,
  createFallbackDecider,
  createGptDecider,
  createRuleDecider,
  type Decider,
} from '@tradekit/ai-decider'
import type { BotConfig, BotSecrets } from './config.js'
import { ConfigError } from './config.js'
import { timeframeLabel } from './cycle.js'

export interface DeciderChoice {
  decider: Decider
  /** Plain words for the start-up banner, e.g. `claude → gpt → rules (fallback chain)`. */
  description: string
}

/** Injection points for tests: the providers' `fetch` (msw), nothing else. */
export interface DeciderDeps {
  fetch?: typeof globalThis.fetch | undefined
}

/**
 * The decider the configuration asks for. `auto` (default): Claude and/or GPT when their keys are set,
 * always ending with the offline rules, as a fallback chain: the next runs only when the previous one failed
 * (timeout, HTTP error, refusal, invalid answer), never because it said hold. `claude`/`gpt` need their key
 * and still fall back to the rules; `rules` never calls a model.
 */
export function chooseDecider(config: BotConfig, secrets: BotSecrets, deps: DeciderDeps = {}): DeciderChoice {
  const rules = createRuleDecider({ timeframe: timeframeLabel(config.timeframes[0]) })
  if (config.decider === 'claude' && !secrets.anthropicApiKey) {
    throw new ConfigError('configuration: setting "decider" is "claude" but ANTHROPIC_API_KEY is not set', 'decider')
  }
  if (config.decider === 'gpt' && !secrets.openaiApiKey) {
    throw new ConfigError('configuration: setting "decider" is "gpt" but OPENAI_API_KEY is not set', 'decider')
  }
  const wantClaude = config.decider === 'claude' || (config.decider === 'auto' && secrets.anthropicApiKey)
  const wantGpt = config.decider === 'gpt' || (config.decider === 'auto' && secrets.openaiApiKey)
  // Model ids retire every few months: the bot never picks one for you (ai-decider has no default either).
  if (wantClaude && !config.claudeModel) {
    throw new ConfigError(
      'configuration: Claude is used (ANTHROPIC_API_KEY is set) but setting "claudeModel" (ANTHROPIC_MODEL) is not: set a current model id, e.g. claude-sonnet-5-5',
      'claudeModel',
    )
  }
  if (wantGpt && !config.gptModel) {
    throw new ConfigError(
      'configuration: GPT is used (OPENAI_API_KEY is set) but setting "gptModel" (OPENAI_MODEL) is not: set a current model id from your OpenAI model list',
      'gptModel',
    )
  }
  const chain: Decider[] = []
  const names: string[] = []
  const fetch = deps.fetch ? { fetch: deps.fetch } : {}
  if (wantClaude && config.claudeModel) {
    const model = config.claudeModel
    chain.push(createClaudeDecider({ apiKey: secrets.anthropicApiKey, model, ...fetch }))
    names.push(`Claude ${model}`)
  }
  if (wantGpt && config.gptModel) {
    const model = config.gptModel
    chain.push(createGptDecider({ apiKey: secrets.openaiApiKey, model, ...fetch }))
    names.push(`GPT ${model}`)
  }
  if (chain.length === 0) return { decider: rules, description: 'rules (moving-average crossover filtered by RSI, offline)' }
  return {
    decider: createFallbackDecider([...chain, rules]),
    description: `${[...names, 'rules'].join(' -> ')} (fallback chain: the next answers only when the previous fails)`,
  }
}
