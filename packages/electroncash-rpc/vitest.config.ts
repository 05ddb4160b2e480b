import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'

const upbit = (path: string) => fileURLToPath(new URL(`../upbit-client/src/${path}`, import.meta.url))

export default defineProject({
  resolve: {
    // The Upbit rate provider's test runs against the upbit-client simulator from source (a dev dependency only).
    alias: [
      { find: '@tradekit/upbit-client/testing', replacement: upbit('testing/index.ts') },
      { find: /^@tradekit\/upbit-client$/, replacement: upbit('index.ts') },
    ],
  },
  test: {
    name: 'electroncash-rpc',
    include: ['src/**/*.test.ts'],
    // A hang guard, not a speed requirement: a loopback call can take hundreds of ms on the loaded machine.
    testTimeout: 60_000,
  },
})
