import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EXIT, runCli } from './cli-main.js'
import { decisionQuality } from './decision-quality.js'
import { performance } from './performance.js'
import { AUG_1, DAY, HOUR, trade } from './test-support/entries.js'
import { useTempDir } from './test-support/temp-dir.js'

const tempDir = useTempDir()
const jsonl = (entries: unknown[]) => entries.map((entry) => `${JSON.stringify(entry)}\n`).join('')

async function stats(argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(['stats', ...argv], {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: {},
    cwd: '/',
  })
  return { code, out: out.join(''), err: err.join('') }
}

describe('trade-log stats: the full report and decision quality', () => {
  const fills = [
    trade(AUG_1, { side: 'buy', volume: '1', price: '100', funds: '100', fee: '0', decisionId: 'd1' }),
    trade(AUG_1 + DAY, { side: 'sell', volume: '1', price: '110', funds: '110', fee: '1', decisionId: 'd2' }),
  ]
  const decisions = [
    { tsMs: AUG_1, decisionId: 'd1', action: 'buy', confidence: 0.8, price: '100' },
    { tsMs: AUG_1 + DAY, decisionId: 'd2', action: 'sell', confidence: 0.6, price: '110' },
    { tsMs: AUG_1 + DAY + 2 * HOUR, decisionId: 'd3', action: 'hold', confidence: 0.5, price: '104' },
  ].map((d) => ({ ...d, ts: new Date(d.tsMs).toISOString(), market: 'KRW-BTC', provider: 'rules', model: 'sma', reason: 'r' }))

  function logDir() {
    const dir = tempDir()
    writeFileSync(join(dir, 'trades_20250801.jsonl'), jsonl(fills.slice(0, 1)))
    writeFileSync(join(dir, 'trades_20250802.jsonl'), jsonl(fills.slice(1)))
    writeFileSync(join(dir, 'decisions_20250801.jsonl'), jsonl(decisions.slice(0, 1)))
    writeFileSync(join(dir, 'decisions_20250802.jsonl'), jsonl(decisions.slice(1)))
    return dir
  }

  it('prints what performance() and decisionQuality() give for the directory, with --horizon', async () => {
    const { code, out } = await stats([logDir(), '--starting-balance', '1000', '--horizon', '1h'])
    expect(code).toBe(EXIT.ok)
    const result = JSON.parse(out)
    expect(result.performance).toEqual(JSON.parse(JSON.stringify(performance(fills, { startingBalance: '1000' }))))
    expect(result.performance).toMatchObject({
      totalReturn: 0.009,
      buyAndHoldReturn: 0.1,
      reasons: { sharpe: 'fewer than 30 daily returns (2)' },
    })
    expect(result.decisionQuality).toEqual(
      JSON.parse(JSON.stringify(decisionQuality(decisions as never, fills, [], { horizonMs: HOUR }))),
    )
    // d1 bought at 100; an hour later the next price is 110 (d2's): a hit. d2 sold at 110; 2 h later 104: a hit.
    expect(result.decisionQuality).toMatchObject({
      horizonMs: HOUR,
      total: { decisions: 3, actedOn: 2, outcome: { hitRate: 1 } },
    })
  })

  it('error: a horizon that is not a duration exits 2 and says what it takes', async () => {
    const { code, err } = await stats([logDir(), '--horizon', 'soon'])
    expect(code).toBe(EXIT.usage)
    expect(err).toMatch(/--horizon takes a duration such as 30m, 4h or 1d, got "soon"/)
  })
})
