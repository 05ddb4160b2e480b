import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startUpbitSimulator, type UpbitSimulator } from './index.js'

let sim: UpbitSimulator | undefined
const sockets: WebSocket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate()
  await sim?.close()
})

/** A raw client: every frame it receives, as parsed JSON. */
async function connect(url: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(url, { headers })
  sockets.push(socket)
  socket.on('error', () => {}) // a refused upgrade is asserted through the rejected promise below
  const frames: Array<Record<string, unknown>> = []
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    expect(isBinary).toBe(true) // Upbit sends binary frames of UTF-8 JSON
    frames.push(JSON.parse(data.toString('utf8')))
  })
  await new Promise((resolve, reject) => {
    socket.once('open', resolve)
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)))
  })
  const until = async (count: number) => {
    for (let i = 0; i < 2000 && frames.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 5))
    return frames
  }
  return { socket, frames, until }
}

describe('simulator streams: Upbit limits and frames', () => {
  // The simulator's clock is frozen in the limit tests: every message and upgrade lands in the same second, however
  // slowly a loaded machine sends them.
  it('refuses the sixth message within a second on one connection with an error frame, and counts it', async () => {
    sim = await startUpbitSimulator({ clock: () => 1_800_000_000_000 })
    const { socket, until } = await connect(sim.wsUrl)
    for (let i = 0; i < 6; i++) socket.send('PING')
    const frames = await until(6)
    expect(frames.slice(0, 5)).toEqual(Array(5).fill({ status: 'UP' }))
    expect(frames[5]).toMatchObject({ error: { name: 'TOO_MANY_REQUEST' } })
    expect(sim.streams.stats().rejectedMessages).toBe(1)
  })

  it('answers the sixth upgrade within a second from one IP with 429', async () => {
    sim = await startUpbitSimulator({ clock: () => 1_800_000_000_000 })
    for (let i = 0; i < 5; i++) await connect(sim.wsUrl)
    await expect(connect(sim.wsUrl)).rejects.toThrow('upgrade refused: 429')
    expect(sim.streams.stats().refused[429]).toBe(1)
  })

  it('error frames for a request Upbit refuses: no ticket, no codes, codes on myAsset, lower-case codes', async () => {
    sim = await startUpbitSimulator()
    const { socket, until } = await connect(sim.wsUrl)
    socket.send(JSON.stringify([{ type: 'ticker', codes: ['KRW-BTC'] }]))
    socket.send(JSON.stringify([{ ticket: 't' }, { type: 'ticker' }]))
    socket.send(JSON.stringify([{ ticket: 't' }, { type: 'ticker', codes: ['krw-btc'] }]))
    const frames = await until(3)
    expect(frames.map((f) => (f.error as { name: string }).name)).toEqual(['NO_TICKET', 'NO_CODES', 'INVALID_PARAM'])
    const privateSocket = await connect(`${sim.wsUrl}/private`, {
      authorization: `Bearer ${(await import('../signing.js')).createToken({ accessKey: sim.accessKey, secretKey: sim.secretKey }, '')}`,
    })
    privateSocket.socket.send(JSON.stringify([{ ticket: 't' }, { type: 'myAsset', codes: ['KRW-BTC'] }]))
    expect((await privateSocket.until(1))[0]).toMatchObject({ error: { name: 'WRONG_FORMAT' } })
  })

  it('SIMPLE format: abbreviated keys; a new request replaces the subscriptions LIST_SUBSCRIPTIONS reports', async () => {
    sim = await startUpbitSimulator()
    const { socket, until } = await connect(sim.wsUrl)
    socket.send(JSON.stringify([{ ticket: 't1' }, { type: 'ticker', codes: ['KRW-BTC'] }, { format: 'SIMPLE' }]))
    const [snapshot] = await until(1)
    expect(snapshot).toMatchObject({ ty: 'ticker', cd: 'KRW-BTC', tp: 100000000, st: 'SNAPSHOT' })
    socket.send(JSON.stringify([{ ticket: 't2' }, { type: 'trade', codes: ['KRW-BTC'], is_only_realtime: true }]))
    socket.send(JSON.stringify([{ method: 'LIST_SUBSCRIPTIONS' }, { ticket: 't3' }]))
    const frames = await until(2)
    expect(frames[1]).toEqual({ method: 'LIST_SUBSCRIPTIONS', result: [{ type: 'trade', codes: ['KRW-BTC'] }], ticket: 't3' })
  })

  it('error: a private upgrade with a reused nonce or a wrong key is refused with 401', async () => {
    sim = await startUpbitSimulator()
    const { createToken } = await import('../signing.js')
    const token = createToken({ accessKey: sim.accessKey, secretKey: sim.secretKey }, '')
    await connect(`${sim.wsUrl}/private`, { authorization: `Bearer ${token}` })
    await expect(connect(`${sim.wsUrl}/private`, { authorization: `Bearer ${token}` })).rejects.toThrow('401')
    const wrong = createToken({ accessKey: sim.accessKey, secretKey: 'wrong' }, '')
    await expect(connect(`${sim.wsUrl}/private`, { authorization: `Bearer ${wrong}` })).rejects.toThrow('401')
    expect(sim.streams.stats().refused[401]).toBe(2)
  })
})
