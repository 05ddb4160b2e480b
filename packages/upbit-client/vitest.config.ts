import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'upbit-client',
    include: ['src/**/*.test.ts'],
  },
})
