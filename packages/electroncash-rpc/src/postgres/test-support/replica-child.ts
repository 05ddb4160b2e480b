/**
 * One replica of a payment service on PostgreSQL, in its own process, for the replica tests and the bench. argv:
 * database URL, daemon URL, RPC user, RPC password, webhook receiver URL, poll interval ms. It watches every invoice
 * in the shared store and sends their webhooks (fast retry schedule); `create <order id> <sats>` on stdin creates an
 * invoice (prints `created <order id> <id> <address>`). Prints `ready` once started. The test SIGKILLs it.
 */
import { writeSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { createElectronCashClient } from '../../client.js'
import { createPaymentWatcher } from '../../payment-watcher.js'
import { createWebhookSender } from '../../webhook-sender.js'
import { createPostgresInvoiceStore } from '../invoice-store.js'

const [databaseUrl, url, username, password, receiver, pollMs] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
]
const client = createElectronCashClient({
  url,
  username,
  password,
  env: {},
  retry: { retries: 2, minDelayMs: 5, maxDelayMs: 20 },
})
const store = createPostgresInvoiceStore({ url: databaseUrl })
// A lease of 3 × the timeout (1 s by default): a delivery claimed by a replica that dies is sent by another at most
// that much later.
const webhooks = createWebhookSender({
  store,
  url: receiver,
  secret: 'replica-secret',
  retryDelaysMs: Array(50).fill(100),
  timeoutMs: 1_000,
})
// Another replica's creation in flight looks like an abandoned one until reconcileAfterMs has passed: keep it well above
// a creation's time (with 0, a replica abandons the creation another one is still making, and the order gets two invoices).
const watcher = createPaymentWatcher(client, { store, webhooks, pollIntervalMs: Number(pollMs), reconcileAfterMs: 10_000 })
watcher.on('error', (error) => writeSync(2, `watcher error: ${String(error)}\n`))
await watcher.start()
webhooks.start()
// The sender sleeps until the next delivery it knows of (up to a minute); deliveries another replica committed and
// could not send (it was killed) are found by waking it often.
setInterval(() => webhooks.enqueued([]), 500).unref()
writeSync(1, 'ready\n')

for await (const line of createInterface({ input: process.stdin })) {
  const [command, orderId, sats] = line.split(' ')
  if (command === 'create') {
    watcher
      .createInvoice({ orderId: orderId!, memo: orderId!, amount: BigInt(sats!), force: true })
      .then((invoice) => writeSync(1, `created ${orderId} ${invoice.id} ${invoice.address}\n`))
      .catch((error: unknown) => writeSync(1, `failed ${orderId} ${(error as Error).name}\n`))
  }
}
