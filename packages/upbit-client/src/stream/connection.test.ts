import { describe, expect, it, vi } from 'vitest'
import {
  UpbitAuthError,
  UpbitRateLimitError,
  UpbitRequestError,
  UpbitStreamAuthError,
  UpbitStreamRequestError,
} from '../errors.js'
import { busiestWindow } from '../test-support/busiest-window.js'
import { backoffDelay, covers } from './connection.js'
import { createUpbitStreams } from './streams.js'
import { fakeWebSocket, ManualClock, settle } from './test-support.js'

const keys = { accessKey: 'test-access-key', secretKey: 'test-secret-key-0123456789' }

function setup(options: Parameters<typeof createUpbitStreams>[0] = {}) {
  const clock = new ManualClock()
  const fake = fakeWebSocket()
  const states: string[] = []
  const errors: unknown[] = []
  const streams = createUpbitStreams({
    url: 'ws://upbit.test/websocket/v1',
    WebSocket: fake.WebSocket,
    clock,
    random: () => 0.5,
    client: {
      getOpenOrders: async () => [],
      iterateClosedOrders: async function* () {},
      getOrder: async () => ({}) as never,
      getAccounts: async () => [],
    },
    ...keys,
    ...options,
  })
  streams.on('state', (s) => states.push(`${s.connection}:${s.state}`))
  streams.on('error', (e) => errors.push(e))
  return { clock, fake, streams, states, errors }
}

describe('stream connection', () => {
  it('sends one request with every type and the format, then confirms it with LIST_SUBSCRIPTIONS', async () => {
    const { fake, streams, states } = setup({ format: 'SIMPLE' })
    const ticker = streams.subscribe('ticker', { codes: ['KRW-BTC'] })
    streams.subscribe('candle.1m', { codes: ['KRW-ETH', 'KRW-BTC'] })
    const confirmed = ticker.confirmed()
    await settle()
    expect(fake.sockets).toHaveLength(1)
    fake.sockets[0]!.open()
    await settle()
    const [request, list] = fake.sockets[0]!.sent as Array<Array<Record<string, unknown>>>
    expect(request!.slice(1)).toEqual([
      { type: 'ticker', codes: ['KRW-BTC'] },
      { type: 'candle.1m', codes: ['KRW-BTC', 'KRW-ETH'] },
      { format: 'SIMPLE' },
    ])
    expect(list).toEqual([{ method: 'LIST_SUBSCRIPTIONS' }, { ticket: request![0]!.ticket }])
    expect(states).not.toContain('public:confirmed')
    fake.sockets[0]!.answerList()
    await confirmed
    expect(states).toContain('public:confirmed')
    await streams.close()
  })

  it('error: a 401 on the private upgrade becomes UpbitAuthError without the key or token, and is not retried', async () => {
    const { fake, streams, clock, errors } = setup()
    const sub = streams.subscribe('myOrder')
    const failed = sub.confirmed().catch((e: unknown) => e)
    await settle()
    const token = fake.sockets[0]!.options.headers.authorization!
    expect(token).toMatch(/^Bearer ey/)
    fake.sockets[0]!.refuse(401, JSON.stringify({ error: { name: 'jwt_verification', message: 'Failed to verify Jwt token.' } }))
    const error = (await failed) as UpbitAuthError
    expect(error).toBeInstanceOf(UpbitAuthError)
    expect(error.errorName).toBe('jwt_verification')
    const text = `${error.message} ${JSON.stringify(error.toJSON())} ${error.stack}`
    expect(text).not.toContain(keys.secretKey)
    expect(text).not.toContain(token.slice(7))
    expect(text).not.toContain(keys.accessKey)
    await clock.advance(60_000)
    expect(fake.sockets).toHaveLength(1)
    expect(errors).toContain(error)
    await streams.close()
  })

  it('a fresh JWT (new nonce) on every connection attempt', async () => {
    const { fake, streams, clock } = setup()
    streams.subscribe('myOrder')
    await settle()
    fake.sockets[0]!.refuse(500)
    await clock.advance(1000)
    expect(fake.sockets).toHaveLength(2)
    const nonce = (s: (typeof fake.sockets)[number]) =>
      JSON.parse(Buffer.from(s.options.headers.authorization!.split('.')[1]!, 'base64url').toString()).nonce
    expect(nonce(fake.sockets[0]!)).not.toBe(nonce(fake.sockets[1]!))
    expect(fake.sockets[1]!.options.headers).not.toHaveProperty('origin')
    await streams.close()
  })

  it('after a 429 on the upgrade, waits rateLimitedDelayMs (jittered) before trying again', async () => {
    const { fake, streams, clock, errors } = setup({ reconnect: { minDelayMs: 100, rateLimitedDelayMs: 4000 } })
    streams.subscribe('ticker', { codes: ['KRW-BTC'] })
    await settle()
    fake.sockets[0]!.refuse(429, 'Too many API requests.')
    await settle()
    expect(errors[0]).toBeInstanceOf(UpbitRateLimitError)
    // random() = 0.5 → 4000 × 1.25 = 5000 ms; the plain back-off would have been 75 ms.
    await clock.advance(4999)
    expect(fake.sockets).toHaveLength(1)
    await clock.advance(1)
    expect(fake.sockets).toHaveLength(2)
    await streams.close()
  })

  it('connect limit: with a back-off shorter than Upbit allows, public and private together open at most 5 connections a second', async () => {
    const { fake, streams, clock } = setup({ reconnect: { minDelayMs: 10, maxDelayMs: 10 } })
    streams.subscribe('ticker', { codes: ['KRW-BTC'] })
    streams.subscribe('myOrder')
    await settle()
    const start = clock.now()
    const attemptsAt: number[] = []
    let handled = 0
    while (clock.now() - start < 4000) {
      for (; handled < fake.sockets.length; handled++) {
        attemptsAt.push(clock.now() - start)
        fake.sockets[handled]!.refuse(503)
      }
      await clock.advance(5)
    }
    // Without the connect pacer the two connections would retry every 7.5 ms: hundreds of upgrades.
    expect(attemptsAt.length).toBeGreaterThanOrEqual(15)
    expect(busiestWindow(attemptsAt, 1000)).toBeLessThanOrEqual(5)
    await streams.close()
  })

  it('reconnects with growing back-off while the upgrade keeps failing, and starts small again once confirmed', async () => {
    const { fake, streams, clock } = setup({ reconnect: { minDelayMs: 1000, maxDelayMs: 8000 } })
    streams.subscribe('ticker', { codes: ['KRW-BTC'] })
    await settle()
    const attemptsAt: number[] = []
    const start = clock.now()
    for (let i = 0; i < 5; i++) {
      fake.sockets.at(-1)!.refuse(503)
      const before = fake.sockets.length
      while (fake.sockets.length === before) await clock.advance(50)
      attemptsAt.push(clock.now() - start)
    }
    // 0.75 × (1000, 2000, 4000, 8000, 8000) after each failure, cumulative.
    expect(attemptsAt).toEqual([750, 2250, 5250, 11250, 17250])
    const socket = fake.sockets.at(-1)!
    socket.open()
    await settle()
    socket.answerList()
    await settle()
    socket.terminate()
    const before = fake.sockets.length
    await clock.advance(749)
    expect(fake.sockets).toHaveLength(before)
    await clock.advance(1)
    expect(fake.sockets).toHaveLength(before + 1)
    await streams.close()
  })

  it('pings every pingIntervalMs; a missing pong within pongTimeoutMs drops and reopens the connection', async () => {
    const { fake, streams, clock, states } = setup({ pingIntervalMs: 30_000, pongTimeoutMs: 5000 })
    streams.subscribe('myAsset')
    await settle()
    const socket = fake.sockets[0]!
    socket.open()
    await settle()
    socket.answerList()
    // myAsset may stay silent for minutes: with pongs answered, ten minutes pass without a reconnect or an error.
    for (let i = 0; i < 20; i++) {
      await clock.advance(30_000)
      socket.emit('pong')
    }
    expect(socket.pings).toBe(20)
    expect(fake.sockets).toHaveLength(1)
    expect(states.filter((s) => s === 'private:closed')).toHaveLength(0)
    await clock.advance(30_000)
    expect(socket.pings).toBe(21)
    await clock.advance(4999)
    expect(socket.readyState).toBe(1)
    await clock.advance(1)
    expect(socket.readyState).toBe(3)
    await clock.advance(1000)
    expect(fake.sockets).toHaveLength(2)
    await streams.close()
  })

  it('error frames: INVALID_AUTH is an auth error, WRONG_FORMAT a request error; both end the subscriptions', async () => {
    for (const [name, type] of [
      ['INVALID_AUTH', UpbitStreamAuthError],
      ['WRONG_FORMAT', UpbitStreamRequestError],
    ] as const) {
      const { fake, streams, clock } = setup()
      const sub = streams.subscribe('myOrder')
      const iterator = sub.iterate()
      await settle()
      fake.sockets[0]!.open()
      await settle()
      fake.sockets[0]!.receive({ error: { name, message: 'bad' } })
      const error = await iterator.next().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(type)
      expect((error as UpbitStreamAuthError).errorName).toBe(name)
      await clock.advance(60_000)
      expect(fake.sockets).toHaveLength(1)
      await streams.close()
    }
  })

  it('resubscribe storm: 40 subscriptions in one burst go out within 5 messages/s and 100/min', async () => {
    const { fake, streams, clock } = setup()
    streams.subscribe('ticker', { codes: ['KRW-BTC'] })
    await settle()
    const socket = fake.sockets[0]!
    socket.open()
    const sentAt: number[] = []
    const send = socket.send.bind(socket)
    socket.send = (data: string) => {
      sentAt.push(clock.now())
      send(data)
    }
    for (let i = 0; i < 40; i++) {
      streams.subscribe('trade', { codes: [`KRW-C${i}`] })
      await clock.advance(10)
      if (socket.sent.length % 2 === 0) socket.answerList()
    }
    for (let i = 0; i < 200; i++) {
      await clock.advance(100)
      socket.answerList()
    }
    for (const t of sentAt) expect(sentAt.filter((u) => u > t - 1000 && u <= t).length).toBeLessThanOrEqual(5)
    expect(sentAt.length).toBeLessThanOrEqual(100)
    // Coalesced: the last request on the wire has every code.
    const last = [...(socket.sent as Array<Array<Record<string, unknown>>>)].reverse().find((m) => m.some((o) => o.type))!
    expect((last.find((o) => o.type === 'trade')!.codes as string[]).length).toBe(40)
    await streams.close()
  })

  it('a connection dropped while its resubscribe waits for a pacing slot: the next connection subscribes at once', async () => {
    const { fake, streams, clock } = setup({ reconnect: { minDelayMs: 100 } })
    streams.subscribe('ticker', { codes: ['KRW-BTC'] })
    await settle()
    const first = fake.sockets[0]!
    first.open()
    await settle()
    first.answerList()
    await settle()
    // Four more requests use up this connection's 5 messages per second: the next one waits for a slot...
    for (let i = 0; i < 3; i++) {
      streams.subscribe('trade', { codes: [`KRW-C${i}`] })
      await settle()
      first.answerList()
      await settle()
    }
    const sentBefore = first.sent.length
    // ...and the connection drops while it waits.
    first.terminate()
    await clock.advance(200)
    const second = fake.sockets[1]!
    second.open()
    await settle()
    expect(second.sent).toHaveLength(2)
    expect((second.sent[0] as Array<Record<string, unknown>>).filter((o) => o.type).length).toBe(2)
    expect((second.sent[1] as Array<Record<string, unknown>>)[0]).toEqual({ method: 'LIST_SUBSCRIPTIONS' })
    expect(first.sent.length).toBe(sentBefore)
    await streams.close()
  })
})

describe('back-off and confirmation helpers', () => {
  it('backoffDelay is 50–100% of the doubled step, capped', () => {
    const o = { minDelayMs: 100, maxDelayMs: 1000, rateLimitedDelayMs: 0 }
    expect(backoffDelay(1, o, () => 0)).toBe(50)
    expect(backoffDelay(1, o, () => 1)).toBe(100)
    expect(backoffDelay(3, o, () => 1)).toBe(400)
    expect(backoffDelay(10, o, () => 1)).toBe(1000)
  })

  it('covers: every wanted type listed with at least its codes', () => {
    expect(covers([{ type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH'] }], [{ type: 'ticker', codes: ['KRW-BTC'] }])).toBe(true)
    expect(covers([{ type: 'ticker', codes: ['KRW-ETH'] }], [{ type: 'ticker', codes: ['KRW-BTC'] }])).toBe(false)
    expect(covers([], [{ type: 'myAsset' }])).toBe(false)
  })
})

describe('subscribe refuses what Upbit would refuse, before sending', () => {
  it.each([
    ['ticker', [], 'needs at least one market code'],
    ['ticker', ['krw-btc'], 'upper case'],
    ['myAsset', ['KRW-BTC'], 'myAsset takes no codes'],
    ['candle.2m', ['KRW-BTC'], 'Unknown stream type'],
  ] as const)('error: %s with codes %j is an UpbitRequestError', (type, codes, message) => {
    const { streams } = setup()
    expect(() => streams.subscribe(type as 'ticker', { codes })).toThrow(message)
    expect(() => streams.subscribe(type as 'ticker', { codes })).toThrow(UpbitRequestError)
  })

  it('error: private streams without keys', () => {
    const { streams } = setup({ accessKey: undefined, secretKey: undefined })
    vi.stubEnv('UPBIT_ACCESS_KEY', '')
    vi.stubEnv('UPBIT_SECRET_KEY', '')
    try {
      expect(() => streams.subscribe('myOrder')).toThrow(UpbitRequestError)
    } finally {
      vi.unstubAllEnvs()
    }
  })
})
