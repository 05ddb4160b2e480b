/**
 * The typed API: one entry per JSON-RPC method of Electron Cash 4.4.5 (the 74 commands the daemon's `commands` lists plus ping, daemon, gui and run_cmdline).
 * Params are camelCase objects validated by zod and sent as the daemon's keyword arguments (snake_case);
 * results are validated and amounts become bigint satoshis.
 */
import { z } from 'zod'
import {
  addressBalanceSchema,
  addressConvertSchema,
  addressHistorySchema,
  addressUnspentSchema,
  amountParam,
  balanceSchema,
  broadcastSchema,
  daemonStatusSchema,
  historyItemSchema,
  infoSchema,
  listAddressesResult,
  paymentRequestSchema,
  serversSchema,
  transactionSchema,
  unspentSchema,
  walletListSchema,
} from './schemas.js'

/** An address, with or without the `bitcoincash:` prefix (the daemon accepts both and returns it without). */
const address = z.string().min(1)
const text = z.string()
const flag = z.boolean().optional()
const password = z.string().optional()
const none = z.object({})
const anyResult = z.unknown()

export interface MethodSpec {
  /** The daemon's method name. */
  readonly rpc: string
  readonly params: z.ZodType<Record<string, unknown>, Record<string, unknown>>
  readonly result: z.ZodType
  /** The daemon takes one positional dict (daemon, gui, run_cmdline) instead of keyword arguments. */
  readonly positional?: true
}

const spec = <P extends z.ZodType<Record<string, unknown>, Record<string, unknown>>, R extends z.ZodType>(
  rpc: string,
  params: P,
  result: R,
  positional?: true,
) => ({ rpc, params, result, ...(positional ? { positional } : {}) }) as const

const payOptions = {
  fee: amountParam.optional(),
  /** Satoshis per byte. */
  feerate: z.number().nonnegative().optional(),
  fromAddr: address.optional(),
  changeAddr: address.optional(),
  nocheck: flag,
  unsigned: flag,
  password,
  locktime: z.number().int().nonnegative().optional(),
  /** Also store the built transaction in the wallet. */
  addTransaction: flag,
}

const addressOptions = { includeTokens: flag, tokensOnly: flag }
const seedOptions = { entropy: z.number().int().optional(), language: z.string().optional() }
const historyOptions = { year: z.number().int().optional(), useNet: flag, timeout: z.number().positive().optional() }
const daemonConfig = z.looseObject({
  subcommand: z.enum(['status', 'stop', 'load_wallet', 'close_wallet']),
  electronCashPath: z.string().optional(),
  walletPath: z.string().optional(),
})

export const METHODS = {
  addRequest: spec(
    'addrequest',
    z.object({
      amount: amountParam,
      memo: text.optional(),
      /** Seconds from now; the daemon stores it as `exp` relative to `time`. */
      expiration: z.number().int().positive().optional(),
      /** Derive a new address when the pool of 20 unused ones is used up. */
      force: flag,
      paymentUrl: text.optional(),
      indexUrl: text.optional(),
      tokenRequest: z.unknown().optional(),
      categoryId: text.optional(),
    }),
    paymentRequestSchema,
  ),
  addressConvert: spec('addressconvert', z.object({ address }), addressConvertSchema),
  broadcast: spec('broadcast', z.object({ tx: z.string().min(1) }), broadcastSchema),
  checkElectrumSeed: spec('check_electrum_seed', z.object({ seed: text, ...seedOptions }), anyResult),
  checkSeed: spec('check_seed', z.object({ seed: text, ...seedOptions }), anyResult),
  clearRequests: spec('clearrequests', none, z.null()),
  closeWallet: spec('close_wallet', none, z.boolean()),
  commands: spec(
    'commands',
    none,
    z.string().transform((names) => names.split(' ')),
  ),
  consolidateCoins: spec('consolidatecoins', z.object({ address }), anyResult),
  create: spec(
    'create',
    z.object({
      passphrase: text.optional(),
      password,
      encryptFile: flag,
      seedType: text.optional(),
      walletPath: text.optional(),
    }),
    anyResult,
  ),
  createMultisig: spec('createmultisig', z.object({ num: z.number().int().positive(), pubkeys: z.array(text) }), anyResult),
  createNewAddress: spec('createnewaddress', none, z.string()),
  daemon: spec('daemon', daemonConfig, daemonStatusSchema.or(z.boolean()), true),
  decrypt: spec('decrypt', z.object({ pubkey: text, encrypted: text, password }), z.string()),
  deserialize: spec('deserialize', z.object({ tx: text }), z.record(z.string(), z.unknown())),
  dumpPrivKeys: spec('dumpprivkeys', none, anyResult),
  encrypt: spec('encrypt', z.object({ pubkey: text, message: text }), z.string()),
  freeze: spec('freeze', z.object({ address }), z.boolean()),
  freezeUtxo: spec('freeze_utxo', z.object({ coin: z.string().regex(/^[0-9a-f]{64}:\d+$/i) }), anyResult),
  get: spec('get', z.object({ key: text }), anyResult),
  getAddressBalance: spec('getaddressbalance', z.object({ address, ...addressOptions }), addressBalanceSchema),
  getAddressHistory: spec('getaddresshistory', z.object({ address }), addressHistorySchema),
  getAddressUnspent: spec('getaddressunspent', z.object({ address, ...addressOptions }), addressUnspentSchema),
  getAlias: spec('getalias', z.object({ key: text }), anyResult),
  getBalance: spec('getbalance', none, balanceSchema),
  getConfig: spec('getconfig', z.object({ key: text }), anyResult),
  /** Satoshis per kB. */
  getFeeRate: spec('getfeerate', none, z.number()),
  getInfo: spec('getinfo', none, infoSchema),
  getMasterPrivate: spec('getmasterprivate', z.object({ password }), z.string()),
  getMerkle: spec('getmerkle', z.object({ txid: text, height: z.number().int() }), anyResult),
  getMpk: spec('getmpk', none, z.string()),
  getPrivateKeys: spec('getprivatekeys', z.object({ address: z.union([address, z.array(address)]), password }), anyResult),
  getPubKeys: spec('getpubkeys', z.object({ address }), z.array(z.string())),
  /** `key` is the request's address. */
  getRequest: spec('getrequest', z.object({ key: address }), paymentRequestSchema),
  getSeed: spec('getseed', z.object({ password }), z.string()),
  getServers: spec('getservers', none, serversSchema),
  getTransaction: spec('gettransaction', z.object({ txid: z.string().regex(/^[0-9a-f]{64}$/i) }), transactionSchema),
  getUnusedAddress: spec('getunusedaddress', none, z.string()),
  gui: spec('gui', z.looseObject({}), anyResult, true),
  help: spec('help', none, anyResult),
  history: spec('history', z.object({ ...historyOptions, showAddresses: flag, showFiat: flag }), z.array(historyItemSchema)),
  importPrivKey: spec('importprivkey', z.object({ privkey: text, password }), z.string()),
  isMine: spec('ismine', z.object({ address }), z.boolean()),
  isSynchronized: spec('is_synchronized', none, z.boolean()),
  listAddresses: spec(
    'listaddresses',
    z.object({ receiving: flag, change: flag, labels: flag, frozen: flag, unused: flag, funded: flag, balance: flag }),
    listAddressesResult(undefined),
  ),
  listContacts: spec('listcontacts', none, anyResult),
  listRequests: spec('listrequests', z.object({ pending: flag, expired: flag, paid: flag }), z.array(paymentRequestSchema)),
  listUnspent: spec('listunspent', none, unspentSchema),
  listWallets: spec('list_wallets', none, walletListSchema),
  loadWallet: spec('load_wallet', none, z.boolean()),
  makeElectrumSeed: spec('make_electrum_seed', z.object({ nbits: z.number().int().optional(), ...seedOptions }), z.string()),
  makeSeed: spec('make_seed', z.object({ nbits: z.number().int().optional(), language: text.optional() }), z.string()),
  /** The daemon POSTs `{address, status}` to `url` on every change. Each call registers another callback. */
  notify: spec('notify', z.object({ address, url: z.url() }), z.boolean()),
  /** The `password` command: changes the wallet password. */
  changePassword: spec('password', z.object({ password, newPassword: text.optional() }), anyResult),
  /** Builds (and signs) a transaction; does NOT broadcast it. `amount: '!'` sends everything. */
  payTo: spec(
    'payto',
    z.object({
      destination: address,
      amount: z.union([z.literal('!'), amountParam]),
      ...payOptions,
      opReturn: text.optional(),
      opReturnRaw: text.optional(),
    }),
    transactionSchema,
  ),
  /** Builds (and signs) a transaction to several outputs; does NOT broadcast it. */
  payToMany: spec(
    'paytomany',
    z.object({ outputs: z.array(z.tuple([address, amountParam])).min(1), ...payOptions }),
    transactionSchema,
  ),
  ping: spec('ping', none, z.boolean()),
  restore: spec(
    'restore',
    z.object({ text, passphrase: text.optional(), password, encryptFile: flag, walletPath: text.optional() }),
    anyResult,
  ),
  /** Removes the request for `address`; false when there was none. */
  rmRequest: spec('rmrequest', z.object({ address }), z.boolean()),
  rpaExtractPrivateKeysFromTransaction: spec(
    'rpa_extract_private_keys_from_transaction',
    z.object({ rawTx: text, password }),
    anyResult,
  ),
  rpaGeneratePaycode: spec('rpa_generate_paycode', none, anyResult),
  rpaGenerateTransactionFromPaycode: spec(
    'rpa_generate_transaction_from_paycode',
    z.object({ amount: amountParam, paycode: text, fee: amountParam.optional(), password }),
    anyResult,
  ),
  runCmdline: spec(
    'run_cmdline',
    z.looseObject({ cmd: text, walletPath: text.optional(), electronCashPath: text.optional() }),
    anyResult,
    true,
  ),
  searchContacts: spec('searchcontacts', z.object({ query: text }), anyResult),
  serialize: spec('serialize', z.object({ jsontx: z.record(z.string(), z.unknown()) }), anyResult),
  setConfig: spec('setconfig', z.object({ key: text, value: z.unknown() }), anyResult),
  setLabel: spec('setlabel', z.object({ key: text, label: text }), anyResult),
  signMessage: spec('signmessage', z.object({ address, message: text, password }), z.string()),
  signRequest: spec('signrequest', z.object({ address, password }), anyResult),
  signTransaction: spec(
    'signtransaction',
    z.object({ tx: text, privkey: text.optional(), password, schnorr: flag }),
    transactionSchema,
  ),
  stop: spec('stop', none, anyResult),
  sweep: spec(
    'sweep',
    z.object({
      privkey: text,
      destination: address,
      fee: amountParam.optional(),
      nocheck: flag,
      imax: z.number().int().optional(),
    }),
    anyResult,
  ),
  tokenHistory: spec('token_history', z.object(historyOptions), anyResult),
  unfreeze: spec('unfreeze', z.object({ address }), z.boolean()),
  unfreezeUtxo: spec('unfreeze_utxo', z.object({ coin: z.string().regex(/^[0-9a-f]{64}:\d+$/i) }), anyResult),
  /** Never an error: false for anything that is not a mainnet address. */
  validateAddress: spec('validateaddress', z.object({ address: z.string() }), z.boolean()),
  verifyMessage: spec('verifymessage', z.object({ address, signature: text, message: text }), z.boolean()),
  version: spec('version', none, z.string()),
} as const satisfies Record<string, MethodSpec>

/** listaddresses' row shape depends on which columns were asked for. */
export function resultSchemaFor(name: MethodName, params: Record<string, unknown> | undefined): z.ZodType {
  if (name === 'listAddresses') return listAddressesResult(params as { balance?: boolean; labels?: boolean })
  return METHODS[name].result
}

export type MethodName = keyof typeof METHODS
type Spec<K extends MethodName> = (typeof METHODS)[K]
export type MethodParams<K extends MethodName> = z.input<Spec<K>['params']>
export type MethodResult<K extends MethodName> = K extends 'listAddresses'
  ? { address: string; balance: bigint | null; label: string | null }[]
  : z.output<Spec<K>['result']>

const RENAMES: Record<string, string> = { addTransaction: 'addtransaction', url: 'URL' }

/** camelCase option names to the daemon's keyword names. */
export function toWireName(key: string): string {
  return RENAMES[key] ?? key.replace(/[A-Z]/g, (char) => `_${char.toLowerCase()}`)
}

/** Validated params → the JSON-RPC `params`: keyword object, `[]` when empty, or `[dict]` for positional methods. */
export function toWireParams(spec: MethodSpec, parsed: Record<string, unknown>): unknown[] | Record<string, unknown> {
  const wire: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(parsed)) if (value !== undefined) wire[toWireName(key)] = value
  if (spec.positional) return [wire]
  return Object.keys(wire).length === 0 ? [] : wire
}
