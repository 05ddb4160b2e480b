// A runtime dependency (package.json `dependencies`) must be imported by code that ships or runs: an unused one
// is downloaded by every user for nothing. Tests, benchmarks, test support and tool configs do not count: what only
// they import belongs in devDependencies.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage', '.tmp', 'artifacts', 'bench', 'test-support', 'fixtures'])
const SOURCE = /\.(?:[cm]?[jt]s|tsx|jsx)$/
const NOT_RUNTIME = /\.(?:test|spec|bench)\.[^.]+$|(?:^|\/)[^/]*\.config\.[^.]+$|\.d\.[cm]?ts$/
// import … from 'x', import 'x', export … from 'x', import('x'), require('x'), require.resolve('x'), import.meta.resolve('x')
const SPECIFIER =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire(?:\.resolve)?\s*\(\s*|\bimport\.meta\.resolve\s*\(\s*)['"]([^'"\n]+)['"]/g

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* sourceFiles(path)
    else if (SOURCE.test(entry.name) && !NOT_RUNTIME.test(entry.name)) yield path
  }
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; relative paths and `node:` builtins → undefined. */
export function packageNameOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

/** Package names imported by the runtime source files of one workspace folder. */
export function importedPackages(dir) {
  const names = new Set()
  for (const file of sourceFiles(dir)) {
    for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const name = packageNameOf(match[1])
      if (name) names.add(name)
    }
  }
  return names
}

/** Every `dependencies` entry of `packages/*` and `examples/*` that no runtime source file imports. */
export function unusedDependencies(root) {
  const unused = []
  for (const group of ['packages', 'examples']) {
    for (const name of readdirSync(join(root, group))) {
      const dir = join(root, group, name)
      let manifest
      try {
        manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
      } catch {
        continue
      }
      const imported = importedPackages(dir)
      for (const dependency of Object.keys(manifest.dependencies ?? {})) {
        if (!imported.has(dependency)) unused.push({ workspace: relative(root, dir), name: manifest.name, dependency })
      }
    }
  }
  return unused
}
