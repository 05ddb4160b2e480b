// Runs the whole vitest suite again on Node 22 and 24 (binaries from the npm registry's `node` package).
import { execFileSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { cleanEnv } from './lib/clean-env.mjs'
import { EXTRA_NODE_MAJORS, nodeBinary } from './lib/node-binaries.mjs'

const root = resolve(import.meta.dirname, '..')
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs')
const failed = []
for (const major of EXTRA_NODE_MAJORS) {
  const binary = nodeBinary(major, join(root, '.tmp', 'node-matrix'))
  console.log(`\n== vitest on Node ${major}`)
  try {
    // The binary's folder goes first on PATH so child processes spawned by tests run on the same Node.
    const env = {
      ...cleanEnv(process.env),
      PATH: `${join(binary, '..')}:${process.env.PATH}`,
      TRADEKIT_NODE_MATRIX: String(major),
    }
    execFileSync(binary, [vitest, 'run', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env })
  } catch {
    failed.push(major)
  }
}
if (failed.length > 0) {
  console.error(`test:node-matrix failed on Node ${failed.join(', ')}`)
  process.exit(1)
}
