import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const BOT_DIR = fileURLToPath(new URL('..', import.meta.url))

/** Runs `pnpm two-bots` the way package.json does, with its own redis-server (no REDIS_URL) and the simulator. */
function twoBots(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.json' }
  delete env.REDIS_URL
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/two-bots-one-pocket.ts', ...args], {
    cwd: BOT_DIR,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8')
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8')
  })
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })))
}

describe('pnpm two-bots', () => {
  it('two bot processes on one pocket, sharing a Redis limiter, get no 429 from the per-pocket simulator', {
    timeout: 120_000,
  }, async () => {
    const run = await twoBots(['--cycles', '8'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const bots = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { name: string; limiter: string; failed: number; status429: number })
    expect(bots.map((bot) => [bot.name, bot.limiter, bot.failed, bot.status429])).toEqual([
      ['bot-1', 'redis', 0, 0],
      ['bot-2', 'redis', 0, 0],
    ])
    // 8 cycles × 2 bots: 16 orders (201) and 5 other calls per cycle (200), and nothing else.
    expect(run.stdout).toContain('simulator answers by status: {"200":80,"201":16}')
    expect(run.stdout).toContain('no 429: 2 bots stayed within the pocket')
  })

  it('error: a bad --limiter is refused before anything starts', async () => {
    const run = await twoBots(['--limiter', 'file'])
    expect(run.code).not.toBe(0)
    expect(run.stderr).toMatch(/--limiter must be redis or memory/)
  })
})
