import { spawnSync } from 'node:child_process'
import { readdirSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { useTempDirs } from './test-support/bot-setup.js'
import { readKind } from './test-support/log-files.js'
import { groupAlive, spawnCommand, spawnScript, until } from './test-support/spawn.js'

const heavy = process.env['TRADEKIT_NODE_MATRIX'] ? describe.skip : describe
const tempDir = useTempDirs()
/** Folders the README-default demo run wrote under examples/bot/logs: removed after the test. */
const demoDirs: string[] = []
afterAll(() => {
  for (const dir of demoDirs) rmSync(dir, { recursive: true, force: true })
})
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
/**
 * The demo starts four parts and replays candles: seconds of CPU on an idle machine, many times that on a loaded
 * one. The tests wait for what the demo prints or serves; these bounds only catch a hang.
 */
const HANG_GUARD_MS = 240_000
const STARTUP_LIMIT_MS = 120_000

function refuses(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) })
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', () => resolve(true))
  })
}

/** Asks `probe` every 100 ms until it returns a value (the limit only catches a hang). */
async function poll<T>(probe: () => Promise<T | undefined>, what: () => string): Promise<T> {
  const deadline = Date.now() + STARTUP_LIMIT_MS
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

heavy('pnpm demo', () => {
  it('runs the whole system offline, trades and logs, and Ctrl-C stops every part with exit 0', {
    timeout: HANG_GUARD_MS,
  }, async () => {
    const dir = tempDir()
    // The same entry point as the root `pnpm demo` script; PORT=0 so a demo already on 8001 does not matter.
    // The fastest cycle the bot accepts, so the first fill comes soon whatever the machine's load.
    const demo = spawnScript('demo.ts', [], { TRADE_LOG_DIR: dir, PORT: '0', BOT_INTERVAL_MS: '10' })
    let apiTrade: { orderId?: unknown } | undefined
    let lastBody = ''
    try {
      await Promise.race([
        until(() => demo.stdout().includes('Ctrl-C stops everything'), STARTUP_LIMIT_MS, 'the demo to start'),
        demo.exited.then((exit) => {
          throw new Error(`the demo exited early (${JSON.stringify(exit)}): ${demo.stdout()}\n${demo.stderr()}`)
        }),
      ])
      const [, dashboard, token] = demo.stdout().match(/Dashboard: (http:\/\/127\.0\.0\.1:\d+)\/ +\(API token: (\S+)\)/) ?? []
      // The server finds the bot's log (the old system's dashboard could not): its API lists the bot's first trade.
      apiTrade = await poll(
        async () => {
          const response = await fetch(`${dashboard}/api/trades?limit=10`, { headers: { authorization: `Bearer ${token}` } })
          expect(response.status).toBe(200)
          const body = (await response.json()) as { items?: { orderId?: unknown }[] }
          lastBody = JSON.stringify(body).slice(0, 300)
          return body.items?.at(-1)
        },
        () =>
          `the API to list a trade (last answer ${lastBody}; files ${readdirSync(dir).join(' ')}; demo said ${demo.stdout().slice(-400)})`,
      )
      expect((await fetch(`${dashboard}/api/trades`)).status).toBe(401)
    } finally {
      // (An early exit already failed the test above: keep that error.)
      if (groupAlive(demo.child.pid!)) demo.signal('SIGINT')
    }
    const exit = await demo.exited
    const out = demo.stdout()
    expect(exit, demo.stderr()).toEqual({ code: 0, signal: null })
    expect(out).toMatch(/Dashboard: http:\/\/127\.0\.0\.1:\d+\//)
    expect(out).toContain('SYNTHETIC')
    expect(out).toMatch(/Stopped after \d+ cycles/)

    // Once the demo has stopped, its log is complete: the trade the API showed is the bot's first one on disk.
    const decisions = readKind(dir, 'decisions')
    const trades = readKind(dir, 'trades')
    expect(trades.map((t) => t['orderId'])).toContain(apiTrade.orderId)
    expect(decisions.length).toBeGreaterThan(trades.length)
    expect(trades[0]).toMatchObject({ market: 'KRW-BTC', mode: 'paper' })
    expect(readKind(dir, 'equity').length).toBe(decisions.length)

    // Every part is gone: the process group is empty and the simulator, daemon and server ports refuse connections.
    expect(groupAlive(demo.child.pid!)).toBe(false)
    const urls = [...out.matchAll(/(?:simulator|daemon|server) +(http:\/\/127\.0\.0\.1:\d+)/g)].map((m) => m[1]!)
    expect(urls.length).toBeGreaterThanOrEqual(2)
    for (const url of urls) expect(await refuses(url)).toBe(true)
  })

  it('Ctrl-C on the README command (npx pnpm demo) is a success: exit 0, no ELIFECYCLE, every process gone, the log where the README says', {
    timeout: HANG_GUARD_MS,
  }, async () => {
    // Exactly what a user types, in its own process group: a terminal's Ctrl-C signals the whole group (npm,
    // pnpm and the demo), and every layer must pass the demo's exit 0 through. TRADE_LOG_DIR empty (unset for the
    // demo): the log goes to the folder the root README names.
    const demo = spawnCommand('npx', ['--yes', 'pnpm@10.34.9', 'demo'], { PORT: '0', TRADE_LOG_DIR: '' })
    const out = () => demo.stdout()
    try {
      // Up, and one cycle logged (its status line printed), so the stop has a log to leave behind.
      await until(() => /KRW-BTC [\d,]+ \|/.test(out()), STARTUP_LIMIT_MS, 'the demo to start and run a cycle')
    } finally {
      if (groupAlive(demo.child.pid!)) demo.signal('SIGINT')
    }
    const exit = await demo.exited
    const dir = out().match(/^ {2}trade log +(\S+)$/m)?.[1]
    if (dir?.includes('/examples/bot/logs/demo-')) demoDirs.push(dir) // removed after the test, whatever happens
    expect(exit, `${out()}\n${demo.stderr()}`).toEqual({ code: 0, signal: null })
    expect(out()).toContain('SIGINT: stopping the bot, the server and the daemon')
    // Every part came up from source, before any build (a subpath missing from the bot's tsconfig "paths" once sent
    // the server to an unbuilt dist/: "server NOT STARTED").
    expect(out()).toMatch(/^ {2}server +http:\/\/127\.0\.0\.1:\d+ \(API and dashboard, BCH payments\)$/m)
    expect(out()).toMatch(/Stopped after \d+ cycles\. Trade log \(\d+ files\)/)
    expect(`${out()}${demo.stderr()}`).not.toMatch(/ELIFECYCLE|Command failed|\bWARN\b|npm warn/)
    await until(() => !groupAlive(demo.child.pid!), 30_000, 'every process of the demo to exit')

    // README: "Each run writes its trade log to a new folder, examples/bot/logs/demo-<date>T<time>/ (printed at
    // start as `trade log`)", and `pnpm trade-log doctor <that folder>` checks it.
    expect(dir).toMatch(new RegExp(`^${ROOT}examples/bot/logs/demo-\\d{8}T\\d{6}$`))
    expect(readdirSync(dir!).filter((file) => /^decisions_\d{8}\.jsonl$/.test(file)).length).toBeGreaterThan(0)
    const doctor = spawnSync('npx', ['--yes', 'pnpm@10.34.9', 'trade-log', 'doctor', relative(ROOT, dir!)], {
      cwd: ROOT,
      encoding: 'utf8',
    })
    expect(doctor.status, `${doctor.stdout}\n${doctor.stderr}`).toBe(0)
    expect(doctor.stdout).toContain(dir!)
  })
})
