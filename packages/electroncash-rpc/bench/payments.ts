/**
 * `pnpm bench` (payments): with 1,000 open invoices against the fake daemon,
 * 1. detection latency, once the setup's 1,000 `created` webhooks are delivered: a payment credited to the daemon →
 *    the invoice's `processing` webhook received by a local HTTP receiver (state change stored, webhook signed and sent), for 100 payments made one at a time at seeded
 *    moments; p50/p99/max against the goal p99 < 2 s, beside the floor of one poll (the poll interval plus one
 *    `listrequests` + `listaddresses` batch over the 1,000 requests, measured in the same run);
 *    the same again with the daemon's `notify` callbacks routed to `watcher.poke()` (info);
 * 2. daemon calls per poll cycle with 10, 100 and 1,000 open invoices (the goal: flat);
 * 3. a burst: 200 invoices paid at once → every `processing` webhook received (info).
 * Everything (daemon, watcher, sender, receiver) runs in this one process on loopback, as under load: wall-clock
 * figures include other processes' load; the ratio to the same run's floor is the comparable figure.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  createElectronCashClient,
  createJsonlInvoiceStore,
  createPaymentWatcher,
  createWebhookSender,
  type WebhookPayloadV1,
} from '../src/index.js'
import { startFakeDaemon } from '../src/testing/index.js'

const OPEN = 1_000
const PAYMENTS = 100
const BURST = 200
const POLL_MS = 1_000

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}
/** mulberry32: the same moments every run. */
function seeded(seed: number) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

async function service(open: number, options: { notify?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ec-bench-payments-'))
  const daemon = await startFakeDaemon()
  const client = createElectronCashClient({ url: daemon.url, username: daemon.username, password: daemon.password, env: {} })
  const received = new Map<string, number>() // invoice id → when its processing webhook arrived
  const stored = new Map<string, number>() // invoice id → when its processing event was stored
  let createdWebhooks = 0
  const waiters = new Map<string, () => void>()
  const receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => {
      body += chunk
    })
    req.on('end', () => {
      const payload = JSON.parse(body) as WebhookPayloadV1
      if (payload.type === 'invoice.created') createdWebhooks++
      if (payload.type === 'invoice.processing') {
        received.set(payload.invoiceId, performance.now())
        waiters.get(payload.invoiceId)?.()
      }
      res.end('ok')
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  // The daemon's notify callbacks (with `notify`): each one asks the watcher to poll now.
  let poke = () => {}
  const callbacks = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      poke()
      res.end()
    })
  })
  await new Promise<void>((resolve) => callbacks.listen(0, '127.0.0.1', resolve))
  const notifyUrl = `http://127.0.0.1:${(callbacks.address() as AddressInfo).port}/notify`
  const store = createJsonlInvoiceStore(join(dir, 'invoices.jsonl'))
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`
  const webhooks = createWebhookSender({ store, url, secret: 'bench-secret' })
  const watcher = createPaymentWatcher(client, {
    store,
    webhooks,
    pollIntervalMs: POLL_MS,
    ...(options.notify ? { notifyUrl } : {}),
  })
  poke = () => watcher.poke()
  const invoices = []
  for (let i = 0; i < open; i++) invoices.push(await watcher.createInvoice({ amount: BigInt(10_000 + i), force: true }))
  watcher.on('event', ({ event }) => {
    if (event.type === 'processing') stored.set(event.invoiceId, performance.now())
  })
  await watcher.start()
  webhooks.start()
  // Steady state: the 1,000 `created` webhooks of the setup are delivered before anything is measured.
  while (createdWebhooks < open) await sleep(50)
  const arrived = (id: string) =>
    received.has(id) ? Promise.resolve() : new Promise<void>((resolve) => waiters.set(id, resolve))
  return {
    daemon,
    client,
    invoices,
    received,
    stored,
    arrived,
    watcher,
    async close() {
      await watcher.stop()
      await webhooks.stop()
      await store.close()
      await new Promise<void>((resolve) => receiver.close(() => resolve()))
      await new Promise<void>((resolve) => callbacks.close(() => resolve()))
      await daemon.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function detection(notify = false) {
  const svc = await service(OPEN, { notify })
  // The floor: one poll's batch over 1,000 requests, measured now, on this machine.
  const batches: number[] = []
  for (let i = 0; i < 20; i++) {
    const start = performance.now()
    await svc.client.batch([
      { method: 'listrequests', params: {} },
      { method: 'listaddresses', params: { balance: true } },
    ])
    batches.push(performance.now() - start)
  }
  const batchMs = percentile(batches, 50)
  const random = seeded(17)
  const latencies: number[] = []
  const detect: number[] = []
  for (let i = 0; i < PAYMENTS; i++) {
    const invoice = svc.invoices[Math.floor(random() * svc.invoices.length)]!
    if (svc.received.has(invoice.id)) continue
    await sleep(Math.floor(random() * 300))
    const paidAt = performance.now()
    svc.daemon.credit(invoice.address, invoice.amount)
    await svc.arrived(invoice.id)
    latencies.push(svc.received.get(invoice.id)! - paidAt)
    detect.push(svc.stored.get(invoice.id)! - paidAt)
  }
  await svc.close()
  return { latencies, detect, batchMs }
}

async function callsPerPoll(open: number): Promise<number> {
  const svc = await service(open)
  await svc.watcher.check()
  svc.daemon.calls.splice(0)
  const polls = 5
  for (let i = 0; i < polls; i++) await svc.watcher.check()
  const calls = svc.daemon.calls.length / polls
  await svc.close()
  return calls
}

async function burst(): Promise<number> {
  const svc = await service(BURST)
  const start = performance.now()
  for (const invoice of svc.invoices) svc.daemon.credit(invoice.address, invoice.amount)
  await Promise.all(svc.invoices.map((invoice) => svc.arrived(invoice.id)))
  const elapsed = performance.now() - start
  await svc.close()
  return elapsed
}

const { latencies, detect, batchMs } = await detection()
const pushed = await detection(true)
const p50 = percentile(latencies, 50)
const p99 = percentile(latencies, 99)
const floor = POLL_MS + batchMs
const calls = [10, 100, OPEN].map((open) => [open, 0] as [number, number])
for (const entry of calls) entry[1] = await callsPerPoll(entry[0])
const burstMs = await burst()

console.log('\n@tradekit/electroncash-rpc payment benchmarks (fake daemon, watcher, sender and receiver in one process)\n')
console.log(
  `${p99 < 2_000 ? 'PASS' : 'MISS'}  detection with ${OPEN} open invoices: credit → processing webhook received (${latencies.length} payments)`,
)
console.log(
  `      p50 ${p50.toFixed(0)} ms | p99 ${p99.toFixed(0)} ms | max ${Math.max(...latencies).toFixed(0)} ms | floor (poll ${POLL_MS} ms + one batch ${batchMs.toFixed(0)} ms) ${floor.toFixed(0)} ms | p99/floor ${(p99 / floor).toFixed(2)} | goal p99 < 2000 ms`,
)
console.log(
  `      of which credit → event stored: p50 ${percentile(detect, 50).toFixed(0)} ms, p99 ${percentile(detect, 99).toFixed(0)} ms; stored → webhook received: p99 ${percentile(
    latencies.map((value, i) => value - detect[i]!),
    99,
  ).toFixed(0)} ms`,
)
console.log(
  `INFO  the same with the daemon's notify callbacks (notifyUrl → poke): p50 ${percentile(pushed.latencies, 50).toFixed(0)} ms | p99 ${percentile(pushed.latencies, 99).toFixed(0)} ms | max ${Math.max(...pushed.latencies).toFixed(0)} ms`,
)
const flat = calls.every(([, count]) => count === calls[0]![1])
console.log(
  `${flat ? 'PASS' : 'MISS'}  daemon calls per poll cycle: ${calls.map(([open, count]) => `${open} open → ${count}`).join(', ')} | goal: flat (listrequests + listaddresses, one batch)`,
)
console.log(`INFO  burst: ${BURST} invoices paid at once → all ${BURST} processing webhooks received in ${burstMs.toFixed(0)} ms`)
