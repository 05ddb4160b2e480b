import type { Logger } from 'pino'
import type { HealthCheck, PaymentView, WalletResponse } from './api-types.js'
import { ServerConfigError } from './errors.js'
import type { Metrics } from './metrics.js'
import type { WebhookOptions } from './webhook.js'
import type { Hub } from './ws-hub.js'

export interface PaymentsOptions {
  electronCash: { url?: string | undefined; username?: string | undefined; password?: string | undefined }
  storePath?: string | undefined
  confirmations?: number
  webhook?: WebhookOptions | undefined
}

export interface Payments {
  create(input: { amount: { bch: string } | { sats: bigint }; memo: string; expiresInSeconds: number }): Promise<PaymentView>
  get(id: string): Promise<PaymentView | undefined>
  wallet(): Promise<WalletResponse>
  check(): Promise<HealthCheck>
  start(): Promise<void>
  close(): Promise<void>
}

export function createPayments(_options: PaymentsOptions, _deps: { metrics: Metrics; logger: Logger; hub: Hub }): Payments {
  throw new ServerConfigError(
    'BCH payments are not wired in this build yet (waiting for electroncash-rpc watcher and health monitor).',
  )
}
