// What a user of the published packages gets, checked end to end:
//   1. no declared runtime dependency goes unused (scripts/lib/unused-deps.mjs), and a fresh clone's
//      `pnpm install` prints no warning (scripts/lib/install-warnings.mjs);
//   2. each package is packed with its dist/ removed first, so the tarball only has code if `prepack` built it;
//      the tarball holds LICENSE, README, the bins and the entry points; publint --strict and attw pass;
//   3. the tarballs are installed with plain npm into a fresh project outside the workspace, every entry point is
//      loaded with import() and require() on Node 20, 22 and 24 and one exported function of each is called
//      (the package's consumer-smoke.mjs);
//   4. every CLI invocation form the READMEs show runs: `npx <bin>` in that project (see
//      scripts/lib/cli-forms.mjs), and `pnpm <bin>` at the repository root, right after install.
// Child processes get an environment without pnpm's npm_config_* variables, which npm would warn about.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { cleanEnv } from './lib/clean-env.mjs'
import { installWarnings } from './lib/install-warnings.mjs'
import { EXTRA_NODE_MAJORS, nodeBinary } from './lib/node-binaries.mjs'
import { unusedDependencies } from './lib/unused-deps.mjs'

const root = resolve(import.meta.dirname, '..')
const pnpm = ['npx', '--yes', 'pnpm@10.34.9']
const env = cleanEnv(process.env)
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', env, ...opts })
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length)
// `--no-build` is accepted for older scripts: packing always builds now (prepack), so there is nothing to skip.

const packages = readdirSync(join(root, 'packages'))
  .map((name) => ({ name, dir: join(root, 'packages', name) }))
  .map((pkg) => ({ ...pkg, manifest: JSON.parse(readFileSync(join(pkg.dir, 'package.json'), 'utf8')) }))
  .filter((pkg) => !pkg.manifest.private && (!only || pkg.name === only))
const failures = []

console.log('== declared runtime dependencies are imported')
const unused = unusedDependencies(root)
for (const { workspace, dependency } of unused) {
  console.error(`  ${workspace}: "${dependency}" is in dependencies but no source file imports it`)
  failures.push(`${workspace}: unused dependency ${dependency}`)
}
if (unused.length === 0) console.log('  every dependency of packages/* and examples/* is imported')

console.log("\n== a fresh clone's pnpm install prints no warning (manifests and bins, no dist/)")
const warnings = await installWarnings(root).catch((error) => [error.message])
for (const line of warnings) console.error(`  ${line.trim()}`)
if (warnings.length > 0) failures.push('pnpm install on a fresh clone printed warnings')
else console.log('  no warning')

const work = mkdtempSync(join(tmpdir(), 'tradekit-consumer-'))
const tarballs = join(work, 'tarballs')
mkdirSync(tarballs)

for (const pkg of packages) {
  console.log(`\n== ${pkg.manifest.name}: pack (prepack builds), contents, publint --strict, attw`)
  // Without dist/, a tarball with code proves that `pnpm pack` builds first.
  rmSync(join(pkg.dir, 'dist'), { recursive: true, force: true })
  const before = new Set(readdirSync(tarballs))
  try {
    run(pnpm[0], [...pnpm.slice(1), 'pack', '--pack-destination', tarballs], {
      cwd: pkg.dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    })
  } catch {
    failures.push(`${pkg.manifest.name}: pnpm pack (its build failed: see above)`)
    continue
  }
  pkg.tarball = join(
    tarballs,
    readdirSync(tarballs).find((file) => !before.has(file)),
  )
  const files = new Set(
    execFileSync('tar', ['-tzf', pkg.tarball], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((file) => file.replace(/^package\//, '')),
  )
  const required = [
    'LICENSE',
    'README.md',
    'dist/index.js',
    'dist/index.cjs',
    ...Object.values(pkg.manifest.bin ?? {}).map((file) => file.replace(/^\.\//, '')),
  ]
  const missing = required.filter((file) => !files.has(file))
  if (missing.length > 0) failures.push(`${pkg.manifest.name}: tarball lacks ${missing.join(', ')}`)
  else console.log(`  ${files.size} files, including ${required.join(', ')}`)
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

const packed = packages.filter((pkg) => pkg.tarball)
console.log('\n== consumer project: npm install of the tarballs outside the workspace')
const consumer = join(work, 'consumer')
mkdirSync(consumer)
writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'tradekit-consumer', private: true, version: '0.0.0' }))
run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packed.map((pkg) => pkg.tarball)], { cwd: consumer })

// One script per format that loads every entry point of every package and runs its smoke function.
const checks = packed.flatMap((pkg) =>
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

// The CLI forms the READMEs show (scripts/lib/cli-forms.mjs runs each and checks what it prints).
const cliPackages = packages.filter((pkg) => pkg.manifest.bin)
if (!only && cliPackages.every((pkg) => pkg.tarball)) {
  console.log('\n== CLI invocation forms: npx <bin> in the consumer project, pnpm <bin> at the repository root')
  try {
    run(process.execPath, [join(root, 'scripts', 'lib', 'cli-forms.mjs'), consumer], { cwd: root })
  } catch {
    failures.push('CLI invocation forms')
  }
}

rmSync(work, { recursive: true, force: true })
if (failures.length > 0) {
  console.error(`\ncheck:packages failed:\n  ${failures.join('\n  ')}`)
  process.exit(1)
}
console.log(
  `\ncheck:packages: ${packages.length} packages, ${checks.length} entry points, ${binaries.length} Node versions, ${only ? 'CLI forms not run (--only)' : 'every README CLI form'}: all good`,
)
