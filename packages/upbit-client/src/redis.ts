// `@tradekit/upbit-client/redis`: the Redis limiter store (needs `ioredis`, an optional peer dependency).
export {
  createRedisLimiterStore,
  fallbackShare,
  type RedisLimiterStore,
  type RedisLimiterStoreEvent,
  type RedisLimiterStoreOptions,
} from './redis-limiter-store.js'
