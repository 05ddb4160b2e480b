import { describe, expect, it, vi } from 'vitest'
import { createClaudeDecider } from './claude.js'
import type { AuditRecord } from './decider.js'
import { decisionJsonSchema } from './decision.js'
import { AuthError, DeciderAbortError, DeciderConfigError, NetworkError } from './errors.js'
import { buildPrompt } from './prompt.js'
import type { RetryEvent } from './retry.js'
import { sampleContext } from './testing/context.js'
import { anthropicText, edit, fastRetry, fixture, replying, useMswServer, wireDecision } from './testing/provider-fixtures.js'

const URL_MESSAGES = 'https://api.anthropic.com/v1/messages'
const MODEL = 'claude-sonnet-5-5'
const KEY = 'sk-ant-test-0123456789abcdef'
const server = useMswServer()

const context = sampleContext()
const fast = fastRetry
function serve(...replies: Parameters<typeof replying>[1]) {
  const mock = replying(URL_MESSAGES, replies)
  server.use(mock.handler)
  return mock.captured
}

describe('createClaudeDecider: requests', () => {
  it('structured mode sends the reference body: system, one user message and output_config.format with the zod schema', async () => {
    const captured = serve(anthropicText())
    await createClaudeDecider({ apiKey: KEY, model: MODEL }).decide(context)
    const prompt = buildPrompt(context, { schema: decisionJsonSchema() })
    const reference = fixture('anthropic.request.output_config')
    expect(captured).toHaveLength(1)
    expect(Object.keys(captured[0]!.body as object).sort()).toEqual(Object.keys(reference.body).sort())
    expect(captured[0]!.body).toEqual({
      model: MODEL,
      max_tokens: 1024,
      system: prompt.system,
      messages: [{ role: 'user', content: prompt.user }],
      output_config: { format: { type: 'json_schema', schema: decisionJsonSchema() } },
    })
  })

  it('sends x-api-key, anthropic-version 2023-06-01 and JSON content type, and no Authorization or sampling parameters', async () => {
    const captured = serve(anthropicText())
    await createClaudeDecider({ apiKey: KEY, model: MODEL }).decide(context)
    const { headers, body } = captured[0]!
    expect(headers).toMatchObject({ 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' })
    expect(headers.authorization).toBeUndefined()
    expect(body).not.toHaveProperty('temperature')
  })

  it("auth 'bearer' sends Authorization: Bearer and no x-api-key, with API version 2026-10-21 as Anthropic's SDK 1.x does", async () => {
    const captured = serve(anthropicText())
    const result = await createClaudeDecider({ apiKey: KEY, model: MODEL, auth: 'bearer', apiVersion: '2026-10-21' }).decide(
      context,
    )
    expect(result.fallback).toBeNull()
    const { headers } = captured[0]!
    expect(headers).toMatchObject({ authorization: `Bearer ${KEY}`, 'anthropic-version': '2026-10-21' })
    expect(headers['x-api-key']).toBeUndefined()
    expect(JSON.stringify(result)).not.toContain(KEY)
  })

  it("error: an unknown auth scheme throws DeciderConfigError naming 'x-api-key' and 'bearer'", () => {
    expect(() => createClaudeDecider({ apiKey: KEY, model: MODEL, auth: 'basic' as never })).toThrow(
      /auth must be 'x-api-key' or 'bearer', got "basic"/,
    )
  })

  it('tool mode forces the strict submit_decision tool like the reference forced-tool request', async () => {
    const captured = serve(
      edit(fixture('anthropic.response.tool_use'), (f) => {
        ;(f.body.content as { input: unknown }[])[0]!.input = wireDecision
      }),
    )
    const result = await createClaudeDecider({
      apiKey: KEY,
      mode: 'tool',
      model: 'claude-haiku-4-5',
      apiVersion: '2026-10-21',
    }).decide(context)
    const reference = fixture('anthropic.request.forced_tool').body as { tools: object[]; tool_choice: object }
    const body = captured[0]!.body as typeof reference & { model: string }
    expect(body.model).toBe('claude-haiku-4-5')
    expect(body.tool_choice).toEqual(reference.tool_choice)
    expect(body.tools).toEqual([{ ...reference.tools[0], input_schema: decisionJsonSchema() }])
    expect(body).not.toHaveProperty('output_config')
    expect(captured[0]!.headers['anthropic-version']).toBe('2026-10-21')
    expect(result.decision).toEqual(wireDecision)
  })

  it("mode 'auto' switches to the forced tool after the API rejects output_config, and stays there", async () => {
    const rejected = edit(fixture('anthropic.error.400'), (f) => {
      ;(f.body.error as { message: string }).message = 'output_config.format: structured output is not supported for this model.'
    })
    const toolAnswer = edit(fixture('anthropic.response.tool_use'), (f) => {
      ;(f.body.content as { input: unknown }[])[0]!.input = wireDecision
    })
    const captured = serve(rejected, toolAnswer)
    const decider = createClaudeDecider({ apiKey: KEY, mode: 'auto', model: 'claude-old' })
    const first = await decider.decide(context, { deadlineMs: 5000 })
    const second = await decider.decide(context)
    expect([first.decision, second.decision]).toEqual([wireDecision, wireDecision])
    expect(captured.map((request) => ('tools' in (request.body as object) ? 'tool' : 'structured'))).toEqual([
      'structured',
      'tool',
      'tool',
    ])
  })

  it("mode 'auto' keeps other 400s as failures", async () => {
    const captured = serve(fixture('anthropic.error.400'))
    const result = await createClaudeDecider({ apiKey: KEY, model: MODEL, mode: 'auto' }).decide(context)
    expect(result.fallback?.code).toBe('bad_request')
    expect(captured).toHaveLength(1)
  })

  it('honours baseUrl, model and maxTokens', async () => {
    const mock = replying('https://proxy.example/v1/messages', [anthropicText()])
    server.use(mock.handler)
    await createClaudeDecider({ apiKey: KEY, baseUrl: 'https://proxy.example/', model: 'claude-x', maxTokens: 300 }).decide(
      context,
    )
    expect(mock.captured[0]!.body).toMatchObject({ model: 'claude-x', max_tokens: 300 })
  })

  it('takes the key from ANTHROPIC_API_KEY, and without any key refuses to start', async () => {
    vi.stubEnv('ANTHROPIC_API_KEY', 'sk-ant-from-env-123456')
    const captured = serve(anthropicText())
    await createClaudeDecider({ model: MODEL }).decide(context)
    expect(captured[0]!.headers['x-api-key']).toBe('sk-ant-from-env-123456')
    vi.stubEnv('ANTHROPIC_API_KEY', '')
    expect(() => createClaudeDecider({ model: MODEL })).toThrow(DeciderConfigError)
  })
})

describe('createClaudeDecider: answers', () => {
  it('success: the decision, the answering model, usage with cache tokens, cost from the price table and the request id', async () => {
    serve(
      edit(anthropicText(), (f) => {
        Object.assign(f.body.usage as object, { cache_read_input_tokens: 100, cache_creation_input_tokens: 50 })
      }),
    )
    const result = await createClaudeDecider({
      apiKey: KEY,
      model: MODEL,
      prices: { 'claude-sonnet-4-6': { input: '3', output: '15', cacheRead: '0.3', cacheWrite: '3.75' } },
    }).decide(context)
    expect(result.decision).toEqual(wireDecision)
    expect(result.fallback).toBeNull()
    expect(result).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-6' })
    expect(result.usage).toEqual({
      inputTokens: 812,
      outputTokens: 64,
      cacheReadTokens: 100,
      cacheWriteTokens: 50,
      reasoningTokens: 0,
    })
    // 812×3 + 64×15 + 100×0.3 + 50×3.75 = 3,613.5 dollars per million tokens
    expect(result.costUsd).toBe('0.00361350')
    expect(result.audit.attempts).toEqual([
      { attempt: 1, status: 200, requestId: 'req_011CExample', latencyMs: expect.any(Number) },
    ])
    expect(result.audit.promptHash).toMatch(/^[0-9a-f]{64}$/)
  })

  it('reads the text block by type, not position (thinking blocks come first)', async () => {
    serve(
      edit(anthropicText(), (f) => {
        ;(f.body.content as object[]).unshift({ type: 'thinking', thinking: '{"action":"buy"}', signature: 'x' })
      }),
    )
    expect((await createClaudeDecider({ apiKey: KEY, model: MODEL }).decide(context)).decision).toEqual(wireDecision)
  })

  it('refusal: stop_reason refusal holds with the category and is not retried', async () => {
    const captured = serve(
      edit(anthropicText(''), (f) => {
        f.body.stop_reason = 'refusal'
        f.body.stop_details = { type: 'refusal', category: 'general_harms' }
      }),
    )
    const result = await createClaudeDecider({ apiKey: KEY, model: MODEL, ...fast }).decide(context)
    expect(result.decision).toMatchObject({ action: 'hold', size: 0 })
    expect(result.fallback).toEqual({ code: 'refusal', message: expect.stringContaining('general_harms') })
    expect(result.usage.inputTokens).toBe(812)
    expect(captured).toHaveLength(1)
  })

  it('truncation: stop_reason max_tokens holds even when the partial text parses', async () => {
    serve(
      edit(anthropicText(), (f) => {
        f.body.stop_reason = 'max_tokens'
      }),
    )
    const result = await createClaudeDecider({ apiKey: KEY, model: MODEL }).decide(context)
    expect(result.fallback?.code).toBe('truncated')
    expect(result.decision.action).toBe('hold')
  })

  it('invalid JSON holds with invalid_json', async () => {
    serve(anthropicText('{"action": "buy", "confidence": 0.9, "size": 1'))
    const result = await createClaudeDecider({ apiKey: KEY, model: MODEL }).decide(context)
    expect(result.fallback?.code).toBe('invalid_json')
  })

  it('out-of-range values hold with schema, naming the fields', async () => {
    serve(anthropicText(JSON.stringify({ ...wireDecision, action: 'buy', confidence: 1.5, size: 2 })))
    const result = await createClaudeDecider({ apiKey: KEY, model: MODEL }).decide(context)
    expect(result.fallback?.code).toBe('schema')
    expect(result.fallback?.message).toMatch(/confidence.*size/)
  })

  it('forced-tool answer without the tool call holds', async () => {
    serve(anthropicText())
    const result = await createClaudeDecider({ apiKey: KEY, model: MODEL, mode: 'tool' }).decide(context)
    expect(result.fallback?.code).toBe('invalid_json')
  })
})

describe('createClaudeDecider: HTTP errors and retries', () => {
  it('400 invalid_request_error holds at once with the message and request id, no retry', async () => {
    const captured = serve(fixture('anthropic.error.400'))
    const result = await createClaudeDecider({ apiKey: KEY, model: MODEL, ...fast }).decide(context)
    expect(captured).toHaveLength(1)
    expect(result.fallback?.code).toBe('bad_request')
    expect(result.fallback?.message).toContain('POST https://api.anthropic.com/v1/messages answered 400 invalid_request_error')
    expect(result.audit.error).toMatchObject({ status: 400, type: 'invalid_request_error' })
  })

  it('error: 401 becomes AuthError without the API key anywhere, even when the body echoes it', async () => {
    const captured = serve({
      status: 401,
      headers: { 'request-id': 'req_401' },
      body: { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${KEY}` } },
    })
    const audits: AuditRecord[] = []
    const retries: RetryEvent[] = []
    const decider = createClaudeDecider({
      apiKey: KEY,
      model: MODEL,
      ...fast,
      onAudit: (r) => audits.push(r),
      onRetry: (e) => retries.push(e),
    })
    const result = await decider.decide(context)
    expect(captured).toHaveLength(1)
    expect(result.fallback?.code).toBe('auth')
    const thrown = await decider.decide(context, { onFailure: 'throw' }).catch((error: unknown) => error)
    expect(thrown).toBeInstanceOf(AuthError)
    const error = thrown as AuthError
    expect(error).toMatchObject({ status: 401, requestId: 'req_401', provider: 'anthropic' })
    for (const text of [
      JSON.stringify(result),
      JSON.stringify(audits),
      JSON.stringify(retries),
      error.message,
      String(error.stack),
      JSON.stringify(error.toJSON()),
      JSON.stringify(error),
    ]) {
      expect(text).not.toContain(KEY)
    }
    expect(error.message).toContain('[redacted]')
  })

  it('retry events and audit records of a retried 429 that echoes the key do not contain it', async () => {
    const echo = edit(fixture('anthropic.error.429'), (f) => {
      f.headers = { 'retry-after-ms': '1' }
      ;(f.body.error as { message: string }).message = `rate limited for key ${KEY}`
    })
    serve(echo, anthropicText())
    const events: unknown[] = []
    const result = await createClaudeDecider({
      apiKey: KEY,
      model: MODEL,
      ...fast,
      onRetry: (event) => events.push(event),
      onAudit: (record) => events.push(record),
    }).decide(context)
    expect(result.fallback).toBeNull()
    expect(events).toHaveLength(2)
    expect(JSON.stringify(events)).toContain('[redacted]')
    expect(JSON.stringify(events)).not.toContain(KEY)
  })

  it('a custom prompt builder replaces the default one', async () => {
    const captured = serve(anthropicText())
    const prompt = () => ({ system: 'custom system', user: 'custom user', estimatedTokens: 4, version: 'mine-1' })
    await createClaudeDecider({ apiKey: KEY, model: MODEL, prompt }).decide(context)
    expect(captured[0]!.body).toMatchObject({ system: 'custom system', messages: [{ role: 'user', content: 'custom user' }] })
  })

  it('429 with retry-after-ms waits that long and retries', async () => {
    const limited = edit(fixture('anthropic.error.429'), (f) => {
      delete f.headers['retry-after']
      f.headers['retry-after-ms'] = '5'
    })
    const captured = serve(limited, anthropicText())
    const retries: RetryEvent[] = []
    const result = await createClaudeDecider({ apiKey: KEY, model: MODEL, ...fast, onRetry: (e) => retries.push(e) }).decide(
      context,
    )
    expect(captured).toHaveLength(2)
    expect(result.fallback).toBeNull()
    expect(retries).toEqual([{ attempt: 1, delayMs: 5, error: expect.objectContaining({ code: 'rate_limit', retryAfterMs: 5 }) }])
    expect(result.audit.attempts.map((a) => [a.status, a.error, a.retryInMs])).toEqual([
      [429, 'rate_limit', 5],
      [200, undefined, undefined],
    ])
  })

  it('429 whose retry-after (17 s) does not fit the deadline fails over at once instead of waiting', async () => {
    const captured = serve(fixture('anthropic.error.429'), anthropicText())
    const result = await createClaudeDecider({ apiKey: KEY, model: MODEL, ...fast }).decide(context, { deadlineMs: 2000 })
    expect(captured).toHaveLength(1)
    expect(result.fallback?.code).toBe('rate_limit')
    expect(result.audit.error).toMatchObject({ retryAfterMs: 17_000, requestId: 'req_011CExample4' })
  })

  it('429 without retry-after retries with backoff', async () => {
    const limited = edit(fixture('anthropic.error.429'), (f) => void delete f.headers['retry-after'])
    const captured = serve(limited, anthropicText())
    expect((await createClaudeDecider({ apiKey: KEY, model: MODEL, ...fast }).decide(context)).fallback).toBeNull()
    expect(captured).toHaveLength(2)
  })

  it('429 enforced_spend_limit_reached is a quota error: not retried', async () => {
    const spend = edit(fixture('anthropic.error.429'), (f) => {
      ;(f.body.error as Record<string, unknown>).details = { error_code: 'enforced_spend_limit_reached' }
    })
    const captured = serve(spend, anthropicText())
    const result = await createClaudeDecider({ apiKey: KEY, model: MODEL, ...fast }).decide(context)
    expect(captured).toHaveLength(1)
    expect(result.fallback?.code).toBe('quota')
  })

  it('529 overloaded is retried with backoff', async () => {
    const captured = serve(fixture('anthropic.error.529'), fixture('anthropic.error.529'), anthropicText())
    const result = await createClaudeDecider({ apiKey: KEY, model: MODEL, ...fast }).decide(context)
    expect(captured).toHaveLength(3)
    expect(result.decision).toEqual(wireDecision)
  })

  it('500 is retried, then holds with server once the retries are used up', async () => {
    const failure = { status: 500, headers: {}, body: { type: 'error', error: { type: 'api_error', message: 'Internal' } } }
    const captured = serve(failure)
    const result = await createClaudeDecider({ apiKey: KEY, model: MODEL, retry: { ...fast.retry, retries: 2 } }).decide(context)
    expect(captured).toHaveLength(3)
    expect(result.fallback?.code).toBe('server')
    expect(result.audit.attempts).toHaveLength(3)
  })

  it.each([
    [408, 'request_timeout'],
    [409, 'conflict'],
    [503, 'server'],
  ])('%i is retried (%s)', async (status, code) => {
    const failure = { status, headers: {}, body: { type: 'error', error: { type: 'api_error', message: 'try again' } } }
    const captured = serve(failure, anthropicText())
    const result = await createClaudeDecider({ apiKey: KEY, model: MODEL, ...fast }).decide(context)
    expect(result.fallback).toBeNull()
    expect(result.audit.attempts[0]?.error).toBe(code)
    expect(captured).toHaveLength(2)
  })

  it.each([
    [403, 'permission_error', 'auth'],
    [404, 'not_found_error', 'not_found'],
    [402, 'billing_error', 'quota'],
  ])('%i %s is not retried (%s)', async (status, type, code) => {
    const captured = serve({ status, headers: {}, body: { type: 'error', error: { type, message: 'no' } } }, anthropicText())
    expect((await createClaudeDecider({ apiKey: KEY, model: MODEL, ...fast }).decide(context)).fallback?.code).toBe(code)
    expect(captured).toHaveLength(1)
  })

  it('x-should-retry: false stops retries of an otherwise retryable 529', async () => {
    const final = edit(fixture('anthropic.error.529'), (f) => {
      f.headers['x-should-retry'] = 'false'
    })
    const captured = serve(final, anthropicText())
    const result = await createClaudeDecider({ apiKey: KEY, model: MODEL, ...fast }).decide(context)
    expect(captured).toHaveLength(1)
    expect(result.fallback?.code).toBe('overloaded')
  })

  it('error: messages show the URL without credentials or query string', async () => {
    const decider = createClaudeDecider({
      apiKey: KEY,
      model: MODEL,
      baseUrl: 'https://user:hunter22@proxy.example',
      retry: false,
    })
    const error = (await decider.decide(context, { onFailure: 'throw' }).catch((thrown: unknown) => thrown)) as Error
    expect(error).toBeInstanceOf(NetworkError)
    expect(error.message).toContain('POST https://proxy.example/v1/messages')
    expect(JSON.stringify(error)).not.toContain('hunter22')
    expect(error.message).not.toContain('hunter22')
  })

  it('a network error is retried', async () => {
    const captured = serve('network', anthropicText())
    expect((await createClaudeDecider({ apiKey: KEY, model: MODEL, ...fast }).decide(context)).fallback).toBeNull()
    expect(captured).toHaveLength(2)
  })

  it('retry: false makes exactly one attempt', async () => {
    const captured = serve(fixture('anthropic.error.529'), anthropicText())
    expect((await createClaudeDecider({ apiKey: KEY, model: MODEL, retry: false }).decide(context)).fallback?.code).toBe(
      'overloaded',
    )
    expect(captured).toHaveLength(1)
  })
})

describe('createClaudeDecider: deadlines and abort', () => {
  it('timeout: a hanging provider holds with timeout when the deadline passes', async () => {
    serve('hang')
    const result = await createClaudeDecider({ apiKey: KEY, model: MODEL, ...fast }).decide(context, { deadlineMs: 100 })
    expect(result.fallback?.code).toBe('timeout')
    expect(result.decision.action).toBe('hold')
  })

  it('a per-attempt timeout is retried inside the deadline', async () => {
    const captured = serve('hang', anthropicText())
    // 1.5 s per attempt: the first hangs until then; the second (answered at once in-process) has ample margin.
    const result = await createClaudeDecider({ apiKey: KEY, model: MODEL, timeoutMs: 1500, ...fast }).decide(context, {
      deadlineMs: 60_000,
    })
    expect(result.fallback).toBeNull()
    expect(captured).toHaveLength(2)
    expect(result.audit.attempts[0]?.error).toBe('timeout')
  })

  it('abort: the caller aborting mid-request holds with aborted, or throws DeciderAbortError when asked', async () => {
    const controller = new AbortController()
    // Aborted once the request is in flight (when it reaches the provider), not after a guessed delay.
    const mock = replying(URL_MESSAGES, ['hang'], { onRequest: () => controller.abort() })
    server.use(mock.handler)
    const decider = createClaudeDecider({ apiKey: KEY, model: MODEL })
    expect((await decider.decide(context, { signal: controller.signal })).fallback?.code).toBe('aborted')
    expect(mock.captured).toHaveLength(1)
    const aborted = AbortSignal.abort()
    await expect(decider.decide(context, { signal: aborted, onFailure: 'throw' })).rejects.toBeInstanceOf(DeciderAbortError)
  })
})
