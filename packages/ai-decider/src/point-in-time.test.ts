/**
 * The point-in-time rule: every context carries its decision time (`asOf`) and no decider looks at data stamped
 * later. Checked in the run frame that every decider passes, before any request is sent.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createClaudeDecider } from './claude.js'
import type { MarketContext } from './context.js'
import type { Decider } from './decider.js'
import { createEnsembleDecider } from './ensemble.js'
import { LookAheadError } from './errors.js'
import { createFallbackDecider } from './fallback.js'
import { createGptDecider } from './gpt.js'
import * as api from './index.js'
import { markFormingCandles, timeframeMs } from './point-in-time.js'
import { createReplayDecider } from './replay.js'
import { createRuleDecider } from './rules.js'
import { sampleContext } from './testing/context.js'
import { anthropicText, replying, useMswServer } from './testing/provider-fixtures.js'
import { createScriptedDecider } from './testing/scripted.js'

const server = useMswServer()
const HOUR = 3_600_000
const context = sampleContext()
const work = mkdtempSync(join(tmpdir(), 'ai-decider-pit-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** The context with the hourly candles' newest bar moved one hour on: it closes an hour after the decision. */
function withFutureCandle(base: MarketContext): MarketContext {
  const hourly = base.candles['1h']!
  const last = hourly.at(-1)!
  return { ...base, candles: { ...base.candles, '1h': [...hourly, { ...last, time: last.time + HOUR }] } }
}

describe('point in time: data stamped after the decision time are refused before any request', () => {
  it('a candle that closes after asOf: look_ahead, naming the candle and both times; nothing is sent', async () => {
    const mock = replying('https://api.anthropic.com/v1/messages', [anthropicText()])
    server.use(mock.handler)
    const claude = createClaudeDecider({ apiKey: 'sk-ant-test-123456', model: 'claude-sonnet-5-5' })
    const result = await claude.decide(withFutureCandle(context))
    expect(mock.captured).toHaveLength(0)
    expect(result.decision).toMatchObject({ action: 'hold', size: 0 })
    expect(result.fallback?.code).toBe('look_ahead')
    expect(result.fallback?.message).toBe(
      'Look-ahead refused: candles["1h"][60] closes at 2026-11-23T13:00:00.000Z, after the decision time asOf 2026-11-23T12:00:00.000Z. Pass only data known at asOf (a candle still forming carries updatedAt); no request was sent.',
    )
    const thrown = await claude.decide(withFutureCandle(context), { onFailure: 'throw' }).catch((error: unknown) => error)
    expect(thrown).toBeInstanceOf(LookAheadError)
    expect(thrown).toMatchObject({ code: 'look_ahead', field: 'candles["1h"][60]', asOf: context.asOf })
    expect(mock.captured).toHaveLength(0)
  })

  it('news published after asOf, and fills or decisions after it, are refused', async () => {
    const rules = createRuleDecider()
    const news = await rules.decide({
      ...context,
      news: [{ source: 'wire', title: 'ETF approved', publishedAt: context.asOf + 1 }],
    })
    expect(news.fallback?.message).toMatch(/^Look-ahead refused: news\[0\] was published at 2026-11-23T12:00:00.001Z/)
    const fill = { at: context.asOf + 60_000, side: 'buy' as const, price: 1, quantity: '1' }
    expect((await rules.decide({ ...context, recentFills: [fill] })).fallback?.message).toMatch(/recentFills\[0\] was filled/)
    const decision = { at: context.asOf + 1, action: 'hold' as const, size: 0, confidence: 0 }
    expect((await rules.decide({ ...context, recentDecisions: [decision] })).fallback?.code).toBe('look_ahead')
  })

  it('data stamped exactly at asOf, and a forming candle stamped updatedAt ≤ asOf, are accepted', async () => {
    const rules = createRuleDecider()
    const atAsOf = { ...context, news: [{ source: 'wire', title: 'now', publishedAt: context.asOf }] }
    expect((await rules.decide(atAsOf)).fallback).toBeNull()
    const hourly = context.candles['1h']!
    const forming = { ...hourly.at(-1)!, time: context.asOf - HOUR / 2, updatedAt: context.asOf }
    expect((await rules.decide({ ...context, candles: { '1h': [...hourly, forming] } })).fallback).toBeNull()
    const late = { ...forming, updatedAt: context.asOf + 1 }
    expect((await rules.decide({ ...context, candles: { '1h': [...hourly, late] } })).fallback?.message).toMatch(
      /candles\["1h"\]\[60\] was last updated at/,
    )
    const opensLater = { ...forming, time: context.asOf + 1, updatedAt: context.asOf }
    expect((await rules.decide({ ...context, candles: { '1h': [...hourly, opensLater] } })).fallback?.message).toMatch(
      /candles\["1h"\]\[60\] opens at 2026-11-23T12:00:00.001Z/,
    )
  })

  it('error: a timeframe whose length is unknown needs updatedAt on its candles (invalid_context, naming the label)', async () => {
    const rules = createRuleDecider({ timeframe: 'hourly' })
    const unnamed = { ...context, candles: { hourly: context.candles['1h']! } }
    const result = await rules.decide(unnamed)
    expect(result.fallback?.code).toBe('invalid_context')
    expect(result.fallback?.message).toMatch(/timeframe "hourly" does not say when it closes; name timeframes like '15m'/)
    const stamped = { ...context, candles: { hourly: context.candles['1h']!.map((c) => ({ ...c, updatedAt: c.time + HOUR })) } }
    expect((await rules.decide(stamped)).fallback).toBeNull()
  })

  it('markFormingCandles (live feeds): only a candle still open at asOf gets updatedAt; a later one stays refused', async () => {
    const hourly = context.candles['1h']!
    const forming = { ...hourly.at(-1)!, time: context.asOf - HOUR / 2 }
    const future = { ...forming, time: context.asOf + HOUR }
    const marked = markFormingCandles([...hourly, forming, future], '1h', context.asOf)
    expect(marked.slice(0, -2)).toEqual(hourly)
    expect(marked.at(-2)).toEqual({ ...forming, updatedAt: context.asOf })
    expect(marked.at(-1)).toEqual(future)
    const rules = createRuleDecider()
    expect((await rules.decide({ ...context, candles: { '1h': marked.slice(0, -1) } })).fallback).toBeNull()
    expect((await rules.decide({ ...context, candles: { '1h': marked } })).fallback?.code).toBe('look_ahead')
  })

  it('timeframe labels: minutes, hours, days and weeks', () => {
    expect([timeframeMs('15m'), timeframeMs('1h'), timeframeMs('4h'), timeframeMs('1d'), timeframeMs('1w')]).toEqual([
      900_000, 3_600_000, 14_400_000, 86_400_000, 604_800_000,
    ])
    expect([timeframeMs('1M'), timeframeMs('0h'), timeframeMs('h1'), timeframeMs('60')]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ])
  })

  it('every decider factory of the package refuses a look-ahead context (one gate: the run frame)', async () => {
    const scripted = () =>
      createScriptedDecider([{ action: 'buy', confidence: 1, size: 1, reason: 'x', stopLoss: null, takeProfit: null }])
    const factories: Record<string, () => Decider> = {
      createClaudeDecider: () => createClaudeDecider({ apiKey: 'sk-ant-test-123456', model: 'claude-sonnet-5-5' }),
      createGptDecider: () => createGptDecider({ apiKey: 'sk-test-123456', model: 'gpt-6' }),
      createRuleDecider: () => createRuleDecider(),
      createFallbackDecider: () => createFallbackDecider([scripted()]),
      createEnsembleDecider: () => createEnsembleDecider([scripted()]),
      createReplayDecider: () => createReplayDecider({ dir: join(work, 'replay'), mode: 'record', inner: scripted() }),
    }
    // The list comes from the package's exports: a new decider factory without an entry here fails this test.
    const exported = Object.keys(api).filter((name) => /^create\w+Decider$/.test(name))
    expect(Object.keys(factories).sort()).toEqual(exported.sort())
    for (const [name, create] of Object.entries(factories)) {
      const result = await create().decide(withFutureCandle(context))
      expect([name, result.fallback?.code]).toEqual([name, 'look_ahead'])
    }
    let ran = false
    const watched = createScriptedDecider([
      () => {
        ran = true
        return { action: 'hold', confidence: 0, size: 0, reason: 'x', stopLoss: null, takeProfit: null }
      },
    ])
    expect((await watched.decide(withFutureCandle(context))).fallback?.code).toBe('look_ahead')
    expect(ran).toBe(false)
  })
})
