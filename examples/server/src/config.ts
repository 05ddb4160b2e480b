import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { compileTrustProxy, type TrustProxy } from './client-address.js'
import { ServerConfigError } from './errors.js'
import { ratesFromSetting } from './payment-rates.js'
import { describeIssues, wholeNumber } from './query.js'
import type { StartOptions } from './server.js'

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional()

const envSchema = z.object({
  PORT: wholeNumber(0, 65_535).default(8001),
  HOST: z.string().default('127.0.0.1'),
  TRADE_LOG_DIR: optionalText,
  STATS_CACHE_FILE: optionalText,
  LOG_TIME_ZONE: z.string().default('UTC'),
  API_TOKEN: optionalText,
  JWT_SECRET: optionalText,
  JWT_PUBLIC_KEY_FILE: optionalText,
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ message: 'each origin must be a URL such as https://dash.example.com' }))),
  RATE_LIMIT_PER_MINUTE: wholeNumber(1, 1_000_000_000).default(600),
  RATE_LIMIT_REDIS_URL: optionalText.pipe(
    z.url({ protocol: /^rediss?$/, message: 'must be a redis:// or rediss:// URL' }).optional(),
  ),
  TRUST_PROXY: z
    .string()
    .trim()
    .default('false')
    .transform((value, ctx): TrustProxy => {
      if (value === 'false' || value === '') return false
      if (/^\d{1,3}$/.test(value)) return Number(value)
      const list = value.split(',').map((item) => item.trim())
      try {
        compileTrustProxy(value === 'true' ? true : list)
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message })
        return z.NEVER
      }
      return list
    }),
  CURSOR_SECRET: optionalText,
  ELECTRONCASH_URL: optionalText,
  ELECTRONCASH_RPC_USER: optionalText,
  ELECTRONCASH_RPC_PASSWORD: optionalText,
  PAYMENTS_STORE: optionalText,
  PAYMENT_CONFIRMATIONS: wholeNumber(0, 100).default(1),
  PAYMENT_WEBHOOK_URL: optionalText.pipe(z.url({ message: 'must be an http(s) URL' }).optional()),
  PAYMENT_WEBHOOK_SECRET: optionalText,
  PAYMENT_RATES: optionalText,
  PAYMENT_NOTIFY_URL: optionalText.pipe(
    z
      .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
      .regex(
        /\/payments\/daemon-notify\/[A-Za-z0-9_-]{16,128}$/,
        'must end in /payments/daemon-notify/<secret of 16-128 letters, digits, - or _>',
      )
      .optional(),
  ),
  STARTING_BALANCE: optionalText.pipe(
    z
      .string()
      .regex(
        /^(\d{1,20}(\.\d{1,12})?|[a-z0-9][a-z0-9_-]{0,31}=\d{1,20}(\.\d{1,12})?(,\s*[a-z0-9][a-z0-9_-]{0,31}=\d{1,20}(\.\d{1,12})?)*)$/,
        'expected the quote-currency cash before the first fill, e.g. 1000000 (with BOTS: alpha=1000000,beta=500000)',
      )
      .optional(),
  ),
  BOTS: optionalText.pipe(
    z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9_-]{0,31}=[^,=]+(,\s*[a-z0-9][a-z0-9_-]{0,31}=[^,=]+)*$/,
        'expected id=directory pairs, e.g. alpha=/srv/alpha/logs,beta=/srv/beta/logs',
      )
      .optional(),
  ),
  BOT_STALE_AFTER_SECONDS: wholeNumber(1, 31_536_000).default(600),
  JWT_MAX_LIFETIME_SECONDS: wholeNumber(1, 31_536_000).default(86_400),
})

/**
 * Reads the server's settings from environment variables (names in the README). A wrong value stops start-up
 * with one message naming the variable; secrets are never echoed.
 */
export function configFromEnv(env: Record<string, string | undefined> = process.env): StartOptions {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) throw new ServerConfigError(describeIssues('environment variable', parsed.error))
  const e = parsed.data
  if (e.PAYMENT_WEBHOOK_URL && !e.PAYMENT_WEBHOOK_SECRET) {
    throw new ServerConfigError('PAYMENT_WEBHOOK_URL is set but PAYMENT_WEBHOOK_SECRET is not: webhooks are always signed.')
  }
  if (e.BOTS && e.TRADE_LOG_DIR) {
    throw new ServerConfigError(
      'TRADE_LOG_DIR and BOTS are both set: use BOTS (id=directory pairs) for several bots, TRADE_LOG_DIR for one.',
    )
  }
  const pairs = (text: string) =>
    new Map(text.split(',').map((pair) => pair.split('=').map((part) => part.trim()) as [string, string]))
  const balances = e.STARTING_BALANCE?.includes('=') ? pairs(e.STARTING_BALANCE) : undefined
  if (balances && !e.BOTS) throw new ServerConfigError('STARTING_BALANCE names bots (id=amount) but BOTS is not set.')
  if (e.BOTS && e.STARTING_BALANCE && !balances) {
    throw new ServerConfigError('With BOTS, STARTING_BALANCE takes id=amount pairs, e.g. alpha=1000000,beta=500000.')
  }
  const bots = e.BOTS ? [...pairs(e.BOTS)].map(([id, logDir]) => ({ id, logDir, startingBalance: balances?.get(id) })) : undefined
  const unknown = [...(balances?.keys() ?? [])].find((id) => !bots?.some((bot) => bot.id === id))
  if (unknown !== undefined) throw new ServerConfigError(`STARTING_BALANCE names bot "${unknown}", which BOTS does not list.`)
  let jwtPublicKey: string | undefined
  if (e.JWT_PUBLIC_KEY_FILE) {
    try {
      jwtPublicKey = readFileSync(e.JWT_PUBLIC_KEY_FILE, 'utf8')
    } catch {
      throw new ServerConfigError('JWT_PUBLIC_KEY_FILE cannot be read: check the path and permissions.')
    }
  }
  return {
    port: e.PORT,
    host: e.HOST,
    logDir: e.TRADE_LOG_DIR,
    performanceCacheFile: e.STATS_CACHE_FILE,
    startingBalance: balances ? undefined : e.STARTING_BALANCE,
    bots,
    timeZone: e.LOG_TIME_ZONE,
    auth: { token: e.API_TOKEN, jwtSecret: e.JWT_SECRET, jwtPublicKey, jwtMaxLifetimeSeconds: e.JWT_MAX_LIFETIME_SECONDS },
    cors: { origins: e.CORS_ORIGINS },
    rateLimit: { windowMs: 60_000, max: e.RATE_LIMIT_PER_MINUTE, redisUrl: e.RATE_LIMIT_REDIS_URL },
    trustProxy: e.TRUST_PROXY,
    cursorSecret: e.CURSOR_SECRET,
    botStaleAfterMs: e.BOT_STALE_AFTER_SECONDS * 1_000,
    payments: e.ELECTRONCASH_URL
      ? {
          electronCash: { url: e.ELECTRONCASH_URL, username: e.ELECTRONCASH_RPC_USER, password: e.ELECTRONCASH_RPC_PASSWORD },
          storePath: e.PAYMENTS_STORE,
          confirmations: e.PAYMENT_CONFIRMATIONS,
          rates: ratesFromSetting(e.PAYMENT_RATES),
          notifyUrl: e.PAYMENT_NOTIFY_URL,
          webhook:
            e.PAYMENT_WEBHOOK_URL && e.PAYMENT_WEBHOOK_SECRET
              ? { url: e.PAYMENT_WEBHOOK_URL, secret: e.PAYMENT_WEBHOOK_SECRET }
              : undefined,
        }
      : undefined,
  }
}
