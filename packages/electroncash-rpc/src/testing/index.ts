export { CAPTURED_RECEIVING_ADDRESSES, isValidCashAddr, isValidLegacyAddress } from './addresses.js'
export {
  type FakeDaemon,
  type FakeDaemonCall,
  type FakeDaemonOptions,
  type Fault,
  startFakeDaemon,
} from './fake-daemon.js'
export { addressStatus, type FakeNotification } from './fake-notifier.js'
export { type FakeRequest, type FakeTransaction, FakeWallet, GAP_LIMIT, type RequestStatus } from './fake-wallet.js'
export { pythonStrRepr } from './python-repr.js'
export { simulateTornWrite } from './torn-write.js'
export { type ReceivedCall, startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js'
