/**
 * Webhook signing and verifying for receivers of this server's payment webhooks: the helpers of
 * `@tradekit/electroncash-rpc` (one implementation for the sender and every receiver). The sender, its outbox and
 * redelivery schedule live in `payments.ts`.
 */
export {
  createMemoryReplayGuard,
  DELIVERY_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  signWebhook,
  verifyWebhook,
} from '@tradekit/electroncash-rpc'
export type { WebhookOptions } from './payments.js'
