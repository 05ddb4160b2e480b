import { defineProject } from 'vitest/config'
import { workspaceAliases } from './src/test-support/workspace-aliases.js'

export default defineProject({
  resolve: {
    // Same mapping as tsconfig "paths": the example runs the packages from source, every entry they export.
    // Exact matches, so the bare name never swallows a subpath.
    alias: Object.entries(workspaceAliases()).map(([name, file]) => ({
      find: new RegExp(`^${name.replaceAll('/', '\\/')}$`),
      replacement: file,
    })),
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
