import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PostgresServer, startPostgresServer } from '../../../../test-support/postgres-server.js'
import { StoreError } from '../errors.js'
import { describeInvoiceStore, sampleInvoice } from '../test-support/invoice-store-contract.js'
import { createPostgresInvoiceStore } from './invoice-store.js'
import { PAYMENTS_SCHEMA_VERSION } from './migrations.js'

let server: PostgresServer
beforeAll(async () => {
  server = await startPostgresServer()
})
afterAll(() => server?.stop())

describeInvoiceStore('PostgreSQL', async () => createPostgresInvoiceStore({ url: await server.createDatabase() }))

describe('PostgreSQL invoice store across replicas', () => {
  it('concurrent creations with one order id on three stores: one invoice, the others get an order conflict', async () => {
    const url = await server.createDatabase()
    const stores = [1, 2, 3].map(() => createPostgresInvoiceStore({ url }))
    const results = await Promise.allSettled(
      stores.map((store, i) => store.commit({ invoice: sampleInvoice(`inv_${i}`, 'order-1') })),
    )
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
    for (const result of results.filter((r) => r.status === 'rejected')) {
      expect((result as PromiseRejectedResult).reason).toMatchObject({ name: 'StoreConflictError', conflict: 'order' })
    }
    expect((await stores[0]!.load()).invoices).toHaveLength(1)
    await Promise.all(stores.map((store) => store.close()))
  })

  it('two replicas that saw the same change: one version, one event id', async () => {
    const url = await server.createDatabase()
    const [a, b] = [createPostgresInvoiceStore({ url }), createPostgresInvoiceStore({ url })]
    const invoice = sampleInvoice()
    await a.commit({ invoice })
    const seen = { ...invoice, status: 'Processing' as const, version: 2 }
    const event = {
      id: `${invoice.id}:processing`,
      type: 'processing' as const,
      invoiceId: invoice.id,
      at: 9,
      status: 'Processing' as const,
      additionalStatus: 'None' as const,
      received: 1n,
      confirmations: 0,
      afterExpiration: false,
      manuallyMarked: false,
    }
    const results = await Promise.allSettled([
      a.commit({ invoice: seen, events: [event] }),
      b.commit({ invoice: seen, events: [event] }),
    ])
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected'])
    expect(await b.eventsOf(invoice.id)).toHaveLength(1)
    await Promise.all([a.close(), b.close()])
  })

  it('due deliveries are claimed by one replica at a time, however many ask at once', async () => {
    const url = await server.createDatabase()
    const stores = [1, 2, 3].map(() => createPostgresInvoiceStore({ url }))
    const invoice = sampleInvoice()
    const outbox = Array.from({ length: 60 }, (_, i) => ({
      id: `d-${i}`,
      eventId: `e-${i}`,
      invoiceId: invoice.id,
      target: 'default',
      state: 'pending' as const,
      attempts: 0,
      nextAttemptAt: 10 + i,
      createdAt: 1,
      body: '{}',
      originalDeliveryId: null,
      log: [],
    }))
    await stores[0]!.commit({ invoice, outbox })
    const claims = await Promise.all(stores.flatMap((store) => [1, 2, 3, 4].map(() => store.dueDeliveries(1_000, 7, 60_000))))
    const ids = claims.flatMap((claim) => claim.due.map((entry) => entry.id))
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.sort()).toEqual(outbox.map((entry) => entry.id).sort())
    await Promise.all(stores.map((store) => store.close()))
  })

  it('error: a schema from a newer version is refused, nothing changed', async () => {
    const url = await server.createDatabase()
    const store = createPostgresInvoiceStore({ url })
    await store.load()
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    await client.query(`INSERT INTO tradekit.payment_migrations (version, name) VALUES ($1, 'future')`, [
      PAYMENTS_SCHEMA_VERSION + 1,
    ])
    await client.end()
    const newer = createPostgresInvoiceStore({ url })
    const error = await newer.load().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreError)
    expect((error as Error).message).toMatch(/newer than this package knows .*Upgrade/)
    await Promise.all([store.close(), newer.close()])
  })
})
