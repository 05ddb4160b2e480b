import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { build } from 'tsup'

/**
 * Bundles a child-process script (and the package source it imports) into one plain .mjs, so tests can start
 * dozens of real processes without paying a TypeScript loader's start-up each time.
 */
export async function buildChildScript(
  entry: string,
  resolveOptions: { alias?: Record<string, string>; nodePaths?: string[] } = {},
): Promise<{ file: string; cleanup: () => void }> {
  const outDir = mkdtempSync(join(tmpdir(), 'trade-log-child-'))
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
    // CommonJS dependencies bundled into ESM (express) require Node's built-ins at run time: give them `require`.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    esbuildOptions(options) {
      if (resolveOptions.alias) options.alias = resolveOptions.alias
      if (resolveOptions.nodePaths) options.nodePaths = resolveOptions.nodePaths
    },
  })
  return { file: join(outDir, `${name}.mjs`), cleanup: () => rmSync(outDir, { recursive: true, force: true }) }
}
