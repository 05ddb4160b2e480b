/**
 * Invoices survive a crash: a payment service process is SIGKILLed 50 times at random moments (seeded) while it
 * creates and settles invoices; afterwards every invoice and event it acknowledged is in the store, nothing is
 * duplicated, and a watcher starts on the store. Every fifth run also starts on a torn last line, as a crash in the
 * middle of a write leaves it.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createJsonlInvoiceStore } from './invoice-store.js'
import { createPaymentWatcher } from './payment-watcher.js'
import { bundleChild } from './test-support/build-child.js'
import { useFakeDaemons } from './test-support/daemons.js'
import { simulateTornWrite } from './testing/torn-write.js'

const fakes = useFakeDaemons()
let child: { file: string; cleanup: () => void }
let dir: string
beforeAll(async () => {
  child = await bundleChild(join(import.meta.dirname, 'test-support/store-child.ts'))
  dir = mkdtempSync(join(tmpdir(), 'ec-store-crash-'))
}, 60_000)
afterAll(() => {
  child?.cleanup()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

interface Acks {
  invoices: string[]
  /** event id → [invoice id, type] */
  events: Map<string, [string, string]>
}

/** A service process started ahead of time; `run()` lets it work until `acks` acknowledgements, then SIGKILLs it. */
function preparedService(storePath: string, firstAmount: number, acks: number) {
  const proc: ChildProcess = spawn(process.execPath, [child.file, storePath, String(firstAmount)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  let onLoaded: () => void = () => undefined
  const loaded = new Promise<void>((resolve) => {
    onLoaded = resolve
  })
  const seen: Acks = { invoices: [], events: new Map() }
  const done = new Promise<Acks>((resolve, reject) => {
    let buffer = ''
    let count = 0
    proc.stdout!.on('data', (data: Buffer) => {
      buffer += data.toString()
      const lines = buffer.split('\n')
      buffer = lines.pop()!
      for (const line of lines) {
        const [word, kind, id, invoiceId, type] = line.split(' ')
        if (word === 'loaded') onLoaded()
        if (word !== 'ack') continue
        count++
        if (kind === 'invoice') seen.invoices.push(id!)
        else seen.events.set(id!, [invoiceId!, type!])
      }
      if (count >= acks && !proc.killed) proc.kill('SIGKILL')
    })
    proc.on('error', reject)
    proc.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve(seen) : reject(new Error(`the service exited by itself (code ${code})`)),
    )
  })
  return {
    async run(): Promise<Acks> {
      await loaded
      proc.stdin!.write('go\n')
      return done
    },
  }
}

describe('invoice store crash safety', () => {
  it('SIGKILL at random moments, 50 times: every acknowledged invoice and event is stored once, and the watcher starts', async () => {
    const runs = 50
    const lanes = [join(dir, 'lane-0', 'invoices.jsonl'), join(dir, 'lane-1', 'invoices.jsonl')]
    const ackCounts = fc.sample(fc.integer({ min: 1, max: 12 }), { numRuns: runs, seed: 42 })
    const acknowledged: Acks[] = lanes.map(() => ({ invoices: [], events: new Map() }))
    let torn = 0
    await Promise.all(
      lanes.map(async (storePath, lane) => {
        for (let run = lane; run < runs; run += lanes.length) {
          // Amounts identify the invoices of each run: the daemon's request id hashes address, time and amount.
          const service = preparedService(storePath, 1_000_000 * (run + 1), ackCounts[run]!)
          const acks = await service.run()
          acknowledged[lane]!.invoices.push(...acks.invoices)
          for (const [id, value] of acks.events) acknowledged[lane]!.events.set(id, value)
          if (run % 5 === 4) {
            await simulateTornWrite(storePath, { invoice: { id: 'torn-by-test', address: 'q', amount: '1' } })
            torn++
          }
        }
      }),
    )
    expect(torn).toBeGreaterThanOrEqual(8)

    for (const [lane, storePath] of lanes.entries()) {
      const store = createJsonlInvoiceStore(storePath)
      const contents = await store.load()
      await store.close()
      const invoices = new Map(contents.invoices.map((invoice) => [invoice.id, invoice]))
      const events = new Map(contents.events.map((event) => [event.id, event]))
      const acks = acknowledged[lane]!
      expect(acks.invoices.length).toBeGreaterThan(0)
      expect(acks.invoices.filter((id) => !invoices.has(id))).toEqual([])
      expect([...acks.events.keys()].filter((id) => !events.has(id))).toEqual([])
      // An acknowledged event's invoice is stored at least as far along as the event says.
      for (const [, [invoiceId, type]] of acks.events) {
        if (type === 'settled') expect(invoices.get(invoiceId)?.status).toBe('Settled')
      }
      // Nothing twice: one version per invoice, one event per id, and a torn fragment never became a record.
      expect(contents.invoices.length).toBe(invoices.size)
      expect(contents.events.length).toBe(events.size)
      expect(invoices.has('torn-by-test')).toBe(false)

      const daemon = await fakes.start()
      const watcher = createPaymentWatcher(fakes.connect(daemon), { storePath })
      await watcher.start()
      expect((await watcher.invoices()).map((invoice) => invoice.id)).toEqual(expect.arrayContaining(acks.invoices))
      await watcher.stop()
    }
  }, 300_000)
})
