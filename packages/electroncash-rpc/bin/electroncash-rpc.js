#!/usr/bin/env node
// The `electroncash-rpc` command. It runs the built CLI, dist/cli.js. This file is committed (dist/ is not) so that the bin
// exists as soon as the package is installed, and says what to do when the CLI has not been built yet.
import { existsSync } from 'node:fs'

const cli = new URL('../dist/cli.js', import.meta.url)
if (existsSync(cli)) {
  await import(cli.href)
} else {
  process.stderr.write(
    'electroncash-rpc: this copy of @tradekit/electroncash-rpc is not built (dist/cli.js is missing).\n' +
      'In the tradekit repository, run the CLI from source with `npx --yes pnpm@10.34.9 electroncash-rpc ...` at the root,\n' +
      'or build the packages first with `npx --yes pnpm@10.34.9 build`.\n',
  )
  process.exitCode = 1
}
