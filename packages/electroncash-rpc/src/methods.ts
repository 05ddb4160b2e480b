/**
 * The method table: one entry per JSON-RPC method of Electron Cash 4.4.5 (the 74 commands the daemon's `commands`
 * lists plus ping, daemon, gui and run_cmdline). It is the source of truth for the typed client (params, results),
 * for the money gate (which parameters are amounts) and for the tests that walk every path.
 *
 * Params are camelCase objects validated by zod and sent as the daemon's keyword arguments (snake_case); results
 * are validated and amounts become bigint satoshis. Result shapes come from Electron Cash's `commands.py` /
 * `daemon.py` and from the captured replies (see NOTES.md in the shared reference).
 */
import { z } from 'zod'
import {
  addressBalanceSchema,
  addressConvertSchema,
  addressHistorySchema,
  addressUnspentSchema,
  aliasSchema,
  amountParam,
  balanceSchema,
  broadcastSchema,
  contactListSchema,
  createdWalletSchema,
  daemonStatusSchema,
  historyItemSchema,
  infoSchema,
  jsonObject,
  jsonValue,
  listAddressesResult,
  merkleSchema,
  multisigSchema,
  passwordChangedSchema,
  paymentRequestSchema,
  restoredWalletSchema,
  satsParam,
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
const outpoint = z.string().regex(/^[0-9a-f]{64}:\d+$/i)

/**
 * How the daemon reads a money parameter:
 * - `bch`: a BCH amount read with `int(1e8 * Decimal(x))` (a JSON float loses satoshis);
 * - `bch-or-max`: the same, or `'!'` for "everything";
 * - `outputs`: `[[address, bch], ...]`;
 * - `jsontx`: a transaction whose `outputs[].value` are integer satoshis.
 */
export type MoneyKind = 'bch' | 'bch-or-max' | 'outputs' | 'jsontx'

/** One money parameter: its keyword name, its position in the daemon's Python signature, and how it is read. */
export interface MoneyParam {
  readonly name: string
  readonly index: number
  readonly kind: MoneyKind
}

interface SpecExtras {
  /** The daemon takes one positional dict (daemon, gui, run_cmdline) instead of keyword arguments. */
  readonly positional?: true
  /** Every parameter that carries money; the money gate refuses JS numbers in these positions on every path. */
  readonly money?: readonly MoneyParam[]
}

/** A result schema, or (listaddresses) one chosen by the params, since the row shape depends on them. */
type ResultSchema = z.ZodType | ((params: Record<string, unknown> | undefined) => z.ZodType)

const spec = <P extends z.ZodType<Record<string, unknown>, Record<string, unknown>>, R extends ResultSchema>(
  rpc: string,
  params: P,
  result: R,
  extras: SpecExtras = {},
) => ({ rpc, params, result, ...extras })

const payOptions = {
  fee: amountParam.optional(),
  /** Satoshis per byte (a rate, not an amount of money). */
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

const METHOD_TABLE = {
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
      tokenRequest: jsonValue.optional(),
      categoryId: text.optional(),
    }),
    paymentRequestSchema,
    { money: [{ name: 'amount', index: 0, kind: 'bch' }] },
  ),
  addressConvert: spec('addressconvert', z.object({ address }), addressConvertSchema),
  broadcast: spec('broadcast', z.object({ tx: z.string().min(1) }), broadcastSchema),
  /** True when the seed was made by Electron Cash with this entropy. */
  checkElectrumSeed: spec('check_electrum_seed', z.object({ seed: text, ...seedOptions }), z.boolean()),
  /** Removed from the daemon: it always fails (NotImplementedError); use checkElectrumSeed. */
  checkSeed: spec('check_seed', z.object({ seed: text, ...seedOptions }), z.never()),
  clearRequests: spec('clearrequests', none, z.null()),
  closeWallet: spec('close_wallet', none, z.boolean()),
  commands: spec(
    'commands',
    none,
    z.string().transform((names) => names.split(' ')),
  ),
  /**
   * Combines the coins of one wallet address. The 4.4.5 source of this command was not available to type its reply
   * precisely, so the result is the daemon's JSON as it comes.
   */
  consolidateCoins: spec('consolidatecoins', z.object({ address }), jsonValue),
  /** Creates a wallet file; the result carries its seed (a secret: redacted in hooks and CLI output). */
  create: spec(
    'create',
    z.object({
      passphrase: text.optional(),
      password,
      encryptFile: flag,
      seedType: text.optional(),
      walletPath: text.optional(),
    }),
    createdWalletSchema,
  ),
  createMultisig: spec('createmultisig', z.object({ num: z.number().int().positive(), pubkeys: z.array(text) }), multisigSchema),
  createNewAddress: spec('createnewaddress', none, z.string()),
  daemon: spec('daemon', daemonConfig, daemonStatusSchema.or(z.boolean()), { positional: true }),
  decrypt: spec('decrypt', z.object({ pubkey: text, encrypted: text, password }), z.string()),
  deserialize: spec('deserialize', z.object({ tx: text }), jsonObject),
  /** Deprecated by the daemon: answers a sentence pointing at getprivatekeys. */
  dumpPrivKeys: spec('dumpprivkeys', none, z.string()),
  encrypt: spec('encrypt', z.object({ pubkey: text, message: text }), z.string()),
  freeze: spec('freeze', z.object({ address }), z.boolean()),
  freezeUtxo: spec('freeze_utxo', z.object({ coin: outpoint }), z.boolean()),
  /** A wallet storage item (any JSON value, null when absent). */
  get: spec('get', z.object({ key: text }), jsonValue),
  getAddressBalance: spec('getaddressbalance', z.object({ address, ...addressOptions }), addressBalanceSchema),
  getAddressHistory: spec('getaddresshistory', z.object({ address }), addressHistorySchema),
  getAddressUnspent: spec('getaddressunspent', z.object({ address, ...addressOptions }), addressUnspentSchema),
  getAlias: spec('getalias', z.object({ key: text }), aliasSchema),
  getBalance: spec('getbalance', none, balanceSchema),
  /** A daemon config value (any JSON value, null when unset). `rpcpassword` is a secret: redacted in hooks and CLI output. */
  getConfig: spec('getconfig', z.object({ key: text }), jsonValue),
  /** Satoshis per kB. */
  getFeeRate: spec('getfeerate', none, z.number()),
  getInfo: spec('getinfo', none, infoSchema),
  getMasterPrivate: spec('getmasterprivate', z.object({ password }), z.string()),
  getMerkle: spec('getmerkle', z.object({ txid: text, height: z.number().int() }), merkleSchema),
  getMpk: spec('getmpk', none, z.string()),
  /** One key for one address, a list for a list. */
  getPrivateKeys: spec(
    'getprivatekeys',
    z.object({ address: z.union([address, z.array(address)]), password }),
    z.union([z.string(), z.array(z.string())]),
  ),
  getPubKeys: spec('getpubkeys', z.object({ address }), z.array(z.string())),
  /** `key` is the request's address. */
  getRequest: spec('getrequest', z.object({ key: address }), paymentRequestSchema),
  getSeed: spec('getseed', z.object({ password }), z.string()),
  getServers: spec('getservers', none, serversSchema),
  getTransaction: spec('gettransaction', z.object({ txid: z.string().regex(/^[0-9a-f]{64}$/i) }), transactionSchema),
  getUnusedAddress: spec('getunusedaddress', none, z.string()),
  /** In daemon mode the daemon answers a sentence saying there is no GUI. */
  gui: spec('gui', z.looseObject({}), z.string(), { positional: true }),
  /** The command names, sorted. */
  help: spec('help', none, z.array(z.string())),
  history: spec('history', z.object({ ...historyOptions, showAddresses: flag, showFiat: flag }), z.array(historyItemSchema)),
  /** `"Keypair imported: <address>"`; failures (`"Error: ..."`) become `RpcError`. */
  importPrivKey: spec('importprivkey', z.object({ privkey: text, password }), z.string()),
  isMine: spec('ismine', z.object({ address }), z.boolean()),
  isSynchronized: spec('is_synchronized', none, z.boolean()),
  listAddresses: spec(
    'listaddresses',
    z.object({ receiving: flag, change: flag, labels: flag, frozen: flag, unused: flag, funded: flag, balance: flag }),
    (params) => listAddressesResult(params as { balance?: boolean; labels?: boolean } | undefined),
  ),
  listContacts: spec('listcontacts', none, contactListSchema),
  listRequests: spec('listrequests', z.object({ pending: flag, expired: flag, paid: flag }), z.array(paymentRequestSchema)),
  listUnspent: spec('listunspent', none, unspentSchema),
  listWallets: spec('list_wallets', none, walletListSchema),
  loadWallet: spec('load_wallet', none, z.boolean()),
  makeElectrumSeed: spec('make_electrum_seed', z.object({ nbits: z.number().int().optional(), ...seedOptions }), z.string()),
  makeSeed: spec('make_seed', z.object({ nbits: z.number().int().optional(), language: text.optional() }), z.string()),
  /** The daemon POSTs `{address, status}` to `url` on every change. Each call registers another callback. */
  notify: spec('notify', z.object({ address, url: z.url() }), z.boolean()),
  /** The `password` command: changes the wallet password; answers whether the wallet now has one. */
  changePassword: spec('password', z.object({ password, newPassword: text.optional() }), passwordChangedSchema),
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
    {
      money: [
        { name: 'amount', index: 1, kind: 'bch-or-max' },
        { name: 'fee', index: 2, kind: 'bch' },
      ],
    },
  ),
  /** Builds (and signs) a transaction to several outputs; does NOT broadcast it. */
  payToMany: spec(
    'paytomany',
    z.object({ outputs: z.array(z.tuple([address, amountParam])).min(1), ...payOptions }),
    transactionSchema,
    {
      money: [
        { name: 'outputs', index: 0, kind: 'outputs' },
        { name: 'fee', index: 1, kind: 'bch' },
      ],
    },
  ),
  ping: spec('ping', none, z.boolean()),
  restore: spec(
    'restore',
    z.object({ text, passphrase: text.optional(), password, encryptFile: flag, walletPath: text.optional() }),
    restoredWalletSchema,
  ),
  /** Removes the request for `address`; false when there was none. */
  rmRequest: spec('rmrequest', z.object({ address }), z.boolean()),
  /** WIF private keys of the transaction's outputs paid to this wallet's paycode (a secret). */
  rpaExtractPrivateKeysFromTransaction: spec(
    'rpa_extract_private_keys_from_transaction',
    z.object({ rawTx: text, password }),
    z.array(z.string()),
  ),
  /** The wallet's reusable payment address (`paycode:...`). */
  rpaGeneratePaycode: spec('rpa_generate_paycode', none, z.string()),
  /** Builds and signs a transaction paying `amount` to a paycode; answers the raw transaction hex (not broadcast). */
  rpaGenerateTransactionFromPaycode: spec(
    'rpa_generate_transaction_from_paycode',
    z.object({ amount: amountParam, paycode: text, fee: amountParam.optional(), password }),
    z.string(),
    {
      money: [
        { name: 'amount', index: 0, kind: 'bch' },
        { name: 'fee', index: 2, kind: 'bch' },
      ],
    },
  ),
  /**
   * Runs `cmd` on the wallet at `walletPath` (multi-wallet). Its other keys are `cmd`'s own params, so money
   * params are guarded as `cmd`'s; the result is `cmd`'s reply as JSON.
   */
  runCmdline: spec(
    'run_cmdline',
    z.looseObject({ cmd: text, walletPath: text.optional(), electronCashPath: text.optional() }),
    jsonValue,
    { positional: true },
  ),
  searchContacts: spec('searchcontacts', z.object({ query: text }), contactListSchema),
  /** Builds a transaction from JSON inputs and outputs (`outputs[].value` in satoshis: pass bigint). */
  serialize: spec(
    'serialize',
    z.object({ jsontx: z.looseObject({ outputs: z.array(z.looseObject({ address, value: satsParam })).optional() }) }),
    transactionSchema,
    { money: [{ name: 'jsontx', index: 0, kind: 'jsontx' }] },
  ),
  setConfig: spec('setconfig', z.object({ key: text, value: jsonValue }), z.boolean()),
  setLabel: spec('setlabel', z.object({ key: text, label: text }), z.null()),
  signMessage: spec('signmessage', z.object({ address, message: text, password }), z.string()),
  /** Signs the request with the OpenAlias in the config; answers null. */
  signRequest: spec('signrequest', z.object({ address, password }), z.null()),
  signTransaction: spec(
    'signtransaction',
    z.object({ tx: text, privkey: text.optional(), password, schnorr: flag }),
    transactionSchema,
  ),
  /** Answers `"Daemon stopped"`. */
  stop: spec('stop', none, z.string()),
  /** Builds a transaction sending the key's coins to `destination` (not broadcast); null when there is nothing to sweep. */
  sweep: spec(
    'sweep',
    z.object({
      privkey: text,
      destination: address,
      fee: amountParam.optional(),
      nocheck: flag,
      imax: z.number().int().optional(),
    }),
    transactionSchema.nullable(),
    { money: [{ name: 'fee', index: 2, kind: 'bch' }] },
  ),
  /**
   * The wallet's CashToken history. The 4.4.5 source of this command was not available to type its items precisely,
   * so each item is the daemon's JSON object as it comes.
   */
  tokenHistory: spec('token_history', z.object(historyOptions), z.array(jsonObject)),
  unfreeze: spec('unfreeze', z.object({ address }), z.boolean()),
  unfreezeUtxo: spec('unfreeze_utxo', z.object({ coin: outpoint }), z.boolean()),
  /** Never an error: false for anything that is not a mainnet address. */
  validateAddress: spec('validateaddress', z.object({ address: z.string() }), z.boolean()),
  verifyMessage: spec('verifymessage', z.object({ address, signature: text, message: text }), z.boolean()),
  version: spec('version', none, z.string()),
}

type Table = typeof METHOD_TABLE
export type MethodName = keyof Table
type OutputOf<R> = R extends z.ZodType
  ? z.output<R>
  : R extends (params: never) => infer S
    ? S extends z.ZodType
      ? z.output<S>
      : never
    : never
/** The params object a typed method takes (camelCase; amounts as bigint satoshis or decimal strings). */
export type MethodParams<K extends MethodName> = z.input<Table[K]['params']>
/** What a typed method resolves to. */
export type MethodResult<K extends MethodName> = OutputOf<Table[K]['result']>

/** One entry of the table, typed by its own name: the client's typed methods are checked against these. */
export interface MethodSpec<K extends MethodName = MethodName> {
  /** The daemon's method name. */
  readonly rpc: string
  readonly params: z.ZodType<Record<string, unknown>, MethodParams<K>>
  readonly result: z.ZodType<MethodResult<K>> | ((params: Record<string, unknown> | undefined) => z.ZodType<MethodResult<K>>)
  readonly positional?: true
  readonly money?: readonly MoneyParam[]
}

/** The method table, each entry checked by the compiler against the types the client exposes. */
export const METHODS: { readonly [K in MethodName]: MethodSpec<K> } = METHOD_TABLE

/** The result schema of a typed method, for these params (listaddresses' rows depend on them). */
export function resultSchemaFor<K extends MethodName>(
  name: K,
  params: Record<string, unknown> | undefined,
): z.ZodType<MethodResult<K>> {
  const result = METHODS[name].result
  return typeof result === 'function' ? result(params) : result
}

const BY_RPC = new Map<string, MethodSpec>(Object.values(METHODS).map((entry) => [entry.rpc, entry as MethodSpec]))

/** The table entry for a daemon method name (`'addrequest'`), if it is one of Electron Cash 4.4.5's. */
export function specForRpc(rpc: string): MethodSpec | undefined {
  return BY_RPC.get(rpc)
}

const RENAMES: Record<string, string> = { addTransaction: 'addtransaction', url: 'URL' }

/** camelCase option names to the daemon's keyword names. */
export function toWireName(key: string): string {
  return RENAMES[key] ?? key.replace(/[A-Z]/g, (char) => `_${char.toLowerCase()}`)
}

/** Validated params → the JSON-RPC `params`: keyword object, `[]` when empty, or `[dict]` for positional methods. */
export function toWireParams(entry: MethodSpec, parsed: Record<string, unknown>): unknown[] | Record<string, unknown> {
  const wire: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(parsed)) if (value !== undefined) wire[toWireName(key)] = value
  if (entry.positional) return [wire]
  return Object.keys(wire).length === 0 ? [] : wire
}
