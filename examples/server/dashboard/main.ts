import './styles.css'
import type {
  CandlesResponse,
  DailyResponse,
  DecisionQualityResponse,
  EquityResponse,
  HealthCheck,
  HealthResponse,
  Page,
  WalletResponse,
} from '../src/api-types.js'
import { bucketStart } from '../src/candle-buckets.js'
import {
  dailyBars,
  dailyChart,
  equityChart,
  equityPoints,
  type PriceChart,
  priceChart,
  type SeriesChart,
  syncTimeRange,
} from './charts.js'
import { formatNumber, pick, ratiosText } from './figures.js'
import { money, quoteOf, ratio, signedMoney, time, toneOf, volume } from './format.js'
import { renderQuality, renderReport } from './report.js'

type Row = Record<string, unknown> & { tsMs: number }
type BotRow = Record<string, unknown> & { id: string }

/** The token is kept for this tab's session only (sessionStorage), never in localStorage, cookies or the URL. */
const TOKEN_KEY = 'tradekit.token'
const ALL = 'all'
const ROWS = 50
const MAX_ROWS = 200

let token: string | undefined
let bots: BotRow[] = []
/** The selected bot, `all` for the combined view, or undefined on a single-bot server. */
let bot: string | undefined
let market = 'KRW-BTC'
let intervalMs = 3_600_000
let charts: { price: PriceChart; equity: SeriesChart; daily: SeriesChart; follow: () => void } | undefined
let socket: WebSocket | undefined
let wsCursor: string | undefined
let paymentsEnabled = true
let loggedOut = false

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: { error?: Record<string, unknown> },
  ) {
    super(message)
  }
}

/** `path` with the selected bot, for the routes that take one. */
function withBot(path: string): string {
  if (bot === undefined || path.startsWith('/health') || path.startsWith('/api/bots')) return path
  return `${path}${path.includes('?') ? '&' : '?'}bot=${encodeURIComponent(bot)}`
}

async function api<T>(path: string): Promise<T> {
  const response = await fetch(withBot(path), { headers: { Authorization: `Bearer ${token ?? ''}` } })
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: Record<string, unknown> }
    const message = String(body.error?.['message'] ?? `${response.status} ${response.statusText}`)
    if (response.status === 503 && body.error?.['stale']) showStale(String(body.error['unavailableSince'] ?? ''))
    throw new HttpStatusError(response.status, message, body)
  }
  $('stale').hidden = true
  return (await response.json()) as T
}

function showStale(since: string, reason = '') {
  const el = $('stale')
  el.hidden = false
  el.textContent = `The server cannot read the trade log${since ? ` since ${time(Date.parse(since))}` : ''}: the figures below are the last ones read and may be stale.${reason ? ` (${reason})` : ''}`
}

function text(id: string, value: string, tone: string = '') {
  const el = $(id)
  el.textContent = value
  el.className = tone
}

// ---- health badges and footer: refreshed from /ws and every 15 s, never left at their load-time values ----

function badge(id: string, check: HealthCheck | undefined) {
  const el = $(id)
  el.dataset['state'] = check?.status === 'disabled' ? 'unknown' : (check?.status ?? 'unknown')
  el.title = check?.summary ?? 'unknown'
}

function renderHealth(health: HealthResponse) {
  badge('badge-log', health.checks?.logDir)
  badge('badge-bot', health.checks?.bot)
  badge('badge-bch', health.checks?.electronCash)
  const check = health.checks?.logDir
  // The log directory is gone or unreadable: the figures on screen are the last ones read, say so.
  if (check?.status === 'down') showStale('', check.summary)
  else if (check?.status === 'ok') $('stale').hidden = true
  const dir = check?.['dir']
  $('footer').textContent =
    typeof dir === 'string' ? `Trade log: ${dir} · ${check?.summary ?? ''}` : `Trade logs: ${check?.summary ?? 'unknown'}`
}

async function refreshHealth() {
  renderHealth(await api<HealthResponse>('/health'))
}

// ---- tables ----

function cell(row: HTMLTableRowElement, label: string, value: string, className = '') {
  const td = row.insertCell()
  td.textContent = value
  td.dataset['label'] = label
  if (className) td.className = className
  return td
}

function pill(row: HTMLTableRowElement, label: string, action: string) {
  const td = row.insertCell()
  td.dataset['label'] = label
  td.className = 'side'
  const span = document.createElement('span')
  span.className = `pill ${action}`
  span.textContent = action
  td.append(span)
}

/** The reason on one line; a tap or click shows all of it (it is the point of the decisions table). */
function reason(row: HTMLTableRowElement, value: string) {
  const td = row.insertCell()
  td.className = 'reason'
  td.dataset['label'] = 'Reason'
  const button = document.createElement('button')
  button.type = 'button'
  button.textContent = value
  button.title = value
  button.setAttribute('aria-expanded', 'false')
  button.addEventListener('click', () => {
    const open = button.getAttribute('aria-expanded') !== 'true'
    button.setAttribute('aria-expanded', String(open))
  })
  td.append(button)
}

function tradeRow(trade: Row, fresh: boolean): HTMLTableRowElement {
  const row = document.createElement('tr')
  const quote = quoteOf(String(trade['market']))
  if (fresh) row.className = 'fresh'
  row.dataset['orderId'] = String(trade['orderId'] ?? '')
  cell(row, 'Time', time(trade.tsMs), 'time')
  cell(row, 'Bot', String(trade['bot'] ?? ''), 'col-bot')
  cell(row, 'Market', String(trade['market']), 'market')
  pill(row, 'Side', String(trade['side']))
  cell(row, 'Volume', volume(String(trade['volume'])), 'num volume')
  cell(row, 'Price', money(String(trade['price']), quote), 'num price')
  cell(row, 'Funds', money(String(trade['funds']), quote), 'num funds')
  cell(row, 'Fee', money(String(trade['fee']), quote), 'num fee')
  reason(row, String(trade['reason'] ?? ''))
  return row
}

function decisionRow(decision: Row, fresh: boolean): HTMLTableRowElement {
  const row = document.createElement('tr')
  if (fresh) row.className = 'fresh'
  cell(row, 'Time', time(decision.tsMs), 'time')
  cell(row, 'Bot', String(decision['bot'] ?? ''), 'col-bot')
  pill(row, 'Action', String(decision['action']))
  cell(row, 'Confidence', ratio(Number(decision['confidence'])), 'num confidence')
  cell(row, 'Decider', `${decision['provider']}${decision['fallbackReason'] ? ' (fallback)' : ''}`, 'decider')
  reason(row, String(decision['reason'] ?? ''))
  return row
}

/** The hint says how many rows are shown now, so it moves as rows arrive. */
function countRows(tableId: string, hintId: string, more: boolean) {
  const rows = ($(tableId) as HTMLTableElement).tBodies[0]!.rows.length
  const el = $(hintId)
  el.dataset['rows'] = String(rows)
  el.textContent = `${rows} ${more || rows >= MAX_ROWS ? 'newest' : 'in total'}`
}

function prepend(tableId: string, hintId: string, row: HTMLTableRowElement) {
  const body = ($(tableId) as HTMLTableElement).tBodies[0]!
  body.prepend(row)
  while (body.rows.length > MAX_ROWS) body.deleteRow(-1)
  countRows(tableId, hintId, ($(hintId).textContent ?? '').includes('newest'))
}

function fillTable(tableId: string, hintId: string, rows: HTMLTableRowElement[], more: boolean) {
  ;($(tableId) as HTMLTableElement).tBodies[0]!.replaceChildren(...rows)
  countRows(tableId, hintId, more)
}

// ---- KPIs ----

function renderStats(performance: unknown, portfolio: unknown) {
  const quote = quoteOf(market)
  const realized = pick(performance, 'realizedPnl')
  text('kpi-realized', signedMoney(realized as string, quote), toneOf(realized as string))
  text('kpi-fees', `fees ${money(pick(performance, 'fees') as string, quote)}`)
  text('kpi-trades', String(pick(performance, 'fills') ?? '–'))
  text(
    'kpi-winrate',
    `${pick(performance, 'tradeCount') ?? 0} round trips · win ${ratio(pick(performance, 'winRate') as number)} · PF ${formatNumber(pick(performance, 'profitFactor'))}`,
  )
  const drawdown = pick(performance, 'maxDrawdown.relative') as number | undefined
  text('kpi-drawdown', drawdown ? `−${ratio(drawdown)}` : ratio(drawdown), drawdown ? 'neg' : '')
  text('kpi-sharpe', ratiosText(performance))
  const unrealized = pick(portfolio, 'unrealizedPnl')
  text('kpi-unrealized', signedMoney(unrealized as string, quote), toneOf(unrealized as string))
  const positions = (pick(portfolio, 'positions') as Row[] | undefined) ?? []
  const open = positions.filter((position) => Number(position['volume']) > 0)
  text(
    'kpi-position',
    open.length === 0
      ? 'flat'
      : open.map((p) => `${volume(String(p['volume']))} ${String(p['market']).split('-')[1]}`).join(', '),
  )
  const equity = pick(portfolio, 'equity') as string | undefined
  const start = pick(portfolio, 'startingBalance.amount') as string | undefined
  const source = pick(portfolio, 'startingBalance.source') as string | undefined
  text('kpi-equity', money(equity, quote))
  if (equity !== undefined && start !== undefined && Number(start) !== 0) {
    const change = Number(equity) / Number(start) - 1
    text(
      'kpi-equity-sub',
      `${change >= 0 ? '+' : ''}${ratio(change)} on ${money(start, quote)} (${source === 'configuration' ? 'configured' : 'from the log'})`,
      toneOf(change),
    )
  } else {
    text('kpi-equity-sub', 'starting balance unknown: set STARTING_BALANCE')
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

// ---- the combined view of several bots ----

function renderBots(body: { bots: BotRow[]; total: Record<string, unknown> }) {
  const quote = quoteOf(market)
  const rows = body.bots.map((row) => {
    const tr = document.createElement('tr')
    tr.dataset['bot'] = row.id
    cell(tr, 'Bot', row.id, 'time')
    cell(tr, 'Equity', money(row['equity'] as string, quote), 'num')
    cell(tr, 'Start', money(row['startingBalance'] as string, quote), 'num')
    cell(tr, 'Realized', signedMoney(row['realizedPnl'] as string, quote), `num ${toneOf(row['realizedPnl'] as string)}`)
    cell(tr, 'Unrealized', signedMoney(row['unrealizedPnl'] as string, quote), `num ${toneOf(row['unrealizedPnl'] as string)}`)
    cell(tr, 'Fills', String(row['fills'] ?? '–'), 'num')
    cell(tr, 'Win rate', ratio(row['winRate'] as number), 'num')
    return tr
  })
  ;($('bots-table') as HTMLTableElement).tBodies[0]!.replaceChildren(...rows)
  const total = document.createElement('tr')
  cell(total, 'Bot', 'Total', 'time')
  cell(total, 'Equity', money(body.total['equity'] as string, quote), 'num')
  cell(total, 'Start', money(body.total['startingBalance'] as string, quote), 'num')
  cell(total, 'Realized', signedMoney(body.total['realizedPnl'] as string, quote), 'num')
  cell(total, 'Unrealized', signedMoney(body.total['unrealizedPnl'] as string, quote), 'num')
  cell(total, 'Fills', String(body.total['fills'] ?? '–'), 'num')
  cell(total, 'Win rate', '', 'num')
  ;($('bots-table') as HTMLTableElement).tFoot!.replaceChildren(total)
  $('bots-hint').textContent = `${body.bots.length} bots`
  text('kpi-equity', money(body.total['equity'] as string, quote))
  text('kpi-equity-sub', `${body.bots.length} bots together`)
  text('kpi-realized', signedMoney(body.total['realizedPnl'] as string, quote), toneOf(body.total['realizedPnl'] as string))
  text('kpi-unrealized', signedMoney(body.total['unrealizedPnl'] as string, quote), toneOf(body.total['unrealizedPnl'] as string))
  text('kpi-trades', String(body.total['fills'] ?? '–'))
  text('kpi-winrate', `${body.total['tradeCount'] ?? 0} round trips`)
  for (const id of ['kpi-fees', 'kpi-position', 'kpi-drawdown', 'kpi-sharpe']) text(id, id === 'kpi-drawdown' ? '–' : '')
}

function renderPicker() {
  const picker = $('bot-picker')
  picker.hidden = bots.length < 2
  if (bots.length < 2) return
  const select = $('bot-select') as HTMLSelectElement
  const options = [{ id: ALL, label: 'All bots' }, ...bots.map((row) => ({ id: row.id, label: row.id }))]
  select.replaceChildren(
    ...options.map(({ id, label }) => {
      const option = document.createElement('option')
      option.value = id
      option.textContent = label
      return option
    }),
  )
  select.value = bot ?? bots[0]!.id
}

// ---- loading ----

async function loadAll() {
  const [health, botList] = await Promise.all([
    api<HealthResponse>('/health').catch(() => undefined),
    api<{ bots: BotRow[]; total: Record<string, unknown> }>('/api/bots').catch(() => undefined),
  ])
  if (health) renderHealth(health)
  paymentsEnabled = health?.checks?.electronCash.status !== 'disabled'
  bots = botList?.bots ?? []
  if (bots.length > 1) bot ??= bots[0]!.id
  renderPicker()
  const combined = bot === ALL
  document.body.classList.toggle('combined', combined || bots.length > 1)
  $('bots-view').hidden = !combined
  $('charts').hidden = combined
  $('analysis').hidden = combined
  const [trades, decisions] = await Promise.all([
    api<Page<Row>>(`/api/trades?limit=${ROWS}`),
    api<Page<Row>>(`/api/decisions?limit=${ROWS}`),
  ])
  market = String(trades.items[0]?.['market'] ?? decisions.items[0]?.['market'] ?? market)
  fillTable(
    'trades-table',
    'trades-hint',
    trades.items.map((trade) => tradeRow(trade, false)),
    trades.nextCursor !== null,
  )
  fillTable(
    'decisions-table',
    'decisions-hint',
    decisions.items.map((decision) => decisionRow(decision, false)),
    decisions.nextCursor !== null,
  )
  $('subtitle').textContent = combined ? 'All bots' : `${bot && bots.length > 1 ? `${bot} · ` : ''}${market}`
  if (combined && botList) {
    renderBots(botList)
  } else {
    if (!charts) {
      const quote = quoteOf(market)
      const price = priceChart($('chart-price'), quote)
      const equity = equityChart($('chart-equity'), quote)
      const daily = dailyChart($('chart-daily'), quote)
      charts = { price, equity, daily, follow: syncTimeRange(price.chart, [equity, daily]) }
    }
    const candles = await api<CandlesResponse>(`/api/candles?market=${encodeURIComponent(market)}`)
    intervalMs = candles.intervalMs
    charts.price.set(candles.candles, candles.fills, intervalMs)
    $('chart-price').dataset['interval'] = candles.interval
    $('price-hint').textContent =
      candles.source === 'none'
        ? 'the bot logs no prices (equity snapshots)'
        : `${candles.market} · ${candles.interval} candles · ${candles.fills.length} fills`
    await refreshStats()
  }
  await renderWallet()
}

async function refreshStats() {
  if (bot === ALL) {
    renderBots(await api<{ bots: BotRow[]; total: Record<string, unknown> }>('/api/bots'))
    return
  }
  const [performance, portfolio, equity, daily, quality] = await Promise.all([
    api<unknown>('/api/performance?include=dailyReturns'),
    api<unknown>('/api/portfolio'),
    api<EquityResponse>('/api/equity'),
    api<DailyResponse>('/api/daily'),
    api<DecisionQualityResponse>('/api/decisions/quality'),
  ])
  charts?.equity.set(equityPoints(equity.points))
  $('equity-hint').textContent = equity.source === 'equity-log' ? 'from the bot’s equity snapshots' : 'rebuilt from fills'
  charts?.daily.set(dailyBars(daily.days))
  $('daily-hint').textContent = `${daily.days.length} days · ${daily.days.reduce((sum, day) => sum + day.trades, 0)} fills`
  renderStats(performance, portfolio)
  renderReport($('report-list'), performance, quoteOf(market))
  const conventions = pick(performance, 'conventions') as { timeZone?: string; periodsPerYear?: number } | undefined
  $('report-hint').textContent = conventions
    ? `days cut in ${conventions.timeZone} · ${conventions.periodsPerYear} periods a year · hover a “–” for why`
    : ''
  renderQuality(
    {
      table: $('quality-table') as HTMLTableElement,
      calibration: $('calibration-table') as HTMLTableElement,
      hint: $('quality-hint'),
    },
    quality,
  )
  // New data resets a chart's range: put the equity and daily PnL charts back on the price chart's.
  charts?.follow()
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
  if (loggedOut) return
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  const since = wsCursor ? `?since=${encodeURIComponent(wsCursor)}` : ''
  // Browsers cannot set headers on a WebSocket: the token goes as a second offered subprotocol.
  const ws = new WebSocket(`${scheme}://${location.host}/ws${since}`, ['tradekit.v1', `bearer.${token}`])
  socket = ws
  let lastSeen = Date.now()
  let heartbeatMs = 30_000
  const watchdog = setInterval(() => {
    if (Date.now() - lastSeen > heartbeatMs * 2.5) ws.close()
  }, 5_000)
  ws.onopen = () => setLive('ok', 'live updates connected')
  ws.onmessage = (event) => {
    lastSeen = Date.now()
    attempt = 0
    const message = JSON.parse(String(event.data)) as { type: string; cursor: string; bot?: string; data?: unknown }
    wsCursor = message.cursor
    handle(message)
    if (message.type === 'hello') heartbeatMs = Number(pick(message.data, 'heartbeatMs') ?? heartbeatMs)
  }
  ws.onclose = () => {
    clearInterval(watchdog)
    if (loggedOut) return
    setLive('down', 'live updates disconnected; reconnecting')
    setTimeout(() => connect(attempt + 1), Math.min(15_000, 500 * 2 ** attempt))
  }
}

/** Events of the bot on screen (every bot's in the combined view; a single-bot server names none). */
const shown = (eventBot: string | undefined) => bot === undefined || bot === ALL || eventBot === undefined || eventBot === bot

function handle(message: { type: string; bot?: string; data?: unknown }) {
  const data = message.data as Row
  if (!shown(message.bot)) return
  const tagged = message.bot === undefined ? data : { ...data, bot: message.bot }
  switch (message.type) {
    case 'trade':
      prepend('trades-table', 'trades-hint', tradeRow(tagged, true))
      // A fill is a marker on its candle; it never adds a price point.
      if (data['market'] === market && charts && bot !== ALL) {
        charts.price.fill(
          { tsMs: data.tsMs, side: data['side'] as 'buy' | 'sell', price: String(data['price']), volume: String(data['volume']) },
          bucketStart(data.tsMs, intervalMs),
        )
      }
      scheduleRefresh()
      break
    case 'decision':
      prepend('decisions-table', 'decisions-hint', decisionRow(tagged, true))
      scheduleRefresh()
      break
    case 'equity': {
      if (bot === ALL || !charts) {
        scheduleRefresh()
        break
      }
      // The price the bot saw this cycle extends the newest candle, or opens the next one.
      const positions = (data['positions'] as { market: string; price: string }[] | undefined) ?? []
      for (const position of positions) {
        if (position.market === market) charts.price.tick(data.tsMs, position.price, bucketStart(data.tsMs, intervalMs))
      }
      scheduleRefresh()
      break
    }
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

// ---- login, session and logout ----

function logout() {
  loggedOut = true
  sessionStorage.removeItem(TOKEN_KEY)
  token = undefined
  socket?.close()
  location.reload()
}

async function enter(candidate: string): Promise<boolean> {
  token = candidate
  try {
    await api('/api/trades?limit=1')
  } catch (error) {
    if (error instanceof HttpStatusError && error.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY)
      $('login-error').textContent = error.message
      return false
    }
    // The log may be unreadable (503): the token is good, the page says what is wrong.
  }
  sessionStorage.setItem(TOKEN_KEY, candidate)
  $('logout').hidden = false
  await loadAll().catch((error: unknown) => {
    $('footer').textContent = `Could not load: ${error instanceof Error ? error.message : String(error)}`
  })
  connect()
  setInterval(() => void refreshHealth().catch(() => undefined), 15_000)
  return true
}

async function start() {
  const dialog = $('login') as HTMLDialogElement
  const form = $('login-form') as HTMLFormElement
  const input = $('login-token') as HTMLInputElement
  $('logout').addEventListener('click', logout)
  ;($('bot-select') as HTMLSelectElement).addEventListener('change', (event) => {
    bot = (event.target as HTMLSelectElement).value
    charts?.price.set([], [], intervalMs)
    void loadAll()
  })
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const candidate = input.value.trim()
    input.value = ''
    // The empty layout stays visible behind the login dialog, so the charts are sized before data arrives.
    if (await enter(candidate)) dialog.close()
  })
  const saved = sessionStorage.getItem(TOKEN_KEY)
  if (saved && (await enter(saved))) return
  dialog.showModal()
}

void start()
