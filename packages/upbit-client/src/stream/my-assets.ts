/**
 * What `myAsset` has told the consumer, per currency, so a reconnect can tell whether balances changed while the
 * stream was down. `myAsset` frames carry only the currencies that changed, so the book starts from one REST
 * snapshot (`GET /v1/accounts`) when `myAsset` is first confirmed; live events update it. After a reconnect the
 * balances REST reports now are compared with the book: the currencies that differ become one `reconciled` event.
 */
import { compareDecimal, toDecimalString } from '../decimal.js'
import type { AssetBalance, MyAssetEvent } from './types.js'

/** The REST balances reconciliation reads (a subset of `Account`). */
export interface RestBalance {
  currency: string
  balance: string
  locked: string
}

export class AssetBook {
  private book: Map<string, AssetBalance> | undefined
  /** Live events that arrived while the first snapshot was on its way: applied on top of it. */
  private pending: MyAssetEvent[] | undefined

  /** Whether a snapshot was taken (or is on its way). */
  get started(): boolean {
    return this.book !== undefined || this.pending !== undefined
  }

  /** A snapshot is about to be asked for; live events are kept until it arrives. */
  beginSnapshot(): void {
    this.pending ??= []
  }

  /** The first snapshot did not arrive: the next reconnect reports every balance. */
  abandonSnapshot(): void {
    this.pending = undefined
  }

  /** The first snapshot: the book becomes REST's balances, then the live events that came meanwhile. */
  setSnapshot(accounts: readonly RestBalance[]): void {
    // A reconnect's reconciliation got there first with newer balances.
    if (this.book || !this.pending) return
    this.book = toBook(accounts)
    for (const event of this.pending ?? []) this.apply(event)
    this.pending = undefined
  }

  /** A live event: its currencies take the values it carries. */
  apply(event: MyAssetEvent): void {
    if (this.pending && !this.book) {
      this.pending.push(event)
      return
    }
    if (!this.book) return
    for (const asset of event.assets) this.book.set(asset.currency, asset)
  }

  /**
   * After a reconnect: the balances that differ from what the consumer was told (a currency gone from REST now
   * reads 0). Without a book (its snapshot failed) every balance REST reports counts. The book becomes REST's.
   */
  reconcile(accounts: readonly RestBalance[]): AssetBalance[] {
    const now = toBook(accounts)
    const before = this.book
    this.book = now
    this.pending = undefined
    if (!before) return [...now.values()]
    const changed: AssetBalance[] = []
    for (const [currency, asset] of now) {
      const known = before.get(currency)
      if (!known || !same(known, asset)) changed.push(asset)
    }
    for (const [currency, known] of before) {
      if (!now.has(currency) && !same(known, ZERO)) changed.push({ currency, balance: '0', locked: '0' })
    }
    return changed
  }
}

const ZERO = { currency: '', balance: '0', locked: '0' }

const same = (a: Pick<AssetBalance, 'balance' | 'locked'>, b: Pick<AssetBalance, 'balance' | 'locked'>): boolean =>
  compareDecimal(a.balance, b.balance) === 0 && compareDecimal(a.locked, b.locked) === 0

function toBook(accounts: readonly RestBalance[]): Map<string, AssetBalance> {
  const book = new Map<string, AssetBalance>()
  for (const account of accounts) {
    book.set(account.currency, {
      currency: account.currency,
      balance: toDecimalString(account.balance),
      locked: toDecimalString(account.locked),
    })
  }
  return book
}

/** The one `myAsset` event a reconnect emits for balances that changed while disconnected. */
export function reconciledAssetEvent(assets: AssetBalance[], now: number): MyAssetEvent {
  return {
    type: 'myAsset',
    asset_uuid: `reconciled-${now}`,
    assets,
    asset_timestamp: now,
    timestamp: now,
    stream_type: 'REALTIME',
    reconciled: true,
  }
}
