import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'trade-log',
    include: ['src/**/*.test.ts'],
    // Several tests start real processes; on a busy CI machine start-up alone can take seconds.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
