import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { useTempDirs } from './test-support/bot-setup.js'
import { readKind } from './test-support/log-files.js'
import { groupAlive, spawnScript, until } from './test-support/spawn.js'

const heavy = process.env['TRADEKIT_NODE_MATRIX'] ? describe.skip : describe
const tempDir = useTempDirs()

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

heavy('pnpm demo', () => {
  it('runs the whole system offline, trades and logs, and Ctrl-C stops every part with exit 0', {
    timeout: 120_000,
  }, async () => {
    const dir = tempDir()
    // The same entry point as the root `pnpm demo` script; PORT=0 so a demo already on 8001 does not matter.
    const demo = spawnScript('demo.ts', [], { TRADE_LOG_DIR: dir, PORT: '0' })
    try {
      await until(() => demo.stdout().includes('Ctrl-C stops everything'), 60_000, 'the demo to start')
      // Bounded run: until the replay has produced a fill (about 20 cycles in) or 40 s at most.
      await until(() => existsSync(dir) && readKind(dir, 'trades').length > 0, 40_000, 'a first trade')
      // The server finds the bot's log (the old system's dashboard could not): its API lists the trade.
      const [, dashboard, token] = demo.stdout().match(/Dashboard: (http:\/\/127\.0\.0\.1:\d+)\/ +\(API token: (\S+)\)/) ?? []
      const firstTrade = readKind(dir, 'trades')[0]!
      const response = await fetch(`${dashboard}/api/trades?limit=10`, { headers: { authorization: `Bearer ${token}` } })
      expect(response.status).toBe(200)
      expect(JSON.stringify(await response.json())).toContain(String(firstTrade['orderId']))
      expect((await fetch(`${dashboard}/api/trades`)).status).toBe(401)
    } finally {
      demo.signal('SIGINT')
    }
    const exit = await demo.exited
    const out = demo.stdout()
    expect(exit, demo.stderr()).toEqual({ code: 0, signal: null })
    expect(out).toMatch(/Dashboard: http:\/\/127\.0\.0\.1:\d+\//)
    expect(out).toContain('SYNTHETIC')
    expect(out).toMatch(/Stopped after \d+ cycles/)

    const decisions = readKind(dir, 'decisions')
    const trades = readKind(dir, 'trades')
    expect(decisions.length).toBeGreaterThan(trades.length)
    expect(trades[0]).toMatchObject({ market: 'KRW-BTC', mode: 'paper' })
    expect(readKind(dir, 'equity').length).toBe(decisions.length)

    // Every part is gone: the process group is empty and the simulator, daemon and server ports refuse connections.
    expect(groupAlive(demo.child.pid!)).toBe(false)
    const urls = [...out.matchAll(/(?:simulator|daemon|server) +(http:\/\/127\.0\.0\.1:\d+)/g)].map((m) => m[1]!)
    expect(urls.length).toBeGreaterThanOrEqual(2)
    for (const url of urls) expect(await refuses(url)).toBe(true)
  })
})
