import { describe, expect, it } from 'vitest'
import { AssetBook } from './my-assets.js'
import type { MyAssetEvent } from './types.js'

const live = (assets: Array<[string, string, string]>): MyAssetEvent => ({
  type: 'myAsset',
  asset_uuid: 'a',
  assets: assets.map(([currency, balance, locked]) => ({ currency, balance, locked })),
  asset_timestamp: 0,
  timestamp: 0,
  stream_type: 'REALTIME',
  reconciled: false,
})
const rest = (...rows: Array<[string, string, string]>) =>
  rows.map(([currency, balance, locked]) => ({ currency, balance, locked }))

describe('the myAsset book a reconnect is reconciled against', () => {
  it('reports only the currencies that differ from what the consumer was told, exactly (1.50 is 1.5); a gone one reads 0', () => {
    const book = new AssetBook()
    book.beginSnapshot()
    book.setSnapshot(rest(['KRW', '1000', '0'], ['BTC', '0.5', '0'], ['ETH', '2', '0']))
    book.apply(live([['BTC', '0.25', '0.25']]))
    const changed = book.reconcile(rest(['KRW', '1000.0', '0'], ['BTC', '0.25', '0.2500'], ['XRP', '10', '0']))
    expect(changed).toEqual([
      { currency: 'XRP', balance: '10', locked: '0' },
      { currency: 'ETH', balance: '0', locked: '0' },
    ])
    // The book is REST's now: the same answer again changes nothing.
    expect(book.reconcile(rest(['KRW', '1000', '0'], ['BTC', '0.25', '0.25'], ['XRP', '10', '0']))).toEqual([])
  })

  it('live events that arrive while the first snapshot is on its way are applied on top of it', () => {
    const book = new AssetBook()
    book.beginSnapshot()
    book.apply(live([['KRW', '900', '100']]))
    book.setSnapshot(rest(['KRW', '1000', '0']))
    expect(book.reconcile(rest(['KRW', '900', '100']))).toEqual([])
  })

  it('without a snapshot (it failed) every balance counts; a snapshot answered after a reconciliation is ignored', () => {
    const book = new AssetBook()
    book.beginSnapshot()
    book.abandonSnapshot()
    expect(book.started).toBe(false)
    expect(book.reconcile(rest(['KRW', '5', '0']))).toEqual([{ currency: 'KRW', balance: '5', locked: '0' }])
    book.beginSnapshot()
    book.setSnapshot(rest(['KRW', '1', '0'])) // older than the reconciliation's answer
    expect(book.reconcile(rest(['KRW', '5', '0']))).toEqual([])
  })
})
