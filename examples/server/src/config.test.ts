import { describe, expect, it } from 'vitest'
import { configFromEnv } from './config.js'
import { ServerConfigError } from './errors.js'

describe('configFromEnv', () => {
  it('reads the documented variables with their defaults', () => {
    const config = configFromEnv({
      API_TOKEN: 'token-from-env-0123456789',
      TRADE_LOG_DIR: '/srv/logs',
      CORS_ORIGINS: 'https://a.example, https://b.example',
    })
    expect(config).toMatchObject({
      port: 8001,
      host: '127.0.0.1',
      logDir: '/srv/logs',
      timeZone: 'UTC',
      auth: { token: 'token-from-env-0123456789' },
      cors: { origins: ['https://a.example', 'https://b.example'] },
      rateLimit: { max: 600, windowMs: 60_000 },
      trustProxy: false,
      payments: undefined,
    })
  })

  it('enables payments with the daemon settings and a signed webhook', () => {
    const config = configFromEnv({
      API_TOKEN: 'token-from-env-0123456789',
      ELECTRONCASH_URL: 'http://electron-cash:7777',
      ELECTRONCASH_RPC_USER: 'user',
      ELECTRONCASH_RPC_PASSWORD: 'rpc-password-never-printed',
      PAYMENT_WEBHOOK_URL: 'https://shop.example/hooks/bch',
      PAYMENT_WEBHOOK_SECRET: 'whsec-0123456789',
    })
    expect(config.payments).toMatchObject({
      electronCash: { url: 'http://electron-cash:7777', username: 'user' },
      webhook: { url: 'https://shop.example/hooks/bch', secret: 'whsec-0123456789' },
      confirmations: 1,
    })
  })

  it.each([
    [{ PORT: 'eighty' }, /environment variable PORT/],
    [{ CORS_ORIGINS: 'not a url' }, /environment variable CORS_ORIGINS/],
    [{ PAYMENT_WEBHOOK_URL: 'https://shop.example/hook', ELECTRONCASH_URL: 'http://e:7777' }, /PAYMENT_WEBHOOK_SECRET is not/],
    [{ JWT_PUBLIC_KEY_FILE: '/nonexistent/key.pem' }, /JWT_PUBLIC_KEY_FILE cannot be read/],
  ])('error: %j stops start-up with one message naming the variable', (env, message) => {
    expect(() => configFromEnv({ API_TOKEN: 'token-from-env-0123456789', ...env })).toThrow(ServerConfigError)
    expect(() => configFromEnv({ API_TOKEN: 'token-from-env-0123456789', ...env })).toThrow(message)
  })

  it('error: a bad value is named without echoing secrets from other variables', () => {
    try {
      configFromEnv({ API_TOKEN: 'token-from-env-0123456789', ELECTRONCASH_RPC_PASSWORD: 'hunter2-secret', PORT: '-1' })
    } catch (error) {
      expect((error as Error).message).toMatch(/PORT/)
      expect((error as Error).message).not.toContain('hunter2-secret')
      expect((error as Error).message).not.toContain('token-from-env')
      return
    }
    throw new Error('expected a ServerConfigError')
  })
})
