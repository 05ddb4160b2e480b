import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { useTempDirs } from './test-support/bot-setup.js'
import { readKind } from './test-support/log-files.js'
import { groupAlive, spawnScript, until } from './test-support/spawn.js'

const heavy = process.env['TRADEKIT_NODE_MATRIX'] ? describe.skip : describe
const tempDir = useTempDirs()
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

  it('Ctrl-C on the README command (npx pnpm demo) is a success: exit 0, no ELIFECYCLE, every process gone', {
    timeout: HANG_GUARD_MS,
  }, async () => {
    const dir = tempDir()
    // Exactly what a user types, in its own process group: a terminal's Ctrl-C signals the whole group (npm,
    // pnpm and the demo), and every layer must pass the demo's exit 0 through.
    const child: ChildProcess = spawn('npx', ['--yes', 'pnpm@10.34.9', 'demo'], {
      cwd: ROOT,
      env: { ...offlineEnv(), TRADE_LOG_DIR: dir, PORT: '0' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString()
    })
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }))
    })
    try {
      await until(() => out.includes('Ctrl-C stops everything'), STARTUP_LIMIT_MS, 'the demo to start')
    } finally {
      if (groupAlive(child.pid!)) process.kill(-child.pid!, 'SIGINT')
    }
    const exit = await exited
    expect(exit, `${out}\n${err}`).toEqual({ code: 0, signal: null })
    expect(out).toContain('SIGINT: stopping the bot, the server and the daemon')
    expect(out).toMatch(/Stopped after \d+ cycles\. Trade log \(\d+ files\)/)
    expect(`${out}${err}`).not.toMatch(/ELIFECYCLE|Command failed|WARN/)
    expect(existsSync(dir)).toBe(true)
    await until(() => !groupAlive(child.pid!), 30_000, 'every process of the demo to exit')
  })
})

/** The test's environment without the settings that would reach real services, as spawnScript does. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const name of Object.keys(env)) {
    if (/^(UPBIT_|ANTHROPIC_|OPENAI_|ELECTRONCASH_)|^BOT_CONFIG$/.test(name)) delete env[name]
  }
  return env
}
