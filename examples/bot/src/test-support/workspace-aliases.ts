import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The workspace packages this example (and the demo's examples/server) import. */
export const WORKSPACE_PACKAGES = ['upbit-client', 'trade-log', 'ai-decider', 'electroncash-rpc']
const source = (path: string) => fileURLToPath(new URL(`../../../../packages/${path}`, import.meta.url))

/** An export's source: `./redis` is `src/redis.ts` or `src/redis/index.ts`, `.` is `src/index.ts`. */
function sourceOf(name: string, subpath: string): string {
  if (subpath === '.') return source(`${name}/src/index.ts`)
  const file = source(`${name}/src/${subpath.slice(2)}.ts`)
  return existsSync(file) ? file : source(`${name}/src/${subpath.slice(2)}/index.ts`)
}

/**
 * Every entry each workspace package exports (from its package.json, so a new subpath is mapped the day it is
 * added) to its source: the child bundles and vitest.config.ts use this; tsconfig.json "paths" must list the same
 * (tsconfig-paths.test.ts), since `pnpm demo` runs from source with them before any build.
 */
export function workspaceAliases(): Record<string, string> {
  const aliases: Record<string, string> = {}
  for (const name of WORKSPACE_PACKAGES) {
    const manifest = JSON.parse(readFileSync(source(`${name}/package.json`), 'utf8')) as { exports: Record<string, unknown> }
    for (const subpath of Object.keys(manifest.exports)) {
      if (subpath.endsWith('.json')) continue
      aliases[subpath === '.' ? `@tradekit/${name}` : `@tradekit/${name}/${subpath.slice(2)}`] = sourceOf(name, subpath)
    }
  }
  return aliases
}
