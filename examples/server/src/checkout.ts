/**
 * The hosted checkout page, one per invoice, public (the invoice id is random and unguessable): the amount in BCH
 * and fiat, a QR code of the BIP21 `bitcoincash:` URI with the amount (rendered on the server by `qrcode`, no script
 * needed to pay), copy buttons, the expiry countdown, and live status over `/checkout/<id>/ws`. It shows only what
 * the payer needs: never the order id, metadata or the delivery log.
 */
import { readFile } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { Router } from 'express'
import type { Logger } from 'pino'
import QRCode from 'qrcode'
import { type WebSocket, WebSocketServer } from 'ws'
import type { CheckoutView } from './api-types.js'
import { BadRequestError, NotFoundError } from './errors.js'
import type { Payments } from './payments.js'
import type { RateBudget } from './rate-limit.js'

export interface CheckoutAssets {
  js: string
  css: string
}

const CHECKOUT_DIR = fileURLToPath(new URL('../checkout/', import.meta.url))
const ID = /^[A-Za-z0-9_-]{1,80}$/

/** The page's script and styles: prebuilt in `dist/checkout/` (`pnpm build`), bundled by esbuild from source otherwise. */
export async function buildCheckoutAssets(): Promise<CheckoutAssets> {
  if ((globalThis as { TRADEKIT_PREBUILT_DASHBOARD?: boolean }).TRADEKIT_PREBUILT_DASHBOARD) {
    const dir = new URL('./checkout/', import.meta.url)
    const [js, css] = await Promise.all(['checkout.js', 'checkout.css'].map((name) => readFile(new URL(name, dir), 'utf8')))
    return { js: js!, css: css! }
  }
  return bundleCheckout()
}

/** Bundles `checkout/main.ts` and its CSS with esbuild (a development dependency, loaded only here). */
export async function bundleCheckout(): Promise<CheckoutAssets> {
  const esbuild = await import('esbuild')
  const result = await esbuild.build({
    entryPoints: { checkout: `${CHECKOUT_DIR}main.ts` },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome100', 'firefox100', 'safari15'],
    write: false,
    outdir: '/virtual',
    logLevel: 'silent',
    legalComments: 'none',
  })
  const file = (suffix: string) => result.outputFiles.find((entry) => entry.path.endsWith(suffix))?.text ?? ''
  return { js: file('checkout.js'), css: file('checkout.css') }
}

const html = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

const FIAT_FORMAT: Record<string, (amount: string) => string> = {
  KRW: (amount) => `₩${amount.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`,
  USD: (amount) => `$${amount.replace(/\B(?=(\d{3})+(?=\.|$))/g, ',')}`,
}

/** The page for one invoice, with its QR code; the script then keeps it live. */
export async function renderCheckoutPage(view: CheckoutView): Promise<string> {
  const qr = await QRCode.toString(view.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
  const fiat = view.fiat
    ? (FIAT_FORMAT[view.fiat.currency]?.(view.fiat.amount) ?? `${view.fiat.amount} ${view.fiat.currency}`)
    : null
  // Inside <script type="application/json">, "<" is escaped so the data can never close the element.
  const data = JSON.stringify(view).replace(/</g, '\\u003c')
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="robots" content="noindex" />
    <title>Pay ${html(view.amountBch)} BCH</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/checkout/assets/checkout.css" />
    <script type="module" src="/checkout/assets/checkout.js"></script>
  </head>
  <body data-status="${html(view.status)}">
    <main class="card">
      <h1>Pay with Bitcoin Cash <span class="live" id="live" data-state="connecting" title="Live status"></span></h1>
      <p class="memo" id="memo">${html(view.memo || 'Payment request')}</p>
      <div class="amount">
        <span class="bch" id="amount-bch">${html(view.amountBch)} BCH</span>
        ${fiat ? `<span class="fiat" id="amount-fiat">${html(fiat)} at ${html(view.fiat!.rate)} ${html(view.fiat!.currency)}/BCH</span>` : ''}
      </div>
      <p class="status" id="status" role="status" aria-live="polite">Waiting for your payment.</p>
      <p class="countdown" id="countdown"></p>
      <section id="pay">
        <div class="qr" id="qr" role="img" aria-label="QR code of the payment request">${qr}</div>
        <div class="field"><small>Amount (BCH)</small><code id="copy-amount">${html(view.amountBch)}</code><button type="button" data-copy="copy-amount">Copy</button></div>
        <div class="field"><small>Address</small><code id="copy-address">bitcoincash:${html(view.address)}</code><button type="button" data-copy="copy-address">Copy</button></div>
        <a class="open-wallet" id="open-wallet" href="${html(view.uri)}">Open in wallet</a>
      </section>
      <footer>Invoice ${html(view.id)}</footer>
    </main>
    <script type="application/json" id="checkout-data">${data}</script>
  </body>
</html>
`
}

/** `GET /checkout/:id` (the page), `GET /checkout/:id/status` (its JSON), and the page's script and styles. */
export function createCheckoutRouter(payments: Payments, assets: () => Promise<CheckoutAssets>): Router {
  const router = Router()
  const viewOr404 = async (id: unknown) => {
    if (typeof id !== 'string' || !ID.test(id)) throw new BadRequestError('Invalid path parameter id: expected a payment id.')
    const view = await payments.checkout(id)
    if (!view) throw new NotFoundError(`No payment ${id}.`)
    return view
  }
  router.get('/checkout/assets/checkout.js', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache')
    res.type('js').send((await assets()).js)
  })
  router.get('/checkout/assets/checkout.css', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache')
    res.type('css').send((await assets()).css)
  })
  router.get('/checkout/:id', async (req, res) => {
    const view = await viewOr404(req.params['id'])
    res.setHeader('Cache-Control', 'no-store')
    res.setHeader('Referrer-Policy', 'no-referrer')
    res.type('html').send(await renderCheckoutPage(view))
  })
  router.get('/checkout/:id/status', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store')
    res.json(await viewOr404(req.params['id']))
  })
  return router
}

export interface CheckoutSocket {
  /** Handles an upgrade to `/checkout/<id>/ws`; returns false for other paths. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean
  close(): void
}

/**
 * Live status for checkout pages: one socket per open page, sent the invoice's view at once and at every change,
 * with the server's time (for the countdown). Upgrades count against the same per-address budget as requests.
 */
export function createCheckoutSocket(
  payments: Payments,
  deps: { logger: Logger; rateBudget?: RateBudget | undefined; heartbeatMs?: number },
): CheckoutSocket {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1_024, clientTracking: false })
  const watching = new Map<string, Set<WebSocket>>()
  const alive = new WeakMap<WebSocket, boolean>()
  const send = (socket: WebSocket, view: CheckoutView) => {
    if (socket.readyState === socket.OPEN && socket.bufferedAmount < 65_536) {
      socket.send(JSON.stringify({ type: 'status', serverTime: new Date().toISOString(), data: view }))
    }
  }
  const unsubscribe = payments.onChange((view) => {
    for (const socket of watching.get(view.id) ?? []) send(socket, view)
  })
  const heartbeat = setInterval(() => {
    for (const sockets of watching.values()) {
      for (const socket of sockets) {
        if (alive.get(socket) === false) socket.terminate()
        else {
          alive.set(socket, false)
          socket.ping()
        }
      }
    }
  }, deps.heartbeatMs ?? 30_000)
  heartbeat.unref()

  function reject(socket: Duplex, status: number, reason: string) {
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
  }

  async function admit(req: IncomingMessage, socket: Duplex, head: Buffer, id: string) {
    const decision = deps.rateBudget ? await deps.rateBudget.hitUpgrade(req) : undefined
    if (decision?.limited) return reject(socket, 429, 'Too Many Requests')
    const origin = req.headers.origin
    if (origin !== undefined && new URL(origin).host !== req.headers.host) return reject(socket, 403, 'Forbidden')
    const view = await payments.checkout(id)
    if (!view) return reject(socket, 404, 'Not Found')
    wss.handleUpgrade(req, socket, head, (ws) => {
      const set = watching.get(id) ?? new Set()
      set.add(ws)
      watching.set(id, set)
      alive.set(ws, true)
      ws.on('pong', () => alive.set(ws, true))
      ws.on('error', (error) => deps.logger.debug({ err: error.message }, 'checkout socket error'))
      ws.on('close', () => {
        set.delete(ws)
        if (set.size === 0) watching.delete(id)
      })
      // The current view at once (the page may have been rendered before a change), then every change.
      void payments.checkout(id).then((latest) => latest && send(ws, latest))
    })
  }

  return {
    handleUpgrade(req, socket, head) {
      const match = /^\/checkout\/([^/]+)\/ws$/.exec(new URL(req.url ?? '/', 'http://localhost').pathname)
      if (!match) return false
      if (!ID.test(match[1]!)) {
        reject(socket, 400, 'Bad Request')
        return true
      }
      admit(req, socket, head, match[1]!).catch(() => socket.destroy())
      return true
    },
    close() {
      clearInterval(heartbeat)
      unsubscribe()
      for (const sockets of watching.values()) for (const socket of sockets) socket.close(1001, 'server shutting down')
      wss.close()
    },
  }
}
