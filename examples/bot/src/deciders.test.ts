import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sampleContext } from '@tradekit/ai-decider/testing'
import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.js'
import { runCycle } from './cycle.js'
import { chooseDecider } from './deciders.js'
import { useTempDirs } from './test-support/bot-setup.js'
import { readKind } from './test-support/log-files.js'
import { replayCycle } from './test-support/replay-cycle.js'

const ANTHROPIC_KEY = 'sk-ant-test-key-do-not-log-4471'
const OPENAI_KEY = 'sk-openai-test-key-do-not-log-9120'
const KEYS = { ANTHROPIC_API_KEY: ANTHROPIC_KEY, OPENAI_API_KEY: OPENAI_KEY }
const MODELS = { ANTHROPIC_MODEL: 'claude-sonnet-5-5', OPENAI_MODEL: 'gpt-6' }

// No request may leave the machine: Anthropic and OpenAI answer from these handlers, anything else fails.
const server = setupServer(
  http.post('https://api.anthropic.com/v1/messages', () =>
    HttpResponse.json({ type: 'error', error: { type: 'invalid_request_error', message: 'model not found' } }, { status: 400 }),
  ),
  http.post('https://api.openai.com/v1/responses', () =>
    HttpResponse.json(
      { error: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key' } },
      { status: 401 },
    ),
  ),
)
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterAll(() => server.close())
const tempDir = useTempDirs()

describe('choosing the decider', () => {
  it('without keys the bot decides with the offline rules', () => {
    const { config, secrets } = loadConfig({ env: {} })
    const choice = chooseDecider(config, secrets)
    expect(choice.decider.provider).toBe('rules')
  })

  it('with both keys and models it chains Claude, GPT and the rules', () => {
    const { config, secrets } = loadConfig({ env: { ...KEYS, ...MODELS } })
    const choice = chooseDecider(config, secrets)
    expect(choice.decider.provider).toBe('fallback')
    expect(choice.description).toMatch(/^Claude claude-sonnet-5-5 -> GPT gpt-6 -> rules/)
  })

  it('error: a key without its model id names the setting and the variable (the bot picks no model for you)', () => {
    const claudeOnly = loadConfig({ env: { ANTHROPIC_API_KEY: ANTHROPIC_KEY } })
    expect(() => chooseDecider(claudeOnly.config, claudeOnly.secrets)).toThrow(ConfigError)
    expect(() => chooseDecider(claudeOnly.config, claudeOnly.secrets)).toThrow(/"claudeModel" \(ANTHROPIC_MODEL\) is not/)
    const gptOnly = loadConfig({ env: { OPENAI_API_KEY: OPENAI_KEY, ANTHROPIC_MODEL: 'claude-sonnet-5-5' } })
    expect(() => chooseDecider(gptOnly.config, gptOnly.secrets)).toThrow(/"gptModel" \(OPENAI_MODEL\) is not/)
  })

  it('error: decider "claude" without ANTHROPIC_API_KEY names the setting and the variable', () => {
    const { config, secrets } = loadConfig({ env: { BOT_DECIDER: 'claude' } })
    expect(() => chooseDecider(config, secrets)).toThrow(ConfigError)
    expect(() => chooseDecider(config, secrets)).toThrow(/"decider" is "claude" but ANTHROPIC_API_KEY is not set/)
  })

  it('replay only: without keys it names the same chain as with keys (the recording fingerprints it) and never calls a provider', async () => {
    const keyed = loadConfig({ env: { ...KEYS, ...MODELS } })
    const keyless = loadConfig({ env: MODELS })
    const live = chooseDecider(keyed.config, keyed.secrets).decider
    const replayOnly = chooseDecider(keyless.config, keyless.secrets, { replayOnly: true }).decider
    expect([replayOnly.provider, replayOnly.model]).toEqual([live.provider, live.model])
    // Asked anyway (a bug), it reaches no provider: the refusing fetch fails both and the rules answer.
    const result = await replayOnly.decide(sampleContext())
    expect(result.provider).toBe('rules')
    expect(result.audit.members?.map((m) => m.error?.['message'])).toEqual([
      expect.stringMatching(/replay only: this decider must not call its provider/),
      expect.stringMatching(/replay only: this decider must not call its provider/),
      undefined,
    ])
  })

  it('when Claude and GPT both fail, the rules answer and the decision log says who failed, without the keys', async () => {
    const { config, secrets } = loadConfig({ env: { ...KEYS, ...MODELS } })
    const dir = tempDir()
    const { deps, log } = replayCycle(chooseDecider(config, secrets).decider, dir)
    const report = await runCycle('KRW-BTC', deps)
    await log.close()
    expect(report.provider).toBe('rules')
    const [entry] = readKind(dir, 'decisions')
    expect(entry!['provider']).toBe('rules')
    expect(entry!['fallbackReason']).toMatch(/answered by rules after anthropic \S+, openai \S+/)
    expect((entry!['chain'] as { provider: string }[]).map((m) => m.provider)).toEqual(['anthropic', 'openai', 'rules'])
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), 'utf8')
      expect(text).not.toContain(ANTHROPIC_KEY)
      expect(text).not.toContain(OPENAI_KEY)
    }
  })
})
