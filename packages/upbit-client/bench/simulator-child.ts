/** Starts bench/simulator-process.ts in a child process and talks to it line by line over stdin/stdout. */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { SimOrderEventRecord, SimStreamStats, SimulatorStats, UpbitSimulatorOptions } from '../src/testing/index.js'

export async function startSimulatorProcess(options: UpbitSimulatorOptions) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./simulator-process.ts', import.meta.url).pathname, JSON.stringify(options)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const next = async () => JSON.parse((await lines.next()).value as string)
  const info = (await next()) as { baseUrl: string; wsUrl: string; accessKey: string; secretKey: string }
  // One command at a time: answers come back in order.
  let queue: Promise<unknown> = Promise.resolve()
  const command = <T>(line: string): Promise<T> => {
    const answer = queue.then(() => {
      child.stdin.write(`${line}\n`)
      return next()
    })
    queue = answer.catch(() => undefined)
    return answer as Promise<T>
  }
  return {
    ...info,
    stats: () => command<SimulatorStats>('stats'),
    streamStats: () => command<SimStreamStats>('stream-stats'),
    orderEvents: () => command<SimOrderEventRecord[]>('order-events'),
    drop: (kind: 'public' | 'private' | 'all' = 'all') => command<object>(`drop ${kind}`),
    advance: () => command<object>('advance'),
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.stdin.write('close\n')
      }),
  }
}
