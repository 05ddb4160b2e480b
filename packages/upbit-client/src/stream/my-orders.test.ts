import { describe, expect, it } from 'vitest'
import type { Order } from '../schemas.js'
import { MyOrderLedger, orderEvent, type ReconcileClient, reconcileOrders } from './my-orders.js'
import { createUpbitStreams } from './streams.js'
import { fakeWebSocket, ManualClock, settle } from './test-support.js'
import type { MyOrderEvent } from './types.js'

const order = (over: Partial<Order> = {}): Order =>
  ({
    uuid: 'o-1',
    side: 'bid',
    ord_type: 'limit',
    price: '100',
    state: 'done',
    market: 'KRW-BTC',
    created_at: '2026-01-01T09:00:00+09:00',
    volume: '1',
    remaining_volume: '0',
    reserved_fee: '0',
    remaining_fee: '0',
    paid_fee: '0.05',
    locked: '0',
    executed_volume: '1',
    trades_count: 1,
    trades: [
      {
        market: 'KRW-BTC',
        uuid: 't-1',
        price: '100',
        volume: '1',
        funds: '100',
        side: 'bid',
        created_at: '2026-01-01T09:00:01+09:00',
      },
    ],
    ...over,
  }) as Order

describe('the myOrder exactly-once gate', () => {
  it('admits each (order, state, fill) once, whether it came live or from REST', () => {
    const ledger = new MyOrderLedger(100)
    const live = { ...orderEvent(order(), 'trade', 0, order().trades![0]), reconciled: false }
    expect(ledger.admit(live)).toBe(true)
    expect(ledger.admit({ ...live, reconciled: true })).toBe(false)
    expect(ledger.admit(orderEvent(order(), 'done', 0))).toBe(true)
    expect(ledger.admit(orderEvent(order(), 'done', 0))).toBe(false)
    expect(ledger.admit(orderEvent(order({ uuid: 'o-2' }), 'done', 0))).toBe(true)
  })

  it('memory is bounded: past maxOrders the oldest orders that ended before the window are forgotten; open ones stay', () => {
    let now = 0
    const ledger = new MyOrderLedger(2, { keepEndedMs: 1_000, now: () => now })
    ledger.admit(orderEvent(order({ uuid: 'a' }), 'done', 0))
    ledger.admit(orderEvent(order({ uuid: 'b', state: 'wait' }), 'wait', 0))
    now = 1_000
    ledger.admit(orderEvent(order({ uuid: 'c', state: 'wait' }), 'wait', 0))
    expect(ledger.size).toBe(2)
    expect(ledger.openUuids()).toEqual(['b', 'c'])
    ledger.admit(orderEvent(order({ uuid: 'd', state: 'wait' }), 'wait', 0))
    expect(ledger.openUuids()).toEqual(['b', 'c', 'd']) // an open order is never forgotten
  })

  it('orders that ended inside the reconciliation window are kept past maxOrders: a reconnect delivers none again', async () => {
    let now = 0
    const ledger = new MyOrderLedger(2, { keepEndedMs: 60_000, now: () => now })
    const ended = ['a', 'b', 'c', 'd'].map((uuid) => order({ uuid, trades: [{ ...order().trades![0]!, uuid: `t-${uuid}` }] }))
    for (const o of ended) {
      now += 1_000
      for (const event of [orderEvent(o, 'wait', now), orderEvent(o, 'trade', now, o.trades![0]), orderEvent(o, 'done', now)]) {
        expect(ledger.admit(event)).toBe(true)
      }
    }
    const client: ReconcileClient = {
      getOpenOrders: async () => [],
      async *iterateClosedOrders() {
        yield* ended
      },
      getOrder: async ({ uuid }) => ended.find((o) => o.uuid === uuid)!,
      getAccounts: async () => [],
    }
    expect(await reconcileOrders(client, ledger, { since: 0, codes: [], now: () => now })).toEqual([])
    // Once the window has passed, the bound applies again.
    now += 61_000
    ledger.admit(orderEvent(order({ uuid: 'e' }), 'wait', now))
    expect(ledger.size).toBe(2)
  })

  it('a live event held during reconciliation that REST also reported is delivered once, after the reconciled ones', async () => {
    const clock = new ManualClock()
    const fake = fakeWebSocket()
    let releaseRest!: () => void
    const restGate = new Promise<void>((resolve) => {
      releaseRest = resolve
    })
    const filled = order()
    const streams = createUpbitStreams({
      url: 'ws://upbit.test/websocket/v1',
      accessKey: 'a',
      secretKey: 's',
      WebSocket: fake.WebSocket,
      clock,
      random: () => 0.5,
      client: {
        getOpenOrders: async () => {
          await restGate
          return []
        },
        iterateClosedOrders: async function* () {
          yield { ...filled, trades: undefined }
        },
        getOrder: async () => filled,
        getAccounts: async () => [],
      },
    })
    const events: MyOrderEvent[] = []
    streams.subscribe('myOrder').on('data', (e) => events.push(e))
    await settle()
    fake.sockets[0]!.open()
    await settle()
    fake.sockets[0]!.answerList()
    await settle()
    // Live: the order is placed; then the connection drops before its fill arrives.
    fake.sockets[0]!.receive({ ...orderEvent(filled, 'wait', 0), reconciled: undefined })
    fake.sockets[0]!.terminate()
    await clock.advance(1000)
    const second = fake.sockets[1]!
    second.open()
    await settle()
    second.answerList()
    await settle()
    // While REST is being asked, the fill and the end arrive live on the new connection: held, not delivered yet.
    second.receive({ ...orderEvent(filled, 'trade', 0, filled.trades![0]), reconciled: undefined })
    second.receive({ ...orderEvent(filled, 'done', 0), reconciled: undefined })
    await settle()
    expect(events.map((e) => e.state)).toEqual(['wait'])
    releaseRest()
    await settle()
    expect(events.map((e) => `${e.state}:${e.reconciled}`)).toEqual(['wait:false', 'trade:true', 'done:true'])
    await streams.close()
  })
})
