import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { startUpbitSimulator, type UpbitSimulator } from '@tradekit/upbit-client/testing'
import { afterEach, describe, expect, it } from 'vitest'
import type { CycleReport } from './cycle.js'
import { readRiskLimitsFile } from './risk-limits.js'
import { formatStatusLine } from './status-line.js'
import { useTempDirs } from './test-support/bot-setup.js'

const heavy = process.env['TRADEKIT_NODE_MATRIX'] ? describe.skip : describe
const tempDir = useTempDirs()
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const EXAMPLE = fileURLToPath(new URL('../', import.meta.url))
const README = readFileSync(join(EXAMPLE, 'README.md'), 'utf8')
/** A command that hangs is a failure; this bound only catches it (a loaded machine is slow, not wrong). */
const HANG_GUARD_MS = 600_000

/** The README's fenced blocks of one language (`''` for plain blocks), in order. */
function blocks(language: string): string[] {
  return [...README.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === language).map((m) => m[2]!)
}

/** The shell commands of the README, one per line, comments dropped. */
function commands(): string[] {
  return blocks('sh').flatMap((block) =>
    block
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter(Boolean),
  )
}

const simulators: UpbitSimulator[] = []
const running: ChildProcess[] = []
afterEach(async () => {
  for (const child of running.splice(0)) if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL')
  for (const simulator of simulators.splice(0)) await simulator.close()
})

interface Ran {
  code: number | null
  signal: NodeJS.Signals | null
  output: string
  lines: string[]
}

/**
 * Runs a README command verbatim in bash from the repository root (its own process group, no real keys in the
 * environment); `interruptWhen` sends Ctrl-C (SIGINT to the group, as a terminal does) once a line matches.
 */
function run(command: string, env: Record<string, string> = {}, interruptWhen?: RegExp): Promise<Ran> {
  const clean = { ...process.env }
  for (const name of ['UPBIT_ACCESS_KEY', 'UPBIT_SECRET_KEY', 'ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'BOT_CONFIG'])
    delete clean[name]
  const child = spawn('bash', ['-c', command], {
    cwd: ROOT,
    env: { ...clean, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.push(child)
  const lines: string[] = []
  let interrupted = false
  const read = (stream: NodeJS.ReadableStream) =>
    new Promise<void>((resolve) => {
      const reader = createInterface({ input: stream })
      reader.on('line', (line) => {
        lines.push(line)
        if (interruptWhen && !interrupted && interruptWhen.test(line)) {
          interrupted = true
          process.kill(-child.pid!, 'SIGINT')
        }
      })
      reader.on('close', resolve)
    })
  const done = Promise.all([read(child.stdout!), read(child.stderr!)])
  return new Promise((resolve) => {
    child.on('exit', async (code, signal) => {
      await done
      resolve({ code, signal, output: lines.join('\n'), lines })
    })
  })
}

/** Anything a user would take for a problem: npm/pnpm warnings, ELIFECYCLE, pino warnings or errors, stack traces. */
function warnings(ran: Ran): string[] {
  return ran.lines.filter(
    (line) =>
      /\bWARN\b|npm warn|ELIFECYCLE|deprecat|Update available|^error|Error:|^\s+at /i.test(line) ||
      /"level":(40|50|60)\b/.test(line),
  )
}

/** A simulator standing in for Upbit (prices and, for live mode, the account). */
async function upbitStandIn() {
  const simulator = await startUpbitSimulator({ markets: { 'KRW-BTC': () => '150000000' }, balances: { KRW: '2000000' } })
  simulators.push(simulator)
  return simulator
}

const cycleLine = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} KRW-BTC /

describe('README: what it shows is what the code does', () => {
  it('the status line example is what formatStatusLine prints for that cycle', () => {
    const [sample] = blocks('').filter((block) => / \| pos /.test(block))
    const report = {
      market: 'KRW-BTC',
      at: Date.parse('2025-09-12T15:00:00Z'),
      price: 162_056_000,
      proposed: { action: 'buy', size: 0.1, confidence: 0.6 },
      decision: { action: 'buy' },
      provider: 'rules',
      fallback: null,
      clamps: [],
      execution: { outcome: 'settled', fills: [{ volume: '0.00062142', price: '162056000' }] },
      equity: '1007016',
      dailyPnl: '-1435',
      position: '0.00062142',
    } as unknown as CycleReport
    expect(formatStatusLine(report)).toBe(sample!.trim())
  })

  it('the risk-limits example is the shipped file, and the bot accepts it', () => {
    const [json] = blocks('json')
    const file = join(EXAMPLE, 'risk-limits.example.json')
    expect(JSON.parse(json!)).toEqual(JSON.parse(readFileSync(file, 'utf8')))
    expect(readRiskLimitsFile(file)).toMatchObject({ maxOrdersPerDay: 6, dailyLossLimitQuote: '30000' })
  })

  it('every file the layout names exists', () => {
    const layout = blocks('').find((block) => block.startsWith('src/cli.ts'))!
    const paths = [...layout.matchAll(/(?:^|;\s+)((?:src|scripts)\/[\w./-]+\.ts)/gm)].map((m) => m[1]!)
    expect(paths.length).toBeGreaterThan(15)
    expect(paths.filter((path) => !existsSync(join(EXAMPLE, path)))).toEqual([])
  })

  it('lists exactly the commands this file runs (or names where they run)', () => {
    expect(commands()).toEqual([
      // demo.test.ts runs it and stops it with Ctrl-C
      'npx --yes pnpm@10.34.9 demo',
      'npx --yes pnpm@10.34.9 --filter @tradekit/example-bot start',
      'npx --yes pnpm@10.34.9 --filter @tradekit/example-bot start -- --max-cycles 50 --interval-ms 100',
      'BOT_PAPER_FEED=upbit npx --yes pnpm@10.34.9 --filter @tradekit/example-bot start',
      'npx --yes pnpm@10.34.9 --filter @tradekit/example-bot backtest',
      'npx --yes pnpm@10.34.9 --filter @tradekit/example-bot generate-candles -- --seed 7 --days 30 --out /tmp/my-candles.csv',
      'npx --yes pnpm@10.34.9 --filter @tradekit/example-bot backtest -- --candles /tmp/my-candles.csv --out /tmp/run-1',
      'export UPBIT_ACCESS_KEY=... UPBIT_SECRET_KEY=...',
      'BOT_MODE=live BOT_RISK_LIMITS_FILE=$PWD/my-limits.json \\',
      'npx --yes pnpm@10.34.9 --filter @tradekit/example-bot start -- --live',
    ])
  })
})

heavy('README commands, run as written', () => {
  const cmd = commands()
  /** `/tmp/` paths of the README go to this test's own folder, so runs never share files. */
  const inTemp = (command: string, dir: string) => command.replaceAll('/tmp/', `${dir}/`)

  it('paper trading: until Ctrl-C (exit 0, last position and cash), then 50 quick cycles', {
    timeout: HANG_GUARD_MS,
  }, async () => {
    const untilCtrlC = await run(cmd[1]!, { TRADE_LOG_DIR: tempDir() }, cycleLine)
    expect(untilCtrlC.code, untilCtrlC.output).toBe(0)
    expect(untilCtrlC.output).toMatch(/^SIGINT: stopping/m)
    expect(untilCtrlC.output).toMatch(/^stopped after 1 cycles \(signal\); position \S+ BTC, cash \S+ KRW; trade log in /m)
    expect(warnings(untilCtrlC)).toEqual([])

    const fifty = await run(cmd[2]!, { TRADE_LOG_DIR: tempDir() })
    expect(fifty.code, fifty.output).toBe(0)
    expect(fifty.lines.filter((line) => cycleLine.test(line))).toHaveLength(50)
    expect(fifty.output).toMatch(/^stopped after 50 cycles \(max-cycles\); position \S+ BTC, cash \S+ KRW; /m)
    expect(warnings(fifty)).toEqual([])
  })

  it('paper trading on live prices: read from UPBIT_BASE_URL (a stand-in here), orders simulated', {
    timeout: HANG_GUARD_MS,
  }, async () => {
    const upbit = await upbitStandIn()
    const ran = await run(cmd[3]!, { TRADE_LOG_DIR: tempDir(), UPBIT_BASE_URL: upbit.baseUrl }, cycleLine)
    expect(ran.code, ran.output).toBe(0)
    expect(ran.output).toMatch(/prices from Upbit live/)
    expect(ran.output).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} KRW-BTC 150,000,000 \| /m)
    expect(upbit.orders()).toEqual([])
    expect(warnings(ran)).toEqual([])
  })

  it('backtests: the bundled history prints the README’s report; another history is generated and replayed', {
    timeout: HANG_GUARD_MS,
  }, async () => {
    const dir = tempDir()
    const bundled = await run(cmd[4]!, { TRADE_LOG_DIR: dir })
    expect(bundled.code, bundled.output).toBe(0)
    const report = blocks('').find((block) => block.startsWith('backtest '))!
    const printed = bundled.lines.filter((line) => /^(backtest | {2})/.test(line))
    const normalize = (text: string) => text.replace(/trade log in \S+/, 'trade log in <dir>')
    expect(normalize(printed.join('\n'))).toBe(normalize(report.trimEnd()))
    expect(printed[0]).toContain(`trade log in ${dir}/backtest-`)
    expect(warnings(bundled)).toEqual([])

    const generated = await run(inTemp(cmd[5]!, dir))
    expect(generated.code, generated.output).toBe(0)
    expect(readFileSync(join(dir, 'my-candles.csv'), 'utf8').split('\n')[0]).toBe('time_utc,open,high,low,close,volume')
    const replayed = await run(inTemp(cmd[6]!, dir))
    expect(replayed.code, replayed.output).toBe(0)
    expect(replayed.output).toMatch(new RegExp(`^backtest .* trade log in ${dir}/run-1$`, 'm'))
    expect(existsSync(join(dir, 'run-1'))).toBe(true)
    expect(warnings(generated)).toEqual([])
    expect(warnings(replayed)).toEqual([])
  })

  it('live mode, rehearsed against a stand-in for Upbit: the limits first, a cycle, Ctrl-C, exit 0', {
    timeout: HANG_GUARD_MS,
  }, async () => {
    const upbit = await upbitStandIn()
    const dir = tempDir()
    writeFileSync(join(dir, 'my-limits.json'), readFileSync(join(EXAMPLE, 'risk-limits.example.json')))
    // The README's two lines, with the keys filled in and $PWD/my-limits.json in this test's folder.
    const script = [cmd[7]!.replace('UPBIT_ACCESS_KEY=...', `UPBIT_ACCESS_KEY=${upbit.accessKey}`), cmd[8]!, cmd[9]!]
      .join('\n')
      .replace('UPBIT_SECRET_KEY=...', `UPBIT_SECRET_KEY=${upbit.secretKey}`)
      .replace('$PWD/my-limits.json', `${dir}/my-limits.json`)
    const ran = await run(script, { TRADE_LOG_DIR: dir, UPBIT_BASE_URL: upbit.baseUrl }, cycleLine)
    expect(ran.code, ran.output).toBe(0)
    const limitsAt = ran.lines.findIndex((line) => line.startsWith('risk limits from'))
    expect(ran.lines).toContainEqual(expect.stringMatching(/^mode LIVE \(REAL MONEY on http:\/\/127\.0\.0\.1:\d+\)$/))
    expect(limitsAt).toBeGreaterThan(0)
    expect(limitsAt).toBeLessThan(ran.lines.findIndex((line) => cycleLine.test(line)))
    expect(ran.output).not.toContain(upbit.secretKey)
    expect(warnings(ran)).toEqual([])
  })
})
