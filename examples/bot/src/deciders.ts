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

/** Injection points: the providers' `fetch` (msw in tests), and replay-only construction for backtests. */
export interface DeciderDeps {
  fetch?: typeof globalThis.fetch | undefined
  /**
   * For a backtest that replays a recording: the decider is never asked, only named (its provider and model are
   * part of each recording's fingerprint), so no key is needed; `auto` uses every model id that is configured.
   * A provider without a key gets a `fetch` that refuses to send anything.
   */
  replayOnly?: boolean | undefined
}

/** Replay-only deciders must never reach a provider: a call would be a bug, so it fails loudly. */
const refuseFetch: typeof globalThis.fetch = async () => {
  throw new Error('replay only: this decider must not call its provider (the backtest answers from the recording)')
}

/**
 * The decider the configuration asks for. `auto` (default): Claude and/or GPT when their keys are set,
 * always ending with the offline rules, as a fallback chain: the next runs only when the previous one failed
 * (timeout, HTTP error, refusal, invalid answer), never because it said hold. `claude`/`gpt` need their key
 * and still fall back to the rules; `rules` never calls a model.
 */
export function chooseDecider(config: BotConfig, secrets: BotSecrets, deps: DeciderDeps = {}): DeciderChoice {
  const rules = createRuleDecider({ timeframe: timeframeLabel(config.timeframes[0]) })
  const replayOnly = deps.replayOnly === true
  if (config.decider === 'claude' && !secrets.anthropicApiKey && !replayOnly) {
    throw new ConfigError('configuration: setting "decider" is "claude" but ANTHROPIC_API_KEY is not set', 'decider')
  }
  if (config.decider === 'gpt' && !secrets.openaiApiKey && !replayOnly) {
    throw new ConfigError('configuration: setting "decider" is "gpt" but OPENAI_API_KEY is not set', 'decider')
  }
  const wantClaude =
    config.decider === 'claude' || (config.decider === 'auto' && (secrets.anthropicApiKey || (replayOnly && config.claudeModel)))
  const wantGpt =
    config.decider === 'gpt' || (config.decider === 'auto' && (secrets.openaiApiKey || (replayOnly && config.gptModel)))
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
  /** The key, or in replay-only mode without one a placeholder that a refusing fetch never sends. */
  const access = (apiKey: string | undefined) =>
    apiKey ? { apiKey, ...fetch } : { apiKey: 'replay-only-no-key', fetch: refuseFetch }
  if (wantClaude && config.claudeModel) {
    const model = config.claudeModel
    chain.push(createClaudeDecider({ ...access(secrets.anthropicApiKey), model }))
    names.push(`Claude ${model}`)
  }
  if (wantGpt && config.gptModel) {
    const model = config.gptModel
    chain.push(createGptDecider({ ...access(secrets.openaiApiKey), model }))
    names.push(`GPT ${model}`)
  }
  if (chain.length === 0) return { decider: rules, description: 'rules (moving-average crossover filtered by RSI, offline)' }
  return {
    decider: createFallbackDecider([...chain, rules]),
    description: `${[...names, 'rules'].join(' -> ')} (fallback chain: the next answers only when the previous fails)`,
  }
}
