/**
 * Issue 20, item 4: `pnpm cluster --check` starts PostgreSQL, Redis, two paper bots and two server replicas offline,
 * waits until both bots have traded, and checks that both replicas serve the same data and the dashboard.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '..', '..', '..')

/** A port p with p + 1 free as well (the two replicas). */
async function twoFreePorts(): Promise<number> {
  const listen = (port: number) =>
    new Promise<ReturnType<typeof createServer> | undefined>((done) => {
      const server = createServer()
      server.once('error', () => done(undefined))
      server.listen(port, '127.0.0.1', () => done(server))
    })
  for (;;) {
    const first = await listen(0)
    const port = (first!.address() as { port: number }).port
    const second = await listen(port + 1)
    await new Promise<void>((done) => first!.close(() => done()))
    if (second) {
      await new Promise<void>((done) => second.close(() => done()))
      return port
    }
  }
}

describe('pnpm cluster', () => {
  it('--check: two bots and two replicas on one PostgreSQL and one Redis; both replicas serve the same data', async () => {
    const port = await twoFreePorts()
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'examples/server/scripts/local-cluster.ts'), '--check'],
      {
        cwd: root,
        env: { ...process.env, CLUSTER_PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk))
    child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk).slice(-4000)))
    const code = await new Promise<number | null>((done) => child.once('exit', done))
    expect(code, err).toBe(0)
    expect(out).toContain(`replicas     http://127.0.0.1:${port} and http://127.0.0.1:${port + 1}`)
    expect(out).toContain('cluster ok: both replicas serve the same data for both bots, and the dashboard')
  }, 300_000)
})
