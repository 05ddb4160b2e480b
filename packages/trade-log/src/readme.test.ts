/**
 * Every code block of the README runs here and prints what the README says: the TypeScript examples (twice, the
 * second time as the restarted process the performance-index comment speaks of; the Express one as a real server),
 * the console sessions (each command run through the CLI against the files the text describes, output compared
 * line for line), and the shell one-liners (the install line names this package; the invocations run).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './cli-main.js'
import { buildChildScript } from './test-support/build-child.js'
import { AUG_1, HOUR, trade } from './test-support/entries.js'
import { legacyAnalysis, legacyDay, legacyErrorLog, pythonPrettyArray } from './test-support/legacy-fixtures.js'
import { usePostgres } from './test-support/postgres.js'
import { useTempDir } from './test-support/temp-dir.js'

const tempDir = useTempDir()
// The PostgreSQL example runs against a real one (TRADE_LOG_URL).
const postgres = usePostgres()
let postgresUrl = ''
beforeAll(async () => {
  postgresUrl = await postgres.database()
})
const packageDir = join(import.meta.dirname, '..')
const readme = readFileSync(join(packageDir, 'README.md'), 'utf8')
const blocks = [...readme.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((match) => ({ lang: match[1]!, code: match[2]! }))
const jsonl = (entries: unknown[]) => entries.map((entry) => `${JSON.stringify(entry)}\n`).join('')

describe('README', () => {
  it('has only blocks this file knows how to run', () => {
    expect(new Set(blocks.map((block) => block.lang))).toEqual(new Set(['sh', 'ts', 'console']))
  })

  describe('TypeScript examples', () => {
    const examples = blocks.filter((block) => block.lang === 'ts').map((block) => block.code)
    const server = examples.filter((code) => code.includes("from 'express'"))
    const others = examples.filter((code) => !code.includes("from 'express'"))
    const aliases = {
      alias: {
        '@tradekit/trade-log/postgres': join(packageDir, 'src/postgres.ts'),
        '@tradekit/trade-log': join(packageDir, 'src/index.ts'),
      },
      nodePaths: [join(packageDir, 'node_modules')],
    }
    let bundle: { file: string; cleanup: () => void }
    let serverBundle: { file: string; cleanup: () => void }
    beforeAll(async () => {
      const work = tempDir()
      for (const [index, code] of others.entries()) writeFileSync(join(work, `example-${index}.ts`), `${code}\nexport {}\n`)
      // Static imports run in order, each example's top-level awaits finishing before the next starts.
      writeFileSync(join(work, 'all.ts'), others.map((_, index) => `import './example-${index}.ts'`).join('\n'))
      writeFileSync(join(work, 'server.ts'), `${server.join('\n')}\nexport {}\n`)
      bundle = await buildChildScript(join(work, 'all.ts'), aliases)
      serverBundle = await buildChildScript(join(work, 'server.ts'), aliases)
    }, 120_000)
    afterAll(() => {
      bundle.cleanup()
      serverBundle.cleanup()
    })

    it('run against a real directory, twice, printing what their comments say', () => {
      expect(others.length).toBeGreaterThanOrEqual(7)
      const dir = tempDir()
      // A bot that has run before: a day already closed (a zero-profit round trip), so a restart has a checkpoint.
      writeFileSync(
        join(dir, 'trades_20250801.jsonl'),
        jsonl([
          trade(AUG_1 + 3 * HOUR, { side: 'buy', volume: '0.001', price: '150000000', funds: '150000', fee: '0' }),
          trade(AUG_1 + 4 * HOUR, { side: 'sell', volume: '0.001', price: '150000000', funds: '150000', fee: '0' }),
        ]),
      )
      const run = () =>
        execFileSync(process.execPath, [bundle.file], {
          env: { ...process.env, TRADE_LOG_DIR: dir, TRADE_LOG_URL: postgresUrl },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      const first = run()
      const files = readdirSync(dir).filter((name) => name.endsWith('.jsonl') && !name.startsWith('trades_20250801'))
      expect(files.map((name) => name.replace(/_\d{8}/, '_DAY')).sort()).toEqual([
        'decisions_DAY.jsonl',
        'equity_DAY.jsonl',
        'signals_DAY.jsonl',
        'trades_DAY.jsonl',
      ])
      // The statistics example prints the equity built from the bot example's fill: cash 1,000,000 − 194,627.82
      // − 97.31391 fee = 805,274.86609, plus 0.00123 BTC at 160,000,000 = 196,800.
      expect(first).toMatch(/^1002074\.86609 /m)
      // The performance index: 'full' the first time.
      expect(first).toMatch(/^3 full$/m)
      // decisionQuality: the bot example's decision carries no decisionId, so no fill acts on it.
      expect(first).toMatch(/^1 decisions, 0 acted on$/m)
      // The doctor example: OK; the custom kind it was not told about is information, not a misnamed file.
      expect(first).toMatch(/from TRADE_LOG_DIR.*OK: 2 trades, 1 decisions, 1 equity file\(s\)/)
      expect(first).not.toMatch(/misnamed/)
      // The PostgreSQL example: the fill appended twice is stored once.
      expect(first).toMatch(/^postgres: 1 trade\(s\), newest pg-readme-1$/m)
      // Restarted: the index resumes from the checkpoint of the closed day.
      const second = run()
      expect(second, second).toMatch(/^4 checkpoint$/m)
      expect(second).toMatch(/^postgres: 1 trade\(s\), newest pg-readme-1$/m)
    }, 180_000)

    it('the server example serves trades, portfolio and health over HTTP', async () => {
      expect(server).toHaveLength(1)
      const dir = tempDir()
      writeFileSync(join(dir, 'trades_20250801.jsonl'), jsonl([trade(AUG_1 + HOUR, { orderId: 'served' })]))
      const proc: ChildProcess = spawn(process.execPath, [serverBundle.file], {
        env: { ...process.env, TRADE_LOG_DIR: dir, PORT: '0' },
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let out = ''
          proc.stdout!.on('data', (data: Buffer) => {
            out += data.toString()
            const match = /dashboard API on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
            if (match) resolve(match[1]!)
          })
          proc.on('exit', (code) => reject(new Error(`server exited ${code}`)))
        })
        const trades = (await (await fetch(`${url}/api/trades`)).json()) as { trades: { orderId: string }[] }
        expect(trades.trades.map((entry) => entry.orderId)).toEqual(['served'])
        const portfolio = (await (await fetch(`${url}/api/portfolio`)).json()) as { cash: string }
        expect(portfolio.cash).toBe('954977.5')
        const health = await fetch(`${url}/health`)
        expect(health.status).toBe(200)
        expect(((await health.json()) as { verdict: { message: string } }).verdict.message).toMatch(/^OK: 1 trades/)
      } finally {
        proc.kill()
      }
    }, 60_000)
  })

  describe('console sessions', () => {
    /** The README's paths are under /srv/bot; each session runs in a temporary copy of that tree. */
    const README_ROOT = '/srv/bot'
    const NOW = Date.UTC(2025, 7, 2, 9)
    const PINNED = new Date(Date.UTC(2025, 7, 1, 13))
    const sessions = blocks.filter((block) => block.lang === 'console').map((block) => block.code)

    /** Files for each session, by its first command. */
    const fixtures: Record<string, (bot: string) => void> = {
      'npx trade-log convert /srv/bot/logs': (bot) => legacyLogs(join(bot, 'logs')),
      'npx trade-log doctor /srv/bot/logs': (bot) => legacyLogs(join(bot, 'logs')),
      'npx trade-log doctor logs': (bot) => {
        for (const run of ['demo-20251204-101500', 'demo-20251204-111500']) {
          mkdirSync(join(bot, 'logs', run), { recursive: true })
          writeFileSync(join(bot, 'logs', run, 'trades_20250801.jsonl'), jsonl([trade(AUG_1 + HOUR)]))
        }
      },
      'npx trade-log --help': () => {},
    }
    function legacyLogs(dir: string) {
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, 'trades_20250801.json'), pythonPrettyArray(legacyDay({ fills: 26, holds: 8 })))
      writeFileSync(join(dir, 'analysis_20250801.json'), pythonPrettyArray(legacyAnalysis()))
      writeFileSync(join(dir, 'errors_20250801.log'), legacyErrorLog())
    }
    /** Pins every file's time, so "last write" is the same on every run. */
    function pin(path: string) {
      for (const name of readdirSync(path)) {
        const child = join(path, name)
        if (statSync(child).isDirectory()) pin(child)
        utimesSync(child, PINNED, PINNED)
      }
      utimesSync(path, PINNED, PINNED)
    }

    it('there is a fixture for every session', () => {
      expect(sessions.map((session) => session.split('\n')[0]!.slice(2)).sort()).toEqual(Object.keys(fixtures).sort())
    })

    it.each(sessions.map((session) => [session.split('\n')[0]!.slice(2), session]))('%s', async (_first, session) => {
      const root = tempDir()
      const bot = join(root, 'srv', 'bot')
      mkdirSync(bot, { recursive: true })
      fixtures[session.split('\n')[0]!.slice(2)]!(bot)
      const steps = session.split(/^\$ /m).filter(Boolean)
      let lastCode = 0
      for (const step of steps) {
        const [command, ...expected] = step.replace(/\n$/, '').split('\n')
        pin(bot)
        if (command === 'echo $?') {
          expect(expected).toEqual([String(lastCode)])
          continue
        }
        const quiet = command!.endsWith(' > /dev/null')
        const words = command!.replace(/ > \/dev\/null$/, '').split(' ')
        expect(words.slice(0, 2)).toEqual(['npx', 'trade-log'])
        const argv = words.slice(2).map((word) => word.replaceAll(README_ROOT, bot))
        const output: string[] = []
        lastCode = await runCli(argv, {
          stdout: (text) => output.push(text),
          stderr: (text) => output.push(text),
          env: {},
          cwd: bot,
          now: () => NOW,
        })
        if (quiet) continue
        const printed = output.join('').replaceAll(bot, README_ROOT).replace(/\n$/, '').split('\n')
        expect(printed).toEqual(expected)
      }
    })
  })

  describe('shell lines', () => {
    const lines = blocks
      .filter((block) => block.lang === 'sh')
      .flatMap((block) => block.code.split('\n'))
      .filter(Boolean)

    it('the install line names this package', () => {
      const name = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name: string }).name
      expect(lines[0]).toBe(`npm install ${name}`)
    })

    it('the trade-log invocations are valid commands of this CLI', async () => {
      const invocations = lines.slice(1)
      expect(invocations).toEqual(['npx trade-log doctor ./logs', 'npx --yes pnpm@10.34.9 trade-log doctor examples/bot/logs'])
      const cwd = tempDir()
      mkdirSync(join(cwd, 'logs'))
      writeFileSync(join(cwd, 'logs', 'trades_20250801.jsonl'), jsonl([trade(AUG_1)]))
      mkdirSync(join(cwd, 'examples', 'bot', 'logs', 'demo-1'), { recursive: true })
      writeFileSync(join(cwd, 'examples', 'bot', 'logs', 'demo-1', 'trades_20250801.jsonl'), jsonl([trade(AUG_1)]))
      const codes = []
      for (const line of invocations) {
        const argv = line.split(' ').slice(line.indexOf('pnpm@') >= 0 ? 4 : 2)
        codes.push(await runCli(argv, { stdout: () => {}, stderr: () => {}, env: {}, cwd }))
      }
      // The first is a directory of logs; the second is the repository's demo folder, whose logs are one level down.
      expect(codes).toEqual([0, 1])
    })
  })
})
