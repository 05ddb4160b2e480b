import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const TSCONFIG = fileURLToPath(new URL('../../tsconfig.json', import.meta.url))

/** Settings that would reach real services: removed so a spawned bot or demo stays offline. */
const REAL_SERVICE_VARIABLES = [
  'UPBIT_ACCESS_KEY',
  'UPBIT_SECRET_KEY',
  'ANTHROPIC_API_KEY',
  'OPENAI_API_KEY',
  'ELECTRONCASH_URL',
  'ELECTRONCASH_RPC_USER',
  'ELECTRONCASH_RPC_PASSWORD',
  'BOT_CONFIG',
]

export interface Spawned {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Sends `signal` to the whole process group, as a terminal's Ctrl-C does. */
  signal(signal: NodeJS.Signals): void
}

/**
 * Runs a TypeScript entry point of this example as the root `pnpm demo` script does (`node --import tsx`, no
 * launcher process in between), from the repository root, in its own process group.
 */
export function spawnScript(script: string, args: string[], env: Record<string, string>): Spawned {
  const entry = fileURLToPath(new URL(`../${script}`, import.meta.url))
  return spawnNode(['--import', 'tsx', entry, ...args], { TSX_TSCONFIG_PATH: TSCONFIG, ...env })
}

/** Runs `node <args>` from the repository root in its own process group, without the real services' settings. */
export function spawnNode(args: string[], env: Record<string, string>): Spawned {
  return spawnCommand(process.execPath, args, env)
}

/** Runs a command (e.g. `npx --yes pnpm@10.34.9 demo`, as a user types it) like `spawnNode`. */
export function spawnCommand(command: string, args: string[], env: Record<string, string>): Spawned {
  const cleanEnv = { ...process.env }
  for (const name of REAL_SERVICE_VARIABLES) delete cleanEnv[name]
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...cleanEnv, ...env },
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
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    signal: (signal) => process.kill(-child.pid!, signal),
  }
}

/** True while any process of the group is alive. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0)
    return true
  } catch {
    return false
  }
}

/** Polls `condition` every 100 ms until it holds or `limitMs` passes (a bound, not a timing assertion). */
export async function until(condition: () => boolean, limitMs: number, what: string): Promise<void> {
  const deadline = Date.now() + limitMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
