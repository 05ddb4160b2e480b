import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { workspaceAliases } from './test-support/workspace-aliases.js'

const root = fileURLToPath(new URL('..', import.meta.url))

/** tsconfig.json's "paths", each entry resolved to an absolute file. */
function tsconfigPaths(): Record<string, string[]> {
  const text = readFileSync(resolve(root, 'tsconfig.json'), 'utf8')
  const { config, error } = ts.parseConfigFileTextToJson('tsconfig.json', text)
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'))
  const paths = (config.compilerOptions?.paths ?? {}) as Record<string, string[]>
  return Object.fromEntries(Object.entries(paths).map(([name, files]) => [name, files.map((file) => resolve(root, file))]))
}

describe('tsconfig paths (what `pnpm demo` resolves with, from source, before any build)', () => {
  // A missing subpath sent the demo's server to the package's dist/, which a fresh clone has not built yet:
  // "server NOT STARTED: Cannot find module …/electroncash-rpc/dist/postgres.js".
  it('map every entry each workspace package exports to its source file', () => {
    const paths = tsconfigPaths()
    const aliases = workspaceAliases()
    expect(Object.keys(aliases)).toContain('@tradekit/electroncash-rpc/postgres')
    for (const [name, file] of Object.entries(aliases)) {
      expect(paths[name] ?? [], `tsconfig.json "paths" lacks ${name}`).toContain(file)
    }
  })
})
