/** Bundles a child-process script and the package source it imports into one .mjs, so tests can start many processes fast. */
import { join } from 'node:path'
import { bundleScript } from '../../../../test-support/bundle-script.js'

export function bundleChild(entry: string, alias: Record<string, string> = {}): Promise<{ file: string; cleanup: () => void }> {
  // The README examples live in a temp dir: resolve their packages from this one.
  return bundleScript(entry, { alias, nodePaths: [join(import.meta.dirname, '..', '..', 'node_modules')] })
}
