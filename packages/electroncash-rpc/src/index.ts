export { type Amount, type BchString, bchToSats, parseDaemonAmount, SATS_PER_BCH, satsToBch, toRpcAmount } from './amount.js'
export { AmountError, ElectronCashError, isElectronCashError } from './errors.js'
