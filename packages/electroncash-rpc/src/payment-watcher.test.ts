import { appendFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AmountError, ParamsError } from './errors.js'
import { createMemoryInvoiceStore, type InvoiceStore } from './invoice-store.js'
import { InvoiceConflictError, InvoiceCreationError, RateError } from './payment-errors.js'
import { createPaymentWatcher, type PaymentWatcher, type PaymentWatcherOptions } from './payment-watcher.js'
import { createFixedRateProvider } from './rates.js'
import { useFakeDaemons } from './test-support/daemons.js'
import type { FakeDaemon } from './testing/fake-daemon.js'

const fakes = useFakeDaemons()
let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ec-watcher-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** `type:received:confirmations` for every event after `created`, and `error:<name>` for failed polls. */
function record(watcher: PaymentWatcher) {
  const events: string[] = []
  watcher.on('event', ({ event }) => {
    if (event.type !== 'created') events.push(`${event.type}:${event.received}:${event.confirmations}`)
  })
  watcher.on('error', (e) => events.push(`error:${(e as Error).name}`))
  return events
}

async function setup(options: PaymentWatcherOptions = {}, daemonOptions: Parameters<typeof fakes.start>[0] = {}) {
  const daemon = await fakes.start(daemonOptions)
  const client = fakes.connect(daemon)
  const store = (options.store ?? createMemoryInvoiceStore()) as InvoiceStore
  const watcher = createPaymentWatcher(client, { store, ...options })
  return { daemon, client, store, watcher, events: record(watcher) }
}

/** Makes the daemon's reply for one request unreadable: an amount JSON cannot carry exactly (above 2^53). */
function corruptRequest(daemon: FakeDaemon, address: string) {
  const request = daemon.wallet.requests.get(address)!
  daemon.wallet.requests.set(address, { ...request, amount: 9_999_999_999_999_999n })
}

describe('payment watcher: states', () => {
  it('an exact payment is Processing when seen, Settled after a block', async () => {
    const { daemon, watcher, events } = await setup()
    const invoice = await watcher.createInvoice({ amount: '0.29', memo: 'order-7', expiresInSeconds: 3600 })
    expect(invoice).toMatchObject({ amount: 29_000_000n, status: 'New', additionalStatus: 'None', memo: 'order-7' })
    await watcher.check()
    expect(events).toEqual([])
    daemon.credit(invoice.address, 29_000_000n)
    await watcher.check()
    daemon.mine()
    await watcher.check()
    await watcher.check()
    expect(events).toEqual(['payment_received:29000000:0', 'processing:29000000:0', 'settled:29000000:1'])
    expect(await watcher.getInvoice(invoice.id)).toMatchObject({ status: 'Settled', additionalStatus: 'None' })
  })

  it('confirmations are set per invoice: 0-conf settles at first sight, 3 waits for three blocks', async () => {
    const { daemon, watcher } = await setup()
    const instant = await watcher.createInvoice({ amount: 1_000n, confirmations: 0 })
    const careful = await watcher.createInvoice({ amount: 2_000n, confirmations: 3 })
    daemon.credit(instant.address, 1_000n)
    daemon.credit(careful.address, 2_000n, { confirmations: 1 })
    await watcher.check()
    expect((await watcher.getInvoice(instant.id))?.status).toBe('Settled')
    expect((await watcher.getInvoice(careful.id))?.status).toBe('Processing')
    daemon.mine(2)
    await watcher.check()
    expect((await watcher.getInvoice(careful.id))?.status).toBe('Settled')
  })

  it('0-conf is off by default', async () => {
    const { daemon, watcher } = await setup()
    const invoice = await watcher.createInvoice({ amount: 1_000n })
    expect(invoice.requiredConfirmations).toBe(1)
    daemon.credit(invoice.address, 1_000n)
    await watcher.check()
    expect((await watcher.getInvoice(invoice.id))?.status).toBe('Processing')
  })

  it('a partial payment is New/PaidPartial, and Processing once topped up', async () => {
    const { daemon, watcher, events } = await setup()
    const invoice = await watcher.createInvoice({ amount: 10_000n })
    daemon.credit(invoice.address, 4_000n)
    await watcher.check()
    expect(await watcher.getInvoice(invoice.id)).toMatchObject({ status: 'New', additionalStatus: 'PaidPartial' })
    await watcher.check()
    daemon.credit(invoice.address, 6_000n)
    await watcher.check()
    expect(events).toEqual(['payment_received:4000:0', 'payment_received:10000:0', 'processing:10000:0'])
  })

  it('an overpayment is Processing/PaidOver', async () => {
    const { daemon, watcher } = await setup()
    const invoice = await watcher.createInvoice({ amount: 10_000n })
    daemon.credit(invoice.address, 12_500n)
    await watcher.check()
    expect(await watcher.getInvoice(invoice.id)).toMatchObject({ status: 'Processing', additionalStatus: 'PaidOver' })
  })

  it('an unpaid invoice expires; a payment after that is PaidLate, not lost', async () => {
    let clock = Date.UTC(2026, 10, 22)
    const { daemon, watcher, events } = await setup({ now: () => clock }, { now: () => clock })
    const invoice = await watcher.createInvoice({ amount: 5_000n, expiresInSeconds: 60 })
    expect(invoice.expiresAt).toBe(clock / 1000 + 60)
    clock += 30_000
    await watcher.check()
    clock += 31_000
    await watcher.check()
    await watcher.check()
    expect(events).toEqual(['expired:0:0'])
    daemon.credit(invoice.address, 5_000n)
    clock += 5_000
    await watcher.check()
    expect(events).toEqual(['expired:0:0', 'payment_received:5000:0', 'paid_late:5000:0'])
    expect(await watcher.getInvoice(invoice.id)).toMatchObject({ status: 'Expired', additionalStatus: 'PaidLate' })
    const late = (await watcher.events(invoice.id)).find((event) => event.type === 'paid_late')
    expect(late?.afterExpiration).toBe(true)
  })

  it('an unconfirmed payment that disappears makes the invoice Invalid', async () => {
    const { daemon, watcher, events } = await setup()
    const invoice = await watcher.createInvoice({ amount: 10_000n })
    daemon.credit(invoice.address, 10_000n)
    await watcher.check()
    daemon.wallet.transactions.splice(0) // dropped from the mempool (double spent)
    await watcher.check()
    expect(events.at(-1)).toBe('invalid:0:0')
    expect((await watcher.getInvoice(invoice.id))?.status).toBe('Invalid')
  })

  it('markInvoice settles or invalidates by hand with additional status Marked, once', async () => {
    const { watcher } = await setup()
    const invoice = await watcher.createInvoice({ amount: 10_000n })
    const marked = await watcher.markInvoice(invoice.id, 'Settled')
    expect(marked).toMatchObject({ status: 'Settled', additionalStatus: 'Marked' })
    expect((await watcher.events(invoice.id)).at(-1)).toMatchObject({ type: 'settled', manuallyMarked: true })
    await expect(watcher.markInvoice(invoice.id, 'Settled')).rejects.toThrow(/cannot be marked Settled/)
    await expect(watcher.markInvoice('inv_nope', 'Invalid')).rejects.toThrow(/No invoice inv_nope/)
  })

  it('falls back to address balance and history when the daemon no longer has the request', async () => {
    const { daemon, client, watcher, events } = await setup()
    const invoice = await watcher.createInvoice({ amount: 7_000n })
    await client.clearRequests()
    daemon.credit(invoice.address, 7_000n, { confirmations: 2 })
    await watcher.check()
    expect(events).toEqual(['payment_received:7000:2', 'settled:7000:2'])
  })

  it("works with a daemon in offline mode (request status plus the wallet's own address balances)", async () => {
    const { daemon, watcher, events } = await setup({}, { offline: true })
    const invoice = await watcher.createInvoice({ amount: 3_000n })
    daemon.credit(invoice.address, 3_000n)
    await watcher.check()
    daemon.mine()
    await watcher.check()
    expect(events).toEqual(['payment_received:3000:0', 'processing:3000:0', 'settled:3000:1'])
  })

  it('one poll is one batch of two wallet-local calls, whatever the number of invoices; none waits on the network', async () => {
    const { daemon, watcher } = await setup({}, { networkStallSeconds: 30 })
    for (let i = 0; i < 30; i++) await watcher.createInvoice({ amount: BigInt(1_000 + i), force: true })
    daemon.calls.splice(0)
    await watcher.check()
    expect(daemon.calls.map((c) => c.method)).toEqual(['listrequests', 'listaddresses'])
  })

  it('a poll while the daemon is down emits error, health says why, and the next poll catches up', async () => {
    const daemon = await fakes.start()
    const watcher = createPaymentWatcher(fakes.connect(daemon, { retry: false }), { store: createMemoryInvoiceStore() })
    const events = record(watcher)
    const invoice = await watcher.createInvoice({ amount: 2_000n })
    await daemon.stop()
    await watcher.check()
    expect(watcher.health()).toMatchObject({ status: 'degraded' })
    expect(watcher.health().reasons[0]).toMatch(/polls failing since .*: .*refused/)
    daemon.credit(invoice.address, 2_000n, { confirmations: 1 })
    await daemon.start()
    await watcher.check()
    expect(events).toEqual(['error:ConnectionError', 'payment_received:2000:1', 'settled:2000:1'])
    expect(watcher.health()).toMatchObject({ status: 'ok', reasons: [] })
  })

  it("with notifyUrl the daemon's notify callback makes it poll at once: a payment is seen without waiting for a poll", async () => {
    const { createServer } = await import('node:http')
    let poke: () => void = () => undefined
    const callbacks = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        poke()
        res.end()
      })
    })
    await new Promise<void>((resolve) => callbacks.listen(0, '127.0.0.1', resolve))
    const notifyUrl = `http://127.0.0.1:${(callbacks.address() as { port: number }).port}/notify`
    const { daemon, watcher } = await setup({ pollIntervalMs: 600_000, notifyUrl })
    poke = () => watcher.poke()
    await watcher.start()
    const invoice = await watcher.createInvoice({ amount: 1_500n })
    // The registration is not awaited by createInvoice: wait for the daemon to have it.
    while (!daemon.calls.some((call) => call.method === 'notify')) await new Promise((resolve) => setTimeout(resolve, 10))
    await daemon.notificationsSettled()
    expect(daemon.notifications().map((n) => [n.url, n.body.address])).toEqual([[notifyUrl, invoice.address]])
    const seen = new Promise((resolve) => watcher.on('event', ({ event }) => event.type === 'processing' && resolve(event)))
    daemon.credit(invoice.address, 1_500n)
    await seen // the only poll after start() is the one the callback asked for
    await watcher.stop()
    await new Promise<void>((resolve) => callbacks.close(() => resolve()))
  })

  it('with notifyUrl, a daemon that restarted (forgetting its callbacks) gets them again from the first poll that reaches it', async () => {
    const notifyUrl = 'http://127.0.0.1:9/notify'
    const daemon = await fakes.start()
    const watcher = createPaymentWatcher(fakes.connect(daemon, { retry: false }), {
      store: createMemoryInvoiceStore(),
      pollIntervalMs: 600_000,
      notifyUrl,
    })
    const first = await watcher.createInvoice({ amount: 1_500n })
    const second = await watcher.createInvoice({ amount: 2_500n })
    await watcher.check()
    const registrations = () =>
      daemon.calls.filter((c) => c.method === 'notify').map((c) => (c.params as { address: string }).address)
    while (registrations().length < 2) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(registrations()).toEqual([first.address, second.address]) // at creation; the poll added none
    await daemon.stop({ exit: true })
    await watcher.check() // refused: the daemon may be restarting
    await daemon.start()
    await watcher.check()
    expect(registrations()).toEqual([first.address, second.address, first.address, second.address])
    await watcher.check()
    expect(registrations()).toHaveLength(4) // once per restart, not every poll
    await daemon.notificationsSettled()
    expect(daemon.notifications().filter((n) => n.url === notifyUrl)).toHaveLength(4)
  })

  it('with notifyUrl, polls leave the invoices another watcher on the store created to it (its creator registered them)', async () => {
    const store = createMemoryInvoiceStore()
    const daemon = await fakes.start()
    const options = { store, pollIntervalMs: 600_000, notifyUrl: 'http://127.0.0.1:9/n' }
    const creator = createPaymentWatcher(fakes.connect(daemon), options)
    const replica = createPaymentWatcher(fakes.connect(daemon), options)
    await creator.createInvoice({ amount: 1_500n })
    while (!daemon.calls.some((c) => c.method === 'notify')) await new Promise((resolve) => setTimeout(resolve, 10))
    await replica.check()
    await replica.check()
    expect(daemon.calls.filter((c) => c.method === 'notify')).toHaveLength(1)
  })

  it('with notifyUrl, start() registers the callbacks of invoices made before this process', async () => {
    const store = createMemoryInvoiceStore()
    const { daemon, watcher: before } = await setup({ store })
    const invoice = await before.createInvoice({ amount: 1_500n })
    const watcher = createPaymentWatcher(fakes.connect(daemon), {
      store,
      pollIntervalMs: 600_000,
      notifyUrl: 'http://127.0.0.1:9/n',
    })
    await watcher.start()
    expect(daemon.calls.filter((c) => c.method === 'notify').map((c) => c.params)).toEqual([
      { address: invoice.address, URL: 'http://127.0.0.1:9/n' },
    ])
    await watcher.stop()
  })

  it('polls on its own after start() until stopped', async () => {
    const { daemon, watcher } = await setup({ pollIntervalMs: 5 })
    const invoice = await watcher.createInvoice({ amount: 1_500n })
    const seen = new Promise((resolve) => watcher.on('event', ({ event }) => event.type === 'processing' && resolve(event)))
    await watcher.start()
    daemon.credit(invoice.address, 1_500n)
    await seen
    await watcher.stop()
    expect((await watcher.getInvoice(invoice.id))?.status).toBe('Processing')
  })
})

describe('payment watcher: one bad invoice never stops the others (issue 17 attack)', () => {
  it.each([
    ['99999999.99999999', /more than the 21,000,000 BCH/],
    ['0.00000100', /below the dust limit/],
    ['0', /below the dust limit/],
    ['-0.1', /below the dust limit/],
    ['0.000000001', /more than 8 decimal places/],
  ])('error: amount %s is refused before anything reaches the daemon', async (amount, message) => {
    const { daemon, watcher } = await setup()
    await expect(watcher.createInvoice({ amount: amount as `${number}` })).rejects.toThrow(message)
    await expect(watcher.createInvoice({ amount: amount as `${number}` })).rejects.toBeInstanceOf(AmountError)
    expect(daemon.calls).toEqual([])
  })

  it('a request the client cannot read (above 2^53 sats, made behind our back) does not block detection for the others', async () => {
    const { daemon, client, watcher, events } = await setup()
    const paying = await watcher.createInvoice({ amount: 40_000n })
    // The attack on the running server: the daemon holds a request whose amount JSON cannot carry exactly.
    await expect(client.addRequest({ amount: '99999999.99999999' })).rejects.toThrow()
    expect(daemon.requests().some((request) => request.amount === 9_999_999_999_999_999n)).toBe(true)
    daemon.credit(paying.address, 40_000n)
    await watcher.check()
    expect(events).toEqual(['payment_received:40000:0', 'processing:40000:0'])
    expect(watcher.health()).toMatchObject({ status: 'degraded', unreadableRequests: 1 })
    expect(watcher.health().reasons).toEqual(['1 daemon request(s) cannot be read (not ours; the rest are watched)'])
  })

  it('an invoice whose own request cannot be read records the failure on itself; the others settle', async () => {
    const { daemon, watcher, events } = await setup()
    const broken = await watcher.createInvoice({ amount: 10_000n, memo: 'broken' })
    const fine = await watcher.createInvoice({ amount: 20_000n, memo: 'fine' })
    const failures: string[] = []
    watcher.on('invoice-error', ({ invoice, error }) => failures.push(`${invoice.memo}: ${error.message}`))
    corruptRequest(daemon, broken.address)
    daemon.credit(broken.address, 10_000n)
    daemon.credit(fine.address, 20_000n, { confirmations: 1 })
    await watcher.check()
    await watcher.check()
    expect(events).toEqual(['payment_received:20000:1', 'settled:20000:1'])
    expect(failures).toHaveLength(2)
    expect(failures[0]).toMatch(/^broken: the daemon's request [0-9a-f]+ cannot be read: amount/)
    const stored = await watcher.getInvoice(broken.id)
    expect(stored).toMatchObject({ status: 'New', watchFailure: { failures: 1 } })
    expect(watcher.health().failingInvoices).toEqual([expect.objectContaining({ id: broken.id, failures: 2 })])
    expect(watcher.health().reasons[0]).toMatch(new RegExp(`invoice ${broken.id} cannot be watched \\(2 polls\\)`))
    // Repaired: the failure clears and the payment is detected.
    daemon.wallet.requests.set(broken.address, { ...daemon.wallet.requests.get(broken.address)!, amount: 10_000n })
    await watcher.check()
    expect(await watcher.getInvoice(broken.id)).toMatchObject({ status: 'Processing', watchFailure: null })
    expect(watcher.health().status).toBe('ok')
  })

  it('an unreadable reply to addrequest leaves nothing in the daemon, and the caller gets a clear error', async () => {
    const { daemon, watcher, store } = await setup()
    daemon.inject({ type: 'cut' }, { times: 1 }) // the daemon creates the request, the reply is cut mid-body
    const error = await watcher.createInvoice({ amount: 30_000n, memo: 'cut reply' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvoiceCreationError)
    expect(error).toMatchObject({ leftover: 'removed' })
    expect((error as Error).message).toMatch(/the request the daemon created was removed/)
    expect(daemon.requests()).toEqual([])
    expect(await store.openIntents()).toEqual([])
    expect((await store.load()).invoices).toEqual([])
  })

  it('a creation the daemon could not be asked about is recorded, reconciled by a later poll, and frees its order id', async () => {
    let clock = Date.UTC(2026, 10, 22)
    const { daemon, watcher, store } = await setup({ now: () => clock, reconcileAfterMs: 30_000 }, { now: () => clock })
    daemon.inject({ type: 'cut' }, { times: 1 }) // addrequest ran, its answer is lost...
    daemon.inject({ type: 'reset' }) // ...and the daemon cannot be asked what it created
    const error = await watcher.createInvoice({ amount: 30_000n, orderId: 'A-9' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ leftover: 'recorded' })
    daemon.clearFaults()
    expect(daemon.requests()).toHaveLength(1)
    await expect(watcher.createInvoice({ amount: 30_000n, orderId: 'A-9' })).rejects.toMatchObject({ reason: 'in-progress' })
    await watcher.check()
    expect(watcher.health().reasons).toEqual(['1 invoice creation(s) wait to be reconciled with the daemon'])
    clock += 30_000
    await watcher.check()
    expect(daemon.requests()).toEqual([])
    expect((await store.load()).intents[0]).toMatchObject({ state: 'abandoned', note: expect.stringMatching(/^removed/) })
    const retried = await watcher.createInvoice({ amount: 30_000n, orderId: 'A-9' })
    expect(retried).toMatchObject({ existing: false, orderId: 'A-9' })
  })
})

describe('payment watcher: idempotent creation', () => {
  it('creating twice with one order id returns the same invoice', async () => {
    const { daemon, watcher } = await setup()
    const first = await watcher.createInvoice({ amount: 10_000n, orderId: 'order-1' })
    const second = await watcher.createInvoice({ amount: 10_000n, orderId: 'order-1' })
    expect(first.existing).toBe(false)
    expect(second).toEqual({ ...first, existing: true })
    expect(daemon.requests()).toHaveLength(1)
  })

  it('concurrent creates with one order id make one invoice', async () => {
    const { daemon, watcher } = await setup()
    daemon.inject({ type: 'delay', ms: 50 }, { times: 1 }) // a slow node, as in BTCPay #1413
    const results = await Promise.all(Array.from({ length: 8 }, () => watcher.createInvoice({ amount: 10_000n, orderId: 'o-2' })))
    expect(new Set(results.map((invoice) => invoice.id)).size).toBe(1)
    expect(results.filter((invoice) => !invoice.existing)).toHaveLength(1)
    expect(daemon.requests()).toHaveLength(1)
    expect(daemon.calls.filter((c) => c.method === 'addrequest')).toHaveLength(1)
  })

  it('concurrent creates through two watchers on one store make one invoice (the store owns the order id)', async () => {
    const daemon = await fakes.start()
    const store = createMemoryInvoiceStore()
    const a = createPaymentWatcher(fakes.connect(daemon), { store })
    const b = createPaymentWatcher(fakes.connect(daemon), { store })
    const results = await Promise.allSettled([
      a.createInvoice({ amount: 10_000n, orderId: 'o-3' }),
      b.createInvoice({ amount: 10_000n, orderId: 'o-3' }),
    ])
    const invoices = (await store.load()).invoices
    expect(invoices).toHaveLength(1)
    for (const result of results) {
      if (result.status === 'fulfilled') expect(result.value.id).toBe(invoices[0]!.id)
      else expect(result.reason).toMatchObject({ name: 'InvoiceConflictError', reason: 'in-progress' })
    }
    expect(daemon.requests()).toHaveLength(1)
  })

  it('error: the same order id for another price is refused, naming the invoice', async () => {
    const { watcher } = await setup()
    const first = await watcher.createInvoice({ amount: 10_000n, orderId: 'order-4' })
    const error = await watcher.createInvoice({ amount: 20_000n, orderId: 'order-4' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvoiceConflictError)
    expect(error).toMatchObject({ reason: 'price', invoiceId: first.id })
  })
})

describe('payment watcher: fiat prices', () => {
  it('prices in KRW and USD at the provider rate, locked and stored with the invoice', async () => {
    let rate = '650000'
    const rates = {
      name: 'test',
      rate: async (currency: 'KRW' | 'USD') => ({
        currency,
        rate: currency === 'KRW' ? rate : '480.5',
        source: 'test',
        quotedAt: 7,
      }),
    }
    const { watcher, store } = await setup({ rates })
    const krw = await watcher.createInvoice({ price: { currency: 'KRW', amount: '10000' }, orderId: 'k-1' })
    expect(krw).toMatchObject({
      amount: 1_538_462n,
      price: { currency: 'KRW', amount: '10000', rate: '650000', source: 'test', quotedAt: 7 },
    })
    const usd = await watcher.createInvoice({ price: { currency: 'USD', amount: '12.34' } })
    expect(usd.amount).toBe(2_568_159n)
    rate = '700000' // the market moves: the invoice keeps its price
    expect((await store.getInvoice(krw.id))?.amount).toBe(1_538_462n)
    expect((await watcher.createInvoice({ price: { currency: 'KRW', amount: '10000' }, orderId: 'k-1' })).amount).toBe(1_538_462n)
  })

  it('error: a fiat price without a provider, with a bad amount, or that the provider cannot quote', async () => {
    const { daemon, watcher } = await setup({ rates: createFixedRateProvider({ KRW: '650000' }) })
    await expect(watcher.createInvoice({ price: { currency: 'USD', amount: '10' } })).rejects.toBeInstanceOf(RateError)
    await expect(watcher.createInvoice({ price: { currency: 'KRW', amount: '10.5' } })).rejects.toThrow(
      /more than 0 decimal places/,
    )
    await expect(watcher.createInvoice({ price: { currency: 'KRW', amount: '1' } })).rejects.toThrow(/below the dust limit/)
    await expect(watcher.createInvoice({ amount: 1_000n, price: { currency: 'KRW', amount: '1' } })).rejects.toBeInstanceOf(
      ParamsError,
    )
    const bare = (await setup()).watcher
    await expect(bare.createInvoice({ price: { currency: 'KRW', amount: '10000' } })).rejects.toThrow(/needs a rate provider/)
    expect(daemon.calls).toEqual([])
  })
})

describe('payment watcher: restarts', () => {
  it('a restarted watcher resumes from the JSON Lines store: no payment lost, no event repeated', async () => {
    const daemon = await fakes.start()
    const storePath = join(dir, 'invoices.jsonl')
    const first = createPaymentWatcher(fakes.connect(daemon), { storePath })
    const invoice = await first.createInvoice({ amount: 50_000n, metadata: { customer: 'A-1' } })
    await first.stop()
    daemon.credit(invoice.address, 50_000n) // paid while the service was down
    const second = createPaymentWatcher(fakes.connect(daemon), { storePath })
    const secondEvents = record(second)
    await second.check()
    await second.stop()
    expect(secondEvents).toEqual(['payment_received:50000:0', 'processing:50000:0'])
    const third = createPaymentWatcher(fakes.connect(daemon), { storePath })
    const thirdEvents = record(third)
    await third.check()
    daemon.mine()
    await third.check()
    expect(thirdEvents).toEqual(['settled:50000:1'])
    expect((await third.getInvoice(invoice.id))?.metadata).toEqual({ customer: 'A-1' })
    expect((await third.events(invoice.id)).map((event) => event.id)).toEqual(
      ['created', 'payment_received', 'processing', 'settled'].map((type) => `${invoice.id}:${type}`),
    )
    await third.stop()
  })

  it('an invoice created after a crash tore the store is kept, and the store still loads', async () => {
    const daemon = await fakes.start()
    const storePath = join(dir, 'invoices.jsonl')
    const first = createPaymentWatcher(fakes.connect(daemon), { storePath })
    const a = await first.createInvoice({ amount: 10_000n })
    await first.stop()
    await appendFile(storePath, '{"invoice":{"id":"half-written","addr')
    const second = createPaymentWatcher(fakes.connect(daemon), { storePath })
    const b = await second.createInvoice({ amount: 20_000n })
    await second.stop()
    const restarted = createPaymentWatcher(fakes.connect(daemon), { storePath })
    await restarted.start()
    await restarted.stop()
    expect((await restarted.invoices()).map((invoice) => invoice.id)).toEqual([a.id, b.id])
  })

  it('event ids are stable: <invoice>:<type>, then :2, :3 for repeats', async () => {
    const { daemon, watcher } = await setup()
    const invoice = await watcher.createInvoice({ amount: 10_000n })
    daemon.credit(invoice.address, 4_000n)
    await watcher.check()
    daemon.credit(invoice.address, 1_000n)
    await watcher.check()
    daemon.credit(invoice.address, 5_000n, { confirmations: 1 })
    await watcher.check()
    expect((await watcher.events(invoice.id)).map((e) => [e.id.replace(invoice.id, '<id>'), e.received])).toEqual([
      ['<id>:created', 0n],
      ['<id>:payment_received', 4_000n],
      ['<id>:payment_received:2', 5_000n],
      ['<id>:payment_received:3', 10_000n],
      ['<id>:processing', 10_000n], // two of the three payments are still in the mempool
    ])
  })
})
