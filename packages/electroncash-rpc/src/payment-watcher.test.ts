import { appendFile, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ParamsError, StoreError } from './errors.js'
import { createJsonlInvoiceStore, createMemoryInvoiceStore } from './invoice-store.js'
import { createPaymentWatcher, type PaymentWatcher } from './payment-watcher.js'
import { useFakeDaemons } from './test-support/daemons.js'
import { simulateTornWrite } from './testing/torn-write.js'

const fakes = useFakeDaemons()
let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ec-watcher-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function record(watcher: PaymentWatcher) {
  const events: string[] = []
  for (const name of ['paid', 'confirmed', 'underpaid', 'overpaid', 'expired'] as const) {
    watcher.on(name, (e) => events.push(`${name}:${e.received}:${e.confirmations}`))
  }
  watcher.on('error', (e) => events.push(`error:${(e as Error).name}`))
  return events
}

describe('payment watcher', () => {
  it('an exact payment emits paid when seen, then confirmed after a block', async () => {
    const daemon = await fakes.start()
    const watcher = createPaymentWatcher(fakes.connect(daemon), { store: createMemoryInvoiceStore() })
    const events = record(watcher)
    const invoice = await watcher.createInvoice({ amount: '0.29', memo: 'order-7', expiresInSeconds: 3600 })
    expect(invoice).toMatchObject({ amount: 29_000_000n, state: 'pending', memo: 'order-7' })
    await watcher.check()
    expect(events).toEqual([])
    daemon.credit(invoice.address, 29_000_000n)
    await watcher.check()
    daemon.mine()
    await watcher.check()
    await watcher.check()
    expect(events).toEqual(['paid:29000000:0', 'confirmed:29000000:1'])
    expect(watcher.invoices()[0]?.state).toBe('confirmed')
  })

  it('waits for the configured number of confirmations', async () => {
    const daemon = await fakes.start()
    const watcher = createPaymentWatcher(fakes.connect(daemon), { store: createMemoryInvoiceStore(), confirmations: 3 })
    const events = record(watcher)
    const invoice = await watcher.createInvoice({ amount: 1_000n })
    daemon.credit(invoice.address, 1_000n, { confirmations: 1 })
    await watcher.check()
    daemon.mine(2)
    await watcher.check()
    expect(events).toEqual(['paid:1000:1', 'confirmed:1000:3'])
  })

  it('an underpayment emits underpaid with what is missing, and paid once topped up', async () => {
    const daemon = await fakes.start()
    const watcher = createPaymentWatcher(fakes.connect(daemon), { store: createMemoryInvoiceStore() })
    const events = record(watcher)
    const missing: bigint[] = []
    watcher.on('underpaid', (e) => missing.push(e.missing))
    const invoice = await watcher.createInvoice({ amount: 10_000n })
    daemon.credit(invoice.address, 4_000n)
    await watcher.check()
    await watcher.check()
    daemon.credit(invoice.address, 6_000n)
    await watcher.check()
    expect(events).toEqual(['underpaid:4000:0', 'paid:10000:0'])
    expect(missing).toEqual([6_000n])
  })

  it('an overpayment emits paid and overpaid with the excess', async () => {
    const daemon = await fakes.start()
    const watcher = createPaymentWatcher(fakes.connect(daemon), { store: createMemoryInvoiceStore() })
    const excess: bigint[] = []
    watcher.on('overpaid', (e) => excess.push(e.excess))
    const events = record(watcher)
    const invoice = await watcher.createInvoice({ amount: 10_000n })
    daemon.credit(invoice.address, 12_500n)
    await watcher.check()
    expect(events).toEqual(['paid:12500:0', 'overpaid:12500:0'])
    expect(excess).toEqual([2_500n])
  })

  it("an unpaid invoice expires after its expiry (the daemon's exp is relative seconds)", async () => {
    let clock = Date.UTC(2026, 10, 22)
    const daemon = await fakes.start({ now: () => clock })
    const watcher = createPaymentWatcher(fakes.connect(daemon), { store: createMemoryInvoiceStore(), now: () => clock })
    const events = record(watcher)
    const invoice = await watcher.createInvoice({ amount: 5_000n, expiresInSeconds: 60 })
    expect(invoice.expiresAt).toBe(clock / 1000 + 60)
    clock += 30_000
    await watcher.check()
    clock += 31_000
    await watcher.check()
    await watcher.check()
    expect(events).toEqual(['expired:0:0'])
  })

  it('a restarted watcher resumes from the JSON Lines store: no payment lost, no event repeated', async () => {
    const daemon = await fakes.start()
    const storePath = join(dir, 'invoices.jsonl')
    const first = createPaymentWatcher(fakes.connect(daemon), { storePath })
    const invoice = await first.createInvoice({ amount: 50_000n, metadata: { orderId: 'A-1' } })
    await first.stop()
    daemon.credit(invoice.address, 50_000n) // paid while the service was down
    const second = createPaymentWatcher(fakes.connect(daemon), { storePath })
    const secondEvents = record(second)
    await second.check()
    expect(secondEvents).toEqual(['paid:50000:0'])
    const third = createPaymentWatcher(fakes.connect(daemon), { storePath })
    const thirdEvents = record(third)
    await third.check()
    daemon.mine()
    await third.check()
    expect(thirdEvents).toEqual(['confirmed:50000:1'])
    expect(third.invoices()[0]?.metadata).toEqual({ orderId: 'A-1' })
  })

  it('falls back to address balance and history when the daemon no longer has the request', async () => {
    const daemon = await fakes.start()
    const client = fakes.connect(daemon)
    const watcher = createPaymentWatcher(client, { store: createMemoryInvoiceStore() })
    const events = record(watcher)
    const invoice = await watcher.createInvoice({ amount: 7_000n })
    await client.clearRequests()
    daemon.credit(invoice.address, 7_000n, { confirmations: 2 })
    await watcher.check()
    expect(events).toEqual(['paid:7000:2', 'confirmed:7000:2'])
  })

  it("works with a daemon in offline mode (request status plus the wallet's own address balances)", async () => {
    const daemon = await fakes.start({ offline: true })
    const watcher = createPaymentWatcher(fakes.connect(daemon), { store: createMemoryInvoiceStore() })
    const events = record(watcher)
    const invoice = await watcher.createInvoice({ amount: 3_000n })
    daemon.credit(invoice.address, 3_000n)
    await watcher.check()
    daemon.mine()
    await watcher.check()
    expect(events).toEqual(['paid:3000:0', 'confirmed:3000:1'])
  })

  it('keeps working while the daemon cannot reach an Electrum server: no call waits on the network', async () => {
    const daemon = await fakes.start({ networkStallSeconds: 30 })
    const watcher = createPaymentWatcher(fakes.connect(daemon, { timeoutMs: 30_000, networkTimeoutMs: 30_000 }), {
      store: createMemoryInvoiceStore(),
    })
    const events = record(watcher)
    const invoice = await watcher.createInvoice({ amount: 8_000n })
    daemon.credit(invoice.address, 8_000n)
    await watcher.check()
    daemon.mine()
    await watcher.check()
    expect(events).toEqual(['paid:8000:0', 'confirmed:8000:1'])
    expect(daemon.calls.map((c) => c.method)).not.toContain('getaddressbalance')
  })

  it('a poll while the daemon is down emits error and the next poll catches up', async () => {
    const daemon = await fakes.start()
    const watcher = createPaymentWatcher(fakes.connect(daemon, { retry: false }), { store: createMemoryInvoiceStore() })
    const events = record(watcher)
    const invoice = await watcher.createInvoice({ amount: 2_000n })
    await daemon.stop()
    await watcher.check().catch(() => undefined)
    daemon.credit(invoice.address, 2_000n, { confirmations: 1 })
    await daemon.start()
    await watcher.check()
    expect(events.filter((e) => !e.startsWith('error'))).toEqual(['paid:2000:1', 'confirmed:2000:1'])
  })

  it('polls on its own after start() until stopped', async () => {
    const daemon = await fakes.start()
    const watcher = createPaymentWatcher(fakes.connect(daemon), { store: createMemoryInvoiceStore(), pollIntervalMs: 5 })
    const invoice = await watcher.createInvoice({ amount: 1_500n })
    const paid = new Promise((resolve) => watcher.once('paid', resolve))
    await watcher.start()
    daemon.credit(invoice.address, 1_500n)
    await paid
    await watcher.stop()
    expect(watcher.invoices()[0]?.state).toBe('paid')
  })

  it('error: a zero or negative amount is refused before anything is sent', async () => {
    const daemon = await fakes.start()
    const watcher = createPaymentWatcher(fakes.connect(daemon), { store: createMemoryInvoiceStore() })
    await expect(watcher.createInvoice({ amount: 0n })).rejects.toBeInstanceOf(ParamsError)
    await expect(watcher.createInvoice({ amount: '-0.1' })).rejects.toBeInstanceOf(ParamsError)
    expect(daemon.calls).toEqual([])
  })
})

describe('JSON Lines invoice store', () => {
  const invoice = {
    id: 'abc',
    address: 'qz74hwfeyujgyx530x8we2ncfr2mjh5veqy0eu66ed',
    amount: 29_000_000n,
    memo: '',
    createdAt: 1,
    expiresAt: null,
    uri: 'bitcoincash:q',
    state: 'pending' as const,
    received: 0n,
    confirmations: 0,
    txHashes: [],
  }
  const paid = { ...invoice, state: 'paid' as const, received: 29_000_000n }
  const event = { id: 'abc:paid', type: 'paid', invoiceId: 'abc', at: 5, received: 29_000_000n, confirmations: 0 }

  it('keeps the latest version per invoice, every event once, the latest outbox entry per id', async () => {
    const path = join(dir, 'store.jsonl')
    const store = createJsonlInvoiceStore(path)
    await store.commit({ invoice })
    await store.commit({ invoice: paid, events: [event] })
    await store.commit({ events: [event] })
    const delivery = { id: 'd1', eventId: 'abc:paid', state: 'pending' as const, attempts: 0, nextAttemptAt: 10 }
    await store.commit({ outbox: [delivery] })
    await store.commit({ outbox: [{ ...delivery, state: 'delivered', attempts: 1, nextAttemptAt: null }] })
    await store.close()
    expect(await createJsonlInvoiceStore(path).load()).toEqual({
      invoices: [paid],
      events: [event],
      outbox: [{ ...delivery, state: 'delivered', attempts: 1, nextAttemptAt: null }],
    })
  })

  it('a torn last line is repaired before the next write: the record after it is kept and the store loads', async () => {
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

  it('a last record that is whole but lacks its newline is kept and terminated', async () => {
    const path = join(dir, 'store.jsonl')
    await writeFile(path, JSON.stringify({ invoice: { ...invoice, amount: '29000000', received: '0' } }))
    const store = createJsonlInvoiceStore(path)
    await store.commit({ invoice: { ...invoice, id: 'def' } })
    expect((await store.load()).invoices.map((i) => i.id)).toEqual(['abc', 'def'])
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

  it('reads stores written before commits existed (one bare invoice per line)', async () => {
    const path = join(dir, 'store.jsonl')
    await writeFile(path, `${JSON.stringify({ ...invoice, amount: '29000000', received: '0' })}\n`)
    expect((await createJsonlInvoiceStore(path).load()).invoices).toEqual([invoice])
  })

  it('an absent file is an empty store', async () => {
    expect(await createJsonlInvoiceStore(join(dir, 'none.jsonl')).load()).toEqual({ invoices: [], events: [], outbox: [] })
  })
})

describe('payment watcher over a store a crash tore', () => {
  it('an invoice created after a crash is kept, and the store still loads after several more', async () => {
    const daemon = await fakes.start()
    const storePath = join(dir, 'invoices.jsonl')
    const first = createPaymentWatcher(fakes.connect(daemon), { storePath })
    const a = await first.createInvoice({ amount: 10_000n })
    await first.stop()
    // The process died in the middle of writing the next line.
    await appendFile(storePath, '{"id":"half-written","addr')
    const second = createPaymentWatcher(fakes.connect(daemon), { storePath })
    const b = await second.createInvoice({ amount: 20_000n })
    await second.stop()
    const third = createPaymentWatcher(fakes.connect(daemon), { storePath })
    const c = await third.createInvoice({ amount: 30_000n })
    await third.stop()
    const restarted = createPaymentWatcher(fakes.connect(daemon), { storePath })
    await restarted.start()
    await restarted.stop()
    expect(restarted.invoices().map((invoice) => invoice.id)).toEqual([a.id, b.id, c.id])
  })

  it('stores each event with a stable id, with the invoice version that caused it', async () => {
    const daemon = await fakes.start()
    const store = createMemoryInvoiceStore()
    const watcher = createPaymentWatcher(fakes.connect(daemon), { store })
    const invoice = await watcher.createInvoice({ amount: 10_000n })
    daemon.credit(invoice.address, 4_000n)
    await watcher.check()
    daemon.credit(invoice.address, 1_000n)
    await watcher.check()
    daemon.credit(invoice.address, 5_000n, { confirmations: 1 })
    await watcher.check()
    expect(store.contents.events.map((e) => e.id)).toEqual([
      `${invoice.id}:created`,
      `${invoice.id}:underpaid`,
      `${invoice.id}:underpaid:2`,
      `${invoice.id}:paid`,
    ])
    expect(watcher.events().map((e) => [e.type, e.received])).toEqual([
      ['created', 0n],
      ['underpaid', 4_000n],
      ['underpaid', 5_000n],
      ['paid', 10_000n],
    ])
  })
})
