/** Test and bench helper: payment-service replicas on one PostgreSQL store, as child processes that can be SIGKILLed. */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { bundleScript } from '../../../../../test-support/bundle-script.js'

/** Bundles the replica script into one .mjs (with a require shim for the CommonJS driver), so replicas start fast. */
export function bundleReplica(): Promise<{ file: string; cleanup: () => void }> {
  return bundleScript(join(import.meta.dirname, 'replica-child.ts'), {
    nodePaths: [join(import.meta.dirname, '..', '..', '..', 'node_modules')],
    require: true,
  })
}

export interface Replica {
  readonly lines: string[]
  send(line: string): void
  /** Resolves with the first line from index `from` on (seen or to come) that passes `test`. */
  next(test: (line: string) => boolean, from?: number): Promise<string>
  kill(): Promise<void>
  stop(): Promise<void>
}

export function startReplica(file: string, args: string[]): Replica {
  const proc: ChildProcess = spawn(process.execPath, [file, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  const lines: string[] = []
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = []
  let buffer = ''
  proc.stdout!.on('data', (data: Buffer) => {
    buffer += data.toString()
    const parts = buffer.split('\n')
    buffer = parts.pop()!
    for (const line of parts) {
      lines.push(line)
      for (const waiter of waiters.filter((w) => w.test(line))) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(line)
      }
    }
  })
  let stderr = ''
  proc.stderr!.on('data', (data: Buffer) => {
    stderr = (stderr + data.toString()).slice(-4000)
  })
  proc.stdin!.on('error', () => undefined)
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()))
  const stopWith = async (signal: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal)
    await exited
  }
  return {
    lines,
    send: (line) => {
      proc.stdin!.write(`${line}\n`)
    },
    next: (test, from = 0) =>
      new Promise<string>((resolve, reject) => {
        const seen = lines.slice(from).find(test)
        if (seen) return resolve(seen)
        waiters.push({ test, resolve })
        void exited.then(() => reject(new Error(`the replica exited:\n${stderr}`)))
      }),
    kill: () => stopWith('SIGKILL'),
    stop: () => stopWith('SIGTERM'),
  }
}
