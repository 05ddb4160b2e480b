/**
 * `pnpm build`: the production server as plain JavaScript in `dist/` (`pnpm start` runs `node dist/main.js`, no
 * TypeScript compiler at start), with the dashboard bundled ahead of time into `dist/dashboard/`. The workspace
 * packages are bundled from source (tsconfig paths); npm dependencies stay external and load from node_modules.
 * `node scripts/build.ts <outdir>` (through tsx) builds elsewhere, as the production-build test does.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'
import { bundleDashboard } from '../src/dashboard.js'

const root = fileURLToPath(new URL('../', import.meta.url))

/** Builds the server and the dashboard into `outdir` (default `dist/`); returns the entry file's path. */
export async function buildServer(outdir = `${root}dist`): Promise<string> {
  const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
    dependencies: Record<string, string>
    devDependencies: Record<string, string>
  }
  const external = [...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies)].filter(
    (name) => !name.startsWith('@tradekit/'),
  )
  rmSync(outdir, { recursive: true, force: true })
  await esbuild.build({
    entryPoints: { main: `${root}src/main.ts`, index: `${root}src/index.ts` },
    outdir,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    tsconfig: `${root}tsconfig.json`,
    external: [...external, ...external.map((name) => `${name}/*`)],
    // The built server serves the dashboard from dist/dashboard instead of bundling it at start.
    define: { 'globalThis.TRADEKIT_PREBUILT_DASHBOARD': 'true' },
    sourcemap: true,
    logLevel: 'warning',
  })
  const assets = await bundleDashboard()
  mkdirSync(`${outdir}/dashboard`, { recursive: true })
  writeFileSync(`${outdir}/dashboard/index.html`, assets.html)
  writeFileSync(`${outdir}/dashboard/app.js`, assets.js)
  writeFileSync(`${outdir}/dashboard/app.css`, assets.css)
  return `${outdir}/main.js`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const entry = await buildServer(process.argv[2])
  console.log(`built ${entry}: run it with node (pnpm start)`)
}
