// Runs every workspace package's `bench` script in turn. Benchmarks print ratios against a baseline measured in
// the same run; they never fail the build on timing, only on errors.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const only = process.argv[2]
const dirs = ['packages', 'examples']
  .filter((group) => existsSync(join(root, group)))
  .flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name)))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .filter((dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).scripts?.bench)
  .filter((dir) => !only || dir.endsWith(`/${only}`))
if (dirs.length === 0) console.log('no package defines a bench script yet')
for (const dir of dirs) {
  console.log(`\n== bench: ${dir.slice(root.length + 1)}`)
  execFileSync('npx', ['--yes', 'pnpm@10.34.9', 'run', 'bench'], { cwd: dir, stdio: 'inherit' })
}
