import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process'

/**
 * Starts a process whose output is collected, stopped (with its process group when `detached`) by `defer` after the
 * test; resolves once `ready` matches its output, with the match, or rejects with the output if it exits first.
 */
export async function startProcess(
  command: string,
  args: string[],
  options: SpawnOptions & { ready: RegExp; defer: (cleanup: () => Promise<void>) => void },
): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
  const { ready, defer, ...spawnOptions } = options
  const child = spawn(command, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const collect = (chunk: Buffer) => {
    output += chunk.toString()
  }
  child.stdout!.on('data', collect)
  child.stderr!.on('data', collect)
  defer(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        if (spawnOptions.detached) process.kill(-child.pid!, 'SIGTERM')
        else child.kill('SIGTERM')
      }),
  )
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const check = () => {
      const found = ready.exec(output)
      if (found) resolve(found)
    }
    child.stdout!.on('data', check)
    child.stderr!.on('data', check)
    child.once('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`)))
  })
  return { child, match, output: () => output }
}
