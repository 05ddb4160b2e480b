import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'

// Entry points of each package's `.` and `./testing` exports, as source files.
const packages = [
  { name: 'trade-log', testing: 'trade-log/src/testing.ts' },
  { name: 'electroncash-rpc', testing: 'electroncash-rpc/src/testing/index.ts' },
  { name: 'upbit-client', testing: 'upbit-client/src/testing/index.ts' },
]
const source = (path: string) => fileURLToPath(new URL(`../../packages/${path}`, import.meta.url))

export default defineProject({
  resolve: {
    // Same mapping as tsconfig "paths": the example runs the packages from source, no build needed.
    alias: packages.flatMap(({ name, testing }) => [
      { find: `@tradekit/${name}/testing`, replacement: source(testing) },
      { find: `@tradekit/${name}/postgres`, replacement: source(`${name}/src/postgres.ts`) },
      { find: new RegExp(`^@tradekit/${name}$`), replacement: source(`${name}/src/index.ts`) },
    ]),
  },
  test: {
    name: 'example-server',
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
