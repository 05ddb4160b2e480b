/**
 * End-to-end: Debian's chromium (driven by playwright-core) loads the dashboard at 1280×800 and at 390×844 from a
 * server fed by a test log directory. It checks the numbers against the API, that no headline number is cut, that
 * the price chart has one point per candle while the bot logs prices and fills live, that labels follow the live
 * data, that the token survives a reload (session storage) until logout, and the several-bots selector. Screenshots
 * go to artifacts/ (gitignored; the paths are printed). Skipped in the Node 22/24 re-runs (TRADEKIT_NODE_MATRIX);
 * fails in CI when chromium is missing.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createTradeLogReader, createTradeLogWriter, PERFORMANCE_METRICS } from '@tradekit/trade-log'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeLogFixture } from './test-support/log-fixture.js'
import { TEST_TOKEN, type TestServer, useServers } from './test-support/test-server.js'

const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url))
const inMatrix = process.env['TRADEKIT_NODE_MATRIX'] !== undefined
const hasChromium = existsSync(CHROMIUM)
if (!hasChromium && process.env['CI'] && !inMatrix) {
  throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (apt-get install chromium) for the dashboard test.`)
}
const HOUR = 3_600_000

const servers = useServers()

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const

async function login(page: Page, server: TestServer) {
  await page.goto(server.url)
  await page.fill('#login-token', TEST_TOKEN)
  await page.click('#login button[type=submit]')
  await page.waitForSelector('#trades-table tbody tr')
  await page.waitForFunction(() => document.querySelector('#kpi-trades')?.textContent !== '–')
}

/** Every KPI text whose content is wider than its box (an ellipsis or a cut), as "id: text". */
const clippedKpis = (page: Page) =>
  page.$$eval('.kpi p, .kpi small', (elements) =>
    elements.filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => `${el.id}: ${el.textContent}`),
  )

async function screenshot(page: Page, name: string) {
  mkdirSync(ARTIFACTS, { recursive: true })
  const path = `${ARTIFACTS}${name}.png`
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path, fullPage: true })
  console.log(`dashboard screenshot: ${path}`)
}

describe.skipIf(inMatrix || !hasChromium)('dashboard in a real browser', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    })
  })
  afterAll(async () => {
    await browser?.close()
  })

  it.each(VIEWPORTS)(
    '$name ($width×$height): the log’s numbers, nothing clipped, one price point per candle live, labels follow, token kept for the session',
    async (viewport) => {
      const dir = servers.tempDir()
      const end = Date.now() - 3 * HOUR
      const fixture = writeLogFixture(dir, { days: 5, tradesPerDay: 6, end })
      const server = await servers.start({ logDir: dir, dashboard: true, rateLimit: false })
      const page = await browser.newPage({ viewport: { width: viewport.width, height: viewport.height } })
      const pageErrors: string[] = []
      page.on('pageerror', (error) => pageErrors.push(error.message))
      await login(page, server)

      // Tables: newest trade first, with the price the log holds; the count label says how many rows are shown.
      const newest = (await server.get('/api/trades?limit=1')).body.items[0]
      const firstRow = page.locator('#trades-table tbody tr').first()
      expect(await firstRow.getAttribute('data-order-id')).toBe(newest.orderId)
      expect(await firstRow.locator('td.price').textContent()).toMatch(`₩${Number(newest.price).toLocaleString('en-US')}`)
      expect(await page.locator('#trades-table tbody tr').count()).toBe(Math.min(50, fixture.trades))
      expect(await page.getAttribute('#trades-hint', 'data-rows')).toBe(String(fixture.trades))

      // KPIs: the API's figures; equity counts the starting balance; nothing cut at this width.
      expect(await page.textContent('#kpi-trades')).toBe(String(fixture.trades))
      const portfolio = (await server.get('/api/portfolio')).body
      expect(await page.textContent('#kpi-equity')).toBe(`₩${Math.round(Number(portfolio.equity)).toLocaleString('en-US')}`)
      expect(await page.textContent('#kpi-sharpe')).toMatch(/^Sharpe, Sortino after 30 daily returns \(4 so far\)$/)
      expect(await clippedKpis(page)).toEqual([])

      // The full report: every figure as the API gives it; one it could not compute shows "–" and the API's reason.
      const report = (await server.get('/api/performance')).body
      const figures = await page.$$eval('#report-list .figure', (items) =>
        items.map((el) => ({
          field: (el as HTMLElement).dataset['field']!,
          value: JSON.parse((el as HTMLElement).dataset['value']!),
          text: el.querySelector('dd')?.textContent,
          why: el.querySelector('.why')?.textContent ?? null,
          cut: [...el.children].some((child) => child.scrollWidth > child.clientWidth + 1),
        })),
      )
      expect(figures.map((figure) => figure.field)).toEqual(PERFORMANCE_METRICS.map((metric) => metric.field))
      for (const figure of figures) {
        const value = figure.field.split('.').reduce((v, key) => v?.[key], report)
        expect([figure.field, figure.value]).toEqual([figure.field, value])
        expect([figure.field, figure.text === '–', figure.why]).toEqual([
          figure.field,
          value === null,
          value === null ? report.reasons[figure.field] : null,
        ])
        expect([figure.field, figure.cut]).toEqual([figure.field, false])
      }
      expect(figures.find((figure) => figure.field === 'sharpe')?.why).toBe('fewer than 30 daily returns (4)')

      // Decision quality: a row per decider and model with the API's figures, the calibration of the confidence.
      const quality = (await server.get('/api/decisions/quality')).body
      const deciderRows = page.locator('#quality-table tbody tr')
      expect(await deciderRows.count()).toBe(quality.deciders.length)
      const decider = quality.deciders[0]
      const cellValue = async (label: string) =>
        JSON.parse((await deciderRows.first().locator(`td[data-label="${label}"]`).getAttribute('data-value'))!)
      expect(await deciderRows.first().getAttribute('data-decider')).toBe(`${decider.provider}/${decider.model}`)
      expect(await cellValue('Decisions')).toBe(decider.decisions)
      expect(await cellValue('Acted on')).toBe(decider.actedOn)
      expect(await cellValue('Hit rate')).toBe(decider.outcome.hitRate)
      expect(await cellValue('Brier')).toBe(decider.calibration.brier)
      expect(decider.calibration.brier).toEqual(expect.any(Number))
      expect(await page.locator('#calibration-table tbody tr').count()).toBe(
        quality.total.calibration.buckets.filter((bucket: { decisions: number }) => bucket.decisions > 0).length,
      )
      expect(await page.textContent('#quality-hint')).toMatch(/^judged 1d later · \d+ calls calibrated$/)

      // Price: candles of the prices the bot logged, one chart point per candle, and the others on its time range.
      await page.waitForFunction(() => document.querySelector<HTMLElement>('#chart-daily')?.dataset['to'] !== undefined)
      const interval = (await page.getAttribute('#chart-price', 'data-interval'))!
      const candles = async () => (await server.get(`/api/candles?interval=${interval}`)).body
      const before = await candles()
      expect(before.candles.length).toBeGreaterThan(10)
      expect(await page.getAttribute('#chart-price', 'data-points')).toBe(String(before.candles.length))
      const range = async (id: string) =>
        page.$eval(id, (el) => [Number((el as HTMLElement).dataset['from']), Number((el as HTMLElement).dataset['to'])])
      const [priceFrom, priceTo] = await range('#chart-price')
      const [equityFrom, equityTo] = await range('#chart-equity')
      const [dailyFrom, dailyTo] = await range('#chart-daily')
      expect(Math.abs(equityFrom! - priceFrom!)).toBeLessThanOrEqual(before.intervalMs / 1000)
      expect(Math.abs(equityTo! - priceTo!)).toBeLessThanOrEqual(before.intervalMs / 1000)
      expect(Math.abs(dailyFrom! - priceFrom!)).toBeLessThanOrEqual(86_400)
      expect(Math.abs(dailyTo! - priceTo!)).toBeLessThanOrEqual(86_400)
      // The right-most daily PnL bar is drawn whole, not cut by the chart's edge.
      const daily = await page.$eval('#chart-daily', (el) => ({
        points: Number((el as HTMLElement).dataset['points']),
        logicalTo: Number((el as HTMLElement).dataset['logicalTo']),
      }))
      expect(daily.points).toBeGreaterThan(1)
      expect(daily.logicalTo).toBeGreaterThanOrEqual(daily.points - 1 + 0.5)
      expect(await page.locator('.u-legend').count()).toBe(0)

      // The reason is one line until clicked, then readable in full.
      const reasonButton = page.locator('#decisions-table tbody tr').first().locator('td.reason button')
      const oneLine = await reasonButton.evaluate((el) => el.getBoundingClientRect().height)
      expect(oneLine).toBeLessThan(30)
      await reasonButton.click()
      expect(await reasonButton.getAttribute('aria-expanded')).toBe('true')
      expect(await reasonButton.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true)

      // Live: the bot logs a price in the newest candle, one in the next candle, and a fill.
      await page.waitForSelector('#badge-live[data-state="ok"]')
      const writer = createTradeLogWriter({ dir })
      servers.defer(() => writer.close())
      const last = before.candles.at(-1)
      const equityEntry = (tsMs: number, price: string) => ({
        tsMs,
        cash: '9000000',
        positions: [{ market: 'KRW-BTC', volume: '0.001', price, value: String(Number(price) / 1000) }],
        total: String(9_000_000 + Number(price) / 1000),
        mode: 'paper' as const,
      })
      await writer.append('equity', equityEntry(last.time + 60_000, '52340000'))
      await page.waitForFunction(() => document.querySelector<HTMLElement>('#chart-price')?.dataset['lastClose'] === '52340000')
      expect(await page.getAttribute('#chart-price', 'data-points')).toBe(String(before.candles.length))
      await writer.append('equity', equityEntry(last.time + before.intervalMs + 60_000, '52360000'))
      await page.waitForFunction(
        (count) => document.querySelector<HTMLElement>('#chart-price')?.dataset['points'] === String(count),
        before.candles.length + 1,
      )
      // A fill two candles later at another price: drawn as a marker only, it must move neither the count nor the close.
      await writer.append('trades', {
        tsMs: last.time + 2 * before.intervalMs + 60_000,
        market: 'KRW-BTC',
        side: 'buy',
        volume: '0.001',
        price: '52400000',
        funds: '52400',
        fee: '26.2',
        orderId: 'e2e-live-fill',
        mode: 'paper',
        reason: 'e2e live trade',
      })
      await page.waitForSelector('#trades-table tbody tr[data-order-id="e2e-live-fill"]')
      await page.waitForFunction(
        (count) => document.querySelector('#kpi-trades')?.textContent === String(count),
        fixture.trades + 1,
      )
      expect(await page.getAttribute('#trades-hint', 'data-rows')).toBe(String(Math.min(50, fixture.trades) + 1))
      // A fill is a marker, never a price point: the chart equals what a reload would draw.
      const after = await candles()
      expect(await page.getAttribute('#chart-price', 'data-points')).toBe(String(after.candles.length))
      expect(await page.getAttribute('#chart-price', 'data-last-close')).toBe(after.candles.at(-1).close)
      // The footer and the Logs badge carry the server's current verdict.
      const health = (await server.get('/health')).body
      expect(await page.getAttribute('#badge-log', 'title')).toBe(health.checks.logDir.summary)
      expect(await page.textContent('#footer')).toContain(health.checks.logDir.summary)
      expect(await clippedKpis(page)).toEqual([])

      if (viewport.name === 'phone') {
        // A layout for a phone: no sideways scrolling, a header that leaves the screen to the data, trade cards
        // whose price is on screen.
        expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
        expect(await page.$eval('.topbar', (el) => el.getBoundingClientRect().height)).toBeLessThan(viewport.height * 0.15)
        expect(await page.$eval('.topbar', (el) => getComputedStyle(el).position)).not.toBe('sticky')
        const price = await firstRow.locator('td.price').boundingBox()
        expect(price!.x + price!.width).toBeLessThanOrEqual(viewport.width)
        expect(
          await page.$eval('#trades-table', (el) => el.scrollWidth <= (el.parentElement as HTMLElement).clientWidth + 1),
        ).toBe(true)
      }
      await screenshot(page, `dashboard-${viewport.name}`)

      // The token is kept for this tab's session: a reload does not ask again; logout forgets it.
      expect(await page.evaluate(() => ({ local: localStorage.length, cookie: document.cookie }))).toEqual({
        local: 0,
        cookie: '',
      })
      expect(page.url()).not.toContain(TEST_TOKEN)
      await page.reload()
      await page.waitForSelector('#trades-table tbody tr')
      expect(await page.locator('#login').evaluate((dialog) => (dialog as HTMLDialogElement).open)).toBe(false)
      await page.click('#logout')
      await page.waitForFunction(() => (document.querySelector('#login') as HTMLDialogElement | null)?.open === true)
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0)
      expect(pageErrors).toEqual([])
      await page.close()
    },
  )

  it('several bots: a selector, each bot’s own log, and a combined view', async () => {
    const end = Date.now() - 3 * HOUR
    const alpha = servers.tempDir('bot-alpha-')
    const beta = servers.tempDir('bot-beta-')
    const alphaFixture = writeLogFixture(alpha, { days: 2, tradesPerDay: 6, end, seed: 1 })
    const betaFixture = writeLogFixture(beta, { days: 2, tradesPerDay: 7, end, seed: 2 })
    const both = alphaFixture.trades + betaFixture.trades
    const server = await servers.start({
      logDir: alpha,
      bots: [
        { id: 'alpha', logDir: alpha },
        { id: 'beta', logDir: beta },
      ],
      dashboard: true,
      rateLimit: false,
    })
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await login(page, server)
    expect(await page.locator('#bot-select option').allTextContents()).toEqual(['All bots', 'alpha', 'beta'])
    const newestOf = async (dir: string) =>
      (await createTradeLogReader({ dir }).readEntries({ kind: 'trades', limit: 1 })).entries[0]!.orderId
    expect(await page.locator('#trades-table tbody tr').first().getAttribute('data-order-id')).toBe(await newestOf(alpha))
    await page.selectOption('#bot-select', 'beta')
    await page.waitForFunction(
      (id) => document.querySelector('#trades-table tbody tr')?.getAttribute('data-order-id') === id,
      await newestOf(beta),
    )
    await page.waitForFunction(
      (count) => document.querySelector('#kpi-trades')?.textContent === String(count),
      betaFixture.trades,
    )
    await page.selectOption('#bot-select', 'all')
    await page.waitForSelector('#bots-table tbody tr[data-bot="beta"]')
    expect(await page.locator('#bots-table tbody tr').count()).toBe(2)
    expect(await page.textContent('#kpi-trades')).toBe(String(both))
    expect(await page.locator('#trades-table tbody tr').count()).toBe(Math.min(50, both))
    expect(new Set(await page.locator('#trades-table tbody td.col-bot').allTextContents())).toEqual(new Set(['alpha', 'beta']))
    expect(await clippedKpis(page)).toEqual([])
    await screenshot(page, 'dashboard-all-bots')
    await page.close()
  })

  it('a log directory that disappears: the figures stay, under a banner saying they may be stale; it clears when back', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 2, tradesPerDay: 4, end: Date.now() - 3 * HOUR })
    const server = await servers.start({ logDir: dir, dashboard: true, rateLimit: false, healthIntervalMs: 100 })
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await login(page, server)
    const fills = await page.textContent('#kpi-trades')
    expect(await page.isVisible('#stale')).toBe(false)
    renameSync(dir, `${dir}-moved`)
    servers.defer(() => {
      if (existsSync(`${dir}-moved`)) renameSync(`${dir}-moved`, dir)
    })
    await page.waitForSelector('#stale', { state: 'visible' })
    expect(await page.textContent('#stale')).toMatch(/cannot read the trade log.*may be stale/)
    expect(await page.textContent('#kpi-trades')).toBe(fills)
    renameSync(`${dir}-moved`, dir)
    await page.waitForSelector('#stale', { state: 'hidden' })
    await page.close()
  })

  it('error: a wrong token keeps the login open with the server’s reason', async () => {
    const dir = servers.tempDir()
    writeLogFixture(dir, { days: 1, tradesPerDay: 2 })
    const server = await servers.start({ logDir: dir, dashboard: true })
    const page = await browser.newPage()
    await page.goto(server.url)
    await page.fill('#login-token', 'not-the-right-token-000')
    await page.click('#login button[type=submit]')
    await page.waitForFunction(() => (document.querySelector('#login-error')?.textContent ?? '') !== '')
    expect(await page.textContent('#login-error')).toMatch(/Invalid bearer token/)
    expect(await page.locator('#login').evaluate((dialog) => (dialog as HTMLDialogElement).open)).toBe(true)
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0)
    await page.close()
  })
})
