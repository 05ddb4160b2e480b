/**
 * A real `redis-server` (Debian's package) for tests: 127.0.0.1, a free port, no persistence, a temp directory,
 * stopped by the test. `kill()` and `restart()` let a test take Redis away and bring it back on the same port.
 * Shared by every workspace project whose tests need Redis (import it by relative path).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.js'

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  /** Kills the server at once (SIGKILL), as a crash would; resolves when it has exited. */
  kill(): Promise<void>
  /** Starts it again on the same port, empty (there is no persistence). */
  restart(): Promise<void>
  /** Stops the server (if running) and removes its directory. */
  stop(): Promise<void>
}

const binary = process.env.REDIS_SERVER ?? 'redis-server'

/** Spawns redis-server and resolves once it logs that it accepts connections (no polling, no sleeping). */
function launch(port: number, dir: string): Promise<ChildProcess> {
  // biome-ignore format: one flag per line reads as the server's configuration
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
    '--daemonize', 'no',
    '--loglevel', 'notice',
  ]
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((resolve, reject) => {
    let log = ''
    const onData = (chunk: Buffer) => {
      log += chunk.toString('utf8')
      if (log.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData)
        child.stdout?.resume()
        resolve(child)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString('utf8')
    })
    child.once('error', (error) =>
      reject(new Error(`Cannot start ${binary} (install Debian's redis-server: apt-get install redis-server): ${error.message}`)),
    )
    child.once('exit', (code) =>
      reject(new Error(`${binary} exited with code ${code} before it was ready:\n${log.slice(-2000)}`)),
    )
  })
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

export async function startRedisServer(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tradekit-redis-'))
  let port = 0
  let child: ChildProcess | undefined
  for (let attempt = 1; !child; attempt++) {
    port = await freePort()
    try {
      child = await launch(port, dir)
    } catch (error) {
      // Another process took the port between our probe and redis-server's bind: try another one.
      if (attempt >= 3 || !String(error).includes('Address already in use')) throw error
    }
  }
  const stopChild = async (signal: NodeJS.Signals) => {
    const running = child
    child = undefined
    if (!running) return
    const gone = exited(running)
    running.kill(signal)
    await gone
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill: () => stopChild('SIGKILL'),
    async restart() {
      await stopChild('SIGKILL')
      child = await launch(port, dir)
    },
    async stop() {
      await stopChild('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
