import { join } from 'node:path'
import { createFixedRateProvider } from '@tradekit/electroncash-rpc'
import { type FakeDaemon, startFakeDaemon } from '@tradekit/electroncash-rpc/testing'
import QRCode from 'qrcode'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { writeLogFixture } from './test-support/log-fixture.js'
import { type TestServer, useServers } from './test-support/test-server.js'

const servers = useServers()

async function setup(): Promise<{ daemon: FakeDaemon; app: TestServer }> {
  const daemon = await startFakeDaemon()
  servers.defer(() => daemon.close())
  const dir = servers.tempDir()
  writeLogFixture(dir, { days: 1, tradesPerDay: 1 })
  const app = await servers.start({
    logDir: dir,
    payments: {
      electronCash: { url: daemon.url, username: daemon.username, password: daemon.password },
      storePath: join(dir, 'invoices.jsonl'),
      pollIntervalMs: 50,
      monitorIntervalMs: 50,
      rates: createFixedRateProvider({ KRW: '650000' }),
    },
  })
  return { daemon, app }
}

/** The next message of a socket, as JSON. */
const nextMessage = (socket: WebSocket) =>
  new Promise<{ type: string; serverTime: string; data: Record<string, unknown> }>((resolve, reject) => {
    socket.once('message', (data) => resolve(JSON.parse(String(data))))
    socket.once('error', reject)
  })

describe('checkout page', () => {
  it('is public and shows the amount in BCH and KRW, a QR code of the BIP21 URI with the amount, and nothing private', async () => {
    const { app } = await setup()
    const payment = (
      await app.post('/api/payments', {
        price: { currency: 'KRW', amount: '10000' },
        orderId: 'secret-order-77',
        memo: 'Coffee <beans> & "filters"',
      })
    ).body
    const page = await app.get(`/checkout/${payment.id}`, { token: null })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/text\/html/)
    expect(page.text).toContain('0.01538462 BCH')
    expect(page.text).toContain('₩10,000 at 650000 KRW/BCH')
    expect(page.text).toContain('Coffee &lt;beans&gt; &amp; &quot;filters&quot;')
    expect(payment.uri).toBe(`bitcoincash:${payment.address}?amount=0.01538462`)
    const qr = await QRCode.toString(payment.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
    expect(page.text).toContain(qr)
    expect(page.text).toContain(`href="${payment.uri}"`)
    expect(page.text).not.toContain('secret-order-77')
    const status = await app.get(`/checkout/${payment.id}/status`, { token: null })
    expect(status.body).toMatchObject({
      id: payment.id,
      status: 'New',
      amountBch: '0.01538462',
      fiat: { currency: 'KRW', amount: '10000' },
    })
    expect(status.text).not.toContain('secret-order-77')
    expect((await app.get('/checkout/assets/checkout.js', { token: null })).status).toBe(200)
    expect((await app.get('/checkout/inv_unknown', { token: null })).status).toBe(404)
    expect((await app.get('/checkout/bad%20id', { token: null })).status).toBe(400)
  })

  it('pushes every status change over /checkout/<id>/ws, with the server time for the countdown', async () => {
    const { daemon, app } = await setup()
    const payment = (await app.post('/api/payments', { amountSats: '50000', expiresInSeconds: 600 })).body
    const socket = new WebSocket(`${app.url.replace('http', 'ws')}/checkout/${payment.id}/ws`)
    servers.defer(() => socket.terminate())
    const first = await nextMessage(socket)
    expect(first).toMatchObject({ type: 'status', data: { id: payment.id, status: 'New' } })
    expect(Math.abs(Date.parse(first.serverTime) - Date.now())).toBeLessThan(60_000)
    const changed = nextMessage(socket)
    daemon.credit(payment.address, 50_000n)
    expect((await changed).data).toMatchObject({ status: 'Processing', receivedSats: '50000' })
    const settled = nextMessage(socket)
    daemon.mine()
    expect((await settled).data).toMatchObject({ status: 'Settled', confirmations: 1 })
  })

  it('error: a socket for an unknown invoice, or from another origin, is refused', async () => {
    const { app } = await setup()
    const payment = (await app.post('/api/payments', { amountSats: '50000' })).body
    const refused = (path: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(`${app.url.replace('http', 'ws')}${path}`, { headers })
        socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
        socket.on('open', () => resolve(101))
        socket.on('error', () => undefined)
      })
    expect(await refused('/checkout/inv_unknown/ws')).toBe(404)
    expect(await refused(`/checkout/${payment.id}/ws`, { origin: 'https://evil.example' })).toBe(403)
  })
})
