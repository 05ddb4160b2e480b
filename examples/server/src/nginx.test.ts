/**
 * The README's nginx configuration in front of the real server (issue 18, items 8–10): Debian's nginx, started on
 * 127.0.0.1 with a free port and a temp prefix, proxies HTTP and /ws to the server started with TRUST_PROXY=1.
 * Skipped when nginx is missing, except in CI (`.ci/run` installs it).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { writeLogFixture } from './test-support/log-fixture.js'
import { TEST_TOKEN, useServers } from './test-support/test-server.js'

const NGINX = '/usr/sbin/nginx'
const hasNginx = existsSync(NGINX)
if (!hasNginx && process.env['CI'] && process.env['TRADEKIT_NODE_MATRIX'] === undefined) {
  throw new Error(`${NGINX} is missing: CI must install Debian's nginx (apt-get install nginx-core) for the proxy test.`)
}
const servers = useServers()
const README = fileURLToPath(new URL('../README.md', import.meta.url))

/** The README's nginx block, listening on `port` without TLS and proxying to `upstream`. */
export function readmeNginxConfig(port: number, upstream: string): string {
  const block = /```nginx\n([\s\S]*?)```/.exec(readFileSync(README, 'utf8'))?.[1]
  if (!block) throw new Error('README.md has no nginx block')
  return block
    .replace('listen 443 ssl;', `listen 127.0.0.1:${port};`)
    .replace('proxy_pass http://127.0.0.1:8001;', `proxy_pass ${upstream};`)
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

async function startNginx(prefix: string, siteConfig: string): Promise<ChildProcess> {
  const conf = join(prefix, 'nginx.conf')
  writeFileSync(
    conf,
    `daemon off;
master_process off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
${siteConfig}
}
`,
  )
  const child = spawn(NGINX, ['-p', prefix, '-c', conf, '-e', `${prefix}/error.log`], { stdio: ['ignore', 'ignore', 'pipe'] })
  servers.defer(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  )
  return child
}

describe.skipIf(!hasNginx)('behind nginx with the README configuration', () => {
  it('the rate limit keys on the client nginx saw, whatever X-Forwarded-For the client wrote; /ws upgrades pass', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 1, tradesPerDay: 4, end: Date.UTC(2025, 7, 10, 23) })
    const app = await servers.start({ logDir: dir, trustProxy: 1, rateLimit: { max: 3, windowMs: 60_000 } })
    const port = await freePort()
    const nginx = await startNginx(servers.tempDir('nginx-'), readmeNginxConfig(port, app.url))
    const base = `http://127.0.0.1:${port}`
    // Wait until nginx answers (it starts in the background); 502 would mean it cannot reach the server.
    for (;;) {
      if (nginx.exitCode !== null) throw new Error(`nginx exited with ${nginx.exitCode}`)
      const ready = await fetch(`${base}/health`).then(
        (response) => response.status,
        () => 0,
      )
      if (ready === 200) break
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    const get = (spoofed: string) =>
      fetch(`${base}/api/trades?limit=1`, { headers: { authorization: `Bearer ${TEST_TOKEN}`, 'x-forwarded-for': spoofed } })
    // /health above was request 1 of the client's (127.0.0.1's) budget of 3.
    expect((await get('1.1.1.1')).status).toBe(200)
    expect((await get('2.2.2.2')).status).toBe(200)
    const limited = await get('3.3.3.3')
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).not.toBeNull()

    const other = await servers.start({ logDir: dir, trustProxy: 1 })
    const port2 = await freePort()
    await startNginx(servers.tempDir('nginx-'), readmeNginxConfig(port2, other.url))
    const hello = await new Promise<string>((resolve, reject) => {
      const attempt = () => {
        const socket = new WebSocket(`ws://127.0.0.1:${port2}/ws`, ['tradekit.v1', `bearer.${TEST_TOKEN}`])
        socket.once('message', (data) => {
          socket.close()
          resolve(JSON.parse(String(data)).type)
        })
        socket.once('error', (error) => {
          if (/ECONNREFUSED/.test(String(error))) setTimeout(attempt, 25)
          else reject(error)
        })
      }
      attempt()
    })
    expect(hello).toBe('hello')
  })
})
