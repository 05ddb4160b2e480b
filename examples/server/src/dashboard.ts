import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { type RequestHandler, Router } from 'express'

/** The dashboard's files, built in memory by esbuild from `dashboard/` (TypeScript, uPlot and CSS: nothing from a CDN). */
export interface DashboardAssets {
  html: string
  js: string
  css: string
  etag: string
}

const DASHBOARD_DIR = fileURLToPath(new URL('../dashboard/', import.meta.url))

const etagOf = (html: string, js: string, css: string) =>
  `"${createHash('sha256').update(html).update(js).update(css).digest('base64url').slice(0, 16)}"`

/**
 * The dashboard's assets: read from `dist/dashboard/` in the built server (`pnpm build`), bundled from source with
 * esbuild otherwise (development, tests). The server calls it once at start.
 */
export async function buildDashboard(): Promise<DashboardAssets> {
  // Set by scripts/build.ts: esbuild, a development dependency, is then never loaded.
  if ((globalThis as { TRADEKIT_PREBUILT_DASHBOARD?: boolean }).TRADEKIT_PREBUILT_DASHBOARD) {
    const dir = new URL('./dashboard/', import.meta.url)
    const [html, js, css] = await Promise.all(
      ['index.html', 'app.js', 'app.css'].map((name) => readFile(new URL(name, dir), 'utf8')),
    )
    return { html: html!, js: js!, css: css!, etag: etagOf(html!, js!, css!) }
  }
  return bundleDashboard()
}

/** Bundles `dashboard/main.ts` with esbuild (about 100 ms). */
export async function bundleDashboard(): Promise<DashboardAssets> {
  // esbuild is a development dependency of this example; import it only when the dashboard is served.
  const esbuild = await import('esbuild')
  const result = await esbuild.build({
    entryPoints: { app: `${DASHBOARD_DIR}main.ts` },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    write: false,
    outdir: '/virtual',
    logLevel: 'silent',
    legalComments: 'none',
  })
  const file = (suffix: string) => {
    const output = result.outputFiles.find((entry) => entry.path.endsWith(suffix))
    if (!output) throw new Error(`dashboard build produced no ${suffix}`)
    return output.text
  }
  const html = await readFile(`${DASHBOARD_DIR}index.html`, 'utf8')
  const js = file('app.js')
  const css = file('app.css')
  return { html, js, css, etag: etagOf(html, js, css) }
}

/** Serves `/`, `/assets/app.js` and `/assets/app.css`; the build runs on first use unless `assets` is given. */
export function createDashboardRouter(assets: () => Promise<DashboardAssets>): Router {
  const router = Router()
  const serve =
    (type: string, pick: (built: DashboardAssets) => string): RequestHandler =>
    async (req, res, next) => {
      try {
        const built = await assets()
        res.setHeader('Cache-Control', 'no-cache')
        res.setHeader('ETag', built.etag)
        if (req.headers['if-none-match'] === built.etag) return res.status(304).end()
        res.type(type).send(pick(built))
      } catch (error) {
        next(error)
      }
    }
  router.get(
    '/',
    serve('html', (built) => built.html),
  )
  router.get(
    '/assets/app.js',
    serve('js', (built) => built.js),
  )
  router.get(
    '/assets/app.css',
    serve('css', (built) => built.css),
  )
  return router
}
