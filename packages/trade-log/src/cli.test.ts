import { spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { appendFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { CLI_COMMANDS, EXIT, runCli } from './cli-main.js'
import { buildChildScript } from './test-support/build-child.js'
import { AUG_1, HOUR, LEGACY_BUY, trade } from './test-support/entries.js'
import { usePostgres } from './test-support/postgres.js'
import { useTempDir } from './test-support/temp-dir.js'

const tempDir = useTempDir()
const postgres = usePostgres()
let postgresUrl = ''
beforeAll(async () => {
  postgresUrl = await postgres.database()
})
const jsonl = (entries: unknown[]) => entries.map((entry) => `${JSON.stringify(entry)}\n`).join('')

function run(argv: string[], options: { cwd?: string; env?: Record<string, string>; signal?: AbortSignal } = {}) {
  const out: string[] = []
  const err: string[] = []
  const done = runCli(argv, {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: options.env ?? {},
    cwd: options.cwd ?? '/',
    ...(options.signal ? { signal: options.signal } : {}),
  })
  return { done, out: () => out.join(''), err: () => err.join('') }
}

describe('trade-log CLI', () => {
  it('doctor exits 3 with the reason for a wrong path, and 0 for a good directory', async () => {
    const dir = tempDir()
    const missing = run(['doctor', join(dir, 'nope')])
    expect(await missing.done).toBe(EXIT.notFound)
    expect(missing.out()).toMatch(/verdict {4}No log directory at .*nope/)
    writeFileSync(join(dir, 'trades_20250801.jsonl'), jsonl([trade(AUG_1)]))
    const good = run(['doctor'], { env: { TRADE_LOG_DIR: dir } })
    expect(await good.done).toBe(EXIT.ok)
    expect(good.err()).toMatch(/from TRADE_LOG_DIR/)
    expect(good.out()).toMatch(/trades {5}1 file\(s\) 2025-08-01/)
    const json = run(['doctor', dir, '--json'])
    expect(await json.done).toBe(EXIT.ok)
    expect(JSON.parse(json.out()).verdict.ok).toBe(true)
  })

  it('validate lists bad lines and exits 1, or 0 when clean', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    writeFileSync(file, `${jsonl([trade(AUG_1)])}{oops\n`)
    const bad = run(['validate', file])
    expect(await bad.done).toBe(EXIT.problems)
    expect(bad.out()).toContain(`${file}:2: not valid JSON`)
    writeFileSync(file, jsonl([trade(AUG_1)]))
    const clean = run(['validate', dir])
    expect(await clean.done).toBe(EXIT.ok)
    expect(clean.out()).toMatch(/1 valid entry, 0 bad line/)
    const unknown = run(['validate', join(dir, 'other.jsonl')])
    expect(await unknown.done).toBe(EXIT.notFound)
  })

  it('tail prints the newest entries oldest first, and -f follows until stopped', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    writeFileSync(file, jsonl([1, 2, 3].map((hour) => trade(AUG_1 + hour * HOUR, { orderId: `o${hour}` }))))
    const last = run(['tail', dir, '-n', '2'])
    expect(await last.done).toBe(EXIT.ok)
    expect(
      last
        .out()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).orderId),
    ).toEqual(['o2', 'o3'])
    const controller = new AbortController()
    const follow = run(['tail', dir, '-n', '0', '-f', '--poll'], { signal: controller.signal })
    await vi.waitFor(() => expect(follow.err()).toContain('following trades'), { timeout: 15_000 })
    await appendFile(file, jsonl([trade(AUG_1 + 4 * HOUR, { orderId: 'o4' })]))
    await vi.waitFor(() => expect(follow.out()).toContain('"orderId":"o4"'), { timeout: 15_000 })
    controller.abort()
    // Stopped by a signal (Ctrl-C): the conventional 130.
    expect(await follow.done).toBe(130)
  })

  it('stats prints performance and portfolio as JSON', async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, 'trades_20250801.jsonl'),
      jsonl([
        trade(AUG_1, { side: 'buy', volume: '1', price: '100', funds: '100', fee: '0' }),
        trade(AUG_1 + HOUR, { side: 'sell', volume: '1', price: '110', funds: '110', fee: '1' }),
      ]),
    )
    const stats = run(['stats', dir, '--starting-balance', '1000', '--prices', 'KRW-BTC=120'])
    expect(await stats.done).toBe(EXIT.ok)
    const result = JSON.parse(stats.out())
    expect(result.performance).toMatchObject({ tradeCount: 1, wins: 1, realizedPnl: '9' })
    expect(result.portfolio).toMatchObject({ cash: '1009', equity: '1009' })
  })

  it('convert turns a legacy JSON array into daily JSONL files of its own and sets the source aside', async () => {
    const dir = tempDir()
    const legacy = join(dir, 'trades_20250801.json')
    writeFileSync(
      legacy,
      JSON.stringify([
        LEGACY_BUY,
        {
          timestamp: '2025-08-02T00:30:00Z',
          action: 'sell',
          symbol: 'KRW-BTC',
          amount: 0.001,
          price: 46000000,
          ai_confidence: 0.6,
        },
      ]),
    )
    const first = run(['convert', legacy])
    expect(await first.done).toBe(EXIT.ok)
    expect(first.out()).toMatch(/assumed: .*fee = 0/)
    const day1 = readFileSync(join(dir, 'trades_20250801.legacy-trades-20250801.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(day1).toEqual([expect.objectContaining({ side: 'buy', volume: '0.001', funds: '45000', fee: '0' })])
    // Split by the day of each entry (in --tz), named after the source.
    expect(existsSync(join(dir, 'trades_20250802.legacy-trades-20250801.jsonl'))).toBe(true)
    expect(existsSync(join(dir, 'decisions_20250801.legacy-trades-20250801.jsonl'))).toBe(true)
    expect(existsSync(legacy)).toBe(false)
    expect(existsSync(`${legacy}.converted`)).toBe(true)
    const again = run(['convert', dir])
    expect(await again.done).toBe(EXIT.ok)
    expect(again.out()).toMatch(/nothing to convert/)
  })

  it('exits 2 on usage errors', async () => {
    expect(await run([]).done).toBe(EXIT.usage)
    expect(await run(['frobnicate']).done).toBe(EXIT.usage)
    expect(await run(['tail', '--bogus']).done).toBe(EXIT.usage)
    expect(await run(['validate']).done).toBe(EXIT.usage)
  })
})

describe('trade-log stops on the first SIGINT or SIGTERM', () => {
  /** A run whose signal fires at the command's first output, with `reason` as cli.ts passes it. */
  function interrupted(argv: string[], reason: 'SIGINT' | 'SIGTERM') {
    const controller = new AbortController()
    const out: string[] = []
    const err: string[] = []
    let printedBefore = 0
    const fire = () => {
      if (controller.signal.aborted) return
      printedBefore = out.length + err.length
      controller.abort(reason)
    }
    const done = runCli(argv, {
      stdout: (text) => {
        out.push(text)
        fire()
      },
      stderr: (text) => {
        err.push(text)
        fire()
      },
      env: {},
      cwd: '/',
      signal: controller.signal,
    })
    // Outputs after the signal: only the message that says it was interrupted.
    const afterSignal = () => out.length + err.length - printedBefore
    return { done, out: () => out.join(''), err: () => err.join(''), afterSignal }
  }

  /** Work for each command, and what it would have printed had it finished. */
  const scenarios: Record<(typeof CLI_COMMANDS)[number], (dir: string) => { argv: string[]; finished: RegExp }> = {
    doctor: (dir) => ({ argv: ['doctor', dir], finished: /verdict/ }),
    validate: (dir) => {
      writeFileSync(join(dir, 'trades_20250805.jsonl'), 'bad\n'.repeat(50))
      return { argv: ['validate', dir], finished: /valid entr/ }
    },
    tail: (dir) => ({ argv: ['tail', dir, '-n', '5'], finished: /orderId/ }),
    stats: (dir) => ({ argv: ['stats', dir], finished: /performance/ }),
    import: (dir) => ({ argv: ['import', dir, '--database', postgresUrl], finished: /inserted/ }),
    convert: (dir) => {
      writeFileSync(join(dir, 'trades_20250701.json'), JSON.stringify([LEGACY_BUY]))
      writeFileSync(join(dir, 'trades_20250702.json'), JSON.stringify([{ ...LEGACY_BUY, timestamp: '2025-07-02T12:00:00Z' }]))
      return { argv: ['convert', join(dir, 'trades_20250701.json'), join(dir, 'trades_20250702.json')], finished: /20250702/ }
    },
  }

  it('has a scenario for every command', () => {
    expect(Object.keys(scenarios).sort()).toEqual([...CLI_COMMANDS].sort())
  })

  for (const [reason, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it.each([...CLI_COMMANDS])(`%s: ${reason} stops it before it finishes, exit ${code}`, async (command) => {
      const dir = tempDir()
      for (let day = 1; day <= 4; day++) {
        writeFileSync(
          join(dir, `trades_2025080${day}.jsonl`),
          jsonl(Array.from({ length: 200 }, (_, i) => trade(AUG_1 + (day - 1) * 86_400_000 + i))),
        )
      }
      const { argv, finished } = scenarios[command](dir)
      const run = interrupted(argv, reason)
      expect(await run.done).toBe(code)
      expect(run.out()).not.toMatch(finished)
      expect(run.err()).toMatch(/interrupted/)
      // Promptly: nothing more was printed after the signal but the message that says so.
      expect(run.afterSignal()).toBe(1)
    })
  }

  it('tail -f stops on the signal with the signal’s exit code', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'trades_20250801.jsonl'), '')
    const controller = new AbortController()
    const err: string[] = []
    const done = runCli(['tail', dir, '-n', '0', '-f', '--poll'], {
      stdout: () => {},
      stderr: (text) => err.push(text),
      env: {},
      cwd: '/',
      signal: controller.signal,
    })
    await vi.waitFor(() => expect(err.join('')).toContain('following trades'), { timeout: 15_000 })
    controller.abort('SIGTERM')
    expect(await done).toBe(143)
  })

  describe('as a process', () => {
    let cli: { file: string; cleanup: () => void }
    beforeAll(async () => {
      cli = await buildChildScript(join(import.meta.dirname, 'cli.ts'))
    }, 30_000)
    afterAll(() => cli.cleanup())

    it.each([
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const)(
      'validate, interrupted by %s while it prints, exits %i without its summary',
      async (signal, code) => {
        const dir = tempDir()
        // Far more bad lines than can be printed before the signal lands.
        writeFileSync(join(dir, 'trades_20250801.jsonl'), 'bad line\n'.repeat(300_000))
        const proc = spawn(process.execPath, [cli.file, 'validate', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
        let out = ''
        let sent = false
        proc.stdout.on('data', (data: Buffer) => {
          out += data.toString()
          if (!sent) {
            sent = true
            proc.kill(signal)
          }
        })
        const exit = await new Promise<number | null>((resolve) => proc.on('exit', (status) => resolve(status)))
        expect(exit).toBe(code)
        expect(out).not.toMatch(/valid entr/)
        // It stopped within a read or two of the signal (a 64 KiB read holds about 7,000 of these lines), far from the end.
        expect(out.split('\n').length).toBeLessThan(50_000)
      },
      60_000,
    )
  })
})
