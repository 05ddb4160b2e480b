/**
 * Bundles a child-process script and the workspace source it imports into one plain .mjs, so a test can start
 * dozens of real processes without paying a TypeScript loader's start-up each time. Shared by every workspace
 * project whose tests spawn children (import it by relative path).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { build } from 'tsup'

export interface BundleOptions {
  /** Import specifier → file, e.g. `@tradekit/trade-log` → its `src/index.ts`. Default none. */
  alias?: Record<string, string>
  /** Extra folders to resolve bare imports from (a script living in a temp dir). Default none. */
  nodePaths?: string[]
  /** Give the ESM bundle a `require` for CommonJS dependencies that `require()` node built-ins. Default false. */
  require?: boolean
}

export async function bundleScript(entry: string, options: BundleOptions = {}): Promise<{ file: string; cleanup: () => void }> {
  const outDir = mkdtempSync(join(tmpdir(), 'bundled-child-'))
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
    esbuildOptions(esbuild) {
      if (options.alias) esbuild.alias = options.alias
      if (options.nodePaths) esbuild.nodePaths = options.nodePaths
      if (options.require) {
        esbuild.banner = {
          js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
        }
      }
    },
  })
  return { file: join(outDir, `${name}.mjs`), cleanup: () => rmSync(outDir, { recursive: true, force: true }) }
}
