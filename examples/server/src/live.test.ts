import { createTradeLogWriter } from '@tradekit/trade-log'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { writeLogFixture } from './test-support/log-fixture.js'
import { TEST_TOKEN, useServers } from './test-support/test-server.js'
import type { HubMessage } from './ws-hub.js'

const servers = useServers()

function listen(url: string, protocols = ['tradekit.v1', `bearer.${TEST_TOKEN}`]) {
  const messages: HubMessage[] = []
  const socket = new WebSocket(url, protocols)
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as HubMessage))
  servers.defer(() => socket.terminate())
  const waitFor = (predicate: (message: HubMessage) => boolean) =>
    new Promise<HubMessage>((resolve, reject) => {
      const found = messages.find(predicate)
      if (found) return resolve(found)
      const onMessage = () => {
        const match = messages.find(predicate)
        if (match) {
          socket.off('message', onMessage)
          resolve(match)
        }
      }
      socket.on('message', onMessage)
      socket.on('close', () => reject(new Error('socket closed')))
    })
  return { socket, messages, waitFor }
}

describe('WS /ws over the real server', () => {
  it('pushes a trade, decision and equity snapshot as the bot appends them', async () => {
    const dir = servers.tempDir()
    const fixture = writeLogFixture(dir, { days: 2, tradesPerDay: 2 })
    const app = await servers.start({ logDir: dir })
    const client = listen(`${app.url.replace('http', 'ws')}/ws`)
    await client.waitFor((message) => message.type === 'hello')
    const writer = createTradeLogWriter({ dir })
    servers.defer(() => writer.close())
    await writer.append('trades', {
      market: 'KRW-BTC',
      side: 'buy',
      volume: '0.002',
      price: '51000000',
      funds: '102000',
      fee: '51',
      orderId: 'live-order-1',
      mode: 'paper',
      reason: 'breakout',
    })
    const trade = await client.waitFor((message) => message.type === 'trade')
    expect(trade.data).toMatchObject({ orderId: 'live-order-1', price: '51000000', reason: 'breakout' })
    await writer.append('decisions', {
      market: 'KRW-BTC',
      provider: 'rules',
      model: 'v1',
      action: 'hold',
      confidence: 0.4,
      reason: 'waiting',
    })
    await writer.flush()
    const decision = await client.waitFor((message) => message.type === 'decision')
    expect(decision.data).toMatchObject({ action: 'hold', reason: 'waiting' })
    // The statistics follow the append: the new fill is counted.
    const performance = await app.get('/api/performance')
    expect(performance.body.fills).toBe(fixture.trades + 1)
  })

  it('a dashboard that reconnects with its last cursor receives what it missed', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 1, tradesPerDay: 2 })
    const app = await servers.start({ logDir: dir })
    const wsUrl = `${app.url.replace('http', 'ws')}/ws`
    const watcher = listen(wsUrl)
    await watcher.waitFor((message) => message.type === 'hello')
    const first = listen(wsUrl)
    const hello = await first.waitFor((message) => message.type === 'hello')
    first.socket.close()
    const writer = createTradeLogWriter({ dir })
    servers.defer(() => writer.close())
    const base = {
      market: 'KRW-BTC',
      side: 'sell',
      volume: '0.001',
      price: '52000000',
      funds: '52000',
      fee: '26',
      mode: 'paper',
    } as const
    await writer.append('trades', { ...base, orderId: 'missed-1' })
    await writer.append('trades', { ...base, orderId: 'missed-2' })
    // Reconnect only after the server has pushed both (a client that stayed connected saw them).
    await watcher.waitFor((message) => (message.data as { orderId?: string } | undefined)?.orderId === 'missed-2')
    const again = listen(`${wsUrl}?since=${encodeURIComponent(hello.cursor)}`)
    await again.waitFor((message) => (message.data as { orderId?: string } | undefined)?.orderId === 'missed-2')
    expect(
      again.messages
        .filter((message) => message.type === 'trade')
        .map((message) => (message.data as { orderId: string }).orderId),
    ).toEqual(['missed-1', 'missed-2'])
  })

  it('error: /ws without a token is refused, and other upgrade paths are 404', async () => {
    const dir = servers.tempDir()
    const app = await servers.start({ logDir: dir })
    const status = (url: string, protocols: string[]) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(url, protocols)
        socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
        socket.on('error', () => undefined)
      })
    expect(await status(`${app.url.replace('http', 'ws')}/ws`, ['tradekit.v1'])).toBe(401)
    expect(await status(`${app.url.replace('http', 'ws')}/other`, ['tradekit.v1', `bearer.${TEST_TOKEN}`])).toBe(404)
  })
})
