/**
 * The daemon side of `notify(address, URL)`: after subscribing, the daemon POSTs `{"address","status"}` to the URL
 * once with the address's current status and again whenever it changes, with a 5 s timeout; failures are only
 * logged. Every `notify` call adds another subscription, so two calls mean two POSTs per change (reference notes §4).
 */
import { createHash } from 'node:crypto'
import type { FakeWallet } from './fake-wallet.js'

/** One POST the fake daemon made (or tried to make) to a `notify` URL. */
export interface FakeNotification {
  url: string
  body: { address: string; status: string | null }
  /** `delivered` on any HTTP answer (the daemon ignores the status code), `failed` when no answer came. */
  outcome: 'pending' | 'delivered' | 'failed'
}

interface Subscription {
  address: string
  url: string
  lastStatus: string | null | undefined
}

const DELIVERY_TIMEOUT_MS = 5_000

/** Electrum's address status: sha256 over `txid:height:` of its history (mempool last, height 0), or null if empty. */
export function addressStatus(wallet: FakeWallet, address: string): string | null {
  const history = wallet.addressHistory(address)
  if (history.length === 0) return null
  const confirmed = history.filter((tx) => tx.height > 0).sort((a, b) => a.height - b.height)
  const mempool = history.filter((tx) => tx.height <= 0)
  const text = [...confirmed, ...mempool].map((tx) => `${tx.txid}:${tx.height}:`).join('')
  return createHash('sha256').update(text).digest('hex')
}

/**
 * `reachable` says whether an Electrum server answers: without one the daemon accepts `notify` but has no status to
 * send; once a server answers again the subscriptions are renewed and the current status is posted.
 */
export function createFakeNotifier(wallet: FakeWallet, reachable: () => boolean) {
  const subscriptions: Subscription[] = []
  const sent: FakeNotification[] = []
  const inFlight = new Set<Promise<void>>()
  const stopping = new AbortController()

  function post(subscription: Subscription, status: string | null) {
    const notification: FakeNotification = {
      url: subscription.url,
      body: { address: subscription.address, status },
      outcome: 'pending',
    }
    sent.push(notification)
    const delivery = fetch(subscription.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(notification.body),
      signal: AbortSignal.any([AbortSignal.timeout(DELIVERY_TIMEOUT_MS), stopping.signal]),
    })
      .then(async (response) => {
        await response.arrayBuffer()
        notification.outcome = 'delivered'
      })
      .catch(() => {
        notification.outcome = 'failed'
      })
      .finally(() => inFlight.delete(delivery))
    inFlight.add(delivery)
  }

  /** Posts to every subscription whose address status differs from the one it last sent. */
  function changed() {
    if (!reachable()) return
    for (const subscription of subscriptions) {
      const status = addressStatus(wallet, subscription.address)
      if (status === subscription.lastStatus) continue
      subscription.lastStatus = status
      post(subscription, status)
    }
  }

  return {
    /** Registers a callback and sends the current status, like the daemon's answer to the server subscription. */
    subscribe(address: string, url: string) {
      subscriptions.push({ address, url, lastStatus: undefined })
      changed()
    },
    changed,
    /** Drops every subscription, as a daemon process that exits does (they live in its memory). */
    forget: () => {
      subscriptions.splice(0)
    },
    sent,
    /** Resolves when every POST made so far has been answered or has failed. */
    settled: async () => {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight])
    },
    /** Aborts deliveries still in flight. */
    close: () => stopping.abort(),
  }
}

export type FakeNotifier = ReturnType<typeof createFakeNotifier>
