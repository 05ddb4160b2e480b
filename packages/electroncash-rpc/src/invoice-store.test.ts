import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { StoreError } from './errors.js'
import { createJsonlInvoiceStore, createMemoryInvoiceStore } from './invoice-store.js'
import { describeInvoiceStore, sampleDelivery, sampleEvent, sampleInvoice } from './test-support/invoice-store-contract.js'
import { simulateTornWrite } from './testing/torn-write.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ec-store-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describeInvoiceStore('memory store', () => createMemoryInvoiceStore())
describeInvoiceStore('JSON Lines store', () => createJsonlInvoiceStore(join(dir, 'contract.jsonl')))

describe('JSON Lines invoice store', () => {
  const invoice = sampleInvoice('abc')
  const paid = { ...invoice, status: 'Processing' as const, received: 29_000_000n, version: 2 }
  const event = { ...sampleEvent('abc', 'processing'), received: 29_000_000n }

  it('reads back what it wrote after a restart, and keeps the rules (an event id stored once)', async () => {
    const path = join(dir, 'store.jsonl')
    const store = createJsonlInvoiceStore(path)
    await store.commit({ invoice })
    await store.commit({ invoice: paid, events: [event] })
    const delivery = sampleDelivery(event)
    await store.commit({ outbox: [delivery] })
    await store.commit({ outbox: [{ ...delivery, state: 'delivered', attempts: 1, nextAttemptAt: null }] })
    await store.close()
    const reopened = createJsonlInvoiceStore(path)
    expect(await reopened.load()).toEqual({
      invoices: [paid],
      events: [event],
      outbox: [{ ...delivery, state: 'delivered', attempts: 1, nextAttemptAt: null }],
      intents: [],
    })
    await expect(reopened.commit({ events: [event] })).rejects.toMatchObject({ conflict: 'event' })
    await reopened.close()
  })

  it('a torn last line is repaired before the next write: the records after it are kept and the store loads', async () => {
    const path = join(dir, 'store.jsonl')
    const first = createJsonlInvoiceStore(path)
    await first.commit({ invoice })
    await first.close()
    await simulateTornWrite(path, { invoice: { ...invoice, id: 'never-acknowledged', amount: '1', received: '0' } })
    const second = createJsonlInvoiceStore(path)
    await second.commit({ invoice: { ...invoice, id: 'def' } })
    await second.commit({ invoice: { ...invoice, id: 'ghi' } })
    await second.close()
    const loaded = await createJsonlInvoiceStore(path).load()
    expect(loaded.invoices.map((i) => i.id)).toEqual(['abc', 'def', 'ghi'])
    expect((await readFile(path, 'utf8')).endsWith('\n')).toBe(true)
  })

  it('every commit is flushed to disk (fdatasync) before it resolves', async () => {
    const path = join(dir, 'store.jsonl')
    const probe = await open(join(dir, 'probe'), 'w')
    const prototype = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> }
    await probe.close()
    const order: string[] = []
    const sync = vi.spyOn(prototype, 'datasync').mockImplementation(async function (this: unknown) {
      order.push('datasync')
    })
    try {
      const store = createJsonlInvoiceStore(path)
      await store.commit({ invoice })
      order.push('committed')
      await store.commit({ invoice: paid, events: [event] })
      order.push('committed')
      await store.close()
    } finally {
      sync.mockRestore()
    }
    expect(order).toEqual(['datasync', 'committed', 'datasync', 'committed'])
  })

  it('a refused commit writes nothing to the file', async () => {
    const path = join(dir, 'store.jsonl')
    const store = createJsonlInvoiceStore(path)
    await store.commit({ invoice })
    const before = await readFile(path, 'utf8')
    await expect(store.commit({ invoice })).rejects.toMatchObject({ conflict: 'version' })
    expect(await readFile(path, 'utf8')).toBe(before)
    await store.close()
  })

  it('error: a corrupt line in the middle is reported with file and line, and the file is left untouched', async () => {
    const path = join(dir, 'store.jsonl')
    const store = createJsonlInvoiceStore(path)
    await store.commit({ invoice })
    await store.close()
    const text = `not json\n${await readFile(path, 'utf8')}`
    await writeFile(path, text)
    const error = await createJsonlInvoiceStore(path)
      .load()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreError)
    expect(error).toMatchObject({ file: path, line: 1 })
    expect(await readFile(path, 'utf8')).toBe(text)
  })

  it('error: a record without an amount names its line', async () => {
    const path = join(dir, 'store.jsonl')
    await writeFile(path, `${JSON.stringify({ invoice: { id: 'x', address: 'q', createdAt: 1 } })}\n`)
    await expect(createJsonlInvoiceStore(path).load()).rejects.toThrow(/store\.jsonl:1 is not a store record \(invoice\.amount/)
  })

  it('reads stores written before the BTCPay states: bare invoices and old state names', async () => {
    const path = join(dir, 'store.jsonl')
    const old = {
      id: 'old1',
      address: 'q1',
      amount: '1000',
      received: '1000',
      memo: '',
      createdAt: 10,
      expiresAt: null,
      uri: 'u',
      state: 'paid',
      confirmations: 0,
      txHashes: [],
    }
    await writeFile(
      path,
      `${JSON.stringify(old)}\n${JSON.stringify({ invoice: { ...old, id: 'old2', state: 'underpaid' }, events: [{ id: 'old2:underpaid', type: 'underpaid', invoiceId: 'old2', at: 1, received: '500', confirmations: 0 }] })}\n`,
    )
    const { invoices, events } = await createJsonlInvoiceStore(path).load()
    expect(invoices.map((i) => [i.id, i.status, i.additionalStatus, i.requestId, i.version])).toEqual([
      ['old1', 'Processing', 'None', 'old1', 1],
      ['old2', 'New', 'PaidPartial', 'old2', 1],
    ])
    expect(events.map((e) => [e.id, e.type])).toEqual([['old2:underpaid', 'payment_received']])
  })

  it('an absent file is an empty store', async () => {
    expect(await createJsonlInvoiceStore(join(dir, 'none.jsonl')).load()).toEqual({
      invoices: [],
      events: [],
      outbox: [],
      intents: [],
    })
  })
})
