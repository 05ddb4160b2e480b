import { describe, expect, it, vi } from 'vitest'
import { decisionJsonSchema } from './decision.js'
import { AuthError, DeciderConfigError } from './errors.js'
import { createGptDecider } from './gpt.js'
import { buildPrompt } from './prompt.js'
import { sampleContext } from './testing/context.js'
import { edit, type Fixture, fastRetry, fixture, replying, useMswServer, wireDecision } from './testing/provider-fixtures.js'

const RESPONSES = 'https://api.openai.com/v1/responses'
const CHAT = 'https://api.openai.com/v1/chat/completions'
const MODEL = 'gpt-6'
const KEY = 'sk-proj-test-abcdef0123456789'
const server = useMswServer()

const context = sampleContext()
const fast = fastRetry
const answerText = JSON.stringify(wireDecision)
function serve(url: string, ...replies: Parameters<typeof replying>[1]) {
  const mock = replying(url, replies)
  server.use(mock.handler)
  return mock.captured
}
const responsesOk = (text = answerText): Fixture =>
  edit(fixture('openai.responses.response'), (f) => {
    const message = (f.body.output as { type: string; content: { text: string }[] }[]).find((item) => item.type === 'message')!
    message.content[0]!.text = text
  })
const chatOk = (text = answerText): Fixture =>
  edit(fixture('openai.chat.response'), (f) => {
    ;(f.body.choices as { message: { content: string } }[])[0]!.message.content = text
  })

describe('createGptDecider: Responses API (default)', () => {
  it('sends the reference body: instructions, input, text.format strict json_schema, max_output_tokens, store false', async () => {
    const captured = serve(RESPONSES, responsesOk())
    await createGptDecider({ apiKey: KEY, model: MODEL }).decide(context)
    const prompt = buildPrompt(context, { schema: decisionJsonSchema() })
    const reference = fixture('openai.responses.request')
    expect(Object.keys(captured[0]!.body as object).sort()).toEqual(Object.keys(reference.body).sort())
    expect(captured[0]!.body).toEqual({
      model: MODEL,
      instructions: prompt.system,
      input: prompt.user,
      text: { format: { type: 'json_schema', name: 'trade_decision', strict: true, schema: decisionJsonSchema() } },
      max_output_tokens: 1024,
      store: false,
    })
  })

  it('sends Authorization: Bearer and JSON content type; organization and project only when given', async () => {
    const captured = serve(RESPONSES, responsesOk())
    await createGptDecider({ apiKey: KEY, model: MODEL }).decide(context)
    expect(captured[0]!.headers).toMatchObject({ authorization: `Bearer ${KEY}`, 'content-type': 'application/json' })
    expect(captured[0]!.headers['openai-organization']).toBeUndefined()
    await createGptDecider({ apiKey: KEY, model: MODEL, organization: 'org_1', project: 'proj_1' }).decide(context)
    expect(captured[1]!.headers).toMatchObject({ 'openai-organization': 'org_1', 'openai-project': 'proj_1' })
  })

  it('success: joins output_text of message items (reasoning items skipped), usage with cached tokens apart', async () => {
    serve(
      RESPONSES,
      edit(responsesOk(), (f) => {
        ;(f.body.usage as { input_tokens_details: { cached_tokens: number } }).input_tokens_details.cached_tokens = 300
      }),
    )
    const result = await createGptDecider({
      apiKey: KEY,
      model: MODEL,
      prices: { [MODEL]: { input: '1.25', output: '10', cacheRead: '0.125' } },
    }).decide(context)
    expect(result.decision).toEqual(wireDecision)
    expect(result.model).toBe('gpt-5.1-2025-11-13')
    expect(result.usage).toEqual({
      inputTokens: 505,
      outputTokens: 190,
      cacheReadTokens: 300,
      cacheWriteTokens: 0,
      reasoningTokens: 128,
    })
    // 505×1.25 + 190×10 + 300×0.125 = 2,568.75 per million
    expect(result.costUsd).toBe('0.00256875')
    expect(result.audit.attempts[0]?.requestId).toBe('req_def456')
  })

  it('incomplete (max_output_tokens) holds with truncated', async () => {
    serve(RESPONSES, fixture('openai.responses.incomplete'))
    const result = await createGptDecider({ apiKey: KEY, model: MODEL }).decide(context)
    expect(result.fallback?.code).toBe('truncated')
    expect(result.usage.reasoningTokens).toBe(1024)
  })

  it('a refusal content item holds with refusal', async () => {
    serve(
      RESPONSES,
      edit(fixture('openai.responses.response'), (f) => {
        const message = (f.body.output as { type: string; content: object[] }[]).find((item) => item.type === 'message')!
        message.content = [{ type: 'refusal', refusal: 'I cannot help with trading.' }]
      }),
    )
    const result = await createGptDecider({ apiKey: KEY, model: MODEL }).decide(context)
    expect(result.fallback).toEqual({ code: 'refusal', message: expect.stringContaining('I cannot help with trading.') })
  })

  it('out-of-range values and invalid JSON hold', async () => {
    serve(RESPONSES, responsesOk(JSON.stringify({ ...wireDecision, action: 'sell', size: -1 })), responsesOk('not json'))
    const decider = createGptDecider({ apiKey: KEY, model: MODEL })
    expect((await decider.decide(context)).fallback?.code).toBe('schema')
    expect((await decider.decide(context)).fallback?.code).toBe('invalid_json')
  })
})

describe('createGptDecider: Chat Completions', () => {
  it('sends the reference body: developer + user messages, response_format json_schema, max_completion_tokens', async () => {
    const captured = serve(CHAT, chatOk())
    const result = await createGptDecider({ apiKey: KEY, model: MODEL, api: 'chat' }).decide(context)
    const prompt = buildPrompt(context, { schema: decisionJsonSchema() })
    const reference = fixture('openai.chat.request')
    expect(Object.keys(captured[0]!.body as object).sort()).toEqual(Object.keys(reference.body).sort())
    expect(captured[0]!.body).toEqual({
      model: MODEL,
      messages: [
        { role: 'developer', content: prompt.system },
        { role: 'user', content: prompt.user },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'trade_decision', strict: true, schema: decisionJsonSchema() },
      },
      max_completion_tokens: 1024,
    })
    expect(result.decision).toEqual(wireDecision)
    expect(result.usage).toMatchObject({ inputTokens: 805, outputTokens: 190, reasoningTokens: 128 })
    expect(result.audit.attempts[0]?.requestId).toBe('req_abc123')
  })

  it('refusal (content null, refusal text) holds and is not retried', async () => {
    const captured = serve(CHAT, fixture('openai.chat.refusal'))
    const result = await createGptDecider({ apiKey: KEY, model: MODEL, api: 'chat', ...fast }).decide(context)
    expect(result.fallback?.code).toBe('refusal')
    expect(captured).toHaveLength(1)
  })

  it('finish_reason length holds with truncated', async () => {
    serve(
      CHAT,
      edit(chatOk('{"action":"buy"'), (f) => {
        ;(f.body.choices as { finish_reason: string }[])[0]!.finish_reason = 'length'
      }),
    )
    expect((await createGptDecider({ apiKey: KEY, model: MODEL, api: 'chat' }).decide(context)).fallback?.code).toBe('truncated')
  })
})

describe('createGptDecider: errors', () => {
  it('429 insufficient_quota is a quota error and is never retried', async () => {
    const captured = serve(RESPONSES, fixture('openai.error.429.quota'), responsesOk())
    const result = await createGptDecider({ apiKey: KEY, model: MODEL, ...fast }).decide(context)
    expect(captured).toHaveLength(1)
    expect(result.fallback?.code).toBe('quota')
    expect(result.audit.error).toMatchObject({ status: 429, type: 'insufficient_quota', requestId: 'req_jkl012' })
  })

  it('429 rate_limit_exceeded with retry-after 2 s is retried when the deadline allows, not otherwise', async () => {
    const short = serve(RESPONSES, fixture('openai.error.429.rate_limit'), responsesOk())
    expect(
      (await createGptDecider({ apiKey: KEY, model: MODEL, ...fast }).decide(context, { deadlineMs: 1000 })).fallback?.code,
    ).toBe('rate_limit')
    expect(short).toHaveLength(1)
    server.resetHandlers()
    const quick = edit(fixture('openai.error.429.rate_limit'), (f) => {
      f.headers['retry-after-ms'] = '3'
    })
    const retried = serve(RESPONSES, quick, responsesOk())
    expect((await createGptDecider({ apiKey: KEY, model: MODEL, ...fast }).decide(context)).fallback).toBeNull()
    expect(retried).toHaveLength(2)
  })

  it('400 invalid schema holds with bad_request, not retried', async () => {
    const captured = serve(CHAT, fixture('openai.error.400.schema'))
    const result = await createGptDecider({ apiKey: KEY, model: MODEL, api: 'chat', ...fast }).decide(context)
    expect(captured).toHaveLength(1)
    expect(result.fallback?.code).toBe('bad_request')
    expect(result.fallback?.message).toContain("Invalid schema for response_format 'trade_decision'")
  })

  it('error: 401 becomes AuthError without the API key, even when OpenAI echoes it', async () => {
    serve(RESPONSES, {
      status: 401,
      headers: { 'x-request-id': 'req_401' },
      body: { error: { message: `Incorrect API key provided: ${KEY}.`, type: 'invalid_request_error', code: 'invalid_api_key' } },
    })
    const decider = createGptDecider({ apiKey: KEY, model: MODEL })
    const result = await decider.decide(context)
    const error = await decider.decide(context, { onFailure: 'throw' }).catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(AuthError)
    for (const text of [
      JSON.stringify(result),
      (error as Error).message,
      String((error as Error).stack),
      JSON.stringify(error),
    ]) {
      expect(text).not.toContain(KEY)
    }
    expect(result.audit.response).toEqual({
      error: expect.objectContaining({ message: 'Incorrect API key provided: [redacted].' }),
    })
  })

  it('500 is retried', async () => {
    const captured = serve(
      RESPONSES,
      { status: 500, headers: {}, body: { error: { message: 'boom', type: 'server_error' } } },
      responsesOk(),
    )
    expect((await createGptDecider({ apiKey: KEY, model: MODEL, ...fast }).decide(context)).fallback).toBeNull()
    expect(captured).toHaveLength(2)
  })

  it('takes the key from OPENAI_API_KEY, and without any key refuses to start', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-from-env-0000')
    const captured = serve(RESPONSES, responsesOk())
    await createGptDecider({ model: MODEL }).decide(context)
    expect(captured[0]!.headers.authorization).toBe('Bearer sk-from-env-0000')
    vi.stubEnv('OPENAI_API_KEY', '')
    expect(() => createGptDecider({ model: MODEL })).toThrow(DeciderConfigError)
  })

  it('a response with status failed holds with server', async () => {
    serve(
      RESPONSES,
      edit(responsesOk(), (f) => {
        f.body.status = 'failed'
        f.body.error = { code: 'server_error', message: 'The model failed.' }
      }),
    )
    const result = await createGptDecider({ apiKey: KEY, model: MODEL, retry: false }).decide(context)
    expect(result.fallback).toEqual({ code: 'server', message: expect.stringContaining('The model failed.') })
  })

  it('abort: the caller aborting holds with aborted', async () => {
    const controller = new AbortController()
    // Aborted once the request is in flight, not after a guessed delay.
    const mock = replying(CHAT, ['hang'], { onRequest: () => controller.abort() })
    server.use(mock.handler)
    const result = await createGptDecider({ apiKey: KEY, model: MODEL, api: 'chat' }).decide(context, {
      signal: controller.signal,
    })
    expect(result.fallback?.code).toBe('aborted')
    expect(mock.captured).toHaveLength(1)
  })

  it('timeout: a hanging provider holds with timeout at the deadline', async () => {
    serve(RESPONSES, 'hang')
    expect((await createGptDecider({ apiKey: KEY, model: MODEL }).decide(context, { deadlineMs: 80 })).fallback?.code).toBe(
      'timeout',
    )
  })
})
