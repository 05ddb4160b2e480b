export {
  type Amount,
  type BchString,
  bchToSats,
  formatPythonDecimal,
  formatSatoshis,
  parseDaemonAmount,
  pythonDecimalToSats,
  SATS_PER_BCH,
  satsToBch,
  toRpcAmount,
} from './amount.js'
export {
  type BatchEntry,
  type BatchOutcome,
  type CallOptions,
  type ClientHooks,
  createElectronCashClient,
  type ElectronCashClient,
  type ElectronCashClientOptions,
  type EndpointStatus,
  type ErrorEvent,
  type PreparedMethods,
  type RequestEvent,
  type ResponseEvent,
  type RetryEvent,
  type RetryOptions,
  type TypedMethods,
} from './client.js'
export { parseServerError } from './daemon-errors.js'
export {
  AmountError,
  AuthError,
  ConfigError,
  ConnectionError,
  DaemonOfflineError,
  ElectronCashError,
  isAuthError,
  isConnectionError,
  isDaemonOfflineError,
  isElectronCashError,
  isNotReadyError,
  isParamsError,
  isProtocolError,
  isRpcError,
  isStoreError,
  isTimeoutError,
  isWalletNotLoadedError,
  NotReadyError,
  type NotReadyReason,
  ParamsError,
  ProtocolError,
  RpcError,
  StoreError,
  TimeoutError,
  WalletNotLoadedError,
} from './errors.js'
export {
  createHealthMonitor,
  type HealthChange,
  type HealthMonitor,
  type HealthMonitorEvents,
  type HealthMonitorOptions,
  type HealthState,
  type RecoveryContext,
} from './health-monitor.js'
export {
  createJsonlInvoiceStore,
  createMemoryInvoiceStore,
  type Invoice,
  type InvoiceState,
  type InvoiceStore,
} from './invoice-store.js'
export { METHODS, type MethodName, type MethodParams, type MethodResult } from './methods.js'
export type { EndpointOptions } from './options.js'
export {
  type CreateInvoiceOptions,
  createPaymentWatcher,
  type PaymentEvent,
  type PaymentWatcher,
  type PaymentWatcherEvents,
  type PaymentWatcherOptions,
} from './payment-watcher.js'
export {
  type ProbeOptions,
  type ProbeReason,
  type ProbeResult,
  probe,
  type WaitUntilReadyOptions,
  waitUntilReady,
} from './readiness.js'
export { isRetryable, NETWORK_BOUND_METHODS, RETRY_SAFETY, type RetrySafety, retrySafety } from './retry-policy.js'
export type {
  AddressBalance,
  Balance,
  BuiltTransaction,
  DaemonInfo,
  HistoryItem,
  ListedAddress,
  PaymentRequest,
  PaymentRequestStatus,
} from './schemas.js'
