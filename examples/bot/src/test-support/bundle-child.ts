import { bundleScript } from '../../../../test-support/bundle-script.js'
import { workspaceAliases } from './workspace-aliases.js'

/** Bundles a child bot script (this example and the workspace packages it imports, from source) into one .mjs. */
export function bundleChildScript(entry: string): Promise<{ file: string; cleanup: () => void }> {
  return bundleScript(entry, { alias: workspaceAliases(), require: true })
}
