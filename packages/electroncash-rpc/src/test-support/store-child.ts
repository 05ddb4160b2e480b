/**
 * A payment service in its own process, for the crash test. argv: store path, first amount (sats).
 * It starts a fake daemon and a payment watcher on the store, prints `loaded`, waits for a line on stdin, then
 * forever: creates an invoice (prints `ack invoice <id>` once createInvoice resolved), pays it with one
 * confirmation and polls (prints `ack event <id>` for every event the poll stored). The test SIGKILLs it.
 */
import { writeSync } from 'node:fs'
import { createElectronCashClient } from '../client.js'
import { createPaymentWatcher } from '../payment-watcher.js'
import { startFakeDaemon } from '../testing/fake-daemon.js'

const [storePath, firstAmount] = process.argv.slice(2) as [string, string]
const daemon = await startFakeDaemon()
const client = createElectronCashClient({ url: daemon.url, username: daemon.username, password: daemon.password, env: {} })
const watcher = createPaymentWatcher(client, { storePath })
watcher.on('error', (error) => writeSync(2, `watcher error: ${String(error)}\n`))
await watcher.check()
writeSync(1, 'loaded\n')
await new Promise((resolve) => process.stdin.once('data', resolve))

const acked = new Set((await watcher.events()).map((event) => event.id))
for (let amount = BigInt(firstAmount); ; amount++) {
  const invoice = await watcher.createInvoice({ amount, force: true, metadata: { amount: String(amount) } })
  writeSync(1, `ack invoice ${invoice.id}\n`)
  daemon.credit(invoice.address, amount, { confirmations: 1 })
  await watcher.check()
  for (const event of await watcher.events()) {
    if (acked.has(event.id)) continue
    acked.add(event.id)
    writeSync(1, `ack event ${event.id} ${event.invoiceId} ${event.type}\n`)
  }
}
