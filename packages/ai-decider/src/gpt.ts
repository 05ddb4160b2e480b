/** GPT through the OpenAI Responses API (default) or Chat Completions, with strict `json_schema` output. */

import type { Decider, Usage } from './decider.js'
import { DeciderConfigError, InvalidResponseError, ProviderHttpError, RefusalError, TruncationError } from './errors.js'
import {
  createProviderDecider,
  type ProviderOptions,
  parseJsonText,
  type ReadAnswer,
  requireModel,
  resolveApiKey,
} from './provider.js'

/** `json_schema.name` sent to OpenAI. */
export const DECISION_SCHEMA_NAME = 'trade_decision'

export interface GptDeciderOptions extends ProviderOptions {
  /** `'responses'` (default): `POST /v1/responses`. `'chat'`: `POST /v1/chat/completions`. */
  api?: 'responses' | 'chat' | undefined
  /** Sent as `OpenAI-Organization`. Default: not sent. */
  organization?: string | undefined
  /** Sent as `OpenAI-Project`. Default: not sent. */
  project?: string | undefined
}

type Details = { provider: string; requestId?: string }

interface ResponsesBody {
  model?: string
  status?: string
  incomplete_details?: { reason?: string } | null
  error?: { code?: string; message?: string } | null
  output?: { type?: string; content?: { type?: string; text?: string; refusal?: string }[] }[]
  usage?: {
    input_tokens?: number
    output_tokens?: number
    input_tokens_details?: { cached_tokens?: number }
    output_tokens_details?: { reasoning_tokens?: number }
  }
}

interface ChatBody {
  model?: string
  choices?: { finish_reason?: string; message?: { content?: string | null; refusal?: string | null } }[]
  usage?: {
    prompt_tokens?: number
    completion_tokens?: number
    prompt_tokens_details?: { cached_tokens?: number }
    completion_tokens_details?: { reasoning_tokens?: number }
  }
}

function openAiUsage(input = 0, output = 0, cached = 0, reasoning = 0): Usage {
  // OpenAI counts cached tokens inside the input total; Usage keeps them apart, like Anthropic.
  return {
    inputTokens: input - cached,
    outputTokens: output,
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
    reasoningTokens: reasoning,
  }
}

const asObject = <T>(body: unknown): T => (typeof body === 'object' && body !== null ? body : {}) as T

function refused(text: string | undefined, details: Details): RefusalError {
  return new RefusalError(`GPT refused to decide: ${JSON.stringify((text ?? '').slice(0, 200))}; holding, not retried.`, {
    ...details,
    ...(text ? { category: text.slice(0, 200) } : {}),
  })
}

function readResponses(body: unknown, details: Details): ReadAnswer {
  const response = asObject<ResponsesBody>(body)
  const usage = response.usage ?? {}
  return {
    usage: openAiUsage(
      usage.input_tokens,
      usage.output_tokens,
      usage.input_tokens_details?.cached_tokens,
      usage.output_tokens_details?.reasoning_tokens,
    ),
    model: response.model,
    value: () => {
      if (response.status === 'incomplete') {
        const reason = response.incomplete_details?.reason ?? 'unknown'
        if (reason === 'content_filter') throw refused('content_filter', details)
        throw new TruncationError(`GPT's answer is incomplete (${reason}); raise maxTokens (reasoning counts too).`, details)
      }
      if (response.status === 'failed') {
        throw new ProviderHttpError(`OpenAI reported the response as failed: ${response.error?.message ?? 'no message'}.`, {
          ...details,
          code: 'server',
          ...(response.error?.code ? { type: response.error.code } : {}),
        })
      }
      const parts = (response.output ?? []).filter((item) => item.type === 'message').flatMap((item) => item.content ?? [])
      const refusal = parts.find((part) => part.type === 'refusal')
      if (refusal) throw refused(refusal.refusal, details)
      const text = parts
        .filter((part) => part.type === 'output_text')
        .map((part) => part.text ?? '')
        .join('')
      if (text === '') throw new InvalidResponseError(`GPT's response has no output_text (status ${response.status}).`, details)
      return parseJsonText(text, details)
    },
  }
}

function readChat(body: unknown, details: Details): ReadAnswer {
  const completion = asObject<ChatBody>(body)
  const usage = completion.usage ?? {}
  return {
    usage: openAiUsage(
      usage.prompt_tokens,
      usage.completion_tokens,
      usage.prompt_tokens_details?.cached_tokens,
      usage.completion_tokens_details?.reasoning_tokens,
    ),
    model: completion.model,
    value: () => {
      const choice = completion.choices?.[0]
      const message = choice?.message
      if (typeof message?.refusal === 'string' && message.refusal !== '') throw refused(message.refusal, details)
      if (choice?.finish_reason === 'content_filter') throw refused('content_filter', details)
      if (choice?.finish_reason === 'length') {
        throw new TruncationError("GPT's answer was cut off (finish_reason length); raise maxTokens.", details)
      }
      if (typeof message?.content !== 'string' || message.content === '') {
        throw new InvalidResponseError(`GPT's completion has no content (finish_reason ${choice?.finish_reason}).`, details)
      }
      return parseJsonText(message.content, details)
    },
  }
}

/** Creates a decider backed by GPT. Throws `DeciderConfigError` when the model, or the API key, is missing. */
export function createGptDecider(options: GptDeciderOptions): Decider {
  const model = requireModel(options?.model, 'createGptDecider', 'openai', 'gpt-6')
  const apiKey = resolveApiKey(options.apiKey, 'OPENAI_API_KEY')
  if (apiKey === undefined) {
    throw new DeciderConfigError('createGptDecider: no API key. Pass apiKey or set OPENAI_API_KEY.', { provider: 'openai' })
  }
  const api = options.api ?? 'responses'
  const maxTokens = options.maxTokens ?? 1024
  const baseUrl = (options.baseUrl ?? 'https://api.openai.com').replace(/\/+$/, '')
  return createProviderDecider(
    {
      provider: 'openai',
      label: 'OpenAI',
      envVar: 'OPENAI_API_KEY',
      model,
      url: `${baseUrl}/v1/${api === 'chat' ? 'chat/completions' : 'responses'}`,
      headers: {
        Authorization: `Bearer ${apiKey}`,
        'Content-Type': 'application/json',
        ...(options.organization ? { 'OpenAI-Organization': options.organization } : {}),
        ...(options.project ? { 'OpenAI-Project': options.project } : {}),
      },
      requestIdHeader: 'x-request-id',
      body: (prompt, schema) =>
        api === 'chat'
          ? {
              model,
              messages: [
                { role: 'developer', content: prompt.system },
                { role: 'user', content: prompt.user },
              ],
              response_format: { type: 'json_schema', json_schema: { name: DECISION_SCHEMA_NAME, strict: true, schema } },
              max_completion_tokens: maxTokens,
            }
          : {
              model,
              instructions: prompt.system,
              input: prompt.user,
              text: { format: { type: 'json_schema', name: DECISION_SCHEMA_NAME, strict: true, schema } },
              max_output_tokens: maxTokens,
              store: false,
            },
      read: api === 'chat' ? readChat : readResponses,
      isQuota: (_status, body) => {
        const error = (body as { error?: { type?: string; code?: string } } | null)?.error
        return error?.code === 'insufficient_quota' || error?.type === 'insufficient_quota'
      },
    },
    options,
    [apiKey],
  )
}
