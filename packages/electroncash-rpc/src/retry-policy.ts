/**
 * Which calls may be repeated. A retry (or a failover to another daemon) repeats the request, so a method that
 * changes state may only be repeated when the failure proves the daemon never received it.
 */
import { type ConnectionError, isConnectionError, isDaemonBusyError, isTimeoutError } from './errors.js'

/** `safe`: repeating the call has no effect beyond the first. `unsafe`: a repeat can create, spend or change something. */
export type RetrySafety = 'safe' | 'unsafe'

/** Every JSON-RPC method of Electron Cash 4.4.5 (72 commands + ping, daemon, gui, run_cmdline) and why. */
export const RETRY_SAFETY = {
  addrequest: 'unsafe', // consumes a receiving address each call
  addressconvert: 'safe',
  broadcast: 'unsafe', // a second reply is an error or false: dedupe by txid instead
  check_electrum_seed: 'safe',
  check_seed: 'safe',
  clearrequests: 'unsafe', // deletes requests created in between
  close_wallet: 'unsafe', // second answer differs (false)
  commands: 'safe',
  consolidatecoins: 'unsafe', // builds and stores transactions
  create: 'unsafe', // writes a wallet file
  createmultisig: 'safe',
  createnewaddress: 'unsafe', // derives a new address each call
  daemon: 'unsafe', // stop / load_wallet / close_wallet subcommands
  decrypt: 'safe',
  deserialize: 'safe',
  dumpprivkeys: 'safe',
  encrypt: 'safe',
  freeze: 'unsafe', // changes wallet state
  freeze_utxo: 'unsafe',
  get: 'safe',
  getaddressbalance: 'safe',
  getaddresshistory: 'safe',
  getaddressunspent: 'safe',
  getalias: 'safe',
  getbalance: 'safe',
  getconfig: 'safe',
  getfeerate: 'safe',
  getinfo: 'safe',
  getmasterprivate: 'safe',
  getmerkle: 'safe',
  getmpk: 'safe',
  getprivatekeys: 'safe',
  getpubkeys: 'safe',
  getrequest: 'safe',
  getseed: 'safe',
  getservers: 'safe',
  gettransaction: 'safe',
  getunusedaddress: 'safe', // same address until used: not a reservation
  gui: 'unsafe',
  help: 'safe',
  history: 'safe',
  importprivkey: 'unsafe', // second call answers an error
  is_synchronized: 'safe',
  ismine: 'safe',
  list_wallets: 'safe',
  listaddresses: 'safe',
  listcontacts: 'safe',
  listrequests: 'safe',
  listunspent: 'safe',
  load_wallet: 'safe', // answers true twice
  make_electrum_seed: 'safe',
  make_seed: 'safe',
  notify: 'unsafe', // registers another callback each call
  password: 'unsafe', // the second call has the old password wrong
  payto: 'unsafe', // build-only, but coin selection differs and addtransaction stores it
  paytomany: 'unsafe',
  ping: 'safe',
  restore: 'unsafe',
  rmrequest: 'unsafe', // second answer is false
  rpa_extract_private_keys_from_transaction: 'safe',
  rpa_generate_paycode: 'safe',
  rpa_generate_transaction_from_paycode: 'unsafe',
  run_cmdline: 'unsafe', // runs any command
  searchcontacts: 'safe',
  serialize: 'safe',
  setconfig: 'unsafe', // can rewrite rpcuser/rpcpassword
  setlabel: 'safe', // same label twice is the same state
  signmessage: 'safe',
  signrequest: 'safe',
  signtransaction: 'safe',
  stop: 'unsafe',
  sweep: 'unsafe', // builds and broadcasts
  token_history: 'safe',
  unfreeze: 'unsafe',
  unfreeze_utxo: 'unsafe',
  validateaddress: 'safe',
  verifymessage: 'safe',
  version: 'safe',
} as const satisfies Record<string, RetrySafety>

export type DaemonMethod = keyof typeof RETRY_SAFETY

/** Methods that wait on an Electrum server (up to the daemon's own 30 s), so they get `networkTimeoutMs`. */
export const NETWORK_BOUND_METHODS: ReadonlySet<string> = new Set([
  'broadcast',
  'getaddressbalance',
  'getaddresshistory',
  'getaddressunspent',
  'getmerkle',
  'gettransaction',
  'sweep',
  'history',
  'token_history',
  'run_cmdline',
])

/** Unknown methods (via `call`) are treated as unsafe. */
export function retrySafety(method: string): RetrySafety {
  return (RETRY_SAFETY as Record<string, RetrySafety>)[method] ?? 'unsafe'
}

/** True when the failure proves the request never reached the daemon (connection refused, DNS failure, busy queue). */
export function neverReachedDaemon(error: unknown): boolean {
  return (isConnectionError(error) && !(error as ConnectionError).sent) || isDaemonBusyError(error)
}

/**
 * May this failed call be sent again (to the same or another daemon)?
 * Unsafe methods: only when the request never reached the daemon. Safe methods: also after a timeout, a reset,
 * or a 502/503/504 from a proxy. Never after 401/403, JSON-RPC errors, schema mismatches or amount errors.
 */
export function isRetryable(method: string, error: unknown): boolean {
  if (neverReachedDaemon(error)) return true
  if (retrySafety(method) !== 'safe') return false
  return isConnectionError(error) || isTimeoutError(error)
}
