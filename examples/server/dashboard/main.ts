import 'uplot/dist/uPlot.min.css'
import './styles.css'
import type {
  DailyResponse,
  EquityResponse,
  HealthCheck,
  HealthResponse,
  Page,
  PricesResponse,
  WalletResponse,
} from '../src/api-types.js'
import { type Chart, dailyChart, equityChart, priceChart } from './charts.js'
import { money, quoteOf, ratio, signedMoney, time, toneOf, volume } from './format.js'

type Row = Record<string, unknown> & { tsMs: number }

/** The token lives only in this variable: never in localStorage, cookies or the URL. */
let token: string | undefined
let market = 'KRW-BTC'
let charts: { equity: Chart; price: Chart; daily: Chart } | undefined
let price: PricesResponse = { market, points: [], fills: [] }
let equity: EquityResponse = { points: [], source: 'trades' }
let wsCursor: string | undefined
let paymentsEnabled = true

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

async function api<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token ?? ''}` } })
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } }
    throw new HttpStatusError(response.status, body.error?.message ?? `${response.status} ${response.statusText}`)
  }
  return (await response.json()) as T
}

function text(id: string, value: string, tone: string = '') {
  const el = $(id)
  el.textContent = value
  el.className = tone
}

function pick(source: unknown, ...names: string[]): unknown {
  if (typeof source !== 'object' || source === null) return undefined
  for (const name of names) {
    let value: unknown = source
    for (const part of name.split('.')) value = (value as Record<string, unknown> | undefined)?.[part]
    if (value !== undefined && value !== null) return value
  }
  return undefined
}

// ---- health badges ----

function badge(id: string, check: HealthCheck | undefined) {
  const el = $(id)
  el.dataset['state'] = check?.status === 'disabled' ? 'unknown' : (check?.status ?? 'unknown')
  el.title = check?.summary ?? 'unknown'
}

function renderHealth(health: HealthResponse) {
  badge('badge-log', health.checks?.logDir)
  badge('badge-bot', health.checks?.bot)
  badge('badge-bch', health.checks?.electronCash)
  const dir = health.checks?.logDir?.['dir']
  if (typeof dir === 'string') $('footer').textContent = `Trade log: ${dir} · ${health.checks?.logDir?.summary ?? ''}`
}

// ---- tables ----

function cell(row: HTMLTableRowElement, value: string, className = '') {
  const td = row.insertCell()
  td.textContent = value
  if (className) td.className = className
  return td
}

function pill(row: HTMLTableRowElement, action: string) {
  const td = row.insertCell()
  const span = document.createElement('span')
  span.className = `pill ${action}`
  span.textContent = action
  td.append(span)
}

function tradeRow(trade: Row, fresh: boolean): HTMLTableRowElement {
  const row = document.createElement('tr')
  const quote = quoteOf(String(trade['market']))
  if (fresh) row.className = 'fresh'
  row.dataset['orderId'] = String(trade['orderId'] ?? '')
  cell(row, time(trade.tsMs))
  cell(row, String(trade['market']))
  pill(row, String(trade['side']))
  cell(row, volume(String(trade['volume'])), 'num')
  cell(row, money(String(trade['price']), quote), 'num')
  cell(row, money(String(trade['funds']), quote), 'num')
  cell(row, money(String(trade['fee']), quote), 'num')
  cell(row, String(trade['reason'] ?? ''), 'reason')
  return row
}

function decisionRow(decision: Row, fresh: boolean): HTMLTableRowElement {
  const row = document.createElement('tr')
  if (fresh) row.className = 'fresh'
  cell(row, time(decision.tsMs))
  pill(row, String(decision['action']))
  cell(row, ratio(Number(decision['confidence'])), 'num')
  cell(row, `${decision['provider']}${decision['fallbackReason'] ? ' (fallback)' : ''}`)
  cell(row, String(decision['reason'] ?? ''), 'reason')
  return row
}

const MAX_ROWS = 200

function prepend(tableId: string, row: HTMLTableRowElement) {
  const body = ($(tableId) as HTMLTableElement).tBodies[0]!
  body.prepend(row)
  while (body.rows.length > MAX_ROWS) body.deleteRow(-1)
}

function fillTable(tableId: string, rows: HTMLTableRowElement[]) {
  ;($(tableId) as HTMLTableElement).tBodies[0]!.replaceChildren(...rows)
}

// ---- charts ----

function renderEquity() {
  const xs = equity.points.map((point) => point.tsMs / 1000)
  const ys = equity.points.map((point) => Number(point.total))
  charts?.equity.setData([xs, ys])
  $('equity-hint').textContent = equity.source === 'equity-log' ? 'from the bot’s equity snapshots' : 'rebuilt from fills'
}

function renderPrice() {
  // Markers share the price series' x values: merge the times and leave gaps (null) where a series has no value.
  const byTime = new Map<number, [number | null, number | null, number | null]>()
  for (const point of price.points) byTime.set(point.tsMs, [Number(point.price), null, null])
  for (const fill of price.fills) {
    const slot = byTime.get(fill.tsMs) ?? [null, null, null]
    slot[fill.side === 'buy' ? 1 : 2] = Number(fill.price)
    byTime.set(fill.tsMs, slot)
  }
  const times = [...byTime.keys()].sort((a, b) => a - b)
  const column = (i: 0 | 1 | 2) => times.map((t) => byTime.get(t)![i])
  charts?.price.setData([times.map((t) => t / 1000), column(0), column(1), column(2)] as uPlotData)
  $('price-hint').textContent = `${price.market} · ${price.fills.length} fills`
}

type uPlotData = Parameters<Chart['setData']>[0]

function renderDaily(daily: DailyResponse) {
  charts?.daily.setData([
    daily.days.map((day) => Date.parse(`${day.date}T00:00:00Z`) / 1000),
    daily.days.map((day) => Number(day.pnl)),
  ])
  const total = daily.days.reduce((sum, day) => sum + day.trades, 0)
  $('daily-hint').textContent = `${daily.days.length} days · ${total} trades`
}

// ---- KPIs ----

function renderStats(performance: unknown, portfolio: unknown) {
  const quote = quoteOf(market)
  const stats = pick(performance, 'stats') ?? performance
  const realized = pick(stats, 'realizedPnl')
  text('kpi-realized', signedMoney(realized as string, quote), toneOf(realized as string))
  text('kpi-fees', `fees ${money(pick(stats, 'feesPaid', 'fees') as string, quote)}`)
  text('kpi-trades', String(pick(stats, 'fills') ?? '–'))
  text(
    'kpi-winrate',
    `${pick(stats, 'tradeCount') ?? 0} round trips · win ${ratio(pick(stats, 'winRate') as number)} · PF ${formatNumber(pick(stats, 'profitFactor'))}`,
  )
  const drawdown = pick(stats, 'maxDrawdown.relative') as number | undefined
  text('kpi-drawdown', drawdown ? `−${ratio(drawdown)}` : ratio(drawdown), drawdown ? 'neg' : '')
  text('kpi-sharpe', `Sharpe ${formatNumber(pick(stats, 'sharpe'))} · Sortino ${formatNumber(pick(stats, 'sortino'))}`)
  const unrealized = pick(portfolio, 'unrealizedPnl', 'totals.unrealizedPnl')
  text('kpi-unrealized', signedMoney(unrealized as string, quote), toneOf(unrealized as string))
  const positions = (pick(portfolio, 'positions') as Row[] | undefined) ?? []
  const open = positions.filter((position) => Number(position['volume']) > 0)
  text(
    'kpi-position',
    open.length === 0
      ? 'flat'
      : open.map((p) => `${volume(String(p['volume']))} ${String(p['market']).split('-')[1]}`).join(', '),
  )
}

function formatNumber(value: unknown): string {
  const number = Number(value)
  return value === null || value === undefined || !Number.isFinite(number) ? '–' : number.toFixed(2)
}

function renderEquityKpi() {
  const last = equity.points.at(-1)
  const first = equity.points[0]
  text('kpi-equity', money(last?.total, quoteOf(market)))
  if (last && first && Number(first.total) !== 0) {
    const change = Number(last.total) / Number(first.total) - 1
    text('kpi-equity-sub', `${change >= 0 ? '+' : ''}${ratio(change)} since ${time(first.tsMs).slice(0, 10)}`, toneOf(change))
  }
}

async function renderWallet() {
  if (!paymentsEnabled) {
    text('kpi-wallet', '–')
    text('kpi-wallet-sub', 'payments not configured')
    return
  }
  try {
    const wallet = await api<WalletResponse>('/api/wallet')
    text('kpi-wallet', `${wallet.confirmed} BCH`)
    text('kpi-wallet-sub', Number(wallet.unconfirmed) === 0 ? 'all confirmed' : `${wallet.unconfirmed} BCH unconfirmed`)
  } catch (error) {
    text('kpi-wallet', '–')
    text(
      'kpi-wallet-sub',
      error instanceof HttpStatusError && error.status === 404 ? 'payments not configured' : 'daemon unavailable',
      'neg',
    )
  }
}

// ---- loading ----

async function loadAll() {
  const [health, trades, decisions] = await Promise.all([
    api<HealthResponse>('/health').catch(() => undefined),
    api<Page<Row>>('/api/trades?limit=50'),
    api<Page<Row>>('/api/decisions?limit=50'),
  ])
  if (health) renderHealth(health)
  market = String(trades.items[0]?.['market'] ?? decisions.items[0]?.['market'] ?? market)
  fillTable(
    'trades-table',
    trades.items.map((trade) => tradeRow(trade, false)),
  )
  fillTable(
    'decisions-table',
    decisions.items.map((decision) => decisionRow(decision, false)),
  )
  $('trades-hint').textContent = trades.nextCursor ? 'latest 50' : `${trades.items.length}`
  $('decisions-hint').textContent = decisions.nextCursor ? 'latest 50' : `${decisions.items.length}`
  $('subtitle').textContent = `Trading dashboard · ${market}`
  if (!charts) {
    const quote = quoteOf(market)
    charts = {
      equity: equityChart($('chart-equity'), quote),
      price: priceChart($('chart-price'), quote),
      daily: dailyChart($('chart-daily'), quote),
    }
  }
  price = await api<PricesResponse>(`/api/prices?market=${encodeURIComponent(market)}`)
  renderPrice()
  paymentsEnabled = health?.checks?.electronCash.status !== 'disabled'
  await Promise.all([refreshStats(), renderWallet()])
}

async function refreshStats() {
  const [performance, portfolio, nextEquity, daily] = await Promise.all([
    api<unknown>('/api/performance'),
    api<unknown>('/api/portfolio'),
    api<EquityResponse>('/api/equity'),
    api<DailyResponse>('/api/daily'),
  ])
  equity = nextEquity
  renderEquity()
  renderEquityKpi()
  renderDaily(daily)
  renderStats(performance, portfolio)
}

let refreshTimer: ReturnType<typeof setTimeout> | undefined
function scheduleRefresh() {
  clearTimeout(refreshTimer)
  refreshTimer = setTimeout(() => void refreshStats().catch(() => undefined), 300)
}

// ---- live updates ----

function setLive(state: 'ok' | 'warn' | 'down', title: string) {
  const el = $('badge-live')
  el.dataset['state'] = state
  el.title = title
}

function connect(attempt = 0) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  const since = wsCursor ? `?since=${encodeURIComponent(wsCursor)}` : ''
  // Browsers cannot set headers on a WebSocket: the token goes as a second offered subprotocol.
  const socket = new WebSocket(`${scheme}://${location.host}/ws${since}`, ['tradekit.v1', `bearer.${token}`])
  let lastSeen = Date.now()
  let heartbeatMs = 30_000
  const watchdog = setInterval(() => {
    if (Date.now() - lastSeen > heartbeatMs * 2.5) socket.close()
  }, 5_000)
  socket.onopen = () => setLive('ok', 'live updates connected')
  socket.onmessage = (event) => {
    lastSeen = Date.now()
    attempt = 0
    const message = JSON.parse(String(event.data)) as { type: string; cursor: string; data?: unknown }
    wsCursor = message.cursor
    handle(message)
    if (message.type === 'hello') heartbeatMs = Number(pick(message.data, 'heartbeatMs') ?? heartbeatMs)
  }
  socket.onclose = () => {
    clearInterval(watchdog)
    setLive('down', 'live updates disconnected; reconnecting')
    setTimeout(() => connect(attempt + 1), Math.min(15_000, 500 * 2 ** attempt))
  }
}

function handle(message: { type: string; data?: unknown }) {
  const data = message.data as Row
  switch (message.type) {
    case 'trade':
      prepend('trades-table', tradeRow(data, true))
      if (data['market'] === market) {
        price.fills.push({
          tsMs: data.tsMs,
          side: data['side'] as 'buy' | 'sell',
          price: String(data['price']),
          volume: String(data['volume']),
        })
        price.points.push({ tsMs: data.tsMs, price: String(data['price']) })
        renderPrice()
      }
      scheduleRefresh()
      break
    case 'decision':
      prepend('decisions-table', decisionRow(data, true))
      break
    case 'equity':
      equity.points.push({ tsMs: data.tsMs, total: String(data['total']) })
      renderEquity()
      renderEquityKpi()
      break
    case 'health':
      renderHealth(data as unknown as HealthResponse)
      break
    case 'payment':
      void renderWallet()
      break
    case 'electroncash': {
      const status = String(data['status'])
      badge('badge-bch', {
        status: status === 'up' ? 'ok' : status === 'down' ? 'down' : 'warn',
        summary: String(data['reason']),
      })
      void renderWallet()
      break
    }
    case 'resync':
      void loadAll()
      break
  }
}

// ---- login ----

function start() {
  const dialog = $('login') as HTMLDialogElement
  const form = $('login-form') as HTMLFormElement
  const input = $('login-token') as HTMLInputElement
  dialog.showModal()
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    token = input.value.trim()
    input.value = ''
    try {
      await api('/api/trades?limit=1')
    } catch (error) {
      $('login-error').textContent = error instanceof Error ? error.message : String(error)
      return
    }
    // The empty layout stays visible behind the login dialog, so the charts are sized before data arrives.
    dialog.close()
    await loadAll().catch((error: unknown) => {
      $('footer').textContent = `Could not load: ${error instanceof Error ? error.message : String(error)}`
    })
    connect()
  })
}

start()
