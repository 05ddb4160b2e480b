/**
 * zod schemas for what the daemon returns. Each accepts every shape captured from Electron Cash 4.4.5 and turns
 * amounts into bigint satoshis through the amount module.
 */
import { z } from 'zod'
import { type Amount, parseDaemonAmount } from './amount.js'
import { decodePythonStringRepr } from './python-repr.js'

const amountOf = (unit: 'bch' | 'sats') =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    try {
      const sats = parseDaemonAmount(value, unit)
      if (sats === null) {
        ctx.issues.push({ code: 'custom', message: 'unknown amount "--" where an amount is required', input: value })
        return z.NEVER
      }
      return sats
    } catch (error) {
      ctx.issues.push({ code: 'custom', message: error instanceof Error ? error.message : String(error), input: value })
      return z.NEVER
    }
  })

/** Decimal BCH string (`"0.29"`, `"1."`, `"+0.29"`, `"1E-8"`) → bigint satoshis. */
export const bchAmount = amountOf('bch')
/** Integer satoshis → bigint satoshis. */
export const satsAmount = amountOf('sats')
/** `format_satoshis` string where `"--"` means unknown → bigint satoshis or null. */
export const optionalBchAmount = z.string().transform((value, ctx) => {
  try {
    return parseDaemonAmount(value)
  } catch (error) {
    ctx.issues.push({ code: 'custom', message: error instanceof Error ? error.message : String(error), input: value })
    return z.NEVER
  }
})

/** Any JSON value (what the daemon answers for config values, wallet storage items, run_cmdline, ...). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue }
export const jsonValue: z.ZodType<JsonValue> = z.json() as z.ZodType<JsonValue>
export const jsonObject: z.ZodType<JsonObject> = z.record(z.string(), jsonValue)

/**
 * An amount parameter: bigint satoshis or a decimal BCH string. It is checked and converted by the money gate
 * (money-params.ts), the one place every path passes through, which refuses JS numbers with `AmountError`.
 */
export const amountParam = z.custom<Amount>()
/** A satoshi amount parameter (`serialize`'s output values): bigint, or an integer string; checked by the money gate. */
export const satsParam = z.custom<bigint | `${bigint}`>()

/** `getbalance`: `unconfirmed` and `unmatured` appear only when non-zero; they default to 0n here. */
export const balanceSchema = z
  .object({ confirmed: bchAmount, unconfirmed: bchAmount.optional(), unmatured: bchAmount.optional() })
  .transform((b) => ({ confirmed: b.confirmed, unconfirmed: b.unconfirmed ?? 0n, unmatured: b.unmatured ?? 0n }))
export type Balance = z.output<typeof balanceSchema>

/** `getaddressbalance` (unconfirmed may be negative). */
export const addressBalanceSchema = z.object({ confirmed: bchAmount, unconfirmed: bchAmount })
export type AddressBalance = z.output<typeof addressBalanceSchema>

export const REQUEST_STATUSES = ['Pending', 'Paid', 'Unconfirmed', 'Expired', 'Unknown'] as const
export type PaymentRequestStatus = (typeof REQUEST_STATUSES)[number]

/** A payment request (`addrequest`, `getrequest`, `listrequests`), keyed by its address. */
export const paymentRequestSchema = z
  .looseObject({
    time: z.number().int(),
    amount: satsAmount,
    exp: z.number().int().nullable(),
    address: z.string(),
    memo: z.string(),
    id: z.string(),
    URI: z.string(),
    status: z.enum(REQUEST_STATUSES),
    tx_hashes: z.array(z.string()).optional(),
    confirmations: z.number().int().optional(),
  })
  .transform((r) => ({
    id: r.id,
    /** Without the `bitcoincash:` prefix, as the daemon returns it. */
    address: r.address,
    /** Requested amount in satoshis. */
    amount: r.amount,
    memo: r.memo,
    /** Creation time, Unix seconds. */
    time: r.time,
    /** Expiry in seconds relative to `time` (the daemon's `exp`), or null for none. */
    expiresInSeconds: r.exp,
    /** Absolute expiry, Unix seconds, or null. */
    expiresAt: r.exp === null ? null : r.time + r.exp,
    uri: r.URI,
    status: r.status,
    txHashes: r.tx_hashes ?? [],
    /** Present once paid. */
    confirmations: r.confirmations ?? null,
  }))
export type PaymentRequest = z.output<typeof paymentRequestSchema>

/** `history` items: signed `format_satoshis` values, `fee` `"--"` when unknown. */
export const historyItemSchema = z
  .looseObject({
    txid: z.string(),
    height: z.number().int(),
    confirmations: z.number().int(),
    timestamp: z.number().nullable(),
    date: z.string().nullable().optional(),
    label: z.string().nullable().optional(),
    value: optionalBchAmount,
    fee: optionalBchAmount.optional(),
    balance: optionalBchAmount,
  })
  .transform(({ value, fee, balance, ...rest }) => ({ ...rest, value, fee: fee ?? null, balance }))
export type HistoryItem = z.output<typeof historyItemSchema>

export const addressHistorySchema = z.array(
  z.looseObject({ tx_hash: z.string(), height: z.number().int(), fee: z.number().int().optional() }).transform((h) => ({
    txHash: h.tx_hash,
    /** 0 or -1 while in the mempool. */
    height: h.height,
    fee: h.fee === undefined ? null : BigInt(h.fee),
  })),
)

export const addressUnspentSchema = z.array(
  z
    .looseObject({ tx_hash: z.string(), tx_pos: z.number().int(), height: z.number().int(), value: satsAmount })
    .transform((u) => ({ txHash: u.tx_hash, txPos: u.tx_pos, height: u.height, value: u.value })),
)

export const unspentSchema = z.array(
  z.looseObject({
    address: z.string(),
    value: bchAmount,
    prevout_hash: z.string(),
    prevout_n: z.number().int(),
    height: z.number().int(),
  }),
)

/** `payto`, `paytomany`, `signtransaction`, `gettransaction`: a transaction, never broadcast by these calls. */
export const transactionSchema = z.looseObject({ hex: z.string(), complete: z.boolean(), final: z.boolean() })
export type BuiltTransaction = z.output<typeof transactionSchema>

/** `broadcast` success is `[true, txid]`; `[false, "error: ..."]` is turned into an error before this. */
export const broadcastSchema = z.tuple([z.literal(true), z.string()]).transform(([, txid]) => txid)

export const infoSchema = z.looseObject({
  path: z.string(),
  server: z.string(),
  blockchain_height: z.number().int(),
  server_height: z.number().int(),
  spv_nodes: z.number().int(),
  connected: z.boolean(),
  auto_connect: z.boolean(),
  version: z.string(),
  default_wallet: z.string().optional(),
  wallets: z.record(z.string(), z.boolean()),
  fee_per_kb: z.number(),
})
export type DaemonInfo = z.output<typeof infoSchema>

export const listedAddressSchema = z.union([z.string(), z.array(z.string()).min(1)])

/** `listaddresses`: plain strings, or `[address, balance?, label?]` rows when `balance`/`labels` were asked for. */
export function listAddressesResult(params: { balance?: boolean; labels?: boolean } | undefined) {
  return z.array(listedAddressSchema).transform((rows, ctx) =>
    rows.map((row) => {
      if (typeof row === 'string') return { address: row, balance: null, label: null }
      const [address, ...rest] = row
      let balance: bigint | null = null
      if (params?.balance) {
        try {
          balance = parseDaemonAmount(rest.shift())
        } catch (error) {
          ctx.issues.push({ code: 'custom', message: String(error), input: row })
        }
      }
      // Labels come as Python repr(): "''", "'text'", "\"it's\"", "'it\\'s a \"label\"'", escapes for the rest.
      const rawLabel = params?.labels ? rest.shift() : undefined
      let label: string | null = null
      if (rawLabel !== undefined) {
        try {
          label = decodePythonStringRepr(rawLabel)
        } catch (error) {
          ctx.issues.push({ code: 'custom', message: error instanceof Error ? error.message : String(error), input: row })
        }
      }
      return { address: address!, balance, label }
    }),
  )
}
export type ListedAddress = { address: string; balance: bigint | null; label: string | null }

/** `getalias`: the contact or alias a key resolves to. */
export const aliasSchema = z.looseObject({
  address: z.string(),
  type: z.string(),
  name: z.string().optional(),
  validated: z.boolean().optional(),
})
export type Alias = z.output<typeof aliasSchema>

/** `listcontacts` / `searchcontacts`: the wallet's `Contact(name, address, type)` tuples, read as objects. */
export const contactListSchema = z.array(
  z
    .tuple([z.string(), z.string(), z.string()])
    .rest(jsonValue)
    .transform(([name, address, type]) => ({ name, address, type })),
)
export type Contact = z.output<typeof contactListSchema>[number]

/** `create`: the new wallet's seed (a secret), file path and a message for the user. */
export const createdWalletSchema = z.looseObject({ seed: z.string(), path: z.string(), msg: z.string() })
/** `restore`: the restored wallet's file path and a message for the user. */
export const restoredWalletSchema = z.looseObject({ path: z.string(), msg: z.string() })
/** `createmultisig`: the P2SH address and its redeem script (hex). */
export const multisigSchema = z.looseObject({ address: z.string(), redeemScript: z.string() })
/** `password`: whether the wallet has a password after the change. */
export const passwordChangedSchema = z.looseObject({ password: z.boolean() })
/** `getmerkle`: the Electrum server's `blockchain.transaction.get_merkle` answer. */
export const merkleSchema = z.looseObject({
  block_height: z.number().int(),
  merkle: z.array(z.string()),
  pos: z.number().int(),
})

export const walletListSchema = z.array(z.looseObject({ path: z.string(), synchronized: z.boolean() }))
export const serversSchema = z.record(
  z.string(),
  z.looseObject({ pruning: z.string().optional(), version: z.string().optional() }),
)
export const addressConvertSchema = z.looseObject({ cashaddr: z.string().nullable(), legacy: z.string().nullable() })
export const daemonStatusSchema = z.union([z.string(), infoSchema.partial().loose()])
