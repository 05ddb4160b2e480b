/**
 * The rules every `InvoiceStore` keeps, as a test suite any implementation runs (the JSON Lines and memory stores
 * here; a PostgreSQL store later): `describeInvoiceStore('name', () => makeStore())`.
 */
import { describe, expect, it } from 'vitest'
import type { Invoice, InvoiceEvent, InvoiceStore, OutboxEntry } from '../invoice-store.js'
import { StoreConflictError } from '../payment-errors.js'

export const sampleInvoice = (id = 'inv_a', orderId: string | null = null): Invoice => ({
  id,
  requestId: `req-${id}`,
  orderId,
  address: 'qz74hwfeyujgyx530x8we2ncfr2mjh5veqy0eu66ed',
  amount: 29_000_000n,
  memo: '',
  uri: 'bitcoincash:qz74hwfeyujgyx530x8we2ncfr2mjh5veqy0eu66ed?amount=0.29',
  createdAt: 1_000,
  expiresAt: 4_600,
  monitoringUntil: 91_000,
  status: 'New',
  additionalStatus: 'None',
  received: 0n,
  confirmations: 0,
  requiredConfirmations: 1,
  observedAt: null,
  txHashes: [],
  price: null,
  watchFailure: null,
  version: 1,
})

export const sampleEvent = (invoiceId: string, type: InvoiceEvent['type'] = 'created'): InvoiceEvent => ({
  id: `${invoiceId}:${type}`,
  type,
  invoiceId,
  at: 5,
  status: 'New',
  additionalStatus: 'None',
  received: 0n,
  confirmations: 0,
  afterExpiration: false,
  manuallyMarked: false,
})

export const sampleDelivery = (event: InvoiceEvent, nextAttemptAt = 100): OutboxEntry => ({
  id: `d-${event.id}`,
  eventId: event.id,
  invoiceId: event.invoiceId,
  target: 'default',
  state: 'pending',
  attempts: 0,
  nextAttemptAt,
  createdAt: 1,
  body: '{}',
  originalDeliveryId: null,
  log: [],
})

export function describeInvoiceStore(name: string, makeStore: () => InvoiceStore | Promise<InvoiceStore>): void {
  describe(`${name}: the InvoiceStore contract`, () => {
    it('a commit stores the invoice, its events and deliveries together; reads return copies', async () => {
      const store = await makeStore()
      const invoice = sampleInvoice()
      const event = sampleEvent(invoice.id)
      await store.commit({ invoice, events: [event], outbox: [sampleDelivery(event)] })
      expect(await store.getInvoice(invoice.id)).toEqual(invoice)
      expect(await store.eventsOf(invoice.id)).toEqual([event])
      expect((await store.deliveriesOf(invoice.id)).map((d) => d.id)).toEqual([`d-${event.id}`])
      const copy = (await store.getInvoice(invoice.id))!
      copy.status = 'Settled'
      expect((await store.getInvoice(invoice.id))?.status).toBe('New')
      await store.close()
    })

    it('error: an invoice version that is not the next one is refused and nothing is written', async () => {
      const store = await makeStore()
      const invoice = sampleInvoice()
      await store.commit({ invoice })
      const stale = { ...invoice, status: 'Processing' as const } // version 1 again: someone else's older view
      const error = await store
        .commit({ invoice: stale, events: [sampleEvent(invoice.id, 'processing')] })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StoreConflictError)
      expect(error).toMatchObject({ conflict: 'version' })
      expect(await store.eventsOf(invoice.id)).toEqual([])
      await store.commit({ invoice: { ...stale, version: 2 } })
      expect((await store.getInvoice(invoice.id))?.status).toBe('Processing')
      // A new invoice starts at version 1.
      await expect(store.commit({ invoice: { ...sampleInvoice('inv_new'), version: 2 } })).rejects.toMatchObject({
        conflict: 'version',
      })
      await store.close()
    })

    it('error: an event id is stored once', async () => {
      const store = await makeStore()
      const invoice = sampleInvoice()
      await store.commit({ invoice, events: [sampleEvent(invoice.id)] })
      await expect(store.commit({ events: [sampleEvent(invoice.id)] })).rejects.toMatchObject({ conflict: 'event' })
      expect(await store.eventsOf(invoice.id)).toHaveLength(1)
      await store.close()
    })

    it('error: an order id belongs to one invoice or creation in progress; an abandoned creation frees it', async () => {
      const store = await makeStore()
      const intent = {
        id: 'inv_a',
        orderId: 'o-1',
        amount: 1_000n,
        memo: '',
        startedAt: 1,
        state: 'creating' as const,
        note: null,
      }
      await store.commit({ intent })
      expect(await store.findOrder('o-1')).toEqual({ intent })
      await expect(store.commit({ intent: { ...intent, id: 'inv_b' } })).rejects.toMatchObject({ conflict: 'order' })
      await expect(store.commit({ invoice: sampleInvoice('inv_b', 'o-1') })).rejects.toMatchObject({ conflict: 'order' })
      await store.commit({ intent: { ...intent, state: 'done' }, invoice: sampleInvoice('inv_a', 'o-1') })
      expect(await store.findOrder('o-1')).toEqual({ invoice: sampleInvoice('inv_a', 'o-1') })
      expect(await store.openIntents()).toEqual([])
      await store.commit({ intent: { ...intent, id: 'inv_c', orderId: 'o-2' } })
      await store.commit({ intent: { ...intent, id: 'inv_c', orderId: 'o-2', state: 'abandoned' } })
      expect(await store.findOrder('o-2')).toBeUndefined()
      await store.commit({ invoice: sampleInvoice('inv_d', 'o-2') })
      await store.close()
    })

    it('open invoices are New, Processing and Expired', async () => {
      const store = await makeStore()
      for (const [id, status] of [
        ['a', 'New'],
        ['b', 'Processing'],
        ['c', 'Settled'],
        ['d', 'Expired'],
        ['e', 'Invalid'],
      ] as const) {
        await store.commit({ invoice: { ...sampleInvoice(id), status } })
      }
      expect((await store.openInvoices()).map((invoice) => invoice.id)).toEqual(['a', 'b', 'd'])
      await store.close()
    })

    it('due deliveries: pending ones whose time has come, oldest first, leased while being sent', async () => {
      const store = await makeStore()
      const invoice = sampleInvoice()
      const early = sampleDelivery(sampleEvent(invoice.id, 'created'), 100)
      const late = sampleDelivery(sampleEvent(invoice.id, 'processing'), 500)
      await store.commit({
        invoice,
        events: [sampleEvent(invoice.id), sampleEvent(invoice.id, 'processing')],
        outbox: [early, late],
      })
      expect(await store.dueDeliveries(99, 10, 1_000)).toEqual({ due: [], nextAt: 100 })
      const first = await store.dueDeliveries(100, 10, 1_000)
      expect(first.due.map((d) => d.id)).toEqual([early.id])
      expect(first.nextAt).toBe(500)
      // Leased: not handed out again until the lease ends or the entry is updated.
      expect((await store.dueDeliveries(200, 10, 1_000)).due).toEqual([])
      await store.commit({ outbox: [{ ...early, state: 'delivered', attempts: 1, nextAttemptAt: null }] })
      expect((await store.dueDeliveries(600, 10, 1_000)).due.map((d) => d.id)).toEqual([late.id])
      expect((await store.dueDeliveries(600, 10, 1_000)).nextAt).toBe(1_600)
      expect((await store.getDelivery(early.id))?.state).toBe('delivered')
      await store.close()
    })
  })
}
