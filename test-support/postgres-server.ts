/**
 * A real PostgreSQL (Debian's `postgresql` package) for tests and the local cluster script: `initdb` in a temp
 * directory, `postgres` on 127.0.0.1 and a free port, stopped and removed by the caller. PostgreSQL refuses to run
 * as root, so when this process is root (as here and in CI) the cluster belongs to `nobody` and runs as `nobody`.
 * Shared by every workspace project whose tests need PostgreSQL (import it by relative path).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './free-port.js'

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (no password: the throwaway cluster trusts local connections). */
  readonly url: string
  readonly port: number
  /** The cluster's directory (data in `data/`, the Unix socket beside it). */
  readonly dir: string
  /** The URL of database `name` on this server. */
  urlOf(name: string): string
  /** Creates a database (a fresh name unless given) and returns its URL. */
  createDatabase(name?: string): Promise<string>
  /** Stops the server (fast shutdown) and starts it again on the same port with the same data. */
  restart(): Promise<void>
  /** Stops the server (if running) and removes its directory. */
  stop(): Promise<void>
}

export interface PostgresServerOptions {
  /** Sync to disk as a production server does (benchmarks). Default `false`: tests skip fsync, which only matters for power loss. */
  durable?: boolean
  /** Extra `-c name=value` settings. Default none. */
  settings?: Record<string, string | number>
}

const run = promisify(execFile)
const NOBODY = { uid: 65534, gid: 65534 }

/** Debian installs each major version under /usr/lib/postgresql/<major>/bin; the newest one is used. */
export function postgresBinDir(): string {
  const fromEnv = process.env.POSTGRES_BIN
  if (fromEnv) return fromEnv
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : []
  if (versions.length === 0) {
    throw new Error(
      'PostgreSQL is not installed: the tests start a real one (as root on Debian: apt-get install postgresql; .ci/run does this), or set POSTGRES_BIN to its bin directory.',
    )
  }
  return join(root, versions[0]!, 'bin')
}

/** Who runs the cluster: this user, or `nobody` when this process is root (PostgreSQL refuses root). */
const runAs = () => (process.getuid?.() === 0 ? NOBODY : undefined)

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** Spawns `postgres` and resolves once it logs that it accepts connections (no polling, no sleeping). */
function launch(bin: string, dir: string, port: number, options: PostgresServerOptions): Promise<ChildProcess> {
  const settings: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    port,
    unix_socket_directories: dir,
    fsync: options.durable ? 'on' : 'off',
    synchronous_commit: options.durable ? 'on' : 'off',
    full_page_writes: options.durable ? 'on' : 'off',
    max_connections: 200,
    shared_buffers: '64MB',
    ...options.settings,
  }
  const args = ['-D', join(dir, 'data'), ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])]
  const child = spawn(join(bin, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], ...runAs() })
  return new Promise((resolve, reject) => {
    let log = ''
    const onData = (chunk: Buffer) => {
      log += chunk.toString('utf8')
      if (log.includes('database system is ready to accept connections')) {
        child.stderr?.off('data', onData)
        // Keep draining the log so the server never blocks on a full pipe.
        child.stderr?.resume()
        child.off('exit', onExit)
        resolve(child)
      }
    }
    const onExit = (code: number | null) =>
      reject(new Error(`postgres exited with code ${code} before it was ready:\n${log.slice(-2000)}`))
    child.stderr?.on('data', onData)
    child.once('error', (error) => reject(new Error(`Cannot start ${join(bin, 'postgres')}: ${error.message}`)))
    child.once('exit', onExit)
  })
}

const running = new Set<ChildProcess>()
let exitHookInstalled = false
function killOnExit(child: ChildProcess): void {
  running.add(child)
  child.once('exit', () => running.delete(child))
  if (exitHookInstalled) return
  exitHookInstalled = true
  // A test process that dies without stopping its cluster must not leave a postgres behind.
  process.once('exit', () => {
    for (const server of running) server.kill('SIGKILL')
  })
}

/** Creates and starts a throwaway cluster. */
export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const bin = postgresBinDir()
  const dir = mkdtempSync(join(tmpdir(), 'tradekit-pg-'))
  const owner = runAs()
  if (owner) chownSync(dir, owner.uid, owner.gid)
  try {
    // biome-ignore format: one flag per line reads as the cluster's configuration
    await run(join(bin, 'initdb'), [
      '-D', join(dir, 'data'),
      '-U', 'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--no-locale',
      '--no-sync',
    ], { ...owner, env: { ...process.env, LC_ALL: 'C' } })
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`initdb failed in ${dir}: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`)
  }
  let port = 0
  let child: ChildProcess | undefined
  for (let attempt = 1; !child; attempt++) {
    port = await freePort()
    try {
      child = await launch(bin, dir, port, options)
    } catch (error) {
      // Another process took the port between our probe and the server's bind: try another one.
      if (attempt >= 3 || !/could not (bind|create listen)|already in use/i.test(String(error))) {
        rmSync(dir, { recursive: true, force: true })
        throw error
      }
    }
  }
  killOnExit(child)
  const urlOf = (name: string) => `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`
  let databases = 0
  const stopChild = async () => {
    const current = child
    child = undefined
    if (!current) return
    const gone = exited(current)
    // SIGINT is PostgreSQL's fast shutdown: open connections are ended, the data is left consistent.
    current.kill('SIGINT')
    await gone
  }
  return {
    url: urlOf('postgres'),
    port,
    dir,
    urlOf,
    async createDatabase(name) {
      const database = name ?? `test_${process.pid}_${++databases}`
      await run(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', database])
      return urlOf(database)
    },
    async restart() {
      await stopChild()
      child = await launch(bin, dir, port, options)
      killOnExit(child)
    },
    async stop() {
      await stopChild()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
