/**
 * The fake daemon's command table: what each JSON-RPC method needs (network, wallet, password), its Python
 * signature (for the daemon's exact -32602 texts) and what it answers. Modelled on Electron Cash 4.4.5's
 * `commands.py` and the captured replies (see NOTES.md in the shared reference).
 */
import { createHash } from 'node:crypto'
import { formatPythonDecimal, formatSatoshis, SATS_PER_BCH, satsToBch } from '../amount.js'
import { cashAddrToLegacy, isValidCashAddr, isValidLegacyAddress } from './addresses.js'
import type { FakeNotifier } from './fake-notifier.js'
import { type FakeWallet, stripPrefix } from './fake-wallet.js'
import { pythonStrRepr } from './python-repr.js'

/** A Python exception as the daemon reports it in -32603 `Server error: File ..., line N, in f | Class: msg`. */
export class PythonError extends Error {
  constructor(
    readonly exceptionClass: string,
    readonly detail: string,
    readonly where: { file: string; line: number; func: string } = COMMANDS_PY,
  ) {
    super(detail)
  }
  serverMessage(): string {
    const suffix = this.detail === '' ? '' : `: ${this.detail}`
    return `Server error: File "${this.where.file}", line ${this.where.line}, in ${this.where.func} | ${this.exceptionClass}${suffix}\n`
  }
}

/** A Python `TypeError` at call time: the daemon answers -32602 `Invalid parameters: ...`. */
export class PythonTypeError extends Error {}

const COMMANDS_PY = { file: '/opt/electron-cash/electroncash/commands.py', line: 117, func: 'func_wrapper' }
const OFFLINE = () => new PythonError('BaseException', 'Daemon offline')
const NOT_LOADED = () =>
  new PythonError('BaseException', "Wallet not loaded. Use 'electron-cash daemon load_wallet'", { ...COMMANDS_PY, line: 119 })
const SERVER_TIMEOUT = () =>
  new PythonError('electroncash.util.timeout', 'Server did not answer', {
    file: '/opt/electron-cash/electroncash/network.py',
    line: 1835,
    func: 'synchronous_get',
  })

export interface FakeState {
  wallet: FakeWallet
  /** `notify` subscriptions and the POSTs made for them. */
  notifier: FakeNotifier
  offline: boolean
  /** Seconds a server-bound network call blocks before failing; 0 means an Electrum server answers. */
  networkStallSeconds: number
  /** The RPC commands have a wallet (the daemon's `cmd_runner.wallet`): wallet commands answer. */
  walletLoaded: boolean
  /**
   * The wallet is open in the daemon's wallet list (`getinfo.wallets`, `list_wallets`). `close_wallet` clears only
   * this: like the real daemon, wallet commands keep answering from the closed wallet.
   */
  walletOpen: boolean
  /** Labels set with `setlabel`, by address or txid. */
  labels: Map<string, string>
  /** The wallet has caught up with its server; it never has without one. */
  synchronized: boolean
  walletPassword: string | undefined
  config: Record<string, unknown>
  stopped: () => void
}

interface Command {
  /** `n` network, `w` wallet, `p` password, as in commands.py's decorator. */
  needs: string
  params: string[]
  options: Record<string, unknown>
  /** Blocks on an Electrum server answer (stalls when no server is reachable). */
  server?: boolean
  run(args: Record<string, unknown>, state: FakeState): unknown | Promise<unknown>
}

/** `int(1e8 * Decimal(x))`: exact for strings (sub-satoshi digits truncated), float-truncating for JSON numbers. */
export function pythonSatoshis(value: unknown): bigint {
  if (typeof value === 'number') return BigInt(Math.trunc(value * 1e8))
  const match = typeof value === 'string' ? /^\s*([+-])?(\d*)(?:\.(\d*))?\s*$/.exec(value) : null
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) {
    throw new PythonError('decimal.InvalidOperation', "[<class 'decimal.ConversionSyntax'>]", {
      file: COMMANDS_PY.file,
      line: 61,
      func: 'satoshis',
    })
  }
  const sats = BigInt(match[2] || '0') * SATS_PER_BCH + BigInt((match[3] ?? '').slice(0, 8).padEnd(8, '0'))
  return match[1] === '-' ? -sats : sats
}

function requireAddress(value: unknown, func = 'from_string'): string {
  if (typeof value === 'string' && (isValidCashAddr(value) || isValidLegacyAddress(value))) return value
  throw new PythonError(
    'electroncash.address.AddressError',
    `invalid address: ${String(value)} (address payload has invalid length: ${String(value).length * 4})`,
    {
      file: '/opt/electron-cash/electroncash/address.py',
      line: 445,
      func,
    },
  )
}

/** Inside a `p` command: a wrong wallet password raises InvalidPassword (a missing one is caught in runCommand). */
function passwordGate(args: Record<string, unknown>, state: FakeState): undefined {
  if (state.walletPassword === undefined || args['password'] === null || args['password'] === undefined) return undefined
  if (args['password'] !== state.walletPassword) {
    throw new PythonError('electroncash.util.InvalidPassword', 'Incorrect password', {
      file: '/opt/electron-cash/electroncash/bitcoin.py',
      line: 358,
      func: 'pw_decode',
    })
  }
  return undefined
}

function notEnoughFunds(): PythonError {
  return new PythonError('electroncash.util.NotEnoughFunds', '', {
    file: '/opt/electron-cash/electroncash/wallet.py',
    line: 2647,
    func: 'make_unsigned_transaction',
  })
}

function buildTransaction(outputs: [string, unknown][], args: Record<string, unknown>, state: FakeState) {
  let total = 0n
  for (const [address, amount] of outputs) {
    requireAddress(address)
    total += amount === '!' ? state.wallet.balance().confirmed : pythonSatoshis(amount)
  }
  const { confirmed, unconfirmed } = state.wallet.balance()
  if (total <= 0n || total > confirmed + unconfirmed) throw notEnoughFunds()
  if (!args['unsigned']) passwordGate(args, state)
  const hex = `0200000001${createHash('sha256').update(JSON.stringify(outputs)).digest('hex')}`
  return { hex, complete: !args['unsigned'], final: false }
}

/** `getinfo` (with `default_wallet`) and `daemon status` (without). */
/** `wallet.is_up_to_date()`: synchronized only while a server answers. */
export const isSynchronized = (state: FakeState) => state.networkStallSeconds === 0 && state.synchronized

export function serverInfo(state: FakeState, withDefaultWallet: boolean): Record<string, unknown> {
  const connected = state.networkStallSeconds === 0
  const wallet = '/srv/electron-cash/wallets/default_wallet'
  return {
    path: '/srv/electron-cash/data',
    server: connected ? 'fulcrum.example' : '127.0.0.1',
    blockchain_height: state.wallet.height,
    server_height: connected ? state.wallet.height : 0,
    spv_nodes: connected ? 8 : 0,
    connected,
    auto_connect: false,
    version: '4.4.5',
    ...(withDefaultWallet ? { default_wallet: wallet } : {}),
    wallets: state.walletOpen ? { [wallet]: isSynchronized(state) } : {},
    fee_per_kb: 1000,
  }
}

const unsupported = (name: string) => () => {
  throw new PythonError('NotImplementedError', `the tradekit fake daemon does not model ${name}`)
}

const cmd = (
  needs: string,
  params: string[],
  options: Record<string, unknown>,
  run: Command['run'],
  server = false,
): Command => ({
  needs,
  params,
  options,
  run,
  server,
})

const ADDRESS_OPTIONS = { include_tokens: false, tokens_only: false }
const PAY_OPTIONS = {
  fee: null,
  feerate: null,
  from_addr: null,
  change_addr: null,
  nocheck: false,
  unsigned: false,
  password: null,
  locktime: null,
  addtransaction: false,
}

/** Every command in `known_commands` (the daemon's `commands` answer); daemon-level methods are added in fake-daemon.ts. */
export const FAKE_COMMANDS: Record<string, Command> = {
  addrequest: cmd(
    'w',
    ['amount'],
    { memo: '', expiration: null, force: false, payment_url: null, index_url: null, token_request: null, category_id: null },
    (a, s) => {
      const request = s.wallet.addRequest(
        pythonSatoshis(a['amount']),
        String(a['memo'] ?? ''),
        typeof a['expiration'] === 'number' ? Math.trunc(a['expiration']) : null,
        Boolean(a['force']),
      )
      return request === false ? false : s.wallet.serializeRequest(request)
    },
  ),
  addressconvert: cmd('', ['address'], {}, (a) => {
    const address = String(a['address'])
    if (!isValidCashAddr(address) && !isValidLegacyAddress(address)) {
      throw new PythonError('electroncash.address.AddressError', `Invalid address: ${address}`, {
        file: COMMANDS_PY.file,
        line: 187,
        func: 'addressconvert',
      })
    }
    if (isValidLegacyAddress(address)) return { cashaddr: null, legacy: address }
    return { cashaddr: `bitcoincash:${stripPrefix(address)}`, legacy: cashAddrToLegacy(address) }
  }),
  broadcast: cmd(
    'n',
    ['tx'],
    {},
    (a) => {
      const hex = String(a['tx'])
      if (!/^[0-9a-f]+$/i.test(hex) || hex.length % 2 !== 0)
        return [false, 'error: the transaction was rejected by network rules.']
      const txid = createHash('sha256')
        .update(createHash('sha256').update(Buffer.from(hex, 'hex')).digest())
        .digest()
      return [true, Buffer.from(txid).reverse().toString('hex')]
    },
    true,
  ),
  check_electrum_seed: cmd('', ['seed'], { entropy: 1, language: null }, () => false),
  check_seed: cmd('', ['seed'], { entropy: 1, language: null }, () => {
    throw new PythonError('BaseException', 'check_seed has been removed; use check_electrum_seed')
  }),
  clearrequests: cmd('w', [], {}, (_a, s) => {
    s.wallet.requests.clear()
    return null
  }),
  close_wallet: cmd('n', [], {}, (_a, s) => {
    // daemon.stop_wallet(): the wallet leaves the daemon's list, but the RPC commands keep their wallet object.
    const was = s.walletOpen
    s.walletOpen = false
    return was
  }),
  commands: cmd('', [], {}, () => Object.keys(FAKE_COMMANDS).sort().join(' ')),
  consolidatecoins: cmd('w', ['address'], {}, () => []),
  create: cmd('', [], { passphrase: null, password: null, encrypt_file: true, seed_type: null, wallet_path: null }, (a) => ({
    seed: 'fake created wallet seed words never use',
    path: typeof a['wallet_path'] === 'string' ? a['wallet_path'] : '/srv/electron-cash/wallets/created_wallet',
    msg: 'Please keep your seed in a safe place; if you lose it, you will not be able to restore your wallet.',
  })),
  createmultisig: cmd('', ['num', 'pubkeys'], {}, unsupported('createmultisig')),
  createnewaddress: cmd('w', [], {}, (_a, s) => s.wallet.createNewAddress()),
  decrypt: cmd('wp', ['pubkey', 'encrypted'], { password: null }, (a, s) => passwordGate(a, s) ?? 'fake decrypted message'),
  deserialize: cmd('', ['tx'], {}, (a) => ({ version: 2, inputs: [], outputs: [], lockTime: 0, raw: a['tx'] })),
  dumpprivkeys: cmd('', [], {}, () => 'This command is deprecated. Use a pipe instead.'),
  encrypt: cmd('', ['pubkey', 'message'], {}, unsupported('encrypt')),
  freeze: cmd('w', ['address'], {}, () => true),
  freeze_utxo: cmd('w', ['coin'], {}, () => true),
  get: cmd('w', ['key'], {}, () => null),
  getaddressbalance: cmd(
    'n',
    ['address'],
    ADDRESS_OPTIONS,
    (a, s) => {
      const { confirmed, unconfirmed } = s.wallet.addressBalance(requireAddress(a['address']))
      return { confirmed: satsToBch(confirmed), unconfirmed: satsToBch(unconfirmed) }
    },
    true,
  ),
  getaddresshistory: cmd(
    'n',
    ['address'],
    {},
    (a, s) => {
      return s.wallet
        .addressHistory(requireAddress(a['address']))
        .map((tx) => ({ tx_hash: tx.txid, height: tx.height, ...(tx.height === 0 ? { fee: 220 } : {}) }))
    },
    true,
  ),
  getaddressunspent: cmd(
    'n',
    ['address'],
    ADDRESS_OPTIONS,
    (a, s) => {
      return s.wallet
        .addressHistory(requireAddress(a['address']))
        .map((tx) => ({ tx_hash: tx.txid, tx_pos: 0, height: tx.height, value: Number(tx.sats) }))
    },
    true,
  ),
  getalias: cmd('w', ['key'], {}, unsupported('getalias')),
  getbalance: cmd('w', [], {}, (_a, s) => {
    const { confirmed, unconfirmed } = s.wallet.balance()
    return {
      confirmed: formatPythonDecimal(confirmed),
      ...(unconfirmed !== 0n ? { unconfirmed: formatPythonDecimal(unconfirmed) } : {}),
    }
  }),
  getconfig: cmd('', ['key'], {}, (a, s) => s.config[String(a['key'])] ?? null),
  getfeerate: cmd('n', [], {}, () => 1000),
  getinfo: cmd('n', [], {}, (_a, s) => serverInfo(s, true)),
  getmasterprivate: cmd('wp', [], { password: null }, (a, s) => passwordGate(a, s) ?? 'xprv-fake-master-private-key'),
  getmerkle: cmd('n', ['txid', 'height'], {}, unsupported('getmerkle'), true),
  getmpk: cmd(
    'w',
    [],
    {},
    () => 'xpub661MyMwAqRbcG8GPR87cQoRApwjC7629SittHKdTnHapVpNFnGeUFY7Zw5FXqtExhipZwNq5oZ1kQJyK4wFy6CQymM8HEReXTXNAEzvLckC',
  ),
  getprivatekeys: cmd('wp', ['address'], { password: null }, (a, s) => passwordGate(a, s) ?? ['L-fake-private-key']),
  getpubkeys: cmd('w', ['address'], {}, (a) => {
    requireAddress(a['address'])
    return [createHash('sha256').update(String(a['address'])).digest('hex').replace(/^../, '03')]
  }),
  getrequest: cmd('w', ['key'], {}, (a, s) => {
    const request = s.wallet.requests.get(stripPrefix(String(a['key'])))
    if (!request) {
      throw new PythonError('BaseException', 'Request not found', { file: COMMANDS_PY.file, line: 915, func: 'getrequest' })
    }
    return s.wallet.serializeRequest(request)
  }),
  getseed: cmd('wp', [], { password: null }, (a, s) => passwordGate(a, s) ?? 'fake seed words never use'),
  getservers: cmd('n', [], {}, () => ({ 'fulcrum.example': { pruning: '-', s: '50002', t: '50001', version: '1.5.0' } })),
  gettransaction: cmd(
    'n',
    ['txid'],
    {},
    (a, s) => {
      const tx = s.wallet.transactions.find((t) => t.txid === a['txid'])
      if (!tx) throw new PythonError('BaseException', 'Transaction not found')
      return { hex: `0100000001${tx.txid}`, complete: true, final: true }
    },
    true,
  ),
  getunusedaddress: cmd('w', [], {}, (_a, s) => {
    const address = s.wallet.unusedAddress()
    if (!address) {
      throw new PythonError('AttributeError', "'NoneType' object has no attribute 'to_ui_string'", {
        file: COMMANDS_PY.file,
        line: 948,
        func: 'getunusedaddress',
      })
    }
    return address
  }),
  help: cmd('', [], {}, () => Object.keys(FAKE_COMMANDS).sort()),
  history: cmd('w', [], { year: 0, show_addresses: false, show_fiat: false, use_net: false, timeout: 30.0 }, (a, s) => {
    if (a['year'] !== 0 && a['year'] !== null && !/^\d+$/.test(String(a['year']))) {
      throw new PythonError('ValueError', `invalid literal for int() with base 10: '${String(a['year'])}'`, {
        file: COMMANDS_PY.file,
        line: 748,
        func: 'history',
      })
    }
    return s.wallet.history()
  }),
  importprivkey: cmd('wp', ['privkey'], { password: null }, () => 'Error: This type of wallet cannot import private keys.'),
  is_synchronized: cmd('nw', [], {}, (_a, s) => isSynchronized(s)),
  ismine: cmd('w', ['address'], {}, (a, s) => s.wallet.isMine(requireAddress(a['address']))),
  list_wallets: cmd('n', [], {}, (_a, s) =>
    s.walletOpen ? [{ path: '/srv/electron-cash/wallets/default_wallet', synchronized: isSynchronized(s) }] : [],
  ),
  listaddresses: cmd(
    'w',
    [],
    { receiving: false, change: false, labels: false, frozen: false, unused: false, funded: false, balance: false },
    (a, s) => {
      const rows = s.wallet.addresses.flatMap((address): (string | string[])[] => {
        const { confirmed, unconfirmed } = s.wallet.addressBalance(address)
        const total = confirmed + unconfirmed
        if (a['funded'] && total === 0n) return []
        if (a['unused'] && (total !== 0n || s.wallet.transactions.some((tx) => tx.address === address))) return []
        if (!a['balance'] && !a['labels']) return [address]
        const label = a['labels'] ? [pythonStrRepr(s.labels.get(address) ?? '')] : []
        return [[address, ...(a['balance'] ? [formatSatoshis(total)] : []), ...label]]
      })
      return rows
    },
  ),
  listcontacts: cmd('w', [], {}, () => []),
  listrequests: cmd('w', [], { pending: false, expired: false, paid: false }, (a, s) => {
    const wanted = [a['pending'] && 'Pending', a['expired'] && 'Expired', a['paid'] && 'Paid'].filter(Boolean)
    return [...s.wallet.requests.values()]
      .map((request) => s.wallet.serializeRequest(request))
      .filter((request) => wanted.length === 0 || wanted.includes(request['status'] as string))
  }),
  listunspent: cmd('w', [], {}, (_a, s) => s.wallet.unspent()),
  load_wallet: cmd('n', [], {}, (_a, s) => {
    s.walletLoaded = true
    s.walletOpen = true
    return true
  }),
  make_electrum_seed: cmd('', [], { nbits: 132, entropy: 1, language: null }, () => 'fake electrum seed words'),
  make_seed: cmd('', [], { nbits: 128, language: null }, () => 'fake bip39 seed words'),
  notify: cmd('n', ['address', 'URL'], {}, (a, s) => {
    s.notifier.subscribe(requireAddress(a['address']), String(a['URL']))
    return true
  }),
  password: cmd('wp', [], { password: null, new_password: null }, (a, s) => {
    passwordGate(a, s)
    s.walletPassword = a['new_password'] === null ? undefined : String(a['new_password'])
    return { password: Boolean(s.walletPassword) }
  }),
  payto: cmd('wp', ['destination', 'amount'], { ...PAY_OPTIONS, op_return: null, op_return_raw: null }, (a, s) =>
    buildTransaction([[String(a['destination']), a['amount']]], a, s),
  ),
  paytomany: cmd('wp', ['outputs'], PAY_OPTIONS, (a, s) => buildTransaction(a['outputs'] as [string, unknown][], a, s)),
  restore: cmd('', ['text'], { passphrase: null, password: null, encrypt_file: true, wallet_path: null }, unsupported('restore')),
  rmrequest: cmd('w', ['address'], {}, (a, s) => s.wallet.requests.delete(stripPrefix(String(a['address'])))),
  rpa_extract_private_keys_from_transaction: cmd(
    'wp',
    ['raw_tx'],
    { password: null },
    (a, s) => passwordGate(a, s) ?? ['L-fake-rpa-private-key'],
  ),
  rpa_generate_paycode: cmd('w', [], {}, unsupported('rpa')),
  rpa_generate_transaction_from_paycode: cmd('wp', ['amount', 'paycode'], { fee: null, password: null }, unsupported('rpa')),
  searchcontacts: cmd('w', ['query'], {}, () => []),
  serialize: cmd('', ['jsontx'], {}, unsupported('serialize')),
  setconfig: cmd('', ['key', 'value'], {}, (a, s) => {
    s.config[String(a['key'])] = a['value']
    return true
  }),
  setlabel: cmd('w', ['key', 'label'], {}, (a, s) => {
    const key = stripPrefix(String(a['key']))
    if (a['label'] === null || a['label'] === '') s.labels.delete(key)
    else s.labels.set(key, String(a['label']))
    return null
  }),
  signmessage: cmd('wp', ['address', 'message'], { password: null }, (a, s) => {
    passwordGate(a, s)
    return createHash('sha256')
      .update(`${String(a['address'])}${String(a['message'])}`)
      .digest('base64')
  }),
  signrequest: cmd('wp', ['address'], { password: null }, (a, s) => passwordGate(a, s) ?? null),
  signtransaction: cmd('wp', ['tx'], { privkey: null, password: null, schnorr: false }, (a, s) => {
    const hex = String(a['tx'])
    if (!/^([0-9a-f]{2})+$/i.test(hex)) {
      throw new PythonError('ValueError', `non-hexadecimal number found in fromhex() arg at position 0`, {
        file: '/opt/electron-cash/electroncash/transaction.py',
        line: 265,
        func: 'deserialize',
      })
    }
    return passwordGate(a, s) ?? { hex, complete: true, final: false }
  }),
  stop: cmd('n', [], {}, (_a, s) => {
    s.stopped()
    return 'Daemon stopped'
  }),
  sweep: cmd('n', ['privkey', 'destination'], { fee: null, nocheck: false, imax: 100 }, unsupported('sweep'), true),
  token_history: cmd('w', [], { year: 0, use_net: false, timeout: 30.0 }, () => []),
  unfreeze: cmd('w', ['address'], {}, () => true),
  unfreeze_utxo: cmd('w', ['coin'], {}, () => true),
  validateaddress: cmd(
    '',
    ['address'],
    {},
    (a) => typeof a['address'] === 'string' && (isValidCashAddr(a['address']) || isValidLegacyAddress(a['address'])),
  ),
  verifymessage: cmd('', ['address', 'signature', 'message'], {}, (a) => {
    const expected = createHash('sha256')
      .update(`${String(a['address'])}${String(a['message'])}`)
      .digest('base64')
    return a['signature'] === expected
  }),
  version: cmd('', [], {}, () => '4.4.5'),
}

/** Binds JSON-RPC params to the command's Python signature, raising the daemon's TypeError texts. */
export function bindArguments(name: string, command: Command, params: unknown): Record<string, unknown> {
  const names = [...command.params, ...Object.keys(command.options)]
  const args: Record<string, unknown> = { ...command.options }
  const label = `Commands.${name}()`
  if (Array.isArray(params)) {
    if (params.length > names.length) {
      const takes = names.length + 1
      throw new PythonTypeError(
        `${label} takes ${takes} positional argument${takes === 1 ? '' : 's'} but ${params.length + 1} were given`,
      )
    }
    params.forEach((value, index) => {
      args[names[index]!] = value
    })
  } else if (params && typeof params === 'object') {
    for (const [key, value] of Object.entries(params)) {
      if (!names.includes(key)) throw new PythonTypeError(`${label} got an unexpected keyword argument '${key}'`)
      args[key] = value
    }
  }
  const missing = command.params.filter((param) => !(param in args))
  if (missing.length > 0) {
    const list = missing.map((param) => `'${param}'`).join(' and ')
    throw new PythonTypeError(
      `${label} missing ${missing.length} required positional argument${missing.length === 1 ? '' : 's'}: ${list}`,
    )
  }
  return args
}

/** Runs a known command with the daemon's gates: offline, wallet loaded, network stalls. */
export async function runCommand(
  name: string,
  params: unknown,
  state: FakeState,
  sleep: (ms: number) => Promise<void>,
): Promise<unknown> {
  const command = FAKE_COMMANDS[name]
  if (!command) throw new Error(`unknown command ${name}`)
  const args = bindArguments(name, command, params)
  if (command.needs.includes('n') && state.offline) throw OFFLINE()
  if (command.needs.includes('w') && !state.walletLoaded) throw NOT_LOADED()
  // commands.py's decorator: a `p` command on an encrypted wallet without `password` answers this as its result.
  const needsPassword = command.needs.includes('p') && !args['unsigned']
  if (needsPassword && state.walletPassword !== undefined && (args['password'] ?? null) === null) {
    return { error: 'Password required' }
  }
  if (command.server && state.networkStallSeconds > 0) {
    await sleep(state.networkStallSeconds * 1000)
    if (name === 'broadcast') return [false, 'error: Server did not answer']
    throw SERVER_TIMEOUT()
  }
  return command.run(args, state)
}

export { NOT_LOADED, OFFLINE }
