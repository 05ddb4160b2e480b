/** Claude through the Anthropic Messages API: native structured output (`output_config.format`) or a forced tool. */

import type { Decider, Usage } from './decider.js'
import { DeciderConfigError, InvalidResponseError, isDeciderError, RefusalError, TruncationError } from './errors.js'
import {
  createProviderDecider,
  type ProviderOptions,
  parseJsonText,
  type ReadAnswer,
  requireModel,
  resolveApiKey,
} from './provider.js'

/** The tool name used in forced-tool mode. */
export const DECISION_TOOL_NAME = 'submit_decision'

export interface ClaudeDeciderOptions extends ProviderOptions {
  /**
   * `anthropic-version` header. Default `'2023-06-01'`, the version of the API docs' examples; Anthropic's SDK 1.x
   * sends `'2026-10-21'` (which rejects sampling parameters; none are sent).
   */
  apiVersion?: string | undefined
  /**
   * How the key is sent: `'x-api-key'` (default, with any API version) or `'bearer'` (`Authorization: Bearer`, as
   * Anthropic's SDK 1.x sends it together with API version `'2026-10-21'`).
   */
  auth?: 'x-api-key' | 'bearer' | undefined
  /**
   * `'structured'` (default): native structured output via `output_config.format`.
   * `'tool'`: a strict tool the model is forced to call, for models without native structured output
   * (fails on models that reject forced tool choice or with thinking enabled).
   * `'auto'`: structured first; if the API rejects `output_config` with a 400, switch this decider to `'tool'`.
   */
  mode?: 'structured' | 'tool' | 'auto' | undefined
}

interface ClaudeBlock {
  type?: string
  text?: string
  name?: string
  input?: unknown
}

interface ClaudeMessage {
  model?: string
  content?: ClaudeBlock[]
  stop_reason?: string | null
  stop_details?: { category?: string | null } | null
  usage?: {
    input_tokens?: number
    output_tokens?: number
    cache_creation_input_tokens?: number | null
    cache_read_input_tokens?: number | null
    output_tokens_details?: { thinking_tokens?: number } | null
  }
}

function claudeUsage(message: ClaudeMessage): Usage {
  const usage = message.usage ?? {}
  return {
    inputTokens: usage.input_tokens ?? 0,
    outputTokens: usage.output_tokens ?? 0,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
    reasoningTokens: usage.output_tokens_details?.thinking_tokens ?? 0,
  }
}

function readClaude(mode: 'structured' | 'tool') {
  return (body: unknown, details: { provider: string; requestId?: string }): ReadAnswer => {
    const message = (typeof body === 'object' && body !== null ? body : {}) as ClaudeMessage
    return {
      usage: claudeUsage(message),
      model: message.model,
      value: () => {
        if (message.stop_reason === 'refusal') {
          const category = message.stop_details?.category ?? undefined
          throw new RefusalError(`Claude refused to decide${category ? ` (${category})` : ''}; holding, not retried.`, {
            ...details,
            ...(category ? { category } : {}),
          })
        }
        if (message.stop_reason === 'max_tokens' || message.stop_reason === 'model_context_window_exceeded') {
          throw new TruncationError(
            `Claude's answer was cut off (stop_reason ${message.stop_reason}); raise maxTokens or shrink the prompt.`,
            details,
          )
        }
        const blocks = Array.isArray(message.content) ? message.content : []
        if (mode === 'tool') {
          const call = blocks.find((block) => block.type === 'tool_use' && block.name === DECISION_TOOL_NAME)
          if (call) return call.input
          throw new InvalidResponseError(
            `Claude did not call ${DECISION_TOOL_NAME} (stop_reason ${message.stop_reason}).`,
            details,
          )
        }
        const text = blocks
          .filter((block) => block.type === 'text' && typeof block.text === 'string')
          .map((block) => block.text)
          .join('')
        if (text === '') {
          throw new InvalidResponseError(`Claude's answer has no text block (stop_reason ${message.stop_reason}).`, details)
        }
        return parseJsonText(text, details)
      },
    }
  }
}

/** A 400 saying the model does not support native structured output. */
function rejectsStructuredOutput(failure: { code: string; message: string }): boolean {
  return failure.code === 'bad_request' && /output_config|output_format|structured output/i.test(failure.message)
}

/** `mode: 'auto'`: native structured output until the API rejects it once, forced tool from then on. */
function autoModeDecider(structured: Decider, tool: Decider): Decider {
  let useTool = false
  return {
    provider: structured.provider,
    model: structured.model,
    async decide(context, options) {
      if (useTool) return tool.decide(context, options)
      const started = performance.now()
      try {
        const result = await structured.decide(context, options)
        if (!result.fallback || !rejectsStructuredOutput(result.fallback)) return result
      } catch (error) {
        if (!(isDeciderError(error) && rejectsStructuredOutput(error))) throw error
      }
      useTool = true
      const deadlineMs = options?.deadlineMs === undefined ? undefined : options.deadlineMs - (performance.now() - started)
      return tool.decide(context, { ...options, deadlineMs })
    },
  }
}

/** Creates a decider backed by Claude. Throws `DeciderConfigError` when the model, or the API key, is missing. */
export function createClaudeDecider(options: ClaudeDeciderOptions): Decider {
  const model = requireModel(options?.model, 'createClaudeDecider', 'anthropic', 'claude-sonnet-5-5')
  if (options.auth !== undefined && options.auth !== 'x-api-key' && options.auth !== 'bearer') {
    throw new DeciderConfigError(
      `createClaudeDecider: auth must be 'x-api-key' or 'bearer', got ${JSON.stringify(options.auth)}.`,
      { provider: 'anthropic' },
    )
  }
  if (options.mode === 'auto') {
    return autoModeDecider(
      createClaudeDecider({ ...options, mode: 'structured' }),
      createClaudeDecider({ ...options, mode: 'tool' }),
    )
  }
  const apiKey = resolveApiKey(options.apiKey, 'ANTHROPIC_API_KEY')
  if (apiKey === undefined) {
    throw new DeciderConfigError('createClaudeDecider: no API key. Pass apiKey or set ANTHROPIC_API_KEY.', {
      provider: 'anthropic',
    })
  }
  const mode = options.mode ?? 'structured'
  const maxTokens = options.maxTokens ?? 1024
  const baseUrl = (options.baseUrl ?? 'https://api.anthropic.com').replace(/\/+$/, '')
  return createProviderDecider(
    {
      provider: 'anthropic',
      label: 'Anthropic',
      envVar: 'ANTHROPIC_API_KEY',
      model,
      url: `${baseUrl}/v1/messages`,
      headers: {
        ...(options.auth === 'bearer' ? { authorization: `Bearer ${apiKey}` } : { 'x-api-key': apiKey }),
        'anthropic-version': options.apiVersion ?? '2023-06-01',
        'content-type': 'application/json',
      },
      requestIdHeader: 'request-id',
      body: (prompt, schema) => {
        const common = {
          model,
          max_tokens: maxTokens,
          system: prompt.system,
          messages: [{ role: 'user', content: prompt.user }],
        }
        return mode === 'tool'
          ? {
              ...common,
              tools: [
                {
                  name: DECISION_TOOL_NAME,
                  description: 'Submit exactly one trading decision.',
                  input_schema: schema,
                  strict: true,
                },
              ],
              tool_choice: { type: 'tool', name: DECISION_TOOL_NAME, disable_parallel_tool_use: true },
            }
          : { ...common, output_config: { format: { type: 'json_schema', schema } } }
      },
      read: readClaude(mode),
      isQuota: (status, body) => {
        const error = (body as { error?: { type?: string; details?: { error_code?: string } } } | null)?.error
        return status === 402 || error?.type === 'billing_error' || error?.details?.error_code === 'enforced_spend_limit_reached'
      },
    },
    options,
    [apiKey],
  )
}
