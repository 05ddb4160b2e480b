import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createApiRouter, createHealthRouter, createMetricsRouter, createServices, errorHandler } from './index.js'
import { writeLogFixture } from './test-support/log-fixture.js'
import { TEST_TOKEN, useServers } from './test-support/test-server.js'

const servers = useServers()

describe('mounting the routers into an existing Express app (the README example)', () => {
  it('serves the API, health, metrics and /ws under a prefix next to the app’s own routes', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 1, tradesPerDay: 4, end: Date.UTC(2025, 7, 10, 23) })
    const services = createServices({ logDir: dir, auth: { token: TEST_TOKEN }, logger: pino({ level: 'silent' }) })
    const app = express()
    app.get('/', (_req, res) => res.send('my shop'))
    app.use('/trading/api', createApiRouter(services))
    app.use('/trading', createHealthRouter(services.health, services.authenticator))
    app.use('/trading', createMetricsRouter(services.metrics, services.authenticator))
    app.use(errorHandler(services.logger))
    const server = createServer(app)
    server.on('upgrade', (req, socket, head) => {
      if (req.url?.startsWith('/trading/ws')) services.hub.handleUpgrade(req, socket, head)
      else socket.destroy()
    })
    await services.start()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    servers.defer(async () => {
      await services.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    })
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const auth = { authorization: `Bearer ${TEST_TOKEN}` }

    expect(await (await fetch(`${base}/`)).text()).toBe('my shop')
    const trades = await fetch(`${base}/trading/api/trades?limit=2`, { headers: auth })
    expect(trades.status).toBe(200)
    expect(((await trades.json()) as { items: unknown[] }).items).toHaveLength(2)
    const refused = await fetch(`${base}/trading/api/trades`)
    expect(refused.status).toBe(401)
    expect(await refused.json()).toEqual({
      error: { code: 'unauthorized', message: expect.stringMatching(/Missing bearer token/) },
    })
    expect(await (await fetch(`${base}/trading/health`)).json()).toEqual({ status: 'ready' })
    expect((await fetch(`${base}/trading/metrics`, { headers: auth })).status).toBe(200)
    const hello = await new Promise<string>((resolve, reject) => {
      const socket = new WebSocket(`${base.replace('http', 'ws')}/trading/ws`, ['tradekit.v1', `bearer.${TEST_TOKEN}`])
      socket.once('message', (data) => {
        socket.close()
        resolve(JSON.parse(String(data)).type)
      })
      socket.once('error', reject)
    })
    expect(hello).toBe('hello')
  })
})
