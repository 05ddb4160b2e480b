// Run by scripts/check-packages.mjs against the installed tarball: one real call per entry point.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export default {
  '.': async (m) => {
    assert.equal(m.sumDecimals(['0.1', '0.2']), '0.3')
    const dir = mkdtempSync(join(tmpdir(), 'trade-log-smoke-'))
    try {
      const writer = m.createTradeLogWriter({ dir })
      await writer.append('trades', {
        market: 'KRW-BTC',
        side: 'buy',
        volume: '0.001',
        price: '45000000',
        funds: '45000',
        fee: '22.5',
        orderId: 'smoke-1',
        mode: 'paper',
      })
      await writer.close()
      const reader = m.createTradeLogReader({ dir })
      const page = await reader.readEntries({ kind: 'trades' })
      assert.equal(page.entries[0].orderId, 'smoke-1')
      assert.equal(m.portfolio(page.entries, { 'KRW-BTC': '46000000' }).positions[0].volume, '0.001')
      assert.equal((await m.doctor(dir)).verdict.ok, true)
      // The bin, run as a consumer would: node_modules/.bin/trade-log.
      const bin = join(createRequire(import.meta.url).resolve('@tradekit/trade-log/package.json'), '..', 'dist', 'cli.js')
      const out = execFileSync(process.execPath, [bin, 'doctor', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      assert.match(out, /verdict +OK/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
  './postgres': async (m) => {
    assert.equal(m.isPostgresUrl('postgres://bot@db.example:5432/trades'), true)
    assert.equal(m.describeUrl(new URL('postgres://bot:secret@db.example/trades')), 'postgres://bot@db.example/trades')
    // Nothing listens on port 1; without the optional pg package the error says to install it instead.
    const writer = m.createPostgresTradeLogWriter({ url: 'postgres://bot:secret@127.0.0.1:1/trades', attempts: 1 })
    const error = await writer
      .append('trades', {
        market: 'KRW-BTC',
        side: 'buy',
        volume: '1',
        price: '1',
        funds: '1',
        fee: '0',
        orderId: 'o',
        mode: 'paper',
      })
      .catch((e) => e)
    await writer.close()
    assert.ok(['TradeLogDatabaseError', 'TradeLogUsageError'].includes(error.name), String(error))
    assert.ok(!error.message.includes('secret'))
  },
}
