import { createScriptedDecider } from '@tradekit/ai-decider/testing'
import { createUpbitClient, toBig } from '@tradekit/upbit-client'
import { startUpbitSimulator, type UpbitSimulator } from '@tradekit/upbit-client/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { startBot } from './app.js'
import { openOrderJournal } from './order-journal.js'
import { decision, silentLogger, testConfig, useTempDirs } from './test-support/bot-setup.js'
import { readKind } from './test-support/log-files.js'

const tempDir = useTempDirs()
const simulators: UpbitSimulator[] = []
afterEach(async () => {
  for (const simulator of simulators.splice(0)) await simulator.close()
})

const T0 = Date.parse('2025-09-10T08:00:00Z')
const HOUR = 3_600_000

describe('start-up after a crash, against an exchange that outlived the bot', () => {
  it('finds every order a crash hid, cancels the open one, logs each fill once, and starts from the exchange’s account', async () => {
    // A simulator at 100,000,000 KRW whose clock stands at T0; the bot trades it through paperExchangeUrl.
    const simulator = await startUpbitSimulator({
      markets: { 'KRW-BTC': () => '100000000' },
      balances: { KRW: '1000000' },
      startTime: T0,
      clock: () => T0,
    })
    simulators.push(simulator)
    const client = createUpbitClient({
      baseUrl: simulator.baseUrl,
      accessKey: simulator.accessKey,
      secretKey: simulator.secretKey,
    })
    const dir = tempDir()

    // What the crashed run left: three intents on disk, their orders on the exchange, nothing in the trades log.
    const journal = await openOrderJournal(dir)
    const intent = (id: string, side: 'buy' | 'sell') =>
      journal.append({ event: 'intent', tsMs: T0 - 2 * HOUR, identifier: `tk-${id}`, market: 'KRW-BTC', decisionId: id, side })
    await intent('filled', 'buy')
    await client.createOrder({ market: 'KRW-BTC', side: 'bid', ordType: 'price', price: '100000', identifier: 'tk-filled' })
    await intent('resting', 'buy')
    await client.createOrder({
      market: 'KRW-BTC',
      side: 'bid',
      ordType: 'limit',
      price: '90000000',
      volume: '0.001',
      identifier: 'tk-resting',
    })
    await intent('never-sent', 'sell')
    await journal.close()
    // An order of the bot's (by its prefix) whose intent is gone, and someone else's order on the same account.
    await client.createOrder({ market: 'KRW-BTC', side: 'bid', ordType: 'price', price: '50000', identifier: 'tk-no-intent' })
    await client.createOrder({
      market: 'KRW-BTC',
      side: 'bid',
      ordType: 'limit',
      price: '80000000',
      volume: '0.001',
      identifier: 'manual-1',
    })
    const ordersBefore = simulator.orders().length

    const lines: string[] = []
    const running = await startBot({
      ...testConfig({ tradeLogDir: dir, maxCycles: 1, paperExchangeUrl: simulator.baseUrl }),
      secrets: { paperAccessKey: simulator.accessKey, paperSecretKey: simulator.secretKey },
      decider: createScriptedDecider([decision('hold', 0)]),
      logger: silentLogger,
      onBanner: (text) => lines.push(...text.split('\n')),
      onStatus: (line) => lines.push(line),
    })

    expect(running.reconciliation.settled.map((s) => [s.identifier, s.outcome, s.order?.state ?? null, s.fills.length])).toEqual([
      ['tk-filled', 'settled', 'done', 1],
      ['tk-resting', 'cancelled', 'cancel', 0],
      // The intent is two hours old: a request still in flight would have arrived long ago.
      ['tk-never-sent', 'absent', null, 0],
      ['tk-no-intent', 'settled', 'done', 1],
    ])
    const byId = (id: string) => simulator.orders().find((o) => o.identifier === id)!
    expect(byId('tk-resting').state).toBe('cancel')
    expect(byId('manual-1').state).toBe('wait')
    const trades = readKind(dir, 'trades')
    expect(trades.map((t) => [t['identifier'], t['orderId'], t['volume'], t['recovered']])).toEqual([
      ['tk-filled', byId('tk-filled').uuid, byId('tk-filled').executed_volume, true],
      ['tk-no-intent', byId('tk-no-intent').uuid, byId('tk-no-intent').executed_volume, true],
    ])

    // The account it starts from is the exchange's, and every order of today counts against the limit.
    const held = (currency: string) => {
      const account = simulator.accounts().find((a) => a.currency === currency)!
      return toBig(account.balance).plus(toBig(account.locked)).toFixed()
    }
    expect(lines).toContain(`account on the exchange: position ${held('BTC')} BTC; cash ${held('KRW')} KRW`)
    expect(lines.find((line) => line.startsWith('trade log '))).toMatch(
      /\(restored 2 fills, 0 decisions, 3 journaled orders; 4 orders today\)$/,
    )
    expect(lines).toContain('recovered: order tk-resting (buy KRW-BTC) was still open: cancelled')
    expect(lines).toContain('recovered: order tk-never-sent (KRW-BTC) never reached the exchange; not resent')

    const summary = await running.run()
    expect(summary.reports.map((r) => [r.position, r.cash])).toEqual([[held('BTC'), held('KRW')]])
    expect(simulator.orders()).toHaveLength(ordersBefore)
  })
})
