import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'trade-log',
    include: ['src/**/*.test.ts'],
  },
})
