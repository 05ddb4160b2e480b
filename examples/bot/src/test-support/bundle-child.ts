import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { bundleScript } from '../../../../test-support/bundle-script.js'

const PACKAGES = ['upbit-client', 'trade-log', 'ai-decider', 'electroncash-rpc']
const source = (path: string) => fileURLToPath(new URL(`../../../../packages/${path}`, import.meta.url))

/** An export's source: `./redis` is `src/redis.ts` or `src/redis/index.ts`, `.` is `src/index.ts`. */
function sourceOf(name: string, subpath: string): string {
  if (subpath === '.') return source(`${name}/src/index.ts`)
  const file = source(`${name}/src/${subpath.slice(2)}.ts`)
  return existsSync(file) ? file : source(`${name}/src/${subpath.slice(2)}/index.ts`)
}

/**
 * Every entry each workspace package exports (from its package.json, so a new subpath is bundled the day it is
 * added), mapped to its source as tsconfig "paths" and vitest.config.ts map them.
 */
export function workspaceAliases(): Record<string, string> {
  const aliases: Record<string, string> = {}
  for (const name of PACKAGES) {
    const manifest = JSON.parse(readFileSync(source(`${name}/package.json`), 'utf8')) as { exports: Record<string, unknown> }
    for (const subpath of Object.keys(manifest.exports)) {
      if (subpath.endsWith('.json')) continue
      aliases[subpath === '.' ? `@tradekit/${name}` : `@tradekit/${name}/${subpath.slice(2)}`] = sourceOf(name, subpath)
    }
  }
  return aliases
}

/** Bundles a child bot script (this example and the workspace packages it imports, from source) into one .mjs. */
export function bundleChildScript(entry: string): Promise<{ file: string; cleanup: () => void }> {
  return bundleScript(entry, { alias: workspaceAliases(), require: true })
}
