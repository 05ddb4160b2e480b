import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll } from 'vitest'
import { bundleChildScript } from './bundle-child.js'
import { spawnNode } from './spawn.js'

export interface ChildExit {
  code: number | null
  signal: NodeJS.Signals | null
  /** Every stderr line (banner, status lines, waits, errors). */
  lines: string[]
  stdout: string
  /** True when the test sent the SIGKILL (not a crash point). */
  killedByTest: boolean
}

export interface ChildBot {
  /** SIGKILL now (once). */
  kill(): void
  /** SIGTERM: the bot's own clean stop. */
  terminate(): void
  readonly killed: boolean
  /** Resolves after the process exited and all of its stderr was read. */
  done: Promise<ChildExit>
}

/**
 * Bundles `test-support/churn-bot.ts` (the bot's command line with an always-trading decider) once for the test
 * file (a bundled child starts in a fraction of tsx's time, which adds up over dozens of restarts) and returns a
 * function that starts it. The child hands each stderr line to `onLine` as it arrives, so a test reacts to what
 * the bot says (advance the simulator, kill it) instead of to time.
 */
export function useChildBots(): (env: Record<string, string>, onLine: (line: string, bot: ChildBot) => void) => ChildBot {
  let bundle: { file: string; cleanup: () => void } | undefined
  beforeAll(async () => {
    bundle = await bundleChildScript(fileURLToPath(new URL('./churn-bot.ts', import.meta.url)))
  }, 120_000)
  afterAll(() => bundle?.cleanup())
  return (env, onLine) => {
    if (!bundle) throw new Error('the child bot is bundled in beforeAll: start children inside tests')
    return startChildBot(bundle.file, env, onLine)
  }
}

function startChildBot(file: string, env: Record<string, string>, onLine: (line: string, bot: ChildBot) => void): ChildBot {
  const spawned = spawnNode([file, 'run'], env)
  const lines: string[] = []
  let killedByTest = false
  const reader = createInterface({ input: spawned.child.stderr! })
  const bot: ChildBot = {
    kill() {
      if (killedByTest || spawned.child.exitCode !== null || spawned.child.signalCode !== null) return
      killedByTest = true
      spawned.child.kill('SIGKILL')
    },
    terminate() {
      spawned.child.kill('SIGTERM')
    },
    get killed() {
      return killedByTest
    },
    done: Promise.all([spawned.exited, new Promise<void>((resolve) => reader.once('close', () => resolve()))]).then(([exit]) => ({
      ...exit,
      lines,
      stdout: spawned.stdout(),
      killedByTest,
    })),
  }
  reader.on('line', (line) => {
    lines.push(line)
    onLine(line, bot)
  })
  return bot
}
