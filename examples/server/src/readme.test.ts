/**
 * Every code block and command in README.md runs here (issue 12), with only the machine-specific values replaced
 * (paths, ports, hostnames): the start commands through bash as a user types them, the WebSocket snippet against
 * the server, the mount example as a program. None may print a warning a user would have to act on. The nginx block
 * runs in src/nginx.test.ts.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startProcess } from './test-support/child-process.js'
import { writeLogFixture } from './test-support/log-fixture.js'
import { TEST_TOKEN, useServers } from './test-support/test-server.js'

const servers = useServers()
const EXAMPLE = fileURLToPath(new URL('../', import.meta.url))
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const readme = readFileSync(`${EXAMPLE}README.md`, 'utf8')
const blocks = (language: string) =>
  [...readme.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!)
/** Lines a user would have to act on. */
const WARNING = /\b(warn|warning|deprecat\w*|error)\b/i

/** Runs a README command with bash until the server it starts prints its URL; stops the whole process group after. */
async function runUntilListening(script: string, env: Record<string, string>, cwd: string) {
  const started = await startProcess('bash', ['-c', script], {
    cwd,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env },
    detached: true,
    ready: /tradekit server on (http:\/\/127\.0\.0\.1:\d+)/,
    defer: servers.defer,
  })
  return { url: started.match[1]!, output: started.output }
}

const auth = { authorization: `Bearer ${TEST_TOKEN}` }

describe('README.md', () => {
  it('"Run it": build and start as written; the server answers with the log and prints no warning', async () => {
    const [run] = blocks('sh')
    expect(run).toContain('pnpm@10.34.9 build')
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 2, tradesPerDay: 5 })
    const script = run!
      .replace('export TRADE_LOG_DIR=/srv/tradekit/logs', `export TRADE_LOG_DIR=${dir}`)
      .replace('export API_TOKEN="$(openssl rand -hex 32)"', `export API_TOKEN=${TEST_TOKEN}`)
    expect(script).not.toContain('/srv/')
    const { url, output } = await runUntilListening(script, {}, ROOT)
    const trades = await fetch(`${url}/api/trades?limit=2`, { headers: auth })
    expect(trades.status).toBe(200)
    expect(((await trades.json()) as { items: unknown[] }).items).toHaveLength(2)
    expect((await fetch(`${url}/`)).status).toBe(200)
    expect(
      output()
        .split('\n')
        .filter((line) => WARNING.test(line)),
    ).toEqual([])
  }, 180_000)

  it('the proxy and several-bots commands start the server as described', async () => {
    const [, proxy, multi] = blocks('sh')
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 1, tradesPerDay: 4 })
    const alpha = servers.tempDir('alpha-')
    const beta = servers.tempDir('beta-')
    const alphaFills = writeLogFixture(alpha, { days: 1, tradesPerDay: 4, seed: 1 }).trades
    const betaFills = writeLogFixture(beta, { days: 1, tradesPerDay: 6, seed: 2 }).trades
    // `pnpm start` runs dist/: build it once (the first test did too, but tests may run alone).
    execFileSync('npx', ['--yes', 'pnpm@10.34.9', 'build'], { cwd: EXAMPLE, stdio: 'ignore' })
    const behindProxy = await runUntilListening(proxy!.replace('/srv/tradekit/logs', dir), { API_TOKEN: TEST_TOKEN }, EXAMPLE)
    const spoofed = await fetch(`${behindProxy.url}/api/trades?limit=1`, {
      headers: { ...auth, 'x-forwarded-for': '203.0.113.5' },
    })
    expect(spoofed.status).toBe(200)
    const several = await runUntilListening(
      multi!.replace('/srv/alpha/logs', alpha).replace('/srv/beta/logs', beta),
      { API_TOKEN: TEST_TOKEN },
      EXAMPLE,
    )
    const bots = (await (await fetch(`${several.url}/api/bots`, { headers: auth })).json()) as {
      bots: { id: string; startingBalance: string; fills: number }[]
    }
    expect(bots.bots.map((bot) => [bot.id, bot.startingBalance, bot.fills])).toEqual([
      ['alpha', '1000000', alphaFills],
      ['beta', '500000', betaFills],
    ])
    for (const started of [behindProxy, several]) {
      expect(
        started
          .output()
          .split('\n')
          .filter((line) => WARNING.test(line)),
      ).toEqual([])
    }
  }, 180_000)

  it('the WebSocket snippet connects with the token as a subprotocol and resumes from a cursor', async () => {
    const [snippet] = blocks('js')
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 1, tradesPerDay: 2 })
    const app = await servers.start({ logDir: dir })
    const code = snippet!.replace('wss://dash.example.com', app.url.replace('http', 'ws'))
    const socket = new Function('WebSocket', 'lastCursor', 'token', `${code}\nreturn socket`)(
      WebSocket,
      '',
      TEST_TOKEN,
    ) as WebSocket
    servers.defer(() => socket.terminate())
    const first = await new Promise<{ type: string }>((resolve, reject) => {
      socket.once('message', (data) => resolve(JSON.parse(String(data))))
      socket.once('error', reject)
    })
    expect(first.type).toBe('hello')
    expect(socket.protocol).toBe('tradekit.v1')
  })

  it('the mount example runs as a program next to an app’s own routes', async () => {
    const [mount] = blocks('ts')
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 1, tradesPerDay: 3 })
    const work = `${EXAMPLE}.tmp/readme-${process.pid}`
    mkdirSync(work, { recursive: true })
    servers.defer(() => rmSync(work, { recursive: true, force: true }))
    const program = `${mount!
      .replace("'./tradekit-server/index.js'", `'${EXAMPLE}src/index.js'`)
      .replace('server.listen(8080)', 'server.listen(0, "127.0.0.1")')}
if (!server.listening) await new Promise((resolve) => server.once('listening', resolve))
const { port } = server.address() as import('node:net').AddressInfo
const trades = await fetch(\`http://127.0.0.1:\${port}/trading/api/trades?limit=1\`, { headers: { authorization: \`Bearer \${process.env.API_TOKEN}\` } })
const health = await fetch(\`http://127.0.0.1:\${port}/trading/health\`)
console.log(JSON.stringify({ trades: trades.status, health: health.status }))
await services.close()
server.closeAllConnections()
server.close()
`
    writeFileSync(`${work}/mount.ts`, program)
    const output = execFileSync(process.execPath, ['--import', 'tsx', `${work}/mount.ts`], {
      cwd: EXAMPLE,
      env: {
        ...process.env,
        TRADE_LOG_DIR: dir,
        API_TOKEN: TEST_TOKEN,
        LOG_LEVEL: 'warn',
        TSX_TSCONFIG_PATH: `${EXAMPLE}tsconfig.json`,
      },
      encoding: 'utf8',
    })
    expect(JSON.parse(output.trim().split('\n').at(-1)!)).toEqual({ trades: 200, health: 200 })
  }, 60_000)
})
