/** Bundles a child-process script and the package source it imports into one .mjs, so tests can start many processes fast. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { build } from 'tsup'

export async function bundleChild(
  entry: string,
  alias: Record<string, string> = {},
): Promise<{ file: string; cleanup: () => void }> {
  const outDir = mkdtempSync(join(tmpdir(), 'electroncash-child-'))
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
      options.alias = alias
      // The examples live in a temp dir: resolve their packages from this one.
      options.nodePaths = [join(import.meta.dirname, '..', '..', 'node_modules')]
    },
  })
  return { file: join(outDir, `${name}.mjs`), cleanup: () => rmSync(outDir, { recursive: true, force: true }) }
}
