// Builds every published package, lints the packed tarball with publint --strict and attw, then installs the
// tarballs with plain npm into a fresh project outside the workspace and loads every entry point with import()
// and require() on Node 20, 22 and 24, calling one exported function each (the package's consumer-smoke.mjs).
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { EXTRA_NODE_MAJORS, nodeBinary } from './lib/node-binaries.mjs'

const root = resolve(import.meta.dirname, '..')
const pnpm = ['npx', '--yes', 'pnpm@10.34.9']
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', ...opts })
const skipBuild = process.argv.includes('--no-build')
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length)

const packages = readdirSync(join(root, 'packages'))
  .map((name) => ({ name, dir: join(root, 'packages', name) }))
  .map((pkg) => ({ ...pkg, manifest: JSON.parse(readFileSync(join(pkg.dir, 'package.json'), 'utf8')) }))
  .filter((pkg) => !pkg.manifest.private && (!only || pkg.name === only))

const filter = only ? `@tradekit/${only}` : './packages/**'
if (!skipBuild) run(pnpm[0], [...pnpm.slice(1), '-r', '--filter', filter, 'build'], { cwd: root })

const work = mkdtempSync(join(tmpdir(), 'tradekit-consumer-'))
const tarballs = join(work, 'tarballs')
mkdirSync(tarballs)
const failures = []

for (const pkg of packages) {
  console.log(`\n== ${pkg.manifest.name}: pack, publint --strict, attw`)
  const before = new Set(readdirSync(tarballs))
  run(pnpm[0], [...pnpm.slice(1), 'pack', '--pack-destination', tarballs], {
    cwd: pkg.dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  pkg.tarball = join(
    tarballs,
    readdirSync(tarballs).find((file) => !before.has(file)),
  )
  try {
    run('npx', ['publint', '--strict', pkg.tarball], { cwd: root })
  } catch {
    failures.push(`${pkg.manifest.name}: publint --strict`)
  }
  try {
    run('npx', ['attw', pkg.tarball, '--format', 'table-flipped'], { cwd: root })
  } catch {
    failures.push(`${pkg.manifest.name}: attw`)
  }
}

console.log('\n== consumer project: npm install of the tarballs outside the workspace')
const consumer = join(work, 'consumer')
mkdirSync(consumer)
writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'tradekit-consumer', private: true, version: '0.0.0' }))
run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packages.map((pkg) => pkg.tarball)], { cwd: consumer })

// One script per format that loads every entry point of every package and runs its smoke function.
const checks = packages.flatMap((pkg) =>
  Object.keys(pkg.manifest.exports)
    .filter((key) => key !== './package.json')
    .map((key) => ({ pkg, key, specifier: key === '.' ? pkg.manifest.name : `${pkg.manifest.name}/${key.slice(2)}` })),
)
const smokeOf = (pkg) => JSON.stringify(join(pkg.dir, 'consumer-smoke.mjs'))
const esm = checks
  .map(
    ({ pkg, key, specifier }, i) =>
      `import * as m${i} from '${specifier}'\nawait (await import(${smokeOf(pkg)})).default[${JSON.stringify(key)}](m${i}); console.log('import ok: ${specifier}')`,
  )
  .join('\n')
const cjs = `(async () => {\n${checks
  .map(
    ({ pkg, key, specifier }) =>
      `  { const m = require('${specifier}'); await (await import(${smokeOf(pkg)})).default[${JSON.stringify(key)}](m); console.log('require ok: ${specifier}') }`,
  )
  .join('\n')}\n})().catch((error) => { console.error(error); process.exit(1) })`
writeFileSync(join(consumer, 'check.mjs'), esm)
writeFileSync(join(consumer, 'check.cjs'), cjs)

const cache = join(root, '.tmp', 'node-matrix')
const binaries = [process.execPath, ...EXTRA_NODE_MAJORS.map((major) => nodeBinary(major, cache))]
for (const binary of binaries) {
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim()
  for (const file of ['check.mjs', 'check.cjs']) {
    console.log(`\n== ${file} on Node ${version}`)
    try {
      run(binary, [file], { cwd: consumer })
    } catch {
      failures.push(`${file} on Node ${version}`)
    }
  }
}

rmSync(work, { recursive: true, force: true })
if (failures.length > 0) {
  console.error(`\ncheck:packages failed:\n  ${failures.join('\n  ')}`)
  process.exit(1)
}
console.log(
  `\ncheck:packages: ${packages.length} packages, ${checks.length} entry points, ${binaries.length} Node versions: all good`,
)
