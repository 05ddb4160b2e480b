/** Errors of the payment layer (invoices, rates, webhooks); all extend the package's `ElectronCashError`. */
import { ElectronCashError, isElectronCashError } from './errors.js'

/**
 * A store refused a commit that would break an invariant: an invoice version that is not the next one (someone else
 * changed it first), an event id already stored, or an order id owned by another invoice. Nothing was written.
 */
export class StoreConflictError extends ElectronCashError {
  override name = 'StoreConflictError' as const
  /** Which invariant: `version`, `event` or `order`. */
  readonly conflict: 'version' | 'event' | 'order'
  constructor(message: string, conflict: 'version' | 'event' | 'order') {
    super(`${message}; nothing was written. Reload and decide again.`, { code: 'store_conflict' })
    this.conflict = conflict
  }
}

/**
 * `createInvoice` with an order id that already has an invoice for a different price, or whose creation is still
 * in progress elsewhere (another replica, or a creation interrupted by a crash that has not been reconciled yet).
 */
export class InvoiceConflictError extends ElectronCashError {
  override name = 'InvoiceConflictError' as const
  readonly orderId: string
  /** The invoice that owns the order id, when there is one. */
  readonly invoiceId: string | undefined
  /** `price`: the order has an invoice for another amount; `in-progress`: retry in a few seconds. */
  readonly reason: 'price' | 'in-progress'
  constructor(message: string, options: { orderId: string; invoiceId?: string; reason: 'price' | 'in-progress' }) {
    super(message, { code: 'invoice_conflict' })
    this.orderId = options.orderId
    this.invoiceId = options.invoiceId
    this.reason = options.reason
  }
}

/**
 * Creating the payment request failed at the daemon. `leftover` says what was done about a request the daemon may
 * have created: `none` (it did not), `removed` (found and removed), or `recorded` (the daemon could not be asked;
 * the creation is recorded and the watcher removes the request once the daemon answers).
 */
export class InvoiceCreationError extends ElectronCashError {
  override name = 'InvoiceCreationError' as const
  readonly leftover: 'none' | 'removed' | 'recorded'
  constructor(message: string, options: { leftover: 'none' | 'removed' | 'recorded'; cause: unknown }) {
    super(message, { code: 'invoice_creation', cause: options.cause })
    this.leftover = options.leftover
  }
}

/** No invoice with that id. */
export class InvoiceNotFoundError extends ElectronCashError {
  override name = 'InvoiceNotFoundError' as const
  readonly invoiceId: string
  constructor(invoiceId: string) {
    super(`No invoice ${invoiceId} in the store; check the id.`, { code: 'invoice_not_found' })
    this.invoiceId = invoiceId
  }
}

/** No webhook delivery with that id. */
export class DeliveryNotFoundError extends ElectronCashError {
  override name = 'DeliveryNotFoundError' as const
  readonly deliveryId: string
  constructor(deliveryId: string) {
    super(`No webhook delivery ${deliveryId} in the store; check the id (see the invoice's delivery log).`, {
      code: 'delivery_not_found',
    })
    this.deliveryId = deliveryId
  }
}

/** A rate provider could not give a usable rate (unsupported currency, no quote, a quote that is not a price). */
export class RateError extends ElectronCashError {
  override name = 'RateError' as const
  readonly provider: string
  readonly currency: string
  constructor(message: string, options: { provider: string; currency: string; cause?: unknown }) {
    super(message, { code: 'rate', cause: options.cause })
    this.provider = options.provider
    this.currency = options.currency
  }
}

/** Why a webhook was refused by `verifyWebhook`. */
export type WebhookRejection = 'malformed' | 'signature' | 'timestamp' | 'replay'

/** A webhook that must not be trusted: a bad or missing signature, a timestamp outside the window, or a replay. */
export class WebhookVerificationError extends ElectronCashError {
  override name = 'WebhookVerificationError' as const
  readonly reason: WebhookRejection
  constructor(message: string, reason: WebhookRejection) {
    super(message, { code: 'webhook_verification' })
    this.reason = reason
  }
}

const guard =
  <T extends ElectronCashError>(name: string, klass: abstract new (...args: never[]) => T) =>
  (error: unknown): error is T =>
    error instanceof klass || (isElectronCashError(error) && error.name === name)

export const isStoreConflictError = guard('StoreConflictError', StoreConflictError)
export const isInvoiceConflictError = guard('InvoiceConflictError', InvoiceConflictError)
export const isInvoiceCreationError = guard('InvoiceCreationError', InvoiceCreationError)
export const isInvoiceNotFoundError = guard('InvoiceNotFoundError', InvoiceNotFoundError)
export const isDeliveryNotFoundError = guard('DeliveryNotFoundError', DeliveryNotFoundError)
export const isRateError = guard('RateError', RateError)
export const isWebhookVerificationError = guard('WebhookVerificationError', WebhookVerificationError)
