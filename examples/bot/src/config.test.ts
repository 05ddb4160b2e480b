import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function configFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bot-config-'))
  dirs.push(dir)
  const file = join(dir, 'bot.json')
  writeFileSync(file, content)
  return file
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('configuration', () => {
  it('defaults to paper trading KRW-BTC with the rules unless keys are set', () => {
    const { config, secrets } = loadConfig({ env: {} })
    expect(config.mode).toBe('paper')
    expect(config.markets).toEqual(['KRW-BTC'])
    expect(config.timeframes).toEqual([60, 240])
    expect(config.decider).toBe('auto')
    expect(secrets).toEqual({})
  })

  it('the environment wins over the file and the command line wins over both', () => {
    const file = configFile(JSON.stringify({ intervalMs: 5000, markets: ['KRW-ETH'], onShutdown: 'finish' }))
    const { config } = loadConfig({
      file,
      env: { BOT_INTERVAL_MS: '2500', BOT_MARKETS: 'KRW-BTC, KRW-XRP' },
      overrides: { onShutdown: 'cancel' },
    })
    expect(config.intervalMs).toBe(2500)
    expect(config.markets).toEqual(['KRW-BTC', 'KRW-XRP'])
    expect(config.onShutdown).toBe('cancel')
  })

  it('error: a wrong environment value names the setting and the variable', () => {
    const error = errorOf(() => loadConfig({ env: { BOT_INTERVAL_MS: 'soon' } }))
    expect(error.setting).toBe('intervalMs')
    expect(error.message).toMatch(/"intervalMs" \(environment BOT_INTERVAL_MS\)/)
    expect(error.message).toContain('"soon"')
  })

  it('error: a wrong file value names the setting and the file', () => {
    const file = configFile(JSON.stringify({ timeframes: [60, 7] }))
    const error = errorOf(() => loadConfig({ file, env: {} }))
    expect(error.setting).toBe('timeframes')
    expect(error.message).toContain(file)
    expect(error.message).toMatch(/one of 1, 3, 5/)
  })

  it('error: an unknown key in the file is refused rather than ignored', () => {
    const file = configFile(JSON.stringify({ intervalMS: 1000 }))
    expect(errorOf(() => loadConfig({ file, env: {} })).message).toMatch(/"intervalMS".*not a known setting/)
  })

  it('error: a market that is not MARKET-COIN is refused', () => {
    expect(errorOf(() => loadConfig({ env: { BOT_MARKETS: 'btc' } })).setting).toBe('markets')
  })

  it('error: a config file that is not JSON says so', () => {
    const file = configFile('{ mode: paper')
    expect(errorOf(() => loadConfig({ file, env: {} })).message).toMatch(/not a JSON object/)
  })

  it('secrets come only from the environment and are not part of the config', () => {
    const { config, secrets } = loadConfig({
      env: { UPBIT_ACCESS_KEY: 'ak', UPBIT_SECRET_KEY: 'sk-upbit-secret-9f2', OPENAI_API_KEY: 'ok' },
    })
    expect(secrets).toEqual({ upbitAccessKey: 'ak', upbitSecretKey: 'sk-upbit-secret-9f2', openaiApiKey: 'ok' })
    expect(JSON.stringify(config)).not.toContain('sk-upbit-secret-9f2')
  })

  it('a paper exchange URL must be on this machine: paper orders never leave it; its keys come from the environment', () => {
    const remote = errorOf(() => loadConfig({ env: { BOT_PAPER_EXCHANGE_URL: 'http://api.upbit.com' } }))
    expect(remote.message).toBe(
      'configuration: setting "paperExchangeUrl" (environment BOT_PAPER_EXCHANGE_URL) must be on this machine (127.0.0.1, localhost or [::1]): paper orders never leave it (got "http://api.upbit.com")',
    )
    const { config, secrets } = loadConfig({
      env: { BOT_PAPER_EXCHANGE_URL: 'http://127.0.0.1:4000', BOT_PAPER_ACCESS_KEY: 'a', BOT_PAPER_SECRET_KEY: 's' },
    })
    expect(config.paperExchangeUrl).toBe('http://127.0.0.1:4000')
    expect(secrets).toEqual({ paperAccessKey: 'a', paperSecretKey: 's' })
  })
})
