import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'tsup'

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

/**
 * Bundles a child bot script (this example and the packages it imports) into one plain .mjs, so a test can start
 * dozens of bot processes without paying the TypeScript loader's start-up each time.
 */
export async function bundleChildScript(entry: string): Promise<{ file: string; cleanup: () => void }> {
  const outDir = mkdtempSync(join(tmpdir(), 'bot-child-'))
  const name = basename(entry).replace(/\.ts$/, '')
  await build({
    entry: { [name]: entry },
    outDir,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    noExternal: [/./],
    silent: true,
    config: false,
    dts: false,
    sourcemap: false,
    outExtension: () => ({ js: '.mjs' }),
    esbuildOptions(options) {
      options.alias = workspaceAliases()
      // A bundled CommonJS dependency may still `require()` node built-ins: give the ESM bundle a `require`.
      options.banner = {
        js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      }
    },
  })
  return { file: join(outDir, `${name}.mjs`), cleanup: () => rmSync(outDir, { recursive: true, force: true }) }
}
