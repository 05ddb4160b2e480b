/**
 * The invoice state machine, in BTCPay Server's vocabulary (the states merchants already know).
 *
 * A poll observes what the daemon shows for an invoice (satoshis received, confirmations, the time); `triggersFor`
 * turns that into triggers, and `TRANSITIONS` says what each trigger does in each state. Anything not in the
 * table changes nothing. The table is the documentation: the README prints it and the tests walk every row.
 */

/** Where an invoice is in its life. */
export const INVOICE_STATUSES = ['New', 'Processing', 'Settled', 'Expired', 'Invalid'] as const
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number]

/** What else is true: paid too little or too much, paid after expiry, or set by hand. */
export const ADDITIONAL_STATUSES = ['None', 'PaidPartial', 'PaidOver', 'PaidLate', 'Marked'] as const
export type AdditionalStatus = (typeof ADDITIONAL_STATUSES)[number]

/** Events an invoice records (and webhooks deliver as `invoice.<type>`). */
export const INVOICE_EVENT_TYPES = [
  'created',
  'payment_received',
  'processing',
  'settled',
  'expired',
  'invalid',
  'paid_late',
] as const
export type InvoiceEventType = (typeof INVOICE_EVENT_TYPES)[number]

/**
 * What can happen to an invoice:
 * - `payment`: more arrived, still less than the amount, in time;
 * - `paid`: the amount arrived in time, with fewer confirmations than the invoice requires;
 * - `confirmed`: the amount arrived (in time) with the required confirmations (at once with 0-conf);
 * - `overpayment`: more arrived after the amount was reached;
 * - `expiry`: the expiry passed without the amount;
 * - `late-payment`: money arrived after the invoice expired;
 * - `payment-lost`: what was received dropped below the amount (a double spend or a dropped transaction);
 * - `monitoring-timeout`: the payment did not confirm within the monitoring window;
 * - `mark-settled`, `mark-invalid`: the merchant decided (`markInvoice`).
 */
export const TRIGGERS = [
  'payment',
  'paid',
  'confirmed',
  'overpayment',
  'expiry',
  'late-payment',
  'payment-lost',
  'monitoring-timeout',
  'mark-settled',
  'mark-invalid',
] as const
export type Trigger = (typeof TRIGGERS)[number]

/** How the additional status is set by a transition. */
type AdditionalRule = AdditionalStatus | 'keep' | 'by-amount'

export interface Transition {
  from: InvoiceStatus
  /** Only when the invoice's additional status is this one. Default: any. */
  fromAdditional?: AdditionalStatus
  on: Trigger
  to: InvoiceStatus
  /** `by-amount`: `PaidOver` above the amount, `PaidPartial` below it (but above 0), else `None`. */
  additional: AdditionalRule
  /** Events recorded, in order. */
  events: readonly InvoiceEventType[]
}

/** Every transition there is. Rows are matched in order; the first whose `from`/`fromAdditional`/`on` fit wins. */
export const TRANSITIONS: readonly Transition[] = [
  { from: 'New', on: 'payment', to: 'New', additional: 'PaidPartial', events: ['payment_received'] },
  { from: 'New', on: 'paid', to: 'Processing', additional: 'by-amount', events: ['payment_received', 'processing'] },
  { from: 'New', on: 'confirmed', to: 'Settled', additional: 'by-amount', events: ['payment_received', 'settled'] },
  { from: 'New', on: 'expiry', to: 'Expired', additional: 'by-amount', events: ['expired'] },
  { from: 'Processing', on: 'overpayment', to: 'Processing', additional: 'PaidOver', events: ['payment_received'] },
  { from: 'Processing', on: 'confirmed', to: 'Settled', additional: 'keep', events: ['settled'] },
  { from: 'Processing', on: 'payment-lost', to: 'Invalid', additional: 'keep', events: ['invalid'] },
  { from: 'Processing', on: 'monitoring-timeout', to: 'Invalid', additional: 'keep', events: ['invalid'] },
  {
    from: 'Expired',
    fromAdditional: 'PaidLate',
    on: 'late-payment',
    to: 'Expired',
    additional: 'PaidLate',
    events: ['payment_received'],
  },
  { from: 'Expired', on: 'late-payment', to: 'Expired', additional: 'PaidLate', events: ['payment_received', 'paid_late'] },
  ...(['New', 'Processing', 'Expired', 'Invalid'] as const).map(
    (from): Transition => ({ from, on: 'mark-settled', to: 'Settled', additional: 'Marked', events: ['settled'] }),
  ),
  ...(['New', 'Processing', 'Expired', 'Settled'] as const).map(
    (from): Transition => ({ from, on: 'mark-invalid', to: 'Invalid', additional: 'Marked', events: ['invalid'] }),
  ),
]

/** The part of an invoice the machine reads and writes. */
export interface MachineInvoice {
  status: InvoiceStatus
  additionalStatus: AdditionalStatus
  /** Requested satoshis. */
  amount: bigint
  /** Satoshis seen so far. */
  received: bigint
  confirmations: number
  /** Confirmations before `Settled`; 0 settles on first sight. */
  requiredConfirmations: number
  /** Unix seconds. */
  createdAt: number
  /** Unix seconds, or null for none. */
  expiresAt: number | null
  /** Unix seconds after which an unconfirmed payment is `Invalid` and an expired invoice is no longer watched. */
  monitoringUntil: number
  /** Unix seconds of the last successful observation, or null before the first. */
  observedAt: number | null
}

/** What a poll saw. */
export interface Observation {
  /** Satoshis at the invoice address (confirmed + unconfirmed). */
  received: bigint
  /** Confirmations of the payment (0 in the mempool). */
  confirmations: number
  /** Unix seconds. */
  now: number
}

/** Whether a poll should still look at this invoice. */
export function isWatched(invoice: Pick<MachineInvoice, 'status' | 'monitoringUntil'>, nowSeconds: number): boolean {
  if (invoice.status === 'New' || invoice.status === 'Processing') return true
  // Expired invoices are watched for late payments until the monitoring window ends.
  return invoice.status === 'Expired' && nowSeconds < invoice.monitoringUntil
}

/**
 * The triggers an observation fires, in the order they apply. A payment counts as in time when the previous
 * observation was before the expiry: it may have arrived then, and a customer is not penalised for our poll interval
 * or a daemon outage.
 */
export function triggersFor(invoice: MachineInvoice, seen: Observation): Trigger[] {
  const grew = seen.received > invoice.received
  const full = seen.received >= invoice.amount
  const lookedBefore = invoice.observedAt ?? invoice.createdAt
  const inTime = invoice.expiresAt === null || lookedBefore < invoice.expiresAt
  const pastExpiry = invoice.expiresAt !== null && seen.now >= invoice.expiresAt
  switch (invoice.status) {
    case 'New':
      if (!inTime) return grew ? ['expiry', 'late-payment'] : ['expiry']
      if (full) return [seen.confirmations >= invoice.requiredConfirmations ? 'confirmed' : 'paid']
      if (grew) return pastExpiry ? ['payment', 'expiry'] : ['payment']
      return pastExpiry ? ['expiry'] : []
    case 'Processing': {
      if (!full) return ['payment-lost']
      const triggers: Trigger[] = grew ? ['overpayment'] : []
      if (seen.confirmations >= invoice.requiredConfirmations) triggers.push('confirmed')
      else if (seen.now >= invoice.monitoringUntil) triggers.push('monitoring-timeout')
      return triggers
    }
    case 'Expired':
      return grew ? ['late-payment'] : []
    default:
      return []
  }
}

/** The table row for a trigger in the invoice's state, if any. */
export function transitionFor(invoice: Pick<MachineInvoice, 'status' | 'additionalStatus'>, on: Trigger): Transition | undefined {
  return TRANSITIONS.find(
    (row) =>
      row.from === invoice.status &&
      row.on === on &&
      (row.fromAdditional === undefined || row.fromAdditional === invoice.additionalStatus),
  )
}

function additionalFor(rule: AdditionalRule, invoice: MachineInvoice, received: bigint): AdditionalStatus {
  if (rule === 'keep') return invoice.additionalStatus
  if (rule !== 'by-amount') return rule
  if (received > invoice.amount) return 'PaidOver'
  return received > 0n && received < invoice.amount ? 'PaidPartial' : 'None'
}

/** A state change and the events it records. */
export interface Step {
  trigger: Trigger
  from: InvoiceStatus
  to: InvoiceStatus
  additionalStatus: AdditionalStatus
  events: readonly InvoiceEventType[]
}

/**
 * Applies triggers to a copy of the invoice (with the observed amount and confirmations) and returns it with the
 * steps taken. Triggers without a row in `TRANSITIONS` are skipped.
 */
export function advance<T extends MachineInvoice>(
  invoice: T,
  triggers: readonly Trigger[],
  seen?: Observation,
): { invoice: T; steps: Step[] } {
  const next: T = { ...invoice }
  if (seen) {
    next.received = seen.received
    next.confirmations = seen.confirmations
  }
  const steps: Step[] = []
  for (const trigger of triggers) {
    const row = transitionFor(next, trigger)
    if (!row) continue
    const additionalStatus = additionalFor(row.additional, next, next.received)
    steps.push({ trigger, from: next.status, to: row.to, additionalStatus, events: row.events })
    next.status = row.to
    next.additionalStatus = additionalStatus
  }
  if (seen) next.observedAt = seen.now
  return { invoice: next, steps }
}
