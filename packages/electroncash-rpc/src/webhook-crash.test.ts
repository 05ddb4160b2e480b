/**
 * Webhooks survive kill -9: a payment service (child process) is SIGKILLed 20 times at seeded moments (after a
 * chosen number of webhook calls reached the receiver, which fails some calls so retries are pending, or right after
 * a chosen number of commits that stored events, where a webhook not stored with its event would be lost) while
 * invoices are created, paid and confirmed. Afterwards every event in the store reached the receiver, each event
 * always under one delivery id with the same bytes, and every invoice has its created and settled events.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createJsonlInvoiceStore } from './invoice-store.js'
import { bundleChild } from './test-support/build-child.js'
import { useFakeDaemons } from './test-support/daemons.js'
import { startWebhookReceiver } from './testing/webhook-receiver.js'
import type { WebhookPayloadV1 } from './webhook-sender.js'

const fakes = useFakeDaemons()
let child: { file: string; cleanup: () => void }
let dir: string
beforeAll(async () => {
  child = await bundleChild(join(import.meta.dirname, 'test-support/webhook-child.ts'))
  dir = mkdtempSync(join(tmpdir(), 'ec-webhook-crash-'))
}, 60_000)
afterAll(() => {
  child?.cleanup()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** A started service: send it lines, await lines it prints. */
function service(args: string[]) {
  const proc: ChildProcess = spawn(process.execPath, [child.file, ...args], { stdio: ['pipe', 'pipe', 'inherit'] })
  proc.stdin!.on('error', () => undefined) // writing to a service that just killed itself
  const lines: string[] = []
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = []
  let buffer = ''
  proc.stdout!.on('data', (data: Buffer) => {
    buffer += data.toString()
    const parts = buffer.split('\n')
    buffer = parts.pop()!
    for (const line of parts) {
      lines.push(line)
      for (const waiter of waiters.filter((w) => w.test(line))) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(line)
      }
    }
  })
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()))
  return {
    lines,
    send: (line: string) => proc.stdin!.write(`${line}\n`),
    next: (test: (line: string) => boolean) =>
      new Promise<string>((resolve, reject) => {
        const seen = lines.find(test)
        if (seen) return resolve(seen)
        waiters.push({ test, resolve })
        void exited.then(() => reject(new Error('the service exited')))
      }),
    kill: async () => {
      proc.kill('SIGKILL')
      await exited
    },
    stop: async () => {
      proc.kill('SIGTERM')
      await exited
    },
  }
}

describe('webhook delivery across kill -9', () => {
  it('20 SIGKILLs at seeded moments: no event lost, none sent under a new delivery id, every invoice settled and announced', async () => {
    const daemon = await fakes.start()
    const hook = await startWebhookReceiver()
    const storePath = join(dir, 'invoices.jsonl')
    const args = [storePath, daemon.url, daemon.username, daemon.password, hook.url]
    const runs = 20
    const plan = fc.sample(
      fc.record({ kill: fc.integer({ min: 1, max: 3 }), on: fc.constantFrom('webhook', 'commit'), failing: fc.boolean() }),
      { numRuns: runs, seed: 17 },
    )
    /** order id → invoice address, once the service acknowledged it */
    const orders = new Map<string, string>()
    const paid = new Set<string>()
    let next = 0
    for (const [run, { kill, on, failing }] of plan.entries()) {
      hook.answer(failing ? 500 : 200)
      const svc = service([...args, on === 'commit' ? String(kill) : '0'])
      // A service set to die after its kill-th commit may die while catching up at start: that is a moment too.
      if (
        !(await svc
          .next((line) => line === 'ready')
          .then(
            () => true,
            () => false,
          ))
      )
        continue
      // Orders not acknowledged before a kill are created again (same order id: the same invoice, or a new one if
      // the first never got stored); two new orders per run.
      const wanted = [...[...orders.keys()].filter((id) => orders.get(id) === ''), `order-${next++}`, `order-${next++}`]
      for (const orderId of wanted) {
        orders.set(orderId, '')
        svc.send(`create ${orderId} ${10_000 + Number(orderId.slice(6))}`)
      }
      const before = hook.calls.length
      // Pay and confirm what is acknowledged; kill after `kill` more webhook calls arrived.
      for (const orderId of wanted) {
        const line = await svc
          .next((l) => l.startsWith(`created ${orderId} `) || l.startsWith(`failed ${orderId} `))
          .catch(() => '')
        const [, , , address] = line.split(' ')
        if (!address) continue
        orders.set(orderId, address)
        if (!paid.has(orderId)) {
          daemon.credit(address, BigInt(10_000 + Number(orderId.slice(6))))
          paid.add(orderId)
        }
      }
      if (run % 3 === 2) daemon.mine()
      // 'commit': the service kills itself right after its kill-th commit of events.
      if (on === 'webhook') await hook.received(before + kill)
      await svc.kill()
    }
    // A last run, not killed, until everything is settled and delivered.
    hook.answer(200)
    daemon.mine()
    const last = service([...args, '0'])
    await last.next((line) => line === 'ready')
    for (const orderId of [...orders.keys()].filter((id) => orders.get(id) === '')) {
      last.send(`create ${orderId} ${10_000 + Number(orderId.slice(6))}`)
      const [, , , address] = (await last.next((l) => l.startsWith(`created ${orderId} `))).split(' ')
      orders.set(orderId, address!)
      daemon.credit(address!, BigInt(10_000 + Number(orderId.slice(6))), { confirmations: 1 })
    }
    for (;;) {
      last.send('idle?')
      const answer = await last.next((line) => line === 'idle' || line.startsWith('busy'))
      last.lines.splice(last.lines.indexOf(answer), 1)
      if (answer === 'idle') break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await last.stop()
    await hook.close()

    const store = createJsonlInvoiceStore(storePath)
    const { events, invoices } = await store.load()
    await store.close()
    const received = hook.calls.map((call) => ({ body: call.body, payload: JSON.parse(call.body) as WebhookPayloadV1 }))
    const receivedEvents = new Set(received.filter((r) => r.payload.webhookId === 'default').map((r) => r.payload.eventId))
    // No event lost.
    expect(events.length).toBeGreaterThanOrEqual(4 * orders.size - orders.size)
    expect(events.filter((event) => !receivedEvents.has(event.id)).map((event) => event.id)).toEqual([])
    // No event under two delivery ids, no delivery with two bodies.
    const deliveryOf = new Map<string, Set<string>>()
    const bodyOf = new Map<string, Set<string>>()
    for (const { body, payload } of received) {
      deliveryOf.set(payload.eventId, (deliveryOf.get(payload.eventId) ?? new Set()).add(payload.deliveryId))
      bodyOf.set(payload.deliveryId, (bodyOf.get(payload.deliveryId) ?? new Set()).add(body))
    }
    expect([...deliveryOf].filter(([, ids]) => ids.size > 1)).toEqual([])
    expect([...bodyOf].filter(([, bodies]) => bodies.size > 1)).toEqual([])
    // One invoice per order, each settled, with its created and settled events announced.
    expect(invoices).toHaveLength(orders.size)
    expect(new Set(invoices.map((invoice) => invoice.orderId)).size).toBe(orders.size)
    for (const invoice of invoices) {
      expect(invoice.status).toBe('Settled')
      expect(receivedEvents.has(`${invoice.id}:created`)).toBe(true)
      expect(receivedEvents.has(`${invoice.id}:settled`)).toBe(true)
    }
    // Nothing left in the daemon without an invoice.
    expect(
      daemon
        .requests()
        .map((request) => request.address)
        .sort(),
    ).toEqual(invoices.map((invoice) => invoice.address).sort())
    // The kills did interrupt work: some calls were repeated after a restart.
    expect(received.length).toBeGreaterThan(receivedEvents.size)
  }, 300_000)
})
