/**
 * `pnpm cluster`: the multi-machine setup on one machine, offline, to see it before deploying it:
 * - PostgreSQL (Debian's package: a throwaway cluster in a temp directory, as `nobody` when run as root) holding both
 *   bots' trade logs;
 * - Redis, shared by the server replicas' rate limit;
 * - two paper bots (`alpha`, `beta`: the simulator, the bundled candles and the rule decider; no key, no network),
 *   each keeping its own files and its trade log in PostgreSQL (TRADE_LOG_URL=postgres://…#<bot>);
 * - two server replicas on ports 8101 and 8102 with the dashboard, both reading the same database
 *   (BOTS=alpha=postgres://…#alpha,beta=…) with one CURSOR_SECRET and one API token.
 * Ctrl-C stops everything and removes the database. `--check` waits until both bots have traded, stops them,
 * checks that both replicas serve the same data (and the dashboard), prints `cluster ok` and exits.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startPostgresServer } from '../../../test-support/postgres-server.js'
import { startRedisServer } from '../../../test-support/redis-server.js'

const root = resolve(import.meta.dirname, '..', '..', '..')
const check = process.argv.includes('--check')
const basePort = Number(process.env['CLUSTER_PORT'] || 8101)
const say = (text: string) => process.stdout.write(`${text}\n`)

interface Child {
  name: string
  proc: ChildProcess
  exited: Promise<void>
}
const children: Child[] = []

/** Starts a workspace program with tsx and its own tsconfig paths, its output prefixed with its name. */
function start(name: string, script: string, tsconfig: string, env: Record<string, string>, args: string[] = []): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, script), ...args], {
    cwd: root,
    env: { ...process.env, ...env, TSX_TSCONFIG_PATH: join(root, tsconfig) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const prefix = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim() && !check) say(`[${name}] ${line}`)
  }
  proc.stdout!.on('data', prefix)
  proc.stderr!.on('data', (chunk: Buffer) => {
    if (check) process.stderr.write(`[${name}] ${chunk}`)
    else prefix(chunk)
  })
  const child = { name, proc, exited: new Promise<void>((done) => proc.once('exit', () => done())) }
  children.push(child)
  return child
}

async function stopChild(child: Child): Promise<void> {
  if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGTERM')
  await child.exited
}

async function get(url: string, token: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  const text = await response.text()
  try {
    return { status: response.status, body: JSON.parse(text) }
  } catch {
    return { status: response.status, body: text }
  }
}

const work = mkdtempSync(join(tmpdir(), 'tradekit-cluster-'))
const [postgres, redis] = await Promise.all([startPostgresServer({ durable: true }), startRedisServer()])
let stopping: Promise<void> | undefined
const stopAll = () => {
  stopping ??= (async () => {
    await Promise.all(children.map(stopChild))
    await redis.stop()
    await postgres.stop()
    rmSync(work, { recursive: true, force: true })
  })()
  return stopping
}
process.once('SIGINT', () => void stopAll().then(() => process.exit(130)))
process.once('SIGTERM', () => void stopAll().then(() => process.exit(143)))

try {
  const database = await postgres.createDatabase('tradekit')
  const token = process.env['API_TOKEN'] || randomBytes(18).toString('base64url')
  // One key for both replicas: a page cursor from one is good on the other.
  const cursorSecret = randomBytes(24).toString('base64url')
  const bots = ['alpha', 'beta'] as const
  const botProcs = bots.map((bot, i) =>
    start(
      `bot ${bot}`,
      'examples/bot/src/cli.ts',
      'examples/bot/tsconfig.json',
      {
        BOT_MODE: 'paper',
        BOT_DECIDER: 'rules',
        BOT_INTERVAL_MS: String(300 + 100 * i),
        LOG_LEVEL: 'warn',
        TRADE_LOG_DIR: join(work, `bot-${bot}`),
        TRADE_LOG_URL: `${database}#${bot}`,
      },
      ['run'],
    ),
  )
  const replicas = [0, 1].map((i) =>
    start(`server ${i + 1}`, 'examples/server/src/main.ts', 'examples/server/tsconfig.json', {
      PORT: String(basePort + i),
      API_TOKEN: token,
      CURSOR_SECRET: cursorSecret,
      BOTS: bots.map((bot) => `${bot}=${database}#${bot}`).join(','),
      RATE_LIMIT_REDIS_URL: redis.url,
      LOG_LEVEL: 'warn',
    }),
  )
  const urls = replicas.map((_, i) => `http://127.0.0.1:${basePort + i}`)
  // Up when both replicas answer /api/bots.
  for (const url of urls) {
    for (;;) {
      const up = await get(`${url}/api/bots`, token).catch(() => undefined)
      if (up?.status === 200) break
      if (replicas.some((replica) => replica.proc.exitCode !== null)) throw new Error('a server replica exited at start-up')
      await sleep(250)
    }
  }
  say('')
  say(`PostgreSQL   ${postgres.url.replace(/\/postgres$/, '/tradekit')} (both bots' trade logs: #alpha, #beta)`)
  say(`Redis        ${redis.url} (the replicas' shared rate limit)`)
  say(`bots         alpha, beta (paper: simulator and bundled candles, rule decider; files in ${work})`)
  say(`replicas     ${urls.join(' and ')} (API and dashboard on each)`)
  say(`dashboard    ${urls[0]}/ (token ${token}; ?bot=alpha, ?bot=beta, ?bot=all)`)
  say(check ? 'checking…' : 'Ctrl-C stops everything.')

  if (check) {
    // Both bots have traded, seen through either replica.
    for (const bot of bots) {
      for (;;) {
        const trades = await get(`${urls[1]}/api/trades?bot=${bot}&limit=1`, token)
        if ((trades.body as { items?: unknown[] }).items?.length) break
        if (botProcs.some((proc) => proc.proc.exitCode !== null)) throw new Error('a bot exited')
        await sleep(250)
      }
    }
    await Promise.all(botProcs.map(stopChild))
    // The last entries the bots wrote may still be arriving: compare once both replicas agree twice in a row.
    const routes = [
      '/api/trades?bot=alpha&limit=50',
      '/api/trades?bot=beta&limit=50',
      '/api/trades?bot=all&limit=50',
      '/api/performance?bot=alpha',
      '/api/bots',
    ]
    let same = false
    for (let attempt = 0; attempt < 40 && !same; attempt++) {
      const answers = await Promise.all(urls.map((url) => Promise.all(routes.map((route) => get(`${url}${route}`, token)))))
      same = JSON.stringify(answers[0]) === JSON.stringify(answers[1]) && answers[0]!.every((answer) => answer.status === 200)
      if (!same) await sleep(250)
    }
    if (!same) throw new Error('the two replicas answered differently')
    for (const url of urls) {
      const page = await fetch(`${url}/`)
      if (page.status !== 200 || !(await page.text()).includes('<html')) throw new Error(`no dashboard at ${url}/`)
    }
    say('cluster ok: both replicas serve the same data for both bots, and the dashboard')
    await stopAll()
    process.exit(0)
  }
} catch (error) {
  process.stderr.write(`cluster: ${(error as Error).message}\n`)
  await stopAll()
  process.exit(1)
}
