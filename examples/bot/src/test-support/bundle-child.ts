import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { bundleScript } from '../../../../test-support/bundle-script.js'

const PACKAGES = ['upbit-client', 'trade-log', 'ai-decider', 'electroncash-rpc']
const source = (path: string) => fileURLToPath(new URL(`../../../../packages/${path}`, import.meta.url))

/** The workspace packages from source, as tsconfig "paths" and vitest.config.ts map them (`/testing` first). */
function workspaceAliases(): Record<string, string> {
  const aliases: Record<string, string> = {}
  for (const name of PACKAGES) {
    const testing = source(`${name}/src/testing.ts`)
    aliases[`@tradekit/${name}/testing`] = existsSync(testing) ? testing : source(`${name}/src/testing/index.ts`)
    aliases[`@tradekit/${name}`] = source(`${name}/src/index.ts`)
  }
  return aliases
}

/** Bundles a child bot script (this example and the workspace packages it imports, from source) into one .mjs. */
export function bundleChildScript(entry: string): Promise<{ file: string; cleanup: () => void }> {
  return bundleScript(entry, { alias: workspaceAliases(), require: true })
}
