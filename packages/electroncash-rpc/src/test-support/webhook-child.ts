/**
 * A payment service in its own process, for the webhook crash test. argv: store path, daemon URL, RPC user,
 * RPC password, receiver URL, and N: SIGKILL itself right after the N-th stored commit that holds events (the
 * moment a webhook must already be in the outbox), 0 for never. It watches invoices (JSON Lines store) and sends
 * their webhooks with a fast retry schedule, creates invoices when told (`create <order id> <sats>` on stdin; prints `created <order id> <id>
 * <address>`), prints `ready` once started and `idle` when asked (`idle?`) and nothing is pending. The test
 * SIGKILLs it at chosen moments.
 */
import { writeSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { createElectronCashClient } from '../client.js'
import { createJsonlInvoiceStore, type InvoiceStore } from '../invoice-store.js'
import { createPaymentWatcher } from '../payment-watcher.js'
import { createWebhookSender } from '../webhook-sender.js'

const [storePath, url, username, password, receiver, killAfter] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
]
let commits = 0
const client = createElectronCashClient({
  url,
  username,
  password,
  env: {},
  retry: { retries: 2, minDelayMs: 5, maxDelayMs: 20 },
})
const file = createJsonlInvoiceStore(storePath)
const store: InvoiceStore = {
  ...file,
  async commit(change) {
    await file.commit(change)
    if (change.events?.length && ++commits === Number(killAfter)) process.kill(process.pid, 'SIGKILL')
  },
}
const webhooks = createWebhookSender({
  store,
  url: receiver,
  secret: 'crash-test-secret',
  retryDelaysMs: Array(50).fill(30),
  timeoutMs: 5_000,
})
const watcher = createPaymentWatcher(client, { store, webhooks, pollIntervalMs: 20, reconcileAfterMs: 0 })
watcher.on('error', (error) => writeSync(2, `watcher error: ${String(error)}\n`))
await watcher.start()
webhooks.start()
writeSync(1, 'ready\n')

for await (const line of createInterface({ input: process.stdin })) {
  const [command, orderId, sats] = line.split(' ')
  if (command === 'create') {
    watcher
      .createInvoice({ orderId: orderId!, memo: orderId!, amount: BigInt(sats!), force: true })
      .then((invoice) => writeSync(1, `created ${orderId} ${invoice.id} ${invoice.address}\n`))
      .catch((error: unknown) => writeSync(1, `failed ${orderId} ${(error as Error).name}\n`))
  }
  if (command === 'idle?') {
    const { outbox, invoices } = await store.load()
    const pending = outbox.filter((entry) => entry.state !== 'delivered').length
    const open = invoices.filter((invoice) => invoice.status !== 'Settled').length
    writeSync(1, pending === 0 && open === 0 ? 'idle\n' : `busy ${pending} ${open}\n`)
  }
}
