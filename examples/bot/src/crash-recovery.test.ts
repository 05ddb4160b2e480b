import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { toBig } from '@tradekit/upbit-client'
import { startUpbitSimulator, type UpbitSimulator } from '@tradekit/upbit-client/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createRandom } from '../../shared/seeded-random.js'
import { generateCandles } from '../scripts/generate-candles.js'
import { CRASH_POINTS, type CrashPoint } from './crash-points.js'
import { ORDER_IDENTIFIER_PREFIX } from './order-desk.js'
import { readOrderJournal } from './order-journal.js'
import { useTempDirs } from './test-support/bot-setup.js'
import { type ChildBot, type ChildExit, useChildBots } from './test-support/child-bot.js'
import { readKind } from './test-support/log-files.js'
import { startTcpGate, type TcpGate } from './test-support/tcp-gate.js'

const heavy = process.env['TRADEKIT_NODE_MATRIX'] ? describe.skip : describe
const tempDir = useTempDirs()
let startChildBot: ReturnType<typeof useChildBots>
const HOUR = 3_600_000
/** Change it to explore other kill schedules: `BOT_KILL_TEST_SEED=7 npx vitest run …/crash-recovery.test.ts`. */
const SEED = Number(process.env['BOT_KILL_TEST_SEED'] ?? 22)
const KILLS = 50
const MAX_ORDERS_PER_DAY = 3
const COOLDOWN_MS = 2 * HOUR
/** A life that has not reached its crash point after this many cycles is killed by the test. */
const CYCLES_PER_LIFE = 16
const HISTORY = 200

const LIMITS = {
  maxPositionFraction: 0.5,
  maxOrderQuote: '400000',
  minOrderQuote: '5000',
  minConfidence: 0.5,
  cooldownMs: COOLDOWN_MS,
  dailyLossLimitQuote: '50000',
  maxOrdersPerDay: MAX_ORDERS_PER_DAY,
}

const simulators: UpbitSimulator[] = []
const children: ChildBot[] = []
const gates: TcpGate[] = []
afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill()
    await child.done
  }
  for (const gate of gates.splice(0)) await gate.close()
  for (const simulator of simulators.splice(0)) await simulator.close()
})

/** The exchange for every life: an Upbit simulator in this process, replaying seeded hourly candles. */
async function startExchange() {
  const candles = generateCandles({ seed: 5, start: '2025-03-01', days: 40, price: 140_000_000 }).candles
  const at = (step: number) => candles[Math.min(step, candles.length - 1)]!.timestamp
  const secretKey = randomBytes(24).toString('hex')
  const simulator: UpbitSimulator = await startUpbitSimulator({
    markets: { 'KRW-BTC': candles.map((c) => ({ ...c, time: c.timestamp })) },
    balances: { KRW: '1000000' },
    accessKey: 'kill-test',
    secretKey,
    clock: () => at(simulator.step),
    // The bot's request rate is not what this test is about.
    rateLimit: false,
  })
  simulators.push(simulator)
  simulator.advance(HISTORY)
  return simulator
}

function botEnv(simulator: UpbitSimulator, dir: string, extra: Record<string, string> = {}): Record<string, string> {
  const limitsFile = join(tempDir(), 'limits.json')
  writeFileSync(limitsFile, JSON.stringify(LIMITS))
  return {
    TRADE_LOG_DIR: dir,
    BOT_PAPER_EXCHANGE_URL: simulator.baseUrl,
    BOT_PAPER_ACCESS_KEY: simulator.accessKey,
    BOT_PAPER_SECRET_KEY: simulator.secretKey,
    BOT_RISK_LIMITS_FILE: limitsFile,
    BOT_INTERVAL_MS: '10',
    BOT_ORDER_POLL_MS: '10',
    BOT_CANDLE_COUNT: '30',
    LOG_LEVEL: 'warn',
    ...extra,
  }
}

const isCycleLine = (line: string) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} KRW-BTC /.test(line)
const isWaitLine = (line: string) => line.startsWith("waiting for the simulator's next candle")
const isUnreachableLine = (line: string) => line.startsWith('exchange unreachable at start-up')
const ACCOUNT_LINE = /^account on the exchange: position (\S+) BTC; cash (\S+) KRW$/

function held(simulator: UpbitSimulator, currency: string): string {
  const account = simulator.accounts().find((a) => a.currency === currency)
  return account ? toBig(account.balance).plus(toBig(account.locked)).toFixed() : '0'
}

/** How one life of the bot ends. */
type Plan = { crashAt: CrashPoint; hit: number } | { killAfterCycles: number } | { killAtWait: number } | { clean: true }

/** Seeded: crash points weighted towards "order sent, fill not logged", and kills at whatever the bot is doing. */
function planLives(seed: number, count: number): Plan[] {
  const random = createRandom(seed)
  const weighted: CrashPoint[] = [...CRASH_POINTS, 'order-sent', 'order-sent', 'order-sent', 'intent-written', 'fill-logged']
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!
  const plans: Plan[] = []
  // The first lives crash at the points that matter most, whatever else the seed picks: between "order sent" and
  // "fill logged" (four times), before the order is sent, between two log writes. Only crash points end these
  // lives (and the cycle cap, counted in candles), so where they land does not depend on the machine.
  for (let i = 0; i < 4; i++) plans.push({ crashAt: 'order-sent', hit: 1 })
  plans.push({ crashAt: 'intent-written', hit: 1 }, { crashAt: 'fill-logged', hit: 1 })
  while (plans.length < count) {
    const r = random()
    if (r < 0.5) {
      const crashAt = pick(weighted)
      // A second pass only where a life passes the point often (not order-sent: the daily limit makes it rare).
      const often = crashAt === 'cycle-logged' || crashAt === 'fill-logged' || crashAt === 'order-settled'
      plans.push({ crashAt, hit: often ? 1 + Math.floor(random() * 2) : 1 })
    } else if (r < 0.85) plans.push({ killAfterCycles: 1 + Math.floor(random() * 5) })
    else plans.push({ killAtWait: 1 + Math.floor(random() * 3) })
  }
  return plans
}

interface LifeReport extends ChildExit {
  plan: Plan
  cycles: number
  /** The account the bot said it starts from, and what the simulator held while the bot waited before trading. */
  startCheck: { said: [string, string]; exchange: [string, string] } | null
}

/**
 * Runs one life: advances the simulator when the bot waits for a candle, kills it as planned; `onLine` sees
 * every line too.
 */
async function live(
  simulator: UpbitSimulator,
  env: Record<string, string>,
  plan: Plan,
  onLine?: (line: string, bot: ChildBot) => void,
): Promise<LifeReport> {
  let cycles = 0
  let waits = 0
  let said: [string, string] | null = null
  let startCheck: LifeReport['startCheck'] = null
  const crashEnv = 'crashAt' in plan ? { TRADEKIT_BOT_CRASH_AT: `${plan.crashAt}:${plan.hit}` } : {}
  const child = startChildBot({ ...env, ...crashEnv }, (line, bot) => {
    onLine?.(line, bot)
    const account = ACCOUNT_LINE.exec(line)
    if (account) said = [account[1]!, account[2]!]
    if (isCycleLine(line)) {
      cycles += 1
      said = null
      if ('clean' in plan) return
      if (('killAfterCycles' in plan && cycles >= plan.killAfterCycles) || cycles >= CYCLES_PER_LIFE) bot.kill()
    }
    if (isWaitLine(line)) {
      waits += 1
      // Waiting before its first cycle, the bot has traded nothing yet: the simulator holds its start-up account.
      if (said && !startCheck) startCheck = { said, exchange: [held(simulator, 'BTC'), held(simulator, 'KRW')] }
      if ('killAtWait' in plan && waits >= plan.killAtWait) bot.kill()
      else simulator.advance()
    }
  })
  children.push(child)
  const exit = await child.done
  children.splice(children.indexOf(child), 1)
  return { ...exit, plan, cycles, startCheck }
}

heavy('crash recovery: SIGKILL at any moment never crosses a limit or loses an order', () => {
  startChildBot = useChildBots()

  it(`${KILLS} seeded kills (crash points and kills mid-cycle), then a clean run: limits held, every order logged once`, {
    timeout: 900_000,
  }, async () => {
    const simulator = await startExchange()
    const dir = tempDir()
    const env = botEnv(simulator, dir)
    const lives: LifeReport[] = []
    for (const plan of planLives(SEED, KILLS)) {
      const life = await live(simulator, env, plan)
      lives.push(life)
      // Every life ends in a SIGKILL: from a crash point inside the bot, or from this test.
      expect(life.signal, life.lines.join('\n')).toBe('SIGKILL')
    }
    const last = await live(simulator, { ...env, BOT_MAX_CYCLES: '30' }, { clean: true })
    expect(last.code, last.lines.join('\n')).toBe(0)

    const kills = lives.length
    const atPoint = (point: CrashPoint) => lives.filter((l) => !l.killedByTest && 'crashAt' in l.plan && l.plan.crashAt === point)
    const orders = simulator.orders()
    const recovered = [...lives, last].flatMap((l) => l.lines.filter((line) => line.startsWith('recovered: ')))
    console.info(
      `kill test (seed ${SEED}): ${kills} kills, ${lives.filter((l) => !l.killedByTest).length} of them at crash points (${atPoint('order-sent').length} between "order sent" and "fill logged"), ${orders.length} orders, ${recovered.length} orders settled at start-up`,
    )
    if (process.env['BOT_KILL_TEST_VERBOSE']) {
      for (const l of [...lives, last]) {
        const end = l.killedByTest ? 'killed by the test' : l.signal ? 'crash point' : `exit ${l.code}`
        console.info(`${JSON.stringify(l.plan)} -> ${end} after ${l.cycles} cycles`)
        console.info(l.lines.map((line) => `    ${line}`).join('\n'))
      }
    }

    // 1. The daily order limit and the cooldown held on the exchange, across every crash.
    const created = orders.map((o) => Date.parse(o.created_at)).sort((a, b) => a - b)
    const perDay = new Map<string, number>()
    for (const at of created) {
      const day = new Date(at).toISOString().slice(0, 10)
      perDay.set(day, (perDay.get(day) ?? 0) + 1)
    }
    expect(Math.max(...perDay.values())).toBeLessThanOrEqual(MAX_ORDERS_PER_DAY)
    for (let i = 1; i < created.length; i++) expect(created[i]! - created[i - 1]!).toBeGreaterThanOrEqual(COOLDOWN_MS)

    // 2. No identifier used twice: not on the exchange, not in the journal, and no request was refused.
    const identifiers = orders.map((o) => o.identifier)
    expect(new Set(identifiers).size).toBe(orders.length)
    expect(identifiers.every((id) => id?.startsWith(ORDER_IDENTIFIER_PREFIX))).toBe(true)
    const journal = await readOrderJournal(dir)
    expect(simulator.stats().byStatus[400] ?? 0).toBe(0)
    // Every order the exchange holds had its intent on disk first, and no intent is left open.
    for (const order of orders) expect(journal.intents.has(order.identifier!)).toBe(true)
    expect([...journal.intents.keys()].filter((id) => !journal.closed.has(id))).toEqual([])

    // 3. Every order the exchange knows is in the trades log exactly once (each of its executions once).
    const trades = readKind(dir, 'trades')
    const byOrder = new Map<string, typeof trades>()
    for (const trade of trades) byOrder.set(String(trade['orderId']), [...(byOrder.get(String(trade['orderId'])) ?? []), trade])
    expect([...byOrder.keys()].sort()).toEqual(
      orders
        .filter((o) => toBig(o.executed_volume ?? '0').gt(0))
        .map((o) => o.uuid)
        .sort(),
    )
    for (const order of orders) {
      const logged = byOrder.get(order.uuid) ?? []
      expect(logged).toHaveLength(order.trades?.length ?? 0)
      expect(logged.every((t) => t['identifier'] === order.identifier)).toBe(true)
      expect(
        logged.reduce((sum, t) => sum.plus(toBig(String(t['volume']))), toBig(0)).eq(toBig(order.executed_volume ?? '0')),
      ).toBe(true)
      expect(logged.reduce((sum, t) => sum.plus(toBig(String(t['fee']))), toBig(0)).eq(toBig(order.paid_fee ?? '0'))).toBe(true)
    }

    // 4. The bot's last reported position and cash are the simulator's balances.
    const stop = last.lines.find((line) => line.startsWith('stopped after'))
    expect(stop).toMatch(/^stopped after 30 cycles \(max-cycles\); position \S+ BTC, cash \S+ KRW;/)
    const [, position, cash] = /position (\S+) BTC, cash (\S+) KRW/.exec(stop!)!
    expect([position, cash]).toEqual([held(simulator, 'BTC'), held(simulator, 'KRW')])

    // 5. Each start-up reported the exchange's account (checked whenever a life waited before its first cycle).
    const checked = [...lives, last].flatMap((l) => (l.startCheck ? [l.startCheck] : []))
    expect(checked.length).toBeGreaterThan(5)
    for (const check of checked) expect(check.said).toEqual(check.exchange)

    // 6. The run exercised what it claims: enough kills, many between "order sent" and "fill logged" (found again
    // at start-up), and enough orders for the daily limit to bind.
    expect(kills).toBeGreaterThanOrEqual(KILLS)
    expect(atPoint('order-sent').length).toBeGreaterThanOrEqual(4)
    expect(atPoint('intent-written').length).toBeGreaterThanOrEqual(1)
    expect(atPoint('fill-logged').length).toBeGreaterThanOrEqual(1)
    expect(recovered.some((line) => / ended done before this start, 1 fill\(s\) logged now$/.test(line))).toBe(true)
    expect(orders.length).toBeGreaterThan(MAX_ORDERS_PER_DAY * 3)
    expect([...perDay.values()].filter((count) => count === MAX_ORDERS_PER_DAY).length).toBeGreaterThan(2)
  })

  it('a crash, then a restart while the exchange is unreachable: the bot waits and places nothing; once it answers, the hidden order is logged once before any new one', {
    timeout: 300_000,
  }, async () => {
    const simulator = await startExchange()
    const gate = await startTcpGate(simulator.baseUrl)
    gates.push(gate)
    const dir = tempDir()
    const env = { ...botEnv(simulator, dir), BOT_PAPER_EXCHANGE_URL: gate.url }

    // 1. A crash right after the exchange accepted an order: nothing about its outcome is logged.
    const crashed = await live(simulator, env, { crashAt: 'order-sent', hit: 1 })
    expect([crashed.signal, crashed.killedByTest]).toEqual(['SIGKILL', false])
    const [hidden] = simulator.orders()
    expect(simulator.orders()).toHaveLength(1)
    expect(readKind(dir, 'trades')).toEqual([])

    // 2. Restarted while the exchange is unreachable: it says so and waits; SIGTERM ends the wait, no order placed.
    gate.shut()
    const waited = await live(simulator, env, { clean: true }, (line, bot) => {
      if (isUnreachableLine(line) && / attempt 3 failed/.test(line)) bot.terminate()
      // Anything else before that is a bot that went on without the exchange: stop it and let the checks fail.
      if (isCycleLine(line) || line.startsWith('waiting for the simulator')) bot.terminate()
    })
    expect(waited.code, waited.lines.join('\n')).toBe(0)
    expect(waited.lines.filter(isUnreachableLine).length).toBeGreaterThanOrEqual(3)
    expect(waited.lines.at(-1)).toBe('stopped before the first cycle: no order placed')
    expect(waited.lines.some(isCycleLine)).toBe(false)
    expect(simulator.orders()).toHaveLength(1)
    expect(readKind(dir, 'trades')).toEqual([])
    expect((await readOrderJournal(dir)).closed.size).toBe(0)

    // 3. Restarted again, still unreachable; the exchange comes back after the first failed attempt.
    const resumed = await live(simulator, { ...env, BOT_MAX_CYCLES: '3' }, { clean: true }, (line) => {
      if (isUnreachableLine(line)) gate.open()
    })
    expect(resumed.code, resumed.lines.join('\n')).toBe(0)
    const first = (test: (line: string) => boolean) => resumed.lines.findIndex(test)
    const recoveredAt = first(
      (line) =>
        line === `recovered: order ${hidden!.identifier} (buy KRW-BTC) ended done before this start, 1 fill(s) logged now`,
    )
    expect(first(isUnreachableLine)).toBeGreaterThanOrEqual(0)
    expect(first(isUnreachableLine)).toBeLessThan(recoveredAt)
    expect(recoveredAt).toBeLessThan(first(isCycleLine))
    // The hidden order counted: the cooldown held the next one back, and it was never sent again.
    const orders = simulator.orders()
    expect(new Set(orders.map((o) => o.identifier)).size).toBe(orders.length)
    expect(Date.parse(orders[1]!.created_at) - Date.parse(orders[0]!.created_at)).toBeGreaterThanOrEqual(COOLDOWN_MS)
    const trades = readKind(dir, 'trades')
    expect(trades.map((t) => t['orderId'])).toEqual(orders.map((o) => o.uuid))
    expect(trades[0]).toMatchObject({ identifier: hidden!.identifier, volume: hidden!.executed_volume, recovered: true })
  })
})
