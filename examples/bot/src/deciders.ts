import { createRuleDecider, type Decider } from '@tradekit/ai-decider'
import type { BotConfig, BotSecrets } from './config.js'
import { ConfigError } from './config.js'
import { timeframeLabel } from './cycle.js'

export interface DeciderChoice {
  decider: Decider
  /** Plain words for the start-up banner, e.g. `claude → gpt → rules (fallback chain)`. */
  description: string
}

/**
 * The decider the configuration asks for. `auto`: Claude and/or GPT when their keys are set, always ending
 * with the offline rules, as a fallback chain (the next runs only when the previous failed).
 */
export function chooseDecider(config: BotConfig, secrets: BotSecrets): DeciderChoice {
  const rules = createRuleDecider({ timeframe: timeframeLabel(config.timeframes[0]) })
  if (config.decider === 'rules' || config.decider === 'auto') {
    if (config.decider === 'rules' || (!secrets.anthropicApiKey && !secrets.openaiApiKey)) {
      return { decider: rules, description: 'rules (moving-average crossover filtered by RSI, offline)' }
    }
  }
  if (config.decider === 'claude' && !secrets.anthropicApiKey) {
    throw new ConfigError('configuration: setting "decider" is "claude" but ANTHROPIC_API_KEY is not set', 'decider')
  }
  if (config.decider === 'gpt' && !secrets.openaiApiKey) {
    throw new ConfigError('configuration: setting "decider" is "gpt" but OPENAI_API_KEY is not set', 'decider')
  }
  throw new ConfigError('configuration: Claude/GPT deciders are not wired in this build yet; use BOT_DECIDER=rules', 'decider')
}
