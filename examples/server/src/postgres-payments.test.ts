/**
 * Issue 20: PAYMENTS_STORE=postgres://… keeps invoices, their events and the webhook outbox in PostgreSQL, so two
 * server replicas on one database and one daemon act as one payment service. (The store itself, and replicas killed
 * with SIGKILL, are tested in electroncash-rpc; this proves the server's configuration reaches it.)
 */
import { createPostgresInvoiceStore } from '@tradekit/electroncash-rpc/postgres'
import { startFakeDaemon, startWebhookReceiver } from '@tradekit/electroncash-rpc/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PostgresServer, startPostgresServer } from '../../../test-support/postgres-server.js'
import { writeLogFixture } from './test-support/log-fixture.js'
import { type TestServer, useServers } from './test-support/test-server.js'

const servers = useServers()
let postgres: PostgresServer
beforeAll(async () => {
  postgres = await startPostgresServer()
}, 60_000)
afterAll(() => postgres?.stop())

/** Polls `read` until `done` (each read is a real request; no timing is asserted). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read()
    if (done(value)) return value
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe('payments on PostgreSQL (PAYMENTS_STORE=postgres://…)', () => {
  it('two replicas on one database: one invoice per order id across both, either serves it, each event delivered once', async () => {
    const url = await postgres.createDatabase()
    const daemon = await startFakeDaemon()
    servers.defer(() => daemon.close())
    const hook = await startWebhookReceiver()
    servers.defer(hook.close)
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 1, tradesPerDay: 2 })
    const replica = () =>
      servers.start({
        logDir: dir,
        payments: {
          electronCash: { url: daemon.url, username: daemon.username, password: daemon.password },
          storePath: url,
          pollIntervalMs: 50,
          monitorIntervalMs: 50,
          failuresBeforeDown: 1,
          webhook: { url: hook.url, secret: 'webhook-secret-for-tests-0123' },
        },
      })
    const replicas: TestServer[] = [await replica(), await replica()]

    // The same order id sent to both replicas at once: one invoice (the database's unique order id decides). A
    // replica that finds the creation in progress on the other one answers 409 in-progress (retry); a retry then
    // gets the invoice, from either replica.
    const burst = await Promise.all(
      Array.from({ length: 6 }, (_, i) => replicas[i % 2]!.post('/api/payments', { amountSats: '7000', orderId: 'order-20' })),
    )
    const created = burst.filter((reply) => reply.status === 201)
    expect(created).toHaveLength(1)
    const id = created[0]!.body.id as string
    for (const reply of burst) {
      if (reply.status === 409) expect(reply.body.error).toMatchObject({ code: 'conflict', reason: 'in-progress' })
      else expect([reply.status, reply.body.id]).toEqual([reply === created[0] ? 201 : 200, id])
    }
    for (const app of replicas) {
      const retry = await until(
        () => app.post('/api/payments', { amountSats: '7000', orderId: 'order-20' }),
        (reply) => reply.status !== 409,
      )
      expect([retry.status, retry.body.id]).toEqual([200, id])
    }
    expect(daemon.requests().filter((request) => request.amount === 7_000n)).toHaveLength(1)

    // Stored in PostgreSQL (not in a file named like the URL): a store opened on the database has it.
    const store = createPostgresInvoiceStore({ url })
    servers.defer(() => store.close())
    expect((await store.openInvoices()).map((invoice) => invoice.id)).toEqual([id])
    const status = (app: TestServer) => async () => (await app.get(`/api/payments/${id}`)).body

    daemon.credit(created[0]!.body.address, 7_000n)
    await until(status(replicas[1]!), (payment) => payment.status === 'Processing')
    daemon.mine(1)
    for (const app of replicas) await until(status(app), (payment) => payment.status === 'Settled')

    // Both replicas watched the invoice; each change was recorded once and delivered under one delivery id.
    await hook.received(4)
    const events = await store.eventsOf(id)
    expect(events).toHaveLength(4)
    const payloads = hook.calls.map((call) => JSON.parse(call.body) as { eventId: string; deliveryId: string; type: string })
    const deliveries = new Map<string, Set<string>>()
    for (const { eventId, deliveryId } of payloads)
      deliveries.set(eventId, (deliveries.get(eventId) ?? new Set()).add(deliveryId))
    expect([...deliveries.keys()].sort()).toEqual(events.map((event) => event.id).sort())
    expect([...deliveries.values()].filter((ids) => ids.size > 1)).toEqual([])
    expect(payloads.map((payload) => payload.type).sort()).toEqual(
      ['invoice.created', 'invoice.payment_received', 'invoice.processing', 'invoice.settled'].sort(),
    )
  })
})
