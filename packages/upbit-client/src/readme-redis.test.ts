import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { type RedisServer, startRedisServer } from '../../../test-support/redis-server.js'

// The README's shared-limiter example, run as written against a real redis-server (its URL swapped in).
const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')
const example = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
  .map((m) => m[1]!)
  .find((code) => code.includes('createRedisLimiterStore('))
const dir = mkdtempSync(join(tmpdir(), 'upbit-readme-redis-'))
let redis: RedisServer
beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(async () => {
  await redis?.stop()
  rmSync(dir, { recursive: true, force: true })
})

it('the README shared-limiter example runs: two clients on one pocket share the budget through Redis', {
  timeout: 60_000,
}, async () => {
  expect(example).toContain("'redis://127.0.0.1:6379'")
  const file = join(dir, 'example.ts')
  const source = example!
    .replaceAll("'redis://127.0.0.1:6379'", JSON.stringify(redis.url))
    .replaceAll("'@tradekit/upbit-client/testing'", JSON.stringify(join(import.meta.dirname, 'testing', 'index.ts')))
    .replaceAll("'@tradekit/upbit-client/redis'", JSON.stringify(join(import.meta.dirname, 'redis.ts')))
    .replaceAll("'@tradekit/upbit-client'", JSON.stringify(join(import.meta.dirname, 'index.ts')))
  writeFileSync(file, `${source}\nexport {}\n`)
  const logged: unknown[] = []
  const spy = vi.spyOn(console, 'log').mockImplementation((value: unknown) => {
    logged.push(value)
  })
  try {
    await import(file)
  } finally {
    spy.mockRestore()
  }
  // Every call answered: 80 in all (a 429 from a delivery delay on a loaded machine is retried, and shows here).
  const byStatus = logged[0] as Record<string, number>
  expect(byStatus['200']).toBe(80)
})
