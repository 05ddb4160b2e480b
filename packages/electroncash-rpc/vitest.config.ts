import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'electroncash-rpc',
    include: ['src/**/*.test.ts'],
  },
})
