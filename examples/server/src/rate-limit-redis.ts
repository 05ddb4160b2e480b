/**
 * The rate limit's counts in Redis (`rate-limit-redis`), so every server process behind a load balancer enforces one
 * budget per client, for HTTP requests and /ws upgrades alike. While Redis cannot be reached each process counts in
 * memory on its own and warns once; it counts in Redis again as soon as Redis answers.
 */
import { type ClientRateLimitInfo, MemoryStore, type Options, type Store } from 'express-rate-limit'
import { Redis } from 'ioredis'
import { type RedisReply, RedisStore } from 'rate-limit-redis'

export interface RedisRateLimitStoreOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). Never logged. Required. */
  url: string
  /** Prefix of the keys. Default `'tradekit:server:rl:'`. */
  prefix?: string
  /** A Redis call slower than this counts as Redis unavailable. Default 1000 ms. */
  commandTimeoutMs?: number
  /** Told when counting moves to memory (Redis lost) and back. Messages never contain the URL. Default: `console.warn`. */
  onWarning?: (message: string, cause?: unknown) => void
}

export interface RedisRateLimitStore extends Store {
  /** `'redis'` while counts are shared, `'memory'` while this process counts alone. */
  mode(): 'redis' | 'memory'
  /** Closes the Redis connection and the memory store's timer. */
  shutdown(): Promise<void>
}

function timeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}

export function createRedisRateLimitStore(options: RedisRateLimitStoreOptions): RedisRateLimitStore {
  const warn = options.onWarning ?? ((message: string) => console.warn(`[example-server] rate limit: ${message}`))
  const commandTimeoutMs = options.commandTimeoutMs ?? 1000
  // No offline queue: while Redis is away a count must fail at once (and fall back), not wait in a queue.
  const client = new Redis(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 })
  const shared = new RedisStore({
    prefix: options.prefix ?? 'tradekit:server:rl:',
    sendCommand: (command: string, ...args: string[]) => client.call(command, ...args) as Promise<RedisReply>,
  })
  const local = new MemoryStore()
  let config: Options | undefined
  let mode: 'redis' | 'memory' = 'memory'
  let warned = false
  // At start-up, counts wait (up to the timeout) for the first connection instead of going to memory at once.
  let markJoined!: () => void
  const joined = new Promise<void>((resolve) => {
    markJoined = resolve
  })
  let everJoined = false

  const lost = (cause: unknown) => {
    if (mode === 'redis' || !warned) {
      const reason = cause instanceof Error ? cause.message : String(cause)
      warn(`Redis is unavailable (${reason}); this process counts clients on its own until it returns.`, cause)
      warned = true
    }
    mode = 'memory'
  }
  /** (Re)loads the scripts on every connection (a restarted Redis has forgotten them), then counts in Redis. */
  const join = () => {
    if (!config) return
    timeout(shared.init(config), commandTimeoutMs).then(() => {
      if (warned) warn('Redis is back; client counts are shared again.')
      warned = false
      mode = 'redis'
      everJoined = true
      markJoined()
    }, lost)
  }
  client.on('error', lost)
  client.on('ready', join)

  /** Runs on Redis while it answers; in memory otherwise. */
  async function either<T>(onRedis: () => Promise<T>, inMemory: () => Promise<T> | T): Promise<T> {
    if (!everJoined && !warned) await timeout(joined, commandTimeoutMs).catch(() => {})
    if (mode === 'redis') {
      try {
        return await timeout(onRedis(), commandTimeoutMs)
      } catch (error) {
        lost(error)
      }
    }
    return inMemory()
  }

  return {
    prefix: options.prefix ?? 'tradekit:server:rl:',
    init(o) {
      config = o
      local.init(o)
      if (client.status === 'ready') join()
    },
    increment: (key) =>
      either(
        () => shared.increment(key),
        () => local.increment(key),
      ),
    decrement: (key) =>
      either(
        () => shared.decrement(key),
        () => local.decrement(key),
      ),
    resetKey: (key) =>
      either(
        () => shared.resetKey(key),
        () => local.resetKey(key),
      ),
    get: (key): Promise<ClientRateLimitInfo | undefined> =>
      either(
        () => shared.get(key),
        () => local.get(key),
      ),
    mode: () => mode,
    async shutdown() {
      local.shutdown()
      client.disconnect()
    },
  }
}
