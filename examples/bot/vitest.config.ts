import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'

const packages = ['upbit-client', 'trade-log', 'ai-decider', 'electroncash-rpc']
const source = (path: string) => fileURLToPath(new URL(`../../packages/${path}`, import.meta.url))
/** A package's `./testing` entry is `src/testing.ts` or `src/testing/index.ts` (tsconfig "paths" lists both). */
const testing = (name: string) => {
  const file = source(`${name}/src/testing.ts`)
  return existsSync(file) ? file : source(`${name}/src/testing/index.ts`)
}

export default defineProject({
  resolve: {
    // Same mapping as tsconfig "paths": the example runs the packages from source. `/testing` first, so the
    // bare name does not swallow it.
    alias: packages.flatMap((name) => [
      { find: `@tradekit/${name}/testing`, replacement: testing(name) },
      { find: `@tradekit/${name}/postgres`, replacement: source(`${name}/src/postgres.ts`) },
      { find: new RegExp(`^@tradekit/${name}$`), replacement: source(`${name}/src/index.ts`) },
    ]),
  },
  test: {
    name: 'example-bot',
    include: ['src/**/*.test.ts'],
    // Hang guards, not timing assertions: tests that run real servers and bots take seconds on a loaded machine
    // (vitest's 5 s default failed such tests under `pnpm test:stress`). Tests that wait assert on events.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
