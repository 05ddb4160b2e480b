/**
 * Where the payment watcher keeps its invoices so a restarted service resumes watching. The default is a JSON
 * Lines file: one line per change, the last line for an invoice wins, so a crash mid-write loses nothing earlier.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { StoreError } from './errors.js'

export type InvoiceState = 'pending' | 'underpaid' | 'paid' | 'confirmed' | 'expired'

export interface Invoice {
  /** The daemon's request id. */
  id: string
  /** Receiving address without the `bitcoincash:` prefix; the daemon keys requests by it. */
  address: string
  /** Requested amount in satoshis. */
  amount: bigint
  memo: string
  /** Unix seconds. */
  createdAt: number
  /** Unix seconds, or null for no expiry. */
  expiresAt: number | null
  uri: string
  state: InvoiceState
  /** Satoshis seen at the address (confirmed + unconfirmed). */
  received: bigint
  confirmations: number
  txHashes: string[]
  /** Your own data (order id, customer), stored with the invoice. */
  metadata?: Record<string, unknown>
}

export interface InvoiceStore {
  /** Every stored invoice, latest version of each. */
  load(): Promise<Invoice[]>
  /** Records the current version of an invoice. */
  save(invoice: Invoice): Promise<void>
}

type StoredInvoice = Omit<Invoice, 'amount' | 'received'> & { amount: string; received: string }

const toLine = (invoice: Invoice): string =>
  `${JSON.stringify({ ...invoice, amount: invoice.amount.toString(), received: invoice.received.toString() } satisfies StoredInvoice)}\n`

function fromStored(stored: StoredInvoice, where: { file: string; line: number }): Invoice {
  if (typeof stored.id !== 'string' || typeof stored.address !== 'string' || !/^-?\d+$/.test(String(stored.amount))) {
    throw new StoreError(
      `${where.file}:${where.line} is not an invoice record; fix or remove that line (nothing was changed).`,
      where,
    )
  }
  return { ...stored, amount: BigInt(stored.amount), received: BigInt(stored.received ?? '0') }
}

/** A JSON Lines invoice store at `path` (created on first save). */
export function createJsonlInvoiceStore(path: string): InvoiceStore {
  let writing: Promise<void> = Promise.resolve()
  return {
    async load() {
      let text: string
      try {
        text = await readFile(path, 'utf8')
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT') return []
        throw new StoreError(`cannot read the invoice store ${path}: ${(error as Error).message}`, { file: path, cause: error })
      }
      const lines = text.split('\n')
      const latest = new Map<string, Invoice>()
      lines.forEach((line, index) => {
        if (line.trim() === '') return
        let stored: StoredInvoice
        try {
          stored = JSON.parse(line)
        } catch (error) {
          // A torn final line is an interrupted append: the previous version of that invoice still stands.
          if (lines.slice(index + 1).every((rest) => rest.trim() === '')) return
          throw new StoreError(`${path}:${index + 1} is not valid JSON; fix or remove that line (nothing was changed).`, {
            file: path,
            line: index + 1,
            cause: error,
          })
        }
        const invoice = fromStored(stored, { file: path, line: index + 1 })
        latest.set(invoice.address, invoice)
      })
      return [...latest.values()]
    },
    save(invoice) {
      // Appends are serialised so lines never interleave.
      writing = writing.then(async () => {
        try {
          await mkdir(dirname(path), { recursive: true })
          await appendFile(path, toLine(invoice), 'utf8')
        } catch (error) {
          throw new StoreError(`cannot write the invoice store ${path}: ${(error as Error).message}`, {
            file: path,
            cause: error,
          })
        }
      })
      const result = writing
      writing = writing.catch(() => undefined)
      return result
    },
  }
}

/** An in-memory store (tests, or services that persist elsewhere). */
export function createMemoryInvoiceStore(initial: Invoice[] = []): InvoiceStore & { invoices: Map<string, Invoice> } {
  const invoices = new Map(initial.map((invoice) => [invoice.address, structuredClone(invoice)]))
  return {
    invoices,
    async load() {
      return [...invoices.values()].map((invoice) => structuredClone(invoice))
    },
    async save(invoice) {
      invoices.set(invoice.address, structuredClone(invoice))
    },
  }
}
