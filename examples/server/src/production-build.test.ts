/**
 * Issue 18, item 15: production runs built JavaScript. `scripts/build.ts` builds the server and the dashboard; the
 * test starts `node main.js` from the build (no tsx, no esbuild at run time) the way `pnpm start` does, and checks
 * its first /api/trades is the log's newest page and the dashboard is served from the prebuilt files.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createTradeLogReader } from '@tradekit/trade-log'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServer } from '../scripts/build.js'
import { startProcess } from './test-support/child-process.js'
import { writeLogFixture } from './test-support/log-fixture.js'
import { TEST_TOKEN, useServers } from './test-support/test-server.js'

const servers = useServers()
// Inside the example so the build finds node_modules, as dist/ does; .tmp/ is gitignored.
const TMP = fileURLToPath(new URL('../.tmp/', import.meta.url))

/** Starts the built server; resolves with its URL once it printed it. */
async function startBuilt(entry: string, env: Record<string, string>) {
  const started = await startProcess(process.execPath, [entry], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    ready: /tradekit server on (http:\/\/127\.0\.0\.1:\d+)/,
    defer: servers.defer,
  })
  return { url: started.match[1]!, output: started.output }
}

describe('the production build (pnpm build, pnpm start)', () => {
  let outdir: string
  let entry: string
  beforeAll(async () => {
    outdir = mkdtempSync(`${TMP.replace(/\/$/, '')}-build-`)
    entry = await buildServer(outdir)
  }, 120_000)
  afterAll(() => rmSync(outdir, { recursive: true, force: true }))

  it('node runs the built server: first /api/trades is the newest page, the dashboard comes from the build', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 3, tradesPerDay: 20 })
    const { url, output } = await startBuilt(entry, {
      TRADE_LOG_DIR: dir,
      API_TOKEN: TEST_TOKEN,
      PORT: '0',
      LOG_LEVEL: 'warn',
    })
    const reply = await fetch(`${url}/api/trades?limit=5`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })
    expect(reply.status).toBe(200)
    const newest = (await createTradeLogReader({ dir }).readEntries({ kind: 'trades', limit: 5 })).entries
    expect(((await reply.json()) as { items: { orderId: string }[] }).items.map((t) => t.orderId)).toEqual(
      newest.map((t) => t.orderId),
    )
    const page = await fetch(`${url}/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<title>tradekit')
    const script = await fetch(`${url}/assets/app.js`)
    expect(script.status).toBe(200)
    expect((await script.text()).length).toBeGreaterThan(10_000)
    // Nothing a user should act on was printed (warnings, deprecations, stack traces).
    expect(output()).not.toMatch(/warn|deprecat|error/i)
  })

  it('error: the built server refuses to start without a token, exit code 2 and one line naming the variable', async () => {
    const child = spawn(process.execPath, [entry], {
      env: { PATH: process.env['PATH'] ?? '', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    expect(code).toBe(2)
    expect(stderr).toMatch(/^Cannot start: No authentication configured.*API_TOKEN/)
  })
})
