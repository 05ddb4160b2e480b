import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'electroncash-rpc',
    include: ['src/**/*.test.ts'],
    // A hang guard, not a speed requirement: a loopback call can take hundreds of ms on the loaded machine.
    testTimeout: 60_000,
  },
})
