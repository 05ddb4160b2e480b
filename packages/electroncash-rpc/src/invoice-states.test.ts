import { describe, expect, it } from 'vitest'
import {
  ADDITIONAL_STATUSES,
  advance,
  INVOICE_STATUSES,
  isWatched,
  type MachineInvoice,
  type Observation,
  TRANSITIONS,
  TRIGGERS,
  type Trigger,
  transitionFor,
  triggersFor,
} from './invoice-states.js'

const base: MachineInvoice = {
  status: 'New',
  additionalStatus: 'None',
  amount: 10_000n,
  received: 0n,
  confirmations: 0,
  requiredConfirmations: 1,
  createdAt: 1_000,
  expiresAt: 2_000,
  monitoringUntil: 90_000,
  observedAt: 1_500,
}

/** For each automatic trigger: an invoice state and an observation that fire exactly that trigger. */
const scenarios: Record<
  Exclude<Trigger, 'mark-settled' | 'mark-invalid'>,
  (from: MachineInvoice) => [MachineInvoice, Observation]
> = {
  payment: (from) => [from, { received: from.received + 4_000n, confirmations: 0, now: 1_600 }],
  paid: (from) => [from, { received: 12_000n, confirmations: 0, now: 1_600 }],
  confirmed: (from) => [
    { ...from, received: from.status === 'Processing' ? 10_000n : 0n },
    { received: 10_000n, confirmations: 1, now: 1_600 },
  ],
  overpayment: (from) => [
    { ...from, received: 10_000n },
    { received: 12_000n, confirmations: 0, now: 1_600 },
  ],
  expiry: (from) => [
    { ...from, received: 3_000n },
    { received: 3_000n, confirmations: 0, now: 2_000 },
  ],
  'late-payment': (from) => [
    { ...from, received: 500n, observedAt: 2_100 },
    { received: 20_000n, confirmations: 0, now: 2_200 },
  ],
  'payment-lost': (from) => [
    { ...from, received: 10_000n },
    { received: 0n, confirmations: 0, now: 1_600 },
  ],
  'monitoring-timeout': (from) => [
    { ...from, received: 10_000n },
    { received: 10_000n, confirmations: 0, now: 90_000 },
  ],
}

/** The additional status each row must end with, from the scenario's amounts. */
const expectedAdditional: Partial<Record<Trigger, string>> = {
  paid: 'PaidOver', // 12,000 of 10,000
  confirmed: 'None', // exactly 10,000
  expiry: 'PaidPartial', // 3,000 of 10,000
}

describe('invoice state machine', () => {
  it.each(
    TRANSITIONS.map(
      (row) => [`${row.from}${row.fromAdditional ? `/${row.fromAdditional}` : ''} --${row.on}--> ${row.to}`, row] as const,
    ),
  )('%s', (_name, row) => {
    const from: MachineInvoice = {
      ...base,
      status: row.from,
      additionalStatus: row.fromAdditional ?? (row.from === 'Expired' ? 'PaidPartial' : 'None'),
    }
    let result: ReturnType<typeof advance<MachineInvoice>>
    if (row.on === 'mark-settled' || row.on === 'mark-invalid') {
      result = advance(from, [row.on])
    } else {
      const [invoice, seen] = scenarios[row.on](from)
      // The observation fires this trigger, and only it: the row is reachable from a poll.
      expect(triggersFor(invoice, seen)).toEqual([row.on])
      result = advance(invoice, triggersFor(invoice, seen), seen)
      expect(result.invoice.received).toBe(seen.received)
      expect(result.invoice.observedAt).toBe(seen.now)
    }
    expect(result.invoice.status).toBe(row.to)
    expect(result.steps).toHaveLength(1)
    expect(result.steps[0]!.events).toEqual(row.events)
    const additional =
      row.additional === 'keep'
        ? from.additionalStatus
        : row.additional === 'by-amount'
          ? expectedAdditional[row.on]
          : row.additional
    expect(result.invoice.additionalStatus).toBe(additional)
  })

  it('every state and trigger without a row changes nothing and records no event', () => {
    let checked = 0
    for (const status of INVOICE_STATUSES) {
      for (const additionalStatus of ADDITIONAL_STATUSES) {
        for (const trigger of TRIGGERS) {
          const invoice = { ...base, status, additionalStatus }
          if (transitionFor(invoice, trigger)) continue
          const result = advance(invoice, [trigger])
          expect(result.steps).toEqual([])
          expect(result.invoice).toEqual(invoice)
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(150)
  })

  it('Settled and Invalid are final for polls: no observation fires a trigger', () => {
    for (const status of ['Settled', 'Invalid'] as const) {
      expect(triggersFor({ ...base, status }, { received: 50_000n, confirmations: 9, now: 99_999 })).toEqual([])
    }
  })

  it('0-conf: an invoice that requires no confirmation settles when the payment is first seen', () => {
    const invoice = { ...base, requiredConfirmations: 0 }
    const seen = { received: 10_000n, confirmations: 0, now: 1_600 }
    expect(advance(invoice, triggersFor(invoice, seen), seen).invoice.status).toBe('Settled')
  })

  it('a payment seen at the first look after expiry counts in time when the previous look was before it', () => {
    const seen = { received: 10_000n, confirmations: 0, now: 2_300 }
    const onTime = advance(base, triggersFor(base, seen), seen)
    expect(onTime.invoice.status).toBe('Processing')
    const expired = advance(base, ['expiry'], { received: 0n, confirmations: 0, now: 2_000 }).invoice
    const late = advance(expired, triggersFor(expired, seen), seen)
    expect([late.invoice.status, late.invoice.additionalStatus]).toEqual(['Expired', 'PaidLate'])
    expect(late.steps.flatMap((step) => step.events)).toEqual(['payment_received', 'paid_late'])
  })

  it('a partial payment seen after the expiry passed, in time, is recorded before the invoice expires', () => {
    const seen = { received: 4_000n, confirmations: 0, now: 2_001 }
    const result = advance(base, triggersFor(base, seen), seen)
    expect(result.steps.map((step) => step.to)).toEqual(['New', 'Expired'])
    expect(result.invoice.additionalStatus).toBe('PaidPartial')
  })

  it('an invoice without expiry never expires', () => {
    const invoice = { ...base, expiresAt: null }
    expect(triggersFor(invoice, { received: 0n, confirmations: 0, now: 10 ** 9 })).toEqual([])
  })

  it('an overpayment that confirms in the same poll records the payment, then settles', () => {
    const invoice = { ...base, status: 'Processing' as const, received: 10_000n }
    const seen = { received: 11_000n, confirmations: 1, now: 1_600 }
    const result = advance(invoice, triggersFor(invoice, seen), seen)
    expect(result.steps.flatMap((step) => step.events)).toEqual(['payment_received', 'settled'])
    expect([result.invoice.status, result.invoice.additionalStatus]).toEqual(['Settled', 'PaidOver'])
  })

  it('expired invoices are watched for late payments until the monitoring window ends', () => {
    const expired = { ...base, status: 'Expired' as const }
    expect(isWatched(expired, 89_999)).toBe(true)
    expect(isWatched(expired, 90_000)).toBe(false)
    expect(isWatched({ ...base, status: 'Settled' }, 0)).toBe(false)
    expect(isWatched(base, 10 ** 9)).toBe(true)
  })
})

describe('the README documents the machine', () => {
  it('its state table is TRANSITIONS, row for row', async () => {
    const { readFile } = await import('node:fs/promises')
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
    const rules: Record<string, string> = { keep: 'kept', 'by-amount': 'by amount' }
    const rows = new Map<string, string[]>()
    for (const row of TRANSITIONS) {
      const rest = `${row.on} | ${row.to} | ${rules[row.additional] ?? row.additional} | ${row.events.join(', ')} |`
      rows.set(rest, [...(rows.get(rest) ?? []), `${row.from}${row.fromAdditional ? `/${row.fromAdditional}` : ''}`])
    }
    const expected = [...rows].map(([rest, froms]) => `| ${froms.join(', ')} | ${rest}`)
    const table = readme
      .split('\n')
      .filter((line) => line.startsWith('| ') && / \| (?:New|Processing|Settled|Expired|Invalid) \| /.test(line))
    expect(table).toEqual(expected)
  })
})
