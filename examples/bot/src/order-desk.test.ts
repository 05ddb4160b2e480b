import { createTradeLogWriter } from '@tradekit/trade-log'
import { createUpbitClient } from '@tradekit/upbit-client'
import { startUpbitSimulator, type UpbitSimulator } from '@tradekit/upbit-client/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createBotLog } from './bot-log.js'
import type { ExchangeOrder, OrderRequest } from './exchange.js'
import { ABSENT_AFTER_MS, createOrderDesk, type OrderMeta } from './order-desk.js'
import { openOrderJournal, readOrderJournal } from './order-journal.js'
import { restoreState } from './restore-state.js'
import { useTempDirs } from './test-support/bot-setup.js'
import { readKind } from './test-support/log-files.js'
import { createUpbitExchange } from './upbit-exchange.js'

const tempDir = useTempDirs()
const simulators: UpbitSimulator[] = []
afterEach(async () => {
  for (const simulator of simulators.splice(0)) await simulator.close()
})

const T0 = Date.parse('2025-09-10T08:00:00Z')

/** A desk on a simulator (market price 100,000,000 KRW) with its journal and trade log in `dir`. */
async function deskOn(dir: string, clock = { now: T0 }) {
  const simulator = await startUpbitSimulator({ markets: { 'KRW-BTC': () => '100000000' }, balances: { KRW: '1000000' } })
  simulators.push(simulator)
  const exchange = createUpbitExchange(
    createUpbitClient({ baseUrl: simulator.baseUrl, accessKey: simulator.accessKey, secretKey: simulator.secretKey }),
  )
  const log = createBotLog(createTradeLogWriter({ dir }))
  const journal = await openOrderJournal(dir)
  const restored = await restoreState(dir, ['KRW-BTC'])
  const desk = createOrderDesk({
    exchange,
    journal,
    log,
    mode: 'paper',
    pollMs: 5,
    now: () => clock.now,
    logged: restored.logged,
  })
  const close = async () => {
    await journal.close()
    await log.close()
  }
  return { simulator, exchange, desk, journal, log, close, clock }
}

const meta = (id: string): OrderMeta => ({
  market: 'KRW-BTC',
  identifier: `tk-${id}`,
  decisionId: id,
  reason: 'test',
  confidence: 0.9,
})
const marketBuy = (id: string): OrderRequest => ({
  market: 'KRW-BTC',
  side: 'bid',
  ord_type: 'price',
  price: '100000',
  identifier: `tk-${id}`,
})
/** A passive limit buy far under the market: it rests until cancelled. */
const restingBuy = (id: string): OrderRequest => ({
  market: 'KRW-BTC',
  side: 'bid',
  ord_type: 'limit',
  price: '90000000',
  volume: '0.001',
  identifier: `tk-${id}`,
})

describe('order desk: journal first, fills once, unknown outcomes found by identifier', () => {
  it('the intent is on disk before the order leaves; a journal that cannot be written means no order', async () => {
    const dir = tempDir()
    const { desk, close } = await deskOn(dir)
    const order = await desk.place(marketBuy('a'), meta('a'))
    const journal = await readOrderJournal(dir)
    expect(journal.intents.get('tk-a')).toMatchObject({ tsMs: T0, market: 'KRW-BTC', side: 'buy', decisionId: 'a' })
    expect(order.identifier).toBe('tk-a')
    await close()

    // The journal cannot be written (disk full, volume gone): the order is refused before anything is sent.
    const { simulator: second, desk: healthy, exchange, log, close: closeSecond } = await deskOn(dir)
    const broken = createOrderDesk({
      exchange,
      journal: { ...healthy.journal, append: () => Promise.reject(new Error('ENOSPC: no space left on device')) },
      log,
      mode: 'paper',
      pollMs: 5,
      now: () => T0,
    })
    await expect(broken.place(marketBuy('b'), meta('b'))).rejects.toThrow('ENOSPC')
    expect(second.orders()).toEqual([])
    // The same desk with a journal that works does send it.
    await healthy.place(marketBuy('b'), meta('b'))
    expect(second.orders().map((o) => o.identifier)).toEqual(['tk-b'])
    await closeSecond()
  })

  it('each execution reaches the trades log once, also when a crash stopped the logging half-way', async () => {
    const dir = tempDir()
    const { desk, close } = await deskOn(dir)
    const order: ExchangeOrder = {
      uuid: 'u-two-trades',
      identifier: 'tk-c',
      market: 'KRW-BTC',
      side: 'bid',
      ord_type: 'limit',
      state: 'done',
      executed_volume: '0.003',
      paid_fee: '150',
      trades: [
        { price: '100000000', volume: '0.001', funds: '100000' },
        { price: '100000000', volume: '0.002', funds: '200000' },
      ],
    }
    // A previous run logged the first execution, then died.
    await desk.record({ ...order, executed_volume: '0.001', trades: order.trades!.slice(0, 1), state: 'wait' }, meta('c'))
    expect(readKind(dir, 'trades')).toHaveLength(1)
    await close()

    const restarted = await deskOn(dir)
    expect(await restarted.desk.record(order, meta('c'))).toHaveLength(1)
    expect(await restarted.desk.record(order, meta('c'))).toHaveLength(0)
    await restarted.close()
    const trades = readKind(dir, 'trades')
    expect(trades.map((t) => t['volume'])).toEqual(['0.001', '0.002'])
    expect(trades.every((t) => t['orderId'] === 'u-two-trades' && t['identifier'] === 'tk-c')).toBe(true)
  })

  it('an unresolved order is found by its identifier: open → cancelled, done → logged, missing → absent after 60 s; none resent', async () => {
    const dir = tempDir()
    const { simulator, desk, close, clock } = await deskOn(dir)
    await desk.place(restingBuy('open'), meta('open'))
    await desk.place(marketBuy('done'), meta('done'))
    // The third intent reached the disk; the process "died" before sending the order.
    await desk.journal.append({
      event: 'intent',
      tsMs: T0,
      identifier: 'tk-lost',
      market: 'KRW-BTC',
      decisionId: 'lost',
      side: 'buy',
    })
    expect(desk.unresolved().map((i) => i.identifier)).toEqual(['tk-open', 'tk-done', 'tk-lost'])
    const placed = simulator.orders().length

    const settled = await desk.settleUnresolved()
    expect(settled.map((s) => [s.identifier, s.outcome, s.order?.state, s.fills.length])).toEqual([
      ['tk-open', 'cancelled', 'cancel', 0],
      ['tk-done', 'settled', 'done', 1],
    ])
    // A request in flight when the process died may still arrive: the missing one stays open for now.
    expect(desk.unresolved().map((i) => i.identifier)).toEqual(['tk-lost'])
    clock.now = T0 + ABSENT_AFTER_MS
    expect((await desk.settleUnresolved()).map((s) => [s.identifier, s.outcome])).toEqual([['tk-lost', 'absent']])
    expect(desk.unresolved()).toEqual([])
    expect(simulator.orders()).toHaveLength(placed)
    expect(simulator.orders().find((o) => o.identifier === 'tk-open')?.state).toBe('cancel')
    await close()
    const journal = await readOrderJournal(dir)
    expect([...journal.closed].sort()).toEqual(['tk-done', 'tk-lost', 'tk-open'])
    expect(readKind(dir, 'trades').map((t) => t['identifier'])).toEqual(['tk-done'])
  })
})
