/** The fake daemon's in-memory wallet: receiving pool, payment requests, credited transactions and block height. */
import { createHash, randomBytes } from 'node:crypto'
import { formatSatoshis, satsToBch } from '../amount.js'
import { CAPTURED_RECEIVING_ADDRESSES, deriveAddress } from './addresses.js'

/** Receiving addresses the daemon keeps unused ahead (Electron Cash's gap limit). */
export const GAP_LIMIT = 20

export interface FakeTransaction {
  readonly txid: string
  readonly address: string
  readonly sats: bigint
  /** Block height, 0 while in the mempool. */
  height: number
}

export interface FakeRequest {
  readonly time: number
  readonly amount: bigint
  readonly exp: number | null
  readonly address: string
  readonly memo: string
  readonly id: string
}

export type RequestStatus = 'Pending' | 'Paid' | 'Unconfirmed' | 'Expired' | 'Unknown'

export function stripPrefix(address: string): string {
  return address.toLowerCase().startsWith('bitcoincash:') ? address.slice('bitcoincash:'.length).toLowerCase() : address
}

export class FakeWallet {
  /** Current chain height; `mine()` advances it. */
  height: number
  readonly addresses: string[] = [...CAPTURED_RECEIVING_ADDRESSES.slice(0, GAP_LIMIT)]
  readonly transactions: FakeTransaction[] = []
  readonly requests = new Map<string, FakeRequest>()
  private derived = 0

  constructor(
    private readonly nowSeconds: () => number,
    height: number,
  ) {
    this.height = height
  }

  isMine(address: string): boolean {
    return this.addresses.includes(stripPrefix(address))
  }

  /** Derives one more address, like `createnewaddress` and `addrequest force=true`. */
  createNewAddress(): string {
    const index = this.addresses.length
    const address = CAPTURED_RECEIVING_ADDRESSES[index] ?? deriveAddress('tradekit-fake-wallet', index + this.derived++)
    this.addresses.push(address)
    return address
  }

  private isUsed(address: string): boolean {
    return this.requests.has(address) || this.transactions.some((tx) => tx.address === address)
  }

  /** The first address neither paid to nor requested; undefined when the pool of 20 is used up. */
  unusedAddress(): string | undefined {
    return (
      this.addresses.slice(0, GAP_LIMIT).find((address) => !this.isUsed(address)) ??
      this.addresses.slice(GAP_LIMIT).find((address) => !this.isUsed(address))
    )
  }

  /** Records an incoming payment; `confirmations: 0` leaves it in the mempool. Returns the txid. */
  credit(address: string, sats: bigint, confirmations = 0): string {
    const txid = createHash('sha256').update(randomBytes(32)).digest('hex')
    const height = confirmations > 0 ? this.height - confirmations + 1 : 0
    this.transactions.push({ txid, address: stripPrefix(address), sats, height })
    return txid
  }

  /** Mines `blocks` blocks; mempool transactions go into the first. */
  mine(blocks = 1): void {
    for (let i = 0; i < blocks; i++) {
      this.height++
      for (const tx of this.transactions) if (tx.height === 0) tx.height = this.height
    }
  }

  /** Transactions paying `address` (with or without the `bitcoincash:` prefix), in the order they were credited. */
  addressHistory(address: string): FakeTransaction[] {
    const bare = stripPrefix(address)
    return this.transactions.filter((tx) => tx.address === bare)
  }

  confirmations(tx: FakeTransaction): number {
    return tx.height > 0 ? this.height - tx.height + 1 : 0
  }

  addressBalance(address: string): { confirmed: bigint; unconfirmed: bigint } {
    let confirmed = 0n
    let unconfirmed = 0n
    for (const tx of this.transactions) {
      if (tx.address !== stripPrefix(address)) continue
      if (tx.height > 0) confirmed += tx.sats
      else unconfirmed += tx.sats
    }
    return { confirmed, unconfirmed }
  }

  balance(): { confirmed: bigint; unconfirmed: bigint } {
    let confirmed = 0n
    let unconfirmed = 0n
    for (const address of this.addresses) {
      const balance = this.addressBalance(address)
      confirmed += balance.confirmed
      unconfirmed += balance.unconfirmed
    }
    return { confirmed, unconfirmed }
  }

  addRequest(amount: bigint, memo: string, expiration: number | null, force: boolean): FakeRequest | false {
    let address = this.unusedAddress()
    if (!address) {
      if (!force) return false
      address = this.createNewAddress()
    }
    const time = this.nowSeconds()
    const id = createHash('sha256').update(`${address}:${time}:${amount}`).digest('hex').slice(0, 10)
    const request: FakeRequest = { time, amount, exp: expiration || null, address, memo, id }
    this.requests.set(address, request)
    return request
  }

  /** Mirrors `Abstract_Wallet.get_request_status`: unpaid requests past `time + exp` are Expired; amount 0 is Unknown. */
  requestStatus(request: FakeRequest): { status: RequestStatus; confirmations: number | null; txHashes: string[] } {
    const txs = this.transactions.filter((tx) => tx.address === request.address)
    const received = txs.reduce((sum, tx) => sum + tx.sats, 0n)
    const txHashes = txs.map((tx) => tx.txid)
    if (request.amount === 0n) return { status: 'Unknown', confirmations: null, txHashes }
    if (received >= request.amount && txs.length > 0) {
      const confirmations = Math.min(...txs.map((tx) => this.confirmations(tx)))
      return { status: confirmations > 0 ? 'Paid' : 'Unconfirmed', confirmations, txHashes }
    }
    if (request.exp !== null && this.nowSeconds() > request.time + request.exp) {
      return { status: 'Expired', confirmations: null, txHashes }
    }
    return { status: 'Pending', confirmations: null, txHashes }
  }

  /** A request as the daemon serialises it (same key order as the captures). */
  serializeRequest(request: FakeRequest): Record<string, unknown> {
    const { status, confirmations, txHashes } = this.requestStatus(request)
    const amountText = formatSatoshis(request.amount)
    return {
      time: request.time,
      amount: Number(request.amount),
      exp: request.exp,
      address: request.address,
      memo: request.memo,
      id: request.id,
      tokenreq: null,
      category_id: null,
      URI: `bitcoincash:${request.address}${request.amount !== 0n ? `?amount=${amountText}` : ''}`,
      status,
      tx_hashes: txHashes,
      'amount (BCH)': amountText,
      ...(confirmations !== null ? { confirmations } : {}),
    }
  }

  /** `history` items, oldest first, with the daemon's signed `format_satoshis` values. */
  history(): Record<string, unknown>[] {
    let running = 0n
    return this.transactions
      .filter((tx) => this.isMine(tx.address))
      .map((tx) => {
        running += tx.sats
        const confirmations = this.confirmations(tx)
        return {
          txid: tx.txid,
          height: tx.height,
          confirmations,
          timestamp: tx.height > 0 ? this.nowSeconds() : null,
          date: tx.height > 0 ? new Date(this.nowSeconds() * 1000).toISOString().slice(0, 16).replace('T', ' ') : 'unconfirmed',
          label: '',
          value: formatSatoshis(tx.sats, { signed: true }),
          fee: '--',
          balance: formatSatoshis(running),
        }
      })
  }

  /** `listunspent` items: every credited output is unspent in the fake. */
  unspent(): Record<string, unknown>[] {
    return this.transactions
      .filter((tx) => this.isMine(tx.address))
      .map((tx) => ({
        address: tx.address,
        value: satsToBch(tx.sats),
        prevout_n: 0,
        prevout_hash: tx.txid,
        height: tx.height,
        coinbase: false,
        is_frozen_coin: false,
      }))
  }
}
