// Node binaries for the version matrix, taken from the npm registry's `node` package (nodejs.org is unreachable here).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'

/** Majors besides the running one that the packages are tested on. */
export const EXTRA_NODE_MAJORS = [22, 24]

/** Installs `node@<major>` into a cache folder once and returns the path of its binary. */
export function nodeBinary(major, cacheDir) {
  const prefix = join(cacheDir, `node${major}`)
  const binary = join(prefix, 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(binary)) {
    mkdirSync(prefix, { recursive: true })
    execFileSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', `node@${major}`], {
      stdio: 'inherit',
    })
  }
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim()
  if (!version.startsWith(`v${major}.`)) throw new Error(`expected Node ${major} at ${binary}, got ${version}`)
  return binary
}
