import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setupServer } from 'msw/node'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createUpbitHandlers } from './testing/index.js'

// Every ```ts block of the README runs as written, with the package imports pointed at this source tree, and must
// print exactly the ```text block that follows it (`…` stands for a part that changes per run: a uuid, a time).
// Blocks that call api.upbit.com run against the msw fixtures of `createUpbitHandlers()` (no internet in tests);
// the Redis example runs in readme-redis.test.ts, which starts a redis-server.
const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')
const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```(?:\n\n```text\n([\s\S]*?)```)?/g)]
  .map((m) => ({ code: m[1]!, output: m[2] === undefined ? [] : m[2].trimEnd().split('\n') }))
  .filter(({ code }) => !code.includes('createRedisLimiterStore('))
const dir = mkdtempSync(join(tmpdir(), 'upbit-readme-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const pattern = (line: string) => new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('…', '.*')}$`)

describe('README examples', () => {
  it('cover the simulator, streams, amounts, pockets, decimals and msw examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10)
    expect(examples.filter((e) => e.code.includes('startUpbitSimulator(')).length).toBeGreaterThanOrEqual(4)
    expect(examples.some((e) => e.code.includes('createUpbitStreams('))).toBe(true)
  })

  it.each(examples.map((example, i) => [i, example.code.split('\n')[0], example] as const))(
    'example %i (%s) runs and prints what the README shows',
    async (i, _first, { code, output }) => {
      const file = join(dir, `example-${i}.ts`)
      const source = code
        .replaceAll("'@tradekit/upbit-client/testing'", JSON.stringify(join(import.meta.dirname, 'testing', 'index.ts')))
        .replaceAll("'@tradekit/upbit-client'", JSON.stringify(join(import.meta.dirname, 'index.ts')))
      writeFileSync(file, `${source}\nexport {}\n`)
      // Blocks that talk to api.upbit.com get the fixtures; the simulator and msw examples bring their own servers.
      const mocked = !code.includes('startUpbitSimulator(') && !code.includes('setupServer(')
      const server = mocked ? setupServer(...(await createUpbitHandlers())) : undefined
      server?.listen({ onUnhandledRequest: 'error' })
      vi.stubEnv('UPBIT_ACCESS_KEY', 'readme-access-key')
      vi.stubEnv('UPBIT_SECRET_KEY', 'readme-secret-key')
      const logged: string[] = []
      const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        logged.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '))
      })
      try {
        await import(file)
      } finally {
        spy.mockRestore()
        vi.unstubAllEnvs()
        server?.close()
      }
      expect(logged).toHaveLength(output.length)
      for (const [n, line] of logged.entries()) expect(line, `line ${n + 1}`).toMatch(pattern(output[n]!))
      // Each example compiles and starts its servers: well under a second idle, several on a loaded machine. Nothing
      // here asserts on time: this bound only catches a hang.
    },
    60_000,
  )
})
