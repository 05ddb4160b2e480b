import { createConnection, createServer, type Server, type Socket } from 'node:net'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import type { FollowedRecord, Follower } from '../follow.js'
import type { TradeEntry } from '../schemas.js'
import { AUG_1, DAY, trade } from '../test-support/entries.js'
import { usePostgres } from '../test-support/postgres.js'
import type { TradeLogWriter } from '../writer.js'
import { entryKey } from './entry-key.js'
import { migrateTradeLog } from './migrate.js'
import { createPostgresTradeLogReader } from './reader.js'
import { createPostgresTradeLogWriter } from './writer.js'

const postgres = usePostgres()

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
        if (!server?.listening) return resolve()
        server.close(() => resolve())
      }),
  }
}

/** Collects what a follower delivers; `until(n)` resolves once n entries arrived (no sleeping). */
function collect(follower: Follower<TradeEntry>) {
  const received: FollowedRecord<TradeEntry>[] = []
  const waiters: { count: number; resolve: () => void }[] = []
  follower.on('entry', (record) => {
    received.push(record)
    for (const waiter of waiters.filter((w) => received.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve()
    }
  })
  const until = (count: number) =>
    received.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }))
  return {
    received,
    orderIds: () => received.map((record) => record.entry.orderId),
    until,
    /**
     * Appends a fence entry after everything else and waits for it: follow delivers in commit order, so anything
     * wrongly delivered (a repeat, an entry from before the start) has arrived by then. The fence is dropped.
     */
    settled: async (writer: TradeLogWriter) => {
      const count = received.length + 1
      await writer.append('trades', trade(AUG_1, { orderId: 'fence' }))
      await until(count)
      const last = received.pop()
      expect(last?.entry.orderId).toBe('fence')
    },
  }
}

/** Inserts an entry in an open transaction, as a writer that has not committed yet. */
async function openTransaction(url: string, entry: TradeEntry) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query('BEGIN')
  await client.query(
    `INSERT INTO tradekit.trade_log_entries (log, kind, key, ts_ms, market, side, entry) VALUES ('main', 'trades', $1, $2, $3, $4, $5)`,
    [entryKey('trades', entry), entry.tsMs, entry.market, entry.side, JSON.stringify(entry)],
  )
  return {
    commit: async () => {
      await client.query('COMMIT')
      await client.end()
    },
  }
}

describe('trade-log on PostgreSQL: follow', () => {
  it('delivers what every writer appends from now on, each once, a late fill of an old day included', async () => {
    const url = await postgres.database()
    const before = createPostgresTradeLogWriter({ url })
    await before.append('trades', trade(AUG_1, { orderId: 'before' }))
    const reader = createPostgresTradeLogReader({ url, pollIntervalMs: 60_000 })
    const follower = reader.follow({ kind: 'trades' })
    await follower.ready
    const seen = collect(follower)
    const other = createPostgresTradeLogWriter({ url })
    await before.append('trades', trade(AUG_1 + DAY, { orderId: 'a' }))
    await other.append('trades', trade(AUG_1 - 5 * DAY, { orderId: 'late' }))
    await other.append('trades', trade(AUG_1 + DAY, { orderId: 'a' })) // the same fill again: stored once
    await before.append('trades', trade(AUG_1 + 2 * DAY, { orderId: 'b' }))
    await seen.until(3)
    await seen.settled(other)
    expect(seen.orderIds()).toEqual(['a', 'late', 'b'])
    expect(follower.watching).toBe(true)
    await Promise.all([before.close(), other.close(), reader.close()])
  })

  it('a transaction that inserted first and commits last is delivered, not skipped behind a later one', async () => {
    const url = await postgres.database()
    await migrateTradeLog({ url })
    const reader = createPostgresTradeLogReader({ url, pollIntervalMs: 60_000 })
    const follower = reader.follow({ kind: 'trades' })
    await follower.ready
    const seen = collect(follower)
    const slow = await openTransaction(url, trade(AUG_1, { orderId: 'slow' }))
    const writer = createPostgresTradeLogWriter({ url })
    await writer.append('trades', trade(AUG_1 + 1, { orderId: 'fast' }))
    await slow.commit()
    await seen.until(2)
    await seen.settled(writer)
    // Delivered once each, in the order the transactions began (the slow one was already under way).
    expect(seen.orderIds()).toEqual(['slow', 'fast'])
    await Promise.all([writer.close(), reader.close()])
  })

  it("from 'now' skips what was committed before it started and delivers what was still in flight", async () => {
    const url = await postgres.database()
    await migrateTradeLog({ url })
    const inFlight = await openTransaction(url, trade(AUG_1, { orderId: 'in-flight' }))
    const writer = createPostgresTradeLogWriter({ url })
    await writer.append('trades', trade(AUG_1 + 1, { orderId: 'committed-before' }))
    const reader = createPostgresTradeLogReader({ url, pollIntervalMs: 60_000 })
    const follower = reader.follow({ kind: 'trades', from: 'now' })
    await follower.ready
    const seen = collect(follower)
    await inFlight.commit()
    await writer.append('trades', trade(AUG_1 + 2, { orderId: 'after' }))
    await seen.until(2)
    await seen.settled(writer)
    expect(seen.orderIds()).toEqual(['in-flight', 'after'])
    await Promise.all([writer.close(), reader.close()])
  })

  it('a lost connection is reopened and nothing appended meanwhile is missed; a new follower resumes from a cursor', async () => {
    const url = await postgres.database()
    const writer = createPostgresTradeLogWriter({ url })
    // No polling to fall back on: what was appended while disconnected comes from the catch-up after reconnecting.
    const reader = createPostgresTradeLogReader({ url, pollIntervalMs: 60_000 })
    const follower = reader.follow({ kind: 'trades' })
    await follower.ready
    const seen = collect(follower)
    const errors: unknown[] = []
    follower.on('error', (error) => errors.push(error))
    await writer.append('trades', trade(AUG_1, { orderId: 'one' }))
    await seen.until(1)
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    // Every follower connection ends, as in a server restart or a network cut: notifications sent now are lost.
    const ended = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tradekit-trade-log-follow' AND datname = current_database()`,
    )
    expect(ended.rowCount).toBe(1)
    for (const id of ['two', 'three']) await writer.append('trades', trade(AUG_1 + 1, { orderId: id }))
    await seen.until(3)
    expect(seen.orderIds()).toEqual(['one', 'two', 'three'])
    expect(errors.length).toBeGreaterThan(0)
    const cursor = seen.received[1]!.cursor
    await reader.close()

    // Another process, started later, from the cursor of "two": everything after it, once.
    await writer.append('trades', trade(AUG_1 - DAY, { orderId: 'four' }))
    const again = createPostgresTradeLogReader({ url, pollIntervalMs: 60_000 })
    const resumed = again.follow({ kind: 'trades', from: cursor })
    const rest = collect(resumed)
    await resumed.ready
    await rest.until(2)
    await rest.settled(writer)
    expect(rest.orderIds()).toEqual(['three', 'four'])
    await admin.end()
    await Promise.all([writer.close(), again.close()])
  })

  it('a database that cannot be reached at the start is waited for: ready resolves, entries after it comes are delivered', async () => {
    const url = await postgres.database()
    await migrateTradeLog({ url })
    const gate = await door(url)
    await gate.shut()
    const reader = createPostgresTradeLogReader({ url: gate.url, pollIntervalMs: 60_000, attempts: 1 })
    const follower = reader.follow({ kind: 'trades' })
    const errors: unknown[] = []
    follower.on('error', (error) => errors.push(error))
    await follower.ready
    expect(errors.length).toBeGreaterThan(0)
    const seen = collect(follower)
    await gate.open()
    // Started once the database answers: what is appended from then on arrives.
    const writer = createPostgresTradeLogWriter({ url })
    while (!follower.watching) await new Promise((resolve) => setTimeout(resolve, 50))
    await writer.append('trades', trade(AUG_1, { orderId: 'after-outage' }))
    await seen.until(1)
    expect(seen.orderIds()).toEqual(['after-outage'])
    await Promise.all([writer.close(), reader.close()])
    await gate.shut()
  })

  it('the iterator yields followed entries and ends on close', async () => {
    const url = await postgres.database()
    const writer = createPostgresTradeLogWriter({ url })
    const reader = createPostgresTradeLogReader({ url })
    const follower = reader.follow({ kind: 'trades' })
    await follower.ready
    // The iterator listens from when it is created: created before the append, since the entry can be delivered
    // (NOTIFY, then a query on the follower's own connection) before the append's reply reaches the writer.
    const records = follower[Symbol.asyncIterator]()
    await writer.append('trades', trade(AUG_1, { orderId: 'x' }))
    const first = await records.next()
    expect(first.done ? undefined : first.value.entry.orderId).toBe('x')
    const ended = records.next()
    await reader.close()
    expect(await ended).toEqual({ value: undefined, done: true })
    await writer.close()
  })
})
