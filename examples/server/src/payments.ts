import {
  AmountError,
  createElectronCashClient,
  createHealthMonitor,
  createPaymentWatcher,
  type ElectronCashClient,
  type HealthMonitor,
  type Invoice,
  isAuthError,
  isConnectionError,
  isDaemonOfflineError,
  isParamsError,
  isTimeoutError,
  isWalletNotLoadedError,
  type PaymentEvent,
  type PaymentWatcher,
  type ProbeResult,
  satsToBch,
} from '@tradekit/electroncash-rpc'
import type { Logger } from 'pino'
import type { HealthCheck, PaymentView, WalletResponse } from './api-types.js'
import { BadRequestError, UnavailableError } from './errors.js'
import type { Metrics } from './metrics.js'
import { createWebhookSender, type WebhookOptions } from './webhook.js'
import type { Hub } from './ws-hub.js'

/** BCH payments through an Electron Cash daemon. */
export interface PaymentsOptions {
  /** Daemon URL and RPC credentials (`rpcuser`/`rpcpassword`); ignored when `client` is given. */
  electronCash?: { url?: string | undefined; username?: string | undefined; password?: string | undefined }
  /** A client you built yourself (several endpoints, your own hooks). Default: one built from `electronCash`. */
  client?: ElectronCashClient
  /** JSON Lines file keeping invoices across restarts. Default: `'./data/payment-invoices.jsonl'`. */
  storePath?: string | undefined
  /** Confirmations before an invoice is `confirmed`. Default: `1`. */
  confirmations?: number
  /** How often invoices are polled. Default: `5_000`. */
  pollIntervalMs?: number
  /** How often the daemon is probed. Default: `5_000`. */
  monitorIntervalMs?: number
  /** Failed probes before the daemon counts as down (and the endpoints answer 503). Default: `2`. */
  failuresBeforeDown?: number
  /** POST every status change here, HMAC-signed. Default: none. */
  webhook?: WebhookOptions | undefined
}

/** What the routes need from the payment service. */
export interface Payments {
  create(input: { amount: { bch: string } | { sats: bigint }; memo: string; expiresInSeconds: number }): Promise<PaymentView>
  get(id: string): Promise<PaymentView | undefined>
  wallet(): Promise<WalletResponse>
  check(): Promise<HealthCheck>
  start(): Promise<void>
  close(): Promise<void>
}

export function paymentView(invoice: Invoice): PaymentView {
  return {
    id: invoice.id,
    address: invoice.address,
    uri: invoice.uri,
    amountSats: String(invoice.amount),
    amountBch: satsToBch(invoice.amount),
    memo: invoice.memo,
    status: invoice.state,
    receivedSats: String(invoice.received),
    confirmations: invoice.confirmations,
    txHashes: invoice.txHashes,
    createdAt: new Date(invoice.createdAt * 1000).toISOString(),
    expiresAt: invoice.expiresAt === null ? null : new Date(invoice.expiresAt * 1000).toISOString(),
  }
}

/** A short reason for a daemon failure, safe to show a client (no URL, no credentials, no stack). */
function reasonOf(error: unknown): string | undefined {
  if (isConnectionError(error)) return 'the daemon is unreachable (connection refused or reset)'
  if (isTimeoutError(error)) return 'the daemon did not answer in time'
  if (isAuthError(error)) return 'the daemon refused our RPC credentials (401)'
  if (isWalletNotLoadedError(error)) return 'no wallet is loaded in the daemon'
  if (isDaemonOfflineError(error)) return 'the daemon is offline (no Electrum server)'
  return undefined
}

export function createPayments(options: PaymentsOptions, deps: { metrics: Metrics; logger: Logger; hub: Hub }): Payments {
  const { metrics, logger, hub } = deps
  const client =
    options.client ??
    createElectronCashClient({
      ...(options.electronCash?.url ? { url: options.electronCash.url } : {}),
      ...(options.electronCash?.username ? { username: options.electronCash.username } : {}),
      ...(options.electronCash?.password ? { password: options.electronCash.password } : {}),
      hooks: {
        onResponse: (event) => metrics.rpcCalls.inc({ method: event.method, outcome: 'ok' }),
        onError: (event) => metrics.rpcCalls.inc({ method: event.method, outcome: event.error.code }),
      },
    })
  const monitor: HealthMonitor = createHealthMonitor(client, {
    intervalMs: options.monitorIntervalMs ?? 5_000,
    failuresBeforeDown: options.failuresBeforeDown ?? 2,
  })
  const watcher: PaymentWatcher = createPaymentWatcher(client, {
    storePath: options.storePath ?? './data/payment-invoices.jsonl',
    confirmations: options.confirmations ?? 1,
    pollIntervalMs: options.pollIntervalMs ?? 5_000,
  })
  const webhook = options.webhook ? createWebhookSender(options.webhook, logger) : undefined
  let lastProbe: ProbeResult | undefined

  monitor.on('probe', (probe) => {
    lastProbe = probe
  })
  monitor.on('change', (change) => {
    logger.info({ from: change.from, to: change.to, reason: change.probe.reason }, 'Electron Cash daemon health changed')
    hub.broadcast('electroncash', { status: change.to, reason: change.probe.reason })
  })
  monitor.on('error', (error) => logger.warn({ err: (error as Error).message }, 'health monitor error'))
  watcher.on('error', (error) =>
    logger.debug({ err: reasonOf(error) ?? (error as Error).message }, 'payment poll failed; still watching'),
  )

  const publish = (status: string) => (event: PaymentEvent) => {
    const payment = { ...paymentView(event.invoice), status }
    hub.broadcast('payment', payment)
    void webhook?.send(`payment.${status}`, payment)
  }
  for (const status of ['paid', 'confirmed', 'underpaid', 'overpaid', 'expired'] as const) watcher.on(status, publish(status))

  // With several daemons (failover), the service is down only when every one of them is.
  const state = () => {
    const states = Object.values(monitor.states())
    if (states.includes('up')) return 'up'
    if (states.length > 0 && states.every((value) => value === 'down')) return 'down'
    return states.includes('degraded') ? 'degraded' : 'unknown'
  }

  /** 503 with the monitor's reason while the daemon is down: clients learn why and that invoices are safe. */
  function ensureUp() {
    if (state() === 'down') {
      const reason = lastProbe?.reason ?? 'unreachable'
      throw new UnavailableError(
        `Electron Cash daemon unavailable (${reason}); retry later. Invoices already created are still being watched.`,
        { details: { reason } },
      )
    }
  }

  /** Maps a daemon failure to 503 (its fault) or 400 (ours), never leaking its message. */
  function translate(error: unknown): never {
    const reason = reasonOf(error)
    if (reason)
      throw new UnavailableError(`Electron Cash daemon unavailable: ${reason}; retry later.`, {
        cause: error,
        details: { reason },
      })
    if (error instanceof AmountError || isParamsError(error))
      throw new BadRequestError(`Invalid payment: ${(error as Error).message}`)
    throw error
  }

  return {
    async create({ amount, memo, expiresInSeconds }) {
      ensureUp()
      try {
        const invoice = await watcher.createInvoice({
          amount: 'sats' in amount ? amount.sats : (amount.bch as `${number}`),
          memo,
          expiresInSeconds,
        })
        return paymentView(invoice)
      } catch (error) {
        return translate(error)
      }
    },
    async get(id) {
      const invoice = watcher.invoices().find((candidate) => candidate.id === id)
      return invoice ? paymentView(invoice) : undefined
    },
    async wallet() {
      ensureUp()
      try {
        const balance = await client.getBalance()
        return {
          confirmed: satsToBch(balance.confirmed),
          unconfirmed: satsToBch(balance.unconfirmed),
          confirmedSats: String(balance.confirmed),
          unconfirmedSats: String(balance.unconfirmed),
        }
      } catch (error) {
        return translate(error)
      }
    },
    async check() {
      const current = state()
      const probe = lastProbe
      const status = current === 'up' ? 'ok' : current === 'down' ? 'down' : 'warn'
      return {
        status,
        summary: probe ? `${current}: ${probe.reason} (${Math.round(probe.latencyMs)} ms)` : 'not probed yet',
        url: probe?.url ?? null,
        walletLoaded: probe?.walletLoaded ?? null,
        networkConnected: probe?.networkConnected ?? null,
        serverHeight: probe?.serverHeight ?? null,
        invoicesWatched: watcher.invoices().filter((invoice) => invoice.state !== 'confirmed' && invoice.state !== 'expired')
          .length,
      }
    },
    async start() {
      monitor.start()
      await monitor.check().catch(() => undefined)
      await watcher.start()
    },
    async close() {
      await Promise.allSettled([watcher.stop(), monitor.stop()])
    },
  }
}
