/** Withdrawals, deposits and travel-rule verification. Money-moving POSTs are never retried blindly. */
import { z } from 'zod'
import { currencyDecimals, exactAmount } from '../amounts.js'
import type { DecimalInput } from '../decimal.js'
import type { CallOptions } from '../orders.js'
import {
  type DepositAddress,
  type DepositChance,
  depositAddressSchema,
  depositChanceSchema,
  type GenerateDepositAddressResult,
  generateDepositAddressSchema,
  type Transfer,
  type TravelRuleVasp,
  type TravelRuleVerification,
  transferSchema,
  travelRuleVaspSchema,
  travelRuleVerificationSchema,
  type WithdrawAddress,
  type WithdrawChance,
  withdrawAddressSchema,
  withdrawChanceSchema,
} from '../schemas.js'
import type { Params } from '../signing.js'
import type { ApiContext, OrderBy } from './context.js'

export interface TransferListParams {
  currency?: string
  state?: string
  uuids?: string[]
  txids?: string[]
  limit?: number
  page?: number
  orderBy?: OrderBy
}
export interface TransferRef {
  uuid?: string
  txid?: string
  currency?: string
}
export type TwoFactorType = 'kakao' | 'naver' | 'hana'

const transferList = z.array(transferSchema)
const withdrawAddressList = z.array(withdrawAddressSchema)
const depositAddressList = z.array(depositAddressSchema)
const vaspList = z.array(travelRuleVaspSchema)

function transferListParams(p: TransferListParams): Params {
  return {
    currency: p.currency,
    state: p.state,
    uuids: p.uuids,
    txids: p.txids,
    limit: p.limit,
    page: p.page,
    order_by: p.orderBy,
  }
}

export function transfersApi({ exchange }: ApiContext) {
  return {
    getWithdraws: (p: TransferListParams = {}, o?: CallOptions): Promise<Transfer[]> =>
      exchange('GET', '/v1/withdraws', transferListParams(p), transferList, o),
    getWithdraw: (p: TransferRef, o?: CallOptions): Promise<Transfer> =>
      exchange('GET', '/v1/withdraw', { uuid: p.uuid, txid: p.txid, currency: p.currency }, transferSchema, o),
    /** GET /withdraws/chance: fee, limits (`withdraw_limit.fixed`: decimals an amount may have) and balance. */
    getWithdrawChance: (p: { currency: string; netType: string }, o?: CallOptions): Promise<WithdrawChance> =>
      exchange('GET', '/v1/withdraws/chance', { currency: p.currency, net_type: p.netType }, withdrawChanceSchema, o),
    /** POST /withdraws/coin: never retried automatically (it moves money). */
    withdrawCoin: async (
      p: {
        currency: string
        netType: string
        amount: DecimalInput
        address: string
        secondaryAddress?: string
        transactionType?: 'default' | 'internal'
      },
      o?: CallOptions,
    ): Promise<Transfer> =>
      exchange(
        'POST',
        '/v1/withdraws/coin',
        {
          currency: p.currency,
          net_type: p.netType,
          amount: exactAmount('withdrawCoin', 'amount', p.amount, { decimals: currencyDecimals(p.currency) }),
          address: p.address,
          secondary_address: p.secondaryAddress,
          transaction_type: p.transactionType,
        },
        transferSchema,
        o,
      ),
    cancelWithdraw: (p: { uuid: string }, o?: CallOptions): Promise<Transfer> =>
      exchange('DELETE', '/v1/withdraws/coin', { uuid: p.uuid }, transferSchema, o),
    /** POST /withdraws/krw: whole won only. */
    withdrawKrw: async (p: { amount: DecimalInput; twoFactorType: TwoFactorType }, o?: CallOptions): Promise<Transfer> =>
      exchange(
        'POST',
        '/v1/withdraws/krw',
        {
          amount: exactAmount('withdrawKrw', 'amount', p.amount, { decimals: currencyDecimals('KRW') }),
          two_factor_type: p.twoFactorType,
        },
        transferSchema,
        o,
      ),
    getWithdrawAddresses: (o?: CallOptions): Promise<WithdrawAddress[]> =>
      exchange('GET', '/v1/withdraws/coin_addresses', undefined, withdrawAddressList, o),
    getDeposits: (p: TransferListParams = {}, o?: CallOptions): Promise<Transfer[]> =>
      exchange('GET', '/v1/deposits', transferListParams(p), transferList, o),
    getDeposit: (p: TransferRef, o?: CallOptions): Promise<Transfer> =>
      exchange('GET', '/v1/deposit', { uuid: p.uuid, txid: p.txid, currency: p.currency }, transferSchema, o),
    getDepositChance: (p: { currency: string; netType: string }, o?: CallOptions): Promise<DepositChance> =>
      exchange('GET', '/v1/deposits/chance/coin', { currency: p.currency, net_type: p.netType }, depositChanceSchema, o),
    generateDepositAddress: (p: { currency: string; netType: string }, o?: CallOptions): Promise<GenerateDepositAddressResult> =>
      exchange(
        'POST',
        '/v1/deposits/generate_coin_address',
        { currency: p.currency, net_type: p.netType },
        generateDepositAddressSchema,
        o,
      ),
    getDepositAddresses: (o?: CallOptions): Promise<DepositAddress[]> =>
      exchange('GET', '/v1/deposits/coin_addresses', undefined, depositAddressList, o),
    getDepositAddress: (p: { currency: string; netType: string }, o?: CallOptions): Promise<DepositAddress> =>
      exchange('GET', '/v1/deposits/coin_address', { currency: p.currency, net_type: p.netType }, depositAddressSchema, o),
    /** POST /deposits/krw: whole won only. */
    depositKrw: async (p: { amount: DecimalInput; twoFactorType: TwoFactorType }, o?: CallOptions): Promise<Transfer> =>
      exchange(
        'POST',
        '/v1/deposits/krw',
        {
          amount: exactAmount('depositKrw', 'amount', p.amount, { decimals: currencyDecimals('KRW') }),
          two_factor_type: p.twoFactorType,
        },
        transferSchema,
        o,
      ),
    getTravelRuleVasps: (o?: CallOptions): Promise<TravelRuleVasp[]> =>
      exchange('GET', '/v1/travel_rule/vasps', undefined, vaspList, o),
    /** POST /travel_rule/deposit/uuid (Upbit allows one verification per deposit per 10 minutes). */
    verifyTravelRuleByUuid: (p: { depositUuid: string; vaspUuid: string }, o?: CallOptions): Promise<TravelRuleVerification> =>
      exchange(
        'POST',
        '/v1/travel_rule/deposit/uuid',
        { deposit_uuid: p.depositUuid, vasp_uuid: p.vaspUuid },
        travelRuleVerificationSchema,
        o,
      ),
    verifyTravelRuleByTxid: (
      p: { vaspUuid: string; txid: string; currency: string; netType: string },
      o?: CallOptions,
    ): Promise<TravelRuleVerification> =>
      exchange(
        'POST',
        '/v1/travel_rule/deposit/txid',
        { vasp_uuid: p.vaspUuid, txid: p.txid, currency: p.currency, net_type: p.netType },
        travelRuleVerificationSchema,
        o,
      ),
  }
}

export type TransfersApi = ReturnType<typeof transfersApi>
