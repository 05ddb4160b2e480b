import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTradeLogReader, createTradeLogWriter } from '@tradekit/trade-log'
import { createPostgresTradeLogReader } from '@tradekit/trade-log/postgres'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PostgresServer, startPostgresServer } from '../../../test-support/postgres-server.js'
import { shareTradeLog } from './shared-log.js'

let postgres: PostgresServer
const dirs: string[] = []
beforeAll(async () => {
  postgres = await startPostgresServer()
}, 60_000)
afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  await postgres?.stop()
})

/** A TCP door in front of PostgreSQL that can be shut (connections cut, new ones refused) and opened again. */
async function door(target: string) {
  const upstream = new URL(target)
  const sockets = new Set<Socket>()
  let server: Server | undefined
  let port = 0
  const open = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const db = createConnection(Number(upstream.port), upstream.hostname)
        for (const socket of [client, db]) {
          sockets.add(socket)
          socket.on('error', () => undefined)
          socket.on('close', () => {
            client.destroy()
            db.destroy()
          })
        }
        client.pipe(db)
        db.pipe(client)
      })
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port
        resolve()
      })
    })
  await open()
  const url = new URL(target)
  url.port = String(port)
  return {
    url: url.href,
    open,
    shut: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        sockets.clear()
        server!.close(() => resolve())
      }),
  }
}

const fill = (i: number) => ({
  tsMs: Date.UTC(2025, 7, 1, 12) + i * 60_000,
  market: 'KRW-BTC',
  side: i % 2 === 0 ? ('buy' as const) : ('sell' as const),
  volume: '0.001',
  price: '45000000',
  funds: '45000',
  fee: '22.5',
  orderId: `o-${i}`,
  mode: 'paper' as const,
})

describe('the bot with TRADE_LOG_URL: its trade log in PostgreSQL too', () => {
  it('every entry reaches the database; while it is away they stay in the files and are caught up, each once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bot-shared-log-'))
    dirs.push(dir)
    const database = `${await postgres.createDatabase()}#alpha`
    const gate = await door(database)
    const writer = shareTradeLog(createTradeLogWriter({ dir }), {
      url: `${gate.url}`,
      dir,
      logger: pino({ level: 'silent' }),
      retryMs: 50,
    })
    for (let i = 0; i < 3; i++) await writer.append('trades', fill(i))
    await gate.shut()
    // The database is away: the bot goes on, the entries are durable in its files.
    for (let i = 3; i < 8; i++) await writer.append('trades', fill(i))
    await gate.open()
    for (let i = 8; i < 10; i++) await writer.append('trades', fill(i))
    const reader = createPostgresTradeLogReader({ url: database })
    for (;;) {
      const page = await reader.readEntries({ kind: 'trades', limit: 100 })
      if (page.entries.length >= 10) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await writer.close()
    const inDatabase = (await reader.readEntries({ kind: 'trades', limit: 100, order: 'asc' })).entries.map((e) => e.orderId)
    const inFiles = (await createTradeLogReader({ dir }).readEntries({ kind: 'trades', limit: 100, order: 'asc' })).entries.map(
      (e) => e.orderId,
    )
    expect(inFiles).toEqual(Array.from({ length: 10 }, (_, i) => `o-${i}`))
    expect(inDatabase).toEqual(inFiles)
    await reader.close()
    await gate.shut()
  })
})
