/**
 * What the Claude and GPT deciders share: options and the request/retry loop. Each adapter only says how to
 * build its body and read its answer.
 */

import type { AuditRecord, Decider, PriceTable, Usage } from './decider.js'
import { decisionJsonSchema } from './decision.js'
import { DeciderConfigError, InvalidResponseError, isDeciderError } from './errors.js'
import { createPoster, type FetchLike } from './http.js'
import { buildPrompt, type Prompt, type PromptBuilder, promptHash } from './prompt.js'
import { classifyHttpError, type ErrorSource } from './provider-errors.js'
import { createRedactor, urlSecrets } from './redact.js'
import { type RetryEvent, type RetryOptions, withRetries } from './retry.js'
import { runDecision } from './run.js'

/** Options both provider deciders take. */
export interface ProviderOptions {
  /** API key. Default: the provider's environment variable (`ANTHROPIC_API_KEY` / `OPENAI_API_KEY`). */
  apiKey?: string | undefined
  /**
   * Model id, e.g. `'claude-sonnet-5-5'` or an OpenAI id from your account's model list. Required: ids retire every
   * few months, so the package has no default that could silently point at a retired model.
   */
  model: string
  /** API origin without the path, e.g. a proxy. Default: the provider's public API. */
  baseUrl?: string | undefined
  /** Output token cap. Default `1024`. */
  maxTokens?: number | undefined
  /** Timeout of one HTTP attempt in milliseconds. Default `20000`. */
  timeoutMs?: number | undefined
  /** Budget of a whole `decide` call (all attempts) when the caller gives no `deadlineMs`. Default `60000`. */
  defaultDeadlineMs?: number | undefined
  /** Retry settings, or `false` for none. Default: 2 retries, 500 ms doubling backoff, retry-after honoured. */
  retry?: RetryOptions | false | undefined
  /** `fetch` to use. Default: `globalThis.fetch`, looked up on each call. */
  fetch?: FetchLike | undefined
  /** Prices per model, to fill `costUsd`. Default: none (`costUsd` is null). */
  prices?: PriceTable | undefined
  /** Builds the prompt from the context. Default: `buildPrompt`. */
  prompt?: PromptBuilder | undefined
  /** Receives each audit record (no keys, no headers). Exceptions it throws are ignored. Default: none. */
  onAudit?: ((record: AuditRecord) => void) | undefined
  /** Called before each retry wait. Default: none. */
  onRetry?: ((event: RetryEvent) => void) | undefined
}

/** What the shared loop learns from a 2xx answer. */
export interface ReadAnswer {
  usage: Usage
  model?: string | undefined
  /** Returns the decision candidate, or throws a typed error (refusal, truncation, invalid JSON). */
  value: () => unknown
}

/** The provider-specific part of a decider. */
export interface ProviderSpec extends ErrorSource {
  model: string
  headers: Record<string, string>
  requestIdHeader: string
  body: (prompt: Prompt, schema: Record<string, unknown>) => unknown
  read: (body: unknown, details: { provider: string; requestId?: string }) => ReadAnswer
}

/** Parses the JSON text of a model answer, or throws `InvalidResponseError` quoting its start. */
export function parseJsonText(text: string, details: { provider: string; requestId?: string }): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new InvalidResponseError(
      `The ${details.provider} answer is not valid JSON (starts with ${JSON.stringify(text.slice(0, 60))}); holding.`,
      { ...details, cause: error },
    )
  }
}

/** The model id from the options; throws `DeciderConfigError` naming the option when it is missing. */
export function requireModel(model: unknown, factory: string, provider: string, example: string): string {
  if (typeof model === 'string' && model.trim() !== '') return model
  throw new DeciderConfigError(
    `${factory}: no model id. Pass model (for example '${example}'); model ids change every few months, so there is no default.`,
    { provider },
  )
}

/** The API key from options or the environment; undefined when neither has one. */
export function resolveApiKey(apiKey: string | undefined, envVar: string): string | undefined {
  const key = apiKey ?? process.env[envVar]
  return key === undefined || key.trim() === '' ? undefined : key
}

/** Builds a `Decider` from a provider spec and the shared options. */
export function createProviderDecider(spec: ProviderSpec, options: ProviderOptions, secrets: readonly string[]): Decider {
  const post = createPoster(options.fetch)
  const schema = decisionJsonSchema()
  const builder = options.prompt ?? buildPrompt
  const timeoutMs = options.timeoutMs ?? 20_000
  // API keys, plus anything in the base URL that may be a credential (password, query string).
  const redactor = createRedactor([...secrets, ...urlSecrets(spec.url)])
  const frame = {
    provider: spec.provider,
    model: spec.model,
    defaultBudgetMs: options.defaultDeadlineMs ?? 60_000,
    prices: options.prices,
    onAudit: options.onAudit,
    redactor,
  }

  return {
    provider: spec.provider,
    model: spec.model,
    decide(context, decideOptions) {
      return runDecision(frame, context, decideOptions, async ({ deadline, audit }) => {
        const prompt = builder(context, { schema })
        const body = spec.body(prompt, schema)
        audit.promptHash = promptHash(prompt, spec.provider, spec.model)
        audit.request = body
        const attempt = async (attemptNumber: number) => {
          const started = performance.now()
          let status: number | undefined
          let requestId: string | undefined
          try {
            const answer = await post({
              provider: spec.provider,
              url: spec.url,
              headers: spec.headers,
              body,
              signal: deadline.signal,
              timeoutMs: Math.min(timeoutMs, Math.max(1, deadline.remaining())),
            })
            status = answer.status
            requestId = answer.headers.get(spec.requestIdHeader) ?? undefined
            audit.response = redactor.value(answer.body)
            if (status < 200 || status > 299) throw classifyHttpError(spec, answer, requestId)
            const read = spec.read(answer.body, { provider: spec.provider, ...(requestId ? { requestId } : {}) })
            audit.usage = read.usage
            const value = read.value()
            audit.attempts.push({
              attempt: attemptNumber,
              status,
              latencyMs: performance.now() - started,
              ...(requestId ? { requestId } : {}),
            })
            return { value, usage: read.usage, ...(read.model ? { model: read.model } : {}) }
          } catch (error) {
            audit.attempts.push({
              attempt: attemptNumber,
              latencyMs: performance.now() - started,
              error: isDeciderError(error) ? error.code : 'unknown',
              ...(status === undefined ? {} : { status }),
              ...(requestId ? { requestId } : {}),
            })
            // Scrubbed here already, so retry events built from it are clean too.
            throw redactor.error(error)
          }
        }
        return withRetries(attempt, deadline, options.retry, (event) => {
          const last = audit.attempts.at(-1)
          if (last) last.retryInMs = event.delayMs
          options.onRetry?.(redactor.value(event))
        })
      })
    },
  }
}
