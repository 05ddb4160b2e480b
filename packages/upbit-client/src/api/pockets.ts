/**
 * Pockets (sub-accounts, since 2026-06-01): the pocket list, a sub-pocket's balances, the keys of each pocket,
 * and transfers between pockets with their lists. Exchange rate limits are counted per pocket: keys of one
 * pocket share its budgets; each pocket has its own. Transfers move money, so they are never retried blindly;
 * give an `identifier` (unique forever, like an order's) to look a transfer up after an ambiguous failure.
 */
import { z } from 'zod'
import { currencyDecimals, exactAmount } from '../amounts.js'
import type { DecimalInput } from '../decimal.js'
import type { CallOptions } from '../orders.js'
import {
  type Pocket,
  type PocketApiKey,
  type PocketAsset,
  type PocketTransfer,
  pocketApiKeySchema,
  pocketAssetSchema,
  pocketSchema,
  pocketTransferSchema,
} from '../schemas.js'
import { type ApiContext, iso, type OrderBy, type TimeInput } from './context.js'

export type PocketTransferState = 'submitted' | 'processing' | 'done' | 'failed'

export interface PocketTransferParams {
  /** Receiving pocket's uuid (from `getPockets`). From a sub-pocket's key, omitted means the main pocket. */
  to?: string
  currency: string
  /** Passes the amount gate: a plain decimal, at most the currency's decimals (KRW: whole won). */
  amount: DecimalInput
  /** One use ever, 1–64 of `[A-Za-z0-9_.-]`. */
  identifier?: string
}

export interface PocketTransferListParams {
  currency?: string
  states?: PocketTransferState[]
  /** Window at most 7 days (Upbit's default: the last 7 days). */
  startTime?: TimeInput | number
  endTime?: TimeInput | number
  limit?: number
  orderBy?: OrderBy
}

const pocketList = z.array(pocketSchema)
const pocketApiKeyList = z.array(pocketApiKeySchema)
const pocketAssetList = z.array(pocketAssetSchema)
const pocketTransferList = z.array(pocketTransferSchema)

const listParams = (p: PocketTransferListParams) => ({
  currency: p.currency,
  states: p.states,
  start_time: iso(p.startTime),
  end_time: iso(p.endTime),
  limit: p.limit,
  order_by: p.orderBy,
})

export function pocketsApi({ exchange }: ApiContext) {
  return {
    /** GET /pockets: the main pocket and every sub-pocket (main-pocket key with pocket management). */
    getPockets: (o?: CallOptions): Promise<Pocket[]> => exchange('GET', '/v1/pockets', undefined, pocketList, o),
    /** GET /pockets/api_keys: the keys issued per pocket. */
    getPocketApiKeys: (o?: CallOptions): Promise<PocketApiKey[]> =>
      exchange('GET', '/v1/pockets/api_keys', undefined, pocketApiKeyList, o),
    /** GET /pockets/assets: one sub-pocket's balances (main-pocket key). */
    getPocketAssets: (p: { pocketUuid: string }, o?: CallOptions): Promise<PocketAsset[]> =>
      exchange('GET', '/v1/pockets/assets', { uuid: p.pocketUuid }, pocketAssetList, o),
    /** POST /pockets/universal_transfers: main-pocket key moves between any two pockets (`from` default: the key's pocket). */
    transferBetweenPockets: async (
      p: PocketTransferParams & { from?: string; to: string },
      o?: CallOptions,
    ): Promise<PocketTransfer> =>
      exchange(
        'POST',
        '/v1/pockets/universal_transfers',
        {
          from: p.from,
          to: p.to,
          currency: p.currency,
          amount: exactAmount('transferBetweenPockets', 'amount', p.amount, { decimals: currencyDecimals(p.currency) }),
          identifier: p.identifier,
        },
        pocketTransferSchema,
        o,
      ),
    /** GET /pockets/universal_transfers: transfers made with main-pocket keys. */
    getPocketTransfersAll: (p: PocketTransferListParams = {}, o?: CallOptions): Promise<PocketTransfer[]> =>
      exchange('GET', '/v1/pockets/universal_transfers', listParams(p), pocketTransferList, o),
    /** POST /pockets/transfers: a sub-pocket key moves out of its own pocket (`to` default: the main pocket). */
    transferFromPocket: async (p: PocketTransferParams, o?: CallOptions): Promise<PocketTransfer> =>
      exchange(
        'POST',
        '/v1/pockets/transfers',
        {
          to: p.to,
          currency: p.currency,
          amount: exactAmount('transferFromPocket', 'amount', p.amount, { decimals: currencyDecimals(p.currency) }),
          identifier: p.identifier,
        },
        pocketTransferSchema,
        o,
      ),
    /** GET /pockets/transfers: the sub-pocket's own transfers, `direction` in, out or all. */
    getPocketTransfers: (
      p: PocketTransferListParams & { direction?: 'in' | 'out' | 'all' } = {},
      o?: CallOptions,
    ): Promise<PocketTransfer[]> =>
      exchange('GET', '/v1/pockets/transfers', { direction: p.direction, ...listParams(p) }, pocketTransferList, o),
  }
}

export type PocketsApi = ReturnType<typeof pocketsApi>
