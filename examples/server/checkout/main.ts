/**
 * The hosted checkout page's script: expiry countdown, copy buttons, and live status from the server's
 * `/checkout/<id>/ws` WebSocket (reconnecting; a status request on every reconnect fills any gap).
 */
import './styles.css'

interface CheckoutView {
  id: string
  status: string
  additionalStatus: string
  address: string
  uri: string
  amountBch: string
  amountSats: string
  receivedSats: string
  confirmations: number
  requiredConfirmations: number
  expiresAt: string | null
  fiat: { currency: string; amount: string; rate: string; received: string } | null
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T
let view = JSON.parse($('checkout-data').textContent ?? '{}') as CheckoutView
let clockOffsetMs = 0 // server time minus ours, so the countdown does not depend on the phone's clock

const MESSAGES: Record<string, (v: CheckoutView) => string> = {
  New: (v) =>
    v.additionalStatus === 'PaidPartial'
      ? `Partly paid: ${bch(v.receivedSats)} BCH received, please pay the rest.`
      : 'Waiting for your payment.',
  Processing: (v) =>
    `Payment received, waiting for ${v.requiredConfirmations} confirmation${v.requiredConfirmations === 1 ? '' : 's'} (${v.confirmations} so far).`,
  Settled: () => 'Paid. Thank you!',
  Expired: (v) =>
    v.additionalStatus === 'PaidLate'
      ? 'Paid after the invoice expired: the merchant will contact you.'
      : 'This invoice expired. Ask the merchant for a new one.',
  Invalid: () => 'This payment could not be completed. Contact the merchant.',
}

function bch(sats: string): string {
  const padded = sats.padStart(9, '0')
  const fraction = padded.slice(-8).replace(/0+$/, '')
  return `${padded.slice(0, -8)}${fraction ? `.${fraction}` : ''}`
}

function render(): void {
  document.body.dataset['status'] = view.status
  document.body.dataset['additionalStatus'] = view.additionalStatus
  $('status').textContent = MESSAGES[view.status]?.(view) ?? view.status
  const open = view.status === 'New'
  $('pay').hidden = !open
  tick()
}

function tick(): void {
  const countdown = $('countdown')
  if (view.expiresAt === null || view.status !== 'New') {
    countdown.hidden = true
    return
  }
  countdown.hidden = false
  const left = Math.max(0, Date.parse(view.expiresAt) - (Date.now() + clockOffsetMs))
  const minutes = Math.floor(left / 60_000)
  const seconds = Math.floor((left % 60_000) / 1000)
  countdown.textContent = left > 0 ? `Expires in ${minutes}:${String(seconds).padStart(2, '0')}` : 'Expired'
  countdown.dataset['secondsLeft'] = String(Math.floor(left / 1000))
}

async function copy(button: HTMLButtonElement): Promise<void> {
  const text = $(button.dataset['copy']!).textContent ?? ''
  try {
    await navigator.clipboard.writeText(text)
  } catch {
    // Older phones, or a page not served over https: select the text so a long press copies it.
    const range = document.createRange()
    range.selectNodeContents($(button.dataset['copy']!))
    getSelection()?.removeAllRanges()
    getSelection()?.addRange(range)
  }
  button.dataset['copied'] = 'true'
  button.textContent = 'Copied'
  setTimeout(() => {
    button.textContent = 'Copy'
    delete button.dataset['copied']
  }, 1_500)
}

function connect(attempt = 0): void {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  const socket = new WebSocket(`${scheme}://${location.host}/checkout/${encodeURIComponent(view.id)}/ws`)
  socket.onopen = () => {
    attempt = 0
    $('live').dataset['state'] = 'ok'
  }
  socket.onmessage = (message) => {
    const data = JSON.parse(String(message.data)) as { type: string; serverTime?: string; data?: CheckoutView }
    if (data.serverTime) clockOffsetMs = Date.parse(data.serverTime) - Date.now()
    if (data.type === 'status' && data.data) {
      view = data.data
      render()
    }
  }
  socket.onclose = () => {
    $('live').dataset['state'] = 'down'
    // Final states need no more updates.
    if (view.status === 'Settled' || view.status === 'Invalid') return
    setTimeout(() => connect(attempt + 1), Math.min(30_000, 1_000 * 2 ** attempt))
  }
}

for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy]')) {
  button.addEventListener('click', () => void copy(button))
}
render()
setInterval(tick, 1_000)
connect()
