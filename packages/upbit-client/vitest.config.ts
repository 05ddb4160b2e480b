import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'upbit-client',
    include: ['src/**/*.test.ts'],
    // Hang guards, not timing assertions: tests that run real servers and bots take seconds on a loaded machine
    // (vitest's 5 s default failed such tests under `pnpm test:stress`). Tests that wait assert on events.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
