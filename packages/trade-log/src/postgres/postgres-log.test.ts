import { connect, createServer, type Socket } from 'node:net'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { TradeLogDatabaseError, TradeLogSchemaVersionError, TradeLogUsageError, TradeLogValidationError } from '../errors.js'
import { createTradeLogReader } from '../reader.js'
import { AUG_1, HOUR, trade } from '../test-support/entries.js'
import { usePostgres } from '../test-support/postgres.js'
import { useTempDir } from '../test-support/temp-dir.js'
import { createTradeLogWriter } from '../writer.js'
import { entryKey } from './entry-key.js'
import { migrateTradeLog, TRADE_LOG_SCHEMA_VERSION } from './migrate.js'
import { createPostgresTradeLogReader } from './reader.js'
import { createPostgresTradeLogWriter } from './writer.js'

const postgres = usePostgres()
const tempDir = useTempDir()

/** A day of fills in two markets, both sides, several at the same millisecond (ties broken by key). */
function fills(count: number, start = AUG_1) {
  return Array.from({ length: count }, (_, i) =>
    trade(start + Math.floor(i / 3) * 60_000, {
      orderId: `o-${i}`,
      market: i % 4 === 0 ? 'KRW-ETH' : 'KRW-BTC',
      side: i % 2 === 0 ? 'buy' : 'sell',
    }),
  )
}

async function allPages<T>(read: (cursor?: string) => Promise<{ entries: T[]; nextCursor: string | null }>): Promise<T[][]> {
  const pages: T[][] = []
  let cursor: string | undefined
  do {
    const page = await read(cursor)
    pages.push(page.entries)
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  return pages
}

describe('trade-log on PostgreSQL: the file writer and reader API', () => {
  it('a durable append is committed when it resolves: another connection reads it at once', async () => {
    const url = await postgres.database()
    const writer = createPostgresTradeLogWriter({ url })
    const stored = await writer.append('trades', trade(AUG_1))
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    const { rows } = await client.query('SELECT entry FROM tradekit.trade_log_entries')
    await client.end()
    expect(rows.map((row) => row.entry)).toEqual([stored])
    await writer.close()
  })

  it('pages newest first, with cursors, return what the file reader returns for the same entries, each once', async () => {
    const url = await postgres.database()
    const dir = tempDir()
    const entries = fills(95)
    const files = createTradeLogWriter({ dir })
    const database = createPostgresTradeLogWriter({ url })
    for (const entry of entries) {
      await files.append('trades', entry)
      await database.append('trades', entry)
    }
    await files.close()
    await database.close()
    const fileReader = createTradeLogReader({ dir })
    const reader = createPostgresTradeLogReader({ url })
    for (const query of [
      { limit: 10 },
      { limit: 7, order: 'asc' as const },
      { limit: 5, market: 'KRW-ETH' },
      { limit: 4, side: 'sell' as const, from: AUG_1 + 5 * 60_000, to: new Date(AUG_1 + 20 * 60_000).toISOString() },
    ]) {
      const fromFiles = await allPages((cursor) =>
        fileReader.readEntries({ kind: 'trades', ...query, ...(cursor ? { cursor } : {}) }),
      )
      const fromDatabase = await allPages((cursor) =>
        reader.readEntries({ kind: 'trades', ...query, ...(cursor ? { cursor } : {}) }),
      )
      // Same pages of the same entries; inside one millisecond the order is by key, so compare page sets per time.
      expect(fromDatabase.map((page) => page.length)).toEqual(fromFiles.map((page) => page.length))
      const byTime = (pages: { tsMs: number; orderId: string }[][]) => pages.flat().map((entry) => `${entry.tsMs}`)
      expect(byTime(fromDatabase)).toEqual(byTime(fromFiles))
      expect(new Set(fromDatabase.flat().map((entry) => entry.orderId))).toEqual(
        new Set(fromFiles.flat().map((entry) => entry.orderId)),
      )
      expect(fromDatabase.flat()).toHaveLength(new Set(fromDatabase.flat().map((entry) => entry.orderId)).size)
    }
    const streamed: string[] = []
    for await (const record of reader.stream({ kind: 'trades', from: AUG_1 + 10 * 60_000 })) streamed.push(record.entry.orderId)
    const expected = entries.filter((entry) => entry.tsMs >= AUG_1 + 10 * 60_000)
    expect(new Set(streamed)).toEqual(new Set(expected.map((entry) => entry.orderId)))
    expect(streamed).toHaveLength(expected.length)
    await reader.close()
  })

  it('the same entry appended by several writers and again by each (retries) is stored once; every reader sees one order', async () => {
    const url = await postgres.database()
    const entries = fills(60)
    const writers = [0, 1, 2].map(() => createPostgresTradeLogWriter({ url }))
    // Each writer appends every entry, in its own order, twice over: 360 appends of 60 entries.
    await Promise.all(
      writers.map(async (writer, w) => {
        const order = w === 1 ? [...entries].reverse() : entries
        for (const entry of [...order, ...order]) await writer.append('trades', entry)
      }),
    )
    await Promise.all(writers.map((writer) => writer.close()))
    const readers = [createPostgresTradeLogReader({ url }), createPostgresTradeLogReader({ url })]
    const pages = await Promise.all(readers.map((reader) => reader.readEntries({ kind: 'trades', limit: 1000, order: 'asc' })))
    expect(pages[0]!.entries).toHaveLength(60)
    expect(pages[1]!.entries.map((entry) => entry.orderId)).toEqual(pages[0]!.entries.map((entry) => entry.orderId))
    const times = pages[0]!.entries.map((entry) => entry.tsMs)
    expect(times).toEqual([...times].sort((a, b) => a - b))
    await Promise.all(readers.map((reader) => reader.close()))
  })

  it('two fills of one order that differ in amount are two entries; the same fill twice is one', async () => {
    const url = await postgres.database()
    const writer = createPostgresTradeLogWriter({ url })
    await writer.append('trades', trade(AUG_1, { orderId: 'o', volume: '0.001', funds: '45000' }))
    await writer.append('trades', trade(AUG_1, { orderId: 'o', volume: '0.002', funds: '90000' }))
    await writer.append('trades', trade(AUG_1, { orderId: 'o', volume: '0.001', funds: '45000' }))
    await writer.close()
    const reader = createPostgresTradeLogReader({ url })
    const page = await reader.readEntries({ kind: 'trades' })
    expect(page.entries.map((entry) => entry.volume).sort()).toEqual(['0.001', '0.002'])
    await reader.close()
  })

  it('buffered kinds are sent on flush and close; a late fill of an old day is read in its place by time', async () => {
    const url = await postgres.database()
    const writer = createPostgresTradeLogWriter({ url, flushIntervalMs: 60_000 })
    await writer.append('decisions', {
      tsMs: AUG_1,
      market: 'KRW-BTC',
      provider: 'rules',
      model: 'sma',
      action: 'hold',
      confidence: 0.5,
      reason: 'flat',
    })
    const reader = createPostgresTradeLogReader({ url })
    expect((await reader.readEntries({ kind: 'decisions' })).entries).toEqual([])
    await writer.flush()
    expect((await reader.readEntries({ kind: 'decisions' })).entries).toHaveLength(1)
    await writer.append('trades', trade(AUG_1 + 30 * HOUR))
    await writer.append('trades', trade(AUG_1 + HOUR))
    await writer.close()
    const newest = await reader.readEntries({ kind: 'trades', order: 'asc' })
    expect(newest.entries.map((entry) => entry.tsMs)).toEqual([AUG_1 + HOUR, AUG_1 + 30 * HOUR])
    await reader.close()
  })

  it('error: an invalid or oversized entry is refused before anything is written', async () => {
    const url = await postgres.database()
    const writer = createPostgresTradeLogWriter({ url })
    await expect(writer.append('trades', { ...trade(AUG_1), fee: 1.5 } as never)).rejects.toBeInstanceOf(TradeLogValidationError)
    await expect(writer.append('trades', trade(AUG_1, { reason: 'x'.repeat(1024 * 1024) }))).rejects.toThrow(/MAX_LINE_BYTES/)
    await writer.close()
    const reader = createPostgresTradeLogReader({ url })
    expect((await reader.readEntries({ kind: 'trades' })).entries).toEqual([])
    await reader.close()
  })

  it('error: a file log cursor, or a malformed one, is a usage error', async () => {
    const url = await postgres.database()
    const dir = tempDir()
    const files = createTradeLogWriter({ dir })
    await files.append('trades', trade(AUG_1))
    await files.append('trades', trade(AUG_1 + 1))
    await files.close()
    const fileCursor = (await createTradeLogReader({ dir }).readEntries({ kind: 'trades', limit: 1 })).nextCursor!
    const reader = createPostgresTradeLogReader({ url })
    await expect(reader.readEntries({ kind: 'trades', cursor: fileCursor })).rejects.toThrow(/points into a log directory/)
    await expect(reader.readEntries({ kind: 'trades', cursor: 'nope' })).rejects.toBeInstanceOf(TradeLogUsageError)
    await reader.close()
  })

  it('logs in one database are apart: each bot reads its own (the log parameter of the URL)', async () => {
    const url = await postgres.database()
    const alpha = createPostgresTradeLogWriter({ url: `${url}?log=alpha` })
    const beta = createPostgresTradeLogWriter({ url, log: 'beta' })
    await alpha.append('trades', trade(AUG_1, { orderId: 'a' }))
    await beta.append('trades', trade(AUG_1, { orderId: 'b' }))
    await Promise.all([alpha.close(), beta.close()])
    const reader = createPostgresTradeLogReader({ url, log: 'alpha' })
    expect((await reader.readEntries({ kind: 'trades' })).entries.map((entry) => entry.orderId)).toEqual(['a'])
    await reader.close()
  })
})

/**
 * A TCP proxy in front of PostgreSQL that, once armed, cuts the connection right after the server confirmed an
 * INSERT: the row is committed but the writer never hears so (a lost reply).
 */
async function lossyProxy(url: string) {
  const upstream = new URL(url)
  let armed = false
  let cuts = 0
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const database = connect(Number(upstream.port), upstream.hostname)
    sockets.add(client).add(database)
    client.on('data', (chunk) => database.write(chunk))
    database.on('data', (chunk) => {
      if (armed && chunk.includes('INSERT 0 1')) {
        armed = false
        cuts++
        client.destroy()
        database.destroy()
        return
      }
      client.write(chunk)
    })
    for (const socket of [client, database]) {
      socket.on('error', () => undefined)
      socket.on('close', () => {
        client.destroy()
        database.destroy()
      })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const proxied = new URL(url)
  proxied.port = String((server.address() as { port: number }).port)
  return {
    url: proxied.href,
    arm: () => (armed = true),
    cuts: () => cuts,
    close: () => {
      for (const socket of sockets) socket.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

describe('trade-log on PostgreSQL: a reply lost after the commit', () => {
  it('the append is retried and the entry is stored once', async () => {
    const url = await postgres.database()
    await migrateTradeLog({ url })
    const proxy = await lossyProxy(url)
    const writer = createPostgresTradeLogWriter({ url: proxy.url })
    await writer.append('trades', trade(AUG_1, { orderId: 'before' }))
    proxy.arm()
    const stored = await writer.append('trades', trade(AUG_1 + 1, { orderId: 'lost-reply' }))
    expect(proxy.cuts()).toBe(1)
    expect(stored.orderId).toBe('lost-reply')
    await writer.close()
    await proxy.close()
    const reader = createPostgresTradeLogReader({ url })
    const page = await reader.readEntries({ kind: 'trades' })
    expect(page.entries.map((entry) => entry.orderId)).toEqual(['lost-reply', 'before'])
    await reader.close()
  })
})

describe('trade-log on PostgreSQL: entry keys', () => {
  it('are stable: a change here changes the key of every stored entry (imports would store them again), so it needs a migration', () => {
    expect(entryKey('trades', trade(AUG_1, { orderId: 'o-1' }))).toBe('c21916ea628eccc95f978600693d3f07')
    expect(entryKey('errors', { ts: '2025-08-01T00:00:00.000Z', tsMs: AUG_1, level: 'warn', message: 'x' })).toBe(
      '73a33a7e0ce49d55a147b0241401a13d',
    )
    // A fill's key ignores what is not its identity (reason, confidence), as the file reader's duplicate check does.
    expect(entryKey('trades', trade(AUG_1, { orderId: 'o-1', reason: 'retry' }))).toBe('c21916ea628eccc95f978600693d3f07')
  })
})

describe('trade-log on PostgreSQL: migrations', () => {
  it('processes starting together apply each migration once', async () => {
    const url = await postgres.database()
    const results = await Promise.all([1, 2, 3, 4].map(() => migrateTradeLog({ url })))
    expect(results.filter((result) => result.before === 0)).toHaveLength(1)
    expect(results.every((result) => result.version === TRADE_LOG_SCHEMA_VERSION)).toBe(true)
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    const { rows } = await client.query('SELECT version FROM tradekit.trade_log_migrations ORDER BY version')
    await client.end()
    expect(rows.map((row) => row.version)).toEqual(Array.from({ length: TRADE_LOG_SCHEMA_VERSION }, (_, i) => i + 1))
  })

  it('error: a schema from a newer version is refused with a clear error, and nothing is written', async () => {
    const url = await postgres.database()
    await migrateTradeLog({ url })
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    await client.query(`INSERT INTO tradekit.trade_log_migrations (version, name) VALUES ($1, 'from the future')`, [
      TRADE_LOG_SCHEMA_VERSION + 1,
    ])
    const writer = createPostgresTradeLogWriter({ url })
    const error = await writer.append('trades', trade(AUG_1)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TradeLogSchemaVersionError)
    expect(error).toMatchObject({ found: TRADE_LOG_SCHEMA_VERSION + 1, supported: TRADE_LOG_SCHEMA_VERSION })
    expect((error as Error).message).toMatch(/newer than this package knows .*Upgrade/)
    const reader = createPostgresTradeLogReader({ url })
    await expect(reader.readEntries({ kind: 'trades' })).rejects.toBeInstanceOf(TradeLogSchemaVersionError)
    const { rows } = await client.query('SELECT count(*)::int AS n FROM tradekit.trade_log_entries')
    expect(rows[0].n).toBe(0)
    await client.end()
    await writer.close()
    await reader.close()
  })

  it('error: a server that is not there is named without the password, with what to check', async () => {
    const url = new URL(await postgres.database())
    // Nothing listens on port 1: the connection fails before any password is sent.
    url.port = '1'
    url.username = 'app'
    url.password = 'wrong-secret'
    const writer = createPostgresTradeLogWriter({ url: url.href, attempts: 1 })
    const error = await writer.append('trades', trade(AUG_1)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TradeLogDatabaseError)
    expect((error as Error).message).toContain('postgres://app@127.0.0.1:1/')
    expect((error as Error).message).toMatch(/PostgreSQL is running and reachable/)
    expect(JSON.stringify((error as TradeLogDatabaseError).toJSON())).not.toContain('wrong-secret')
    expect(String((error as Error).stack)).not.toContain('wrong-secret')
    await writer.close()
  })
})
