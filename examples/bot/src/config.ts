import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { z } from 'zod'
import { BUNDLED_CANDLES } from './candles.js'

/**
 * Bot configuration: a JSON file (optional) overlaid by environment variables, validated with zod at start-up.
 * Every setting has one name in the file and one environment variable; a wrong value stops the bot with one
 * message that names both.
 */

const MARKET = /^[A-Z]{2,5}-[A-Z0-9]{1,10}$/
const DECIMAL = /^\d+(\.\d+)?$/
/** Host names of this machine: a paper exchange URL must be one of them. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** The minute timeframes Upbit serves candles for. */
export const CANDLE_MINUTES = [1, 3, 5, 10, 15, 30, 60, 240] as const

const minutes = z.coerce
  .number()
  .int()
  .refine((n) => (CANDLE_MINUTES as readonly number[]).includes(n), `must be one of ${CANDLE_MINUTES.join(', ')}`)

export const BotConfigSchema = z
  .object({
    /** `paper` (default): trade against the Upbit simulator. `live`: real Upbit, behind `--live` and a risk-limits file. */
    mode: z.enum(['paper', 'live']).default('paper'),
    /** Markets to trade, e.g. `["KRW-BTC"]` (env: comma list). Default `KRW-BTC`. */
    markets: z.array(z.string().regex(MARKET, 'must look like KRW-BTC')).min(1).default(['KRW-BTC']),
    /** Time between cycles in milliseconds. Default 60,000. */
    intervalMs: z.coerce.number().int().min(10).default(60_000),
    /** Stop after this many cycles (0 = run until stopped). Default 0. */
    maxCycles: z.coerce.number().int().min(0).default(0),
    /** Candle timeframes in minutes: the fast one and the slow one. Default 60 and 240. */
    timeframes: z.tuple([minutes, minutes]).default([60, 240]),
    /** Candles per timeframe handed to the decider (≤ 200, Upbit's page). Default 100. */
    candleCount: z.coerce.number().int().min(30).max(200).default(100),
    /** `auto` (default): Claude and/or GPT when their keys are set, always ending with the rules; or one of them only. */
    decider: z.enum(['auto', 'rules', 'claude', 'gpt']).default('auto'),
    /** Claude model id, e.g. `claude-sonnet-5-5`. No default (ids retire): required when Claude is used. */
    claudeModel: z.string().min(1).optional(),
    /** GPT model id from your OpenAI model list. No default (ids retire): required when GPT is used. */
    gptModel: z.string().min(1).optional(),
    /** Deadline for one decision, all fallbacks included, in milliseconds. Default 20,000. */
    decisionTimeoutMs: z.coerce.number().int().min(100).default(20_000),
    /** `market` (default): market orders that fill at once. `limit`: passive limit orders at the best bid/ask. */
    orderType: z.enum(['market', 'limit']).default('market'),
    /** Limit orders only: ticks behind the best bid (buys) or ask (sells). Default 0 (join the best price). */
    limitOffsetTicks: z.coerce.number().int().min(0).max(100).default(0),
    /** How long to wait for an order to settle before cancelling it, in milliseconds. Default 30,000. */
    orderTimeoutMs: z.coerce.number().int().min(100).default(30_000),
    /** GET /order poll interval while waiting for an order to settle without the order stream, ms. Default 500. */
    orderPollMs: z.coerce.number().int().min(10).default(500),
    /**
     * `on` (default): Upbit's WebSocket streams (the simulator's in paper mode): fills from myOrder, GET /order polled
     * only while that stream is down; the price from the candle stream. `off`: REST polling only.
     */
    streams: z.enum(['on', 'off']).default('on'),
    /** On SIGINT/SIGTERM with an order in flight: `cancel` it (default) or `finish` waiting for it. */
    onShutdown: z.enum(['cancel', 'finish']).default('cancel'),
    /** Trade-log directory. Default: trade-log's `resolveLogDir` (TRADE_LOG_DIR, else ./logs). */
    tradeLogDir: z.string().min(1).optional(),
    /** Also keep the trade log in PostgreSQL, `postgres://user:password@host/db#<bot>`, for one dashboard over bots on several machines. Default: files only. */
    tradeLogUrl: z.string().min(1).optional(),
    /** JSON file with the risk limits. Required in live mode; default limits in paper mode. */
    riskLimitsFile: z.string().min(1).optional(),
    /** pino level. Default `info`. */
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Paper mode: the candle file the simulator replays. Default: the bundled synthetic KRW-BTC history. */
    candleFile: z.string().min(1).default(BUNDLED_CANDLES.pathname),
    /** Paper mode: starting KRW balance of the simulated account. Default `1000000`. */
    paperKrw: z.string().regex(DECIMAL, 'must be a decimal string such as 1000000').default('1000000'),
    /** Live mode: Upbit API base URL. Default Upbit Korea (`https://api.upbit.com`); a simulator's URL rehearses live mode. */
    upbitBaseUrl: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
    /** Paper mode: `file` (default) replays `candleFile` one candle per cycle; `upbit` follows Upbit's live public prices. */
    paperFeed: z.enum(['file', 'upbit']).default('file'),
    /**
     * Paper mode: trade against an Upbit simulator already running on this machine at this URL (its account
     * outlives the bot) instead of starting one. Default: none (an in-process simulator).
     */
    paperExchangeUrl: z
      .url({ protocol: /^http$/, message: 'must be an http URL' })
      .refine(
        (url) => LOOPBACK.has(new URL(url).hostname),
        'must be on this machine (127.0.0.1, localhost or [::1]): paper orders never leave it',
      )
      .optional(),
  })
  .strict()

export type BotConfig = z.infer<typeof BotConfigSchema>
export type BotConfigInput = z.input<typeof BotConfigSchema>

/** Secrets come from the environment only, never from the config file (so it can be committed). */
export interface BotSecrets {
  upbitAccessKey?: string
  upbitSecretKey?: string
  anthropicApiKey?: string
  openaiApiKey?: string
  /** Keys of the simulator at `paperExchangeUrl`. */
  paperAccessKey?: string
  paperSecretKey?: string
}

/** Environment variable for each setting. */
export const ENVIRONMENT_NAMES: Record<keyof BotConfig, string> = {
  mode: 'BOT_MODE',
  markets: 'BOT_MARKETS',
  intervalMs: 'BOT_INTERVAL_MS',
  maxCycles: 'BOT_MAX_CYCLES',
  timeframes: 'BOT_TIMEFRAMES',
  candleCount: 'BOT_CANDLE_COUNT',
  decider: 'BOT_DECIDER',
  claudeModel: 'ANTHROPIC_MODEL',
  gptModel: 'OPENAI_MODEL',
  decisionTimeoutMs: 'BOT_DECISION_TIMEOUT_MS',
  orderType: 'BOT_ORDER_TYPE',
  limitOffsetTicks: 'BOT_LIMIT_OFFSET_TICKS',
  orderTimeoutMs: 'BOT_ORDER_TIMEOUT_MS',
  orderPollMs: 'BOT_ORDER_POLL_MS',
  streams: 'BOT_STREAMS',
  onShutdown: 'BOT_ON_SHUTDOWN',
  tradeLogDir: 'TRADE_LOG_DIR',
  tradeLogUrl: 'TRADE_LOG_URL',
  riskLimitsFile: 'BOT_RISK_LIMITS_FILE',
  logLevel: 'LOG_LEVEL',
  candleFile: 'BOT_CANDLE_FILE',
  paperKrw: 'BOT_PAPER_KRW',
  paperFeed: 'BOT_PAPER_FEED',
  upbitBaseUrl: 'UPBIT_BASE_URL',
  paperExchangeUrl: 'BOT_PAPER_EXCHANGE_URL',
}

const LIST_SETTINGS = new Set<keyof BotConfig>(['markets', 'timeframes'])

/** A setting is missing or wrong. The message names the setting, where it came from, and what is expected. */
export class ConfigError extends Error {
  override name = 'ConfigError' as const
  readonly code = 'BOT_CONFIG_INVALID'
  constructor(
    message: string,
    readonly setting: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

export interface LoadConfigOptions {
  /** Path of a JSON config file; default `BOT_CONFIG` from the environment, else none. */
  file?: string | undefined
  /** Environment to read; default `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Settings given on the command line; they win over the file and the environment. */
  overrides?: Partial<BotConfigInput>
}

/** Loads and validates the configuration, throwing one `ConfigError` that names the first bad setting. */
export function loadConfig(options: LoadConfigOptions = {}): { config: BotConfig; secrets: BotSecrets } {
  const env = options.env ?? process.env
  const file = options.file ?? env['BOT_CONFIG']
  const fromFile = file ? readConfigFile(file) : {}
  const fromEnv: Record<string, unknown> = {}
  for (const [key, name] of Object.entries(ENVIRONMENT_NAMES) as [keyof BotConfig, string][]) {
    const value = env[name]
    if (value === undefined || value === '') continue
    fromEnv[key] = LIST_SETTINGS.has(key) ? value.split(',').map((part) => part.trim()) : value
  }
  const merged = { ...fromFile, ...fromEnv, ...options.overrides }
  const parsed = BotConfigSchema.safeParse(merged)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const key = String(issue.path[0] ?? (issue.code === 'unrecognized_keys' ? issue.keys[0] : 'config'))
    const source = sourceOf(key, fromFile, fromEnv, options.overrides, file)
    const got = key in merged ? ` (got ${JSON.stringify((merged as Record<string, unknown>)[key])})` : ''
    const what = issue.code === 'unrecognized_keys' ? 'is not a known setting' : issue.message
    throw new ConfigError(`configuration: setting "${key}"${source} ${what}${got}`, key)
  }
  const config = parsed.data
  if (config.tradeLogDir) config.tradeLogDir = resolve(config.tradeLogDir)
  return { config, secrets: readSecrets(env) }
}

function readSecrets(env: NodeJS.ProcessEnv): BotSecrets {
  const secrets: BotSecrets = {}
  const pick = (name: string) => (env[name] && env[name]!.trim() !== '' ? env[name]!.trim() : undefined)
  const upbitAccessKey = pick('UPBIT_ACCESS_KEY')
  const upbitSecretKey = pick('UPBIT_SECRET_KEY')
  const anthropicApiKey = pick('ANTHROPIC_API_KEY')
  const openaiApiKey = pick('OPENAI_API_KEY')
  const paperAccessKey = pick('BOT_PAPER_ACCESS_KEY')
  const paperSecretKey = pick('BOT_PAPER_SECRET_KEY')
  if (paperAccessKey) secrets.paperAccessKey = paperAccessKey
  if (paperSecretKey) secrets.paperSecretKey = paperSecretKey
  if (upbitAccessKey) secrets.upbitAccessKey = upbitAccessKey
  if (upbitSecretKey) secrets.upbitSecretKey = upbitSecretKey
  if (anthropicApiKey) secrets.anthropicApiKey = anthropicApiKey
  if (openaiApiKey) secrets.openaiApiKey = openaiApiKey
  return secrets
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw new ConfigError(`configuration: cannot read the config file ${path} (BOT_CONFIG / --config)`, 'config', { cause })
  }
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object')
    return value as Record<string, unknown>
  } catch (cause) {
    throw new ConfigError(`configuration: the config file ${path} is not a JSON object: ${(cause as Error).message}`, 'config', {
      cause,
    })
  }
}

function sourceOf(
  key: string,
  fromFile: Record<string, unknown>,
  fromEnv: Record<string, unknown>,
  overrides: Partial<BotConfigInput> | undefined,
  file: string | undefined,
): string {
  if (overrides && key in overrides) return ' (command line)'
  if (key in fromEnv) return ` (environment ${ENVIRONMENT_NAMES[key as keyof BotConfig]})`
  if (key in fromFile) return ` (config file ${file})`
  const name = ENVIRONMENT_NAMES[key as keyof BotConfig]
  return name ? ` (config file key or environment ${name})` : ''
}
