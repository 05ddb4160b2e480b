import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'

// The README's simulator examples must run as written: each ```ts block that starts a simulator is executed
// with the package imports pointed at this source tree. (Blocks that call api.upbit.com are not run: no internet.)
const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
  .map((m) => m[1]!)
  .filter((code) => code.includes('startUpbitSimulator('))
  // The Redis example needs a redis-server: readme-redis.test.ts starts one and runs it.
  .filter((code) => !code.includes('createRedisLimiterStore('))
const dir = mkdtempSync(join(tmpdir(), 'upbit-readme-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('README examples', () => {
  it('include the simulator examples (order, pagination, ban)', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3)
  })

  it.each(blocks.map((code, i) => [i, code] as const))(
    'example %i runs against the simulator',
    async (i, code) => {
      const file = join(dir, `example-${i}.ts`)
      const source = code
        .replaceAll("'@tradekit/upbit-client/testing'", JSON.stringify(join(import.meta.dirname, 'testing', 'index.ts')))
        .replaceAll("'@tradekit/upbit-client'", JSON.stringify(join(import.meta.dirname, 'index.ts')))
      writeFileSync(file, `${source}\nexport {}\n`)
      const logged: string[] = []
      const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        logged.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '))
      })
      try {
        await import(file)
      } finally {
        spy.mockRestore()
      }
      expect(logged.length).toBeGreaterThan(0)
      if (code.includes('cancelOrder')) expect(logged).toContain('true cancel')
      if (code.includes('iterateCandles')) expect(logged[0]).toBe('450')
      if (code.includes('UpbitBanError')) expect(logged[0]).toMatch(/^banned for \d+ s \(group ticker\)/)
      // Each example compiles and starts a simulator: well under a second idle, several on a loaded machine (it timed
      // out at vitest's 5 s default under load, and its late output then landed in the next example's log). Nothing
      // here asserts on time: this bound only catches a hang.
    },
    60_000,
  )
})
