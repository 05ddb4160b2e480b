/**
 * End-to-end: Debian's chromium (driven by playwright-core) loads the dashboard from a server fed by a test log
 * directory, checks the tables and charts against the API, sees an appended trade arrive without a reload, and
 * saves a screenshot to artifacts/. Skipped in the Node 22/24 re-runs (TRADEKIT_NODE_MATRIX); fails in CI when
 * chromium is missing.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createTradeLogWriter } from '@tradekit/trade-log'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeLogFixture } from './test-support/log-fixture.js'
import { TEST_TOKEN, useServers } from './test-support/test-server.js'

const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url))
const inMatrix = process.env['TRADEKIT_NODE_MATRIX'] !== undefined
const hasChromium = existsSync(CHROMIUM)
if (!hasChromium && process.env['CI'] && !inMatrix) {
  throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (apt-get install chromium) for the dashboard test.`)
}

const servers = useServers()

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

  it('shows the log’s numbers, updates live when a trade is appended, and keeps the token out of storage', async () => {
    const dir = servers.tempDir()
    const fixture = writeLogFixture(dir, { days: 5, tradesPerDay: 6 })
    const server = await servers.start({ logDir: dir, dashboard: true })
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } })
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))

    await page.goto(server.url)
    await page.fill('#login-token', TEST_TOKEN)
    await page.click('#login button[type=submit]')
    await page.waitForSelector('#trades-table tbody tr')
    await page.waitForFunction(() => document.querySelector('#kpi-trades')?.textContent !== '–')

    // Tables: newest trade first, with the price the log holds.
    const newest = (await server.get('/api/trades?limit=1')).body.items[0]
    const firstRow = page.locator('#trades-table tbody tr').first()
    expect(await firstRow.getAttribute('data-order-id')).toBe(newest.orderId)
    expect(await firstRow.locator('td').nth(4).textContent()).toBe(`₩${Number(newest.price).toLocaleString('en-US')}`)
    expect(await page.locator('#trades-table tbody tr').count()).toBe(Math.min(50, fixture.trades))
    const decision = (await server.get('/api/decisions?limit=1')).body.items[0]
    expect(await page.locator('#decisions-table tbody tr').first().locator('td.reason').textContent()).toBe(decision.reason)

    // KPIs and charts: the same figures as the API.
    const performance = (await server.get('/api/performance')).body
    expect(await page.textContent('#kpi-trades')).toBe(String(fixture.trades))
    expect(await page.textContent('#kpi-winrate')).toContain(`${performance.tradeCount} round trips`)
    const equity = (await server.get('/api/equity')).body
    const daily = (await server.get('/api/daily')).body
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#chart-daily')?.dataset['points'] !== undefined)
    expect(await page.getAttribute('#chart-equity', 'data-points')).toBe(String(equity.points.length))
    expect(await page.getAttribute('#chart-daily', 'data-points')).toBe(String(daily.days.length))
    expect(Number(await page.getAttribute('#chart-price', 'data-points'))).toBeGreaterThanOrEqual(fixture.trades)
    expect(await page.locator('#chart-equity canvas').count()).toBe(1)
    await page.waitForSelector('#badge-live[data-state="ok"]')
    expect(await page.getAttribute('#badge-log', 'data-state')).toBe('ok')

    // Live: the bot appends a fill; the row appears and the fill count moves, without a reload.
    const writer = createTradeLogWriter({ dir })
    servers.defer(() => writer.close())
    await writer.append('trades', {
      market: 'KRW-BTC',
      side: 'buy',
      volume: '0.001',
      price: '71230000',
      funds: '71230',
      fee: '35.615',
      orderId: 'e2e-live-fill',
      mode: 'paper',
      reason: 'e2e live trade',
    })
    await page.waitForSelector('#trades-table tbody tr[data-order-id="e2e-live-fill"]')
    expect(await page.locator('#trades-table tbody tr').first().getAttribute('data-order-id')).toBe('e2e-live-fill')
    expect(await page.locator('#trades-table tbody tr').first().locator('td').nth(4).textContent()).toBe('₩71,230,000')
    await page.waitForFunction(
      (count) => document.querySelector('#kpi-trades')?.textContent === String(count),
      fixture.trades + 1,
    )

    // The token lived only in memory.
    const stored = await page.evaluate(() => ({
      local: localStorage.length,
      session: sessionStorage.length,
      cookie: document.cookie,
    }))
    expect(stored).toEqual({ local: 0, session: 0, cookie: '' })
    expect(page.url()).not.toContain(TEST_TOKEN)

    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: `${ARTIFACTS}dashboard-e2e.png`, fullPage: true })
    expect(pageErrors).toEqual([])
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
    await page.close()
  })
})
