/**
 * `pnpm build`: the production server as plain JavaScript in `dist/` (`pnpm start` runs `node dist/main.js`, no
 * TypeScript compiler at start), with the dashboard bundled ahead of time into `dist/dashboard/`. The workspace
 * packages (from source, through tsconfig paths) and the npm dependencies are bundled too: resolving and
 * lexing a few hundred CommonJS files from node_modules was most of the start-up time (profiled with --cpu-prof).
 * `node scripts/build.ts <outdir>` (through tsx) builds elsewhere, as the production-build test does.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'
import { bundleCheckout } from '../src/checkout.js'
import { bundleDashboard } from '../src/dashboard.js'

const root = fileURLToPath(new URL('../', import.meta.url))

/** Builds the server and the dashboard into `outdir` (default `dist/`); returns the entry file's path. */
export async function buildServer(outdir = `${root}dist`): Promise<string> {
  const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
    dependencies: Record<string, string>
    devDependencies: Record<string, string>
  }
  // Development tools stay out; so do ws's optional native helpers (it falls back without them).
  const external = [...Object.keys(manifest.devDependencies), 'bufferutil', 'utf-8-validate']
  rmSync(outdir, { recursive: true, force: true })
  await esbuild.build({
    entryPoints: {
      main: `${root}src/main.ts`,
      index: `${root}src/index.ts`,
      // trade-log starts it beside its own code for a first read of a log on two cores (workerRead); without it the
      // server reads in one thread and warns.
      'performance-read-worker': `${root}../../packages/trade-log/src/performance-read-worker.ts`,
    },
    outdir,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    tsconfig: `${root}tsconfig.json`,
    external: [...external, ...external.map((name) => `${name}/*`)],
    // CommonJS dependencies call require() for Node's built-ins; an ES module has none, so give it one.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    // The built server serves the dashboard from dist/dashboard instead of bundling it at start.
    define: { 'globalThis.TRADEKIT_PREBUILT_DASHBOARD': 'true' },
    // Smaller source compiles faster at start; the source map keeps stack traces readable.
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  })
  const assets = await bundleDashboard()
  mkdirSync(`${outdir}/dashboard`, { recursive: true })
  writeFileSync(`${outdir}/dashboard/index.html`, assets.html)
  writeFileSync(`${outdir}/dashboard/app.js`, assets.js)
  writeFileSync(`${outdir}/dashboard/app.css`, assets.css)
  const checkout = await bundleCheckout()
  mkdirSync(`${outdir}/checkout`, { recursive: true })
  writeFileSync(`${outdir}/checkout/checkout.js`, checkout.js)
  writeFileSync(`${outdir}/checkout/checkout.css`, checkout.css)
  return `${outdir}/main.js`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const entry = await buildServer(process.argv[2])
  console.log(`built ${entry}: run it with node (pnpm start)`)
}
