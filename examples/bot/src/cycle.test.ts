import type { Decider } from '@tradekit/ai-decider'
import { createScriptedDecider } from '@tradekit/ai-decider/testing'
import { toBig, toDecimalString } from '@tradekit/upbit-client'
import { describe, expect, it } from 'vitest'
import { runCycle } from './cycle.js'
import { decision, useTempDirs } from './test-support/bot-setup.js'
import { readKind } from './test-support/log-files.js'
import { replayCycle, testCandles } from './test-support/replay-cycle.js'

const tempDir = useTempDirs()
const candles = testCandles

function setup(decider: Decider) {
  const dir = tempDir()
  return { dir, ...replayCycle(decider, dir) }
}

describe('one bot cycle against the replay exchange', () => {
  it('scripted buy, hold, sell produce exactly those orders, fills from the executed volume, and log entries', async () => {
    const decider = createScriptedDecider([decision('buy', 0.5), decision('hold', 0), decision('sell', 1)])
    const { dir, deps, exchange, log } = setup(decider)
    const reports = []
    for (let i = 0; i < 3; i++) {
      reports.push(await runCycle('KRW-BTC', deps))
      exchange.advance()
    }
    await log.close()
    expect(reports.map((r) => r.decision.action)).toEqual(['buy', 'hold', 'sell'])

    const trades = readKind(dir, 'trades')
    expect(trades.map((t) => t['side'])).toEqual(['buy', 'sell'])
    const buy = reports[0]!.execution!.order
    const fillPrice = candles[201]!.open
    const expectedVolume = toDecimalString(toBig('500000').div(toBig(fillPrice)).round(8, 0))
    expect(trades[0]).toMatchObject({
      market: 'KRW-BTC',
      volume: expectedVolume,
      price: fillPrice,
      orderId: buy.uuid,
      mode: 'paper',
    })
    expect(trades[0]!['fee']).toBe(buy.paid_fee)
    // The sell sells what was bought, not what was intended.
    expect(trades[1]!['volume']).toBe(expectedVolume)
    expect(trades[0]!['decisionId']).toBe(reports[0]!.decisionId)

    const decisions = readKind(dir, 'decisions')
    expect(decisions.map((d) => d['action'])).toEqual(['buy', 'hold', 'sell'])
    expect(decisions[0]).toMatchObject({ provider: 'scripted', size: '500000', fallbackReason: null })
    expect(readKind(dir, 'equity')).toHaveLength(3)
    expect(readKind(dir, 'errors')).toHaveLength(0)
  })

  it('a decider that throws or answers garbage produces logged holds, never orders', async () => {
    const throwing: Decider = {
      provider: 'broken',
      model: 'x',
      decide: async () => {
        throw new Error('provider exploded')
      },
    }
    const garbage: Decider = {
      provider: 'garbage',
      model: 'x',
      decide: async () => ({ decision: { action: 'buy', size: 7 } }) as never,
    }
    const scriptedGarbage = createScriptedDecider([{ action: 'buy', size: 'all in', confidence: 2 }, new Error('boom')])
    for (const decider of [throwing, garbage, scriptedGarbage, scriptedGarbage]) {
      const { dir, deps, log } = setup(decider)
      const report = await runCycle('KRW-BTC', deps)
      await log.close()
      expect(report.decision.action).toBe('hold')
      expect(report.execution).toBeNull()
      expect(report.fallback).not.toBeNull()
      expect(readKind(dir, 'trades')).toHaveLength(0)
      const [entry] = readKind(dir, 'decisions')
      expect(entry).toMatchObject({ action: 'hold' })
      expect(entry!['fallbackReason']).toEqual(expect.any(String))
    }
  })

  it('a foreign decider with a valid decision but no usage or provider still gets its order, logged under its own name', async () => {
    const bare: Decider = { provider: 'mine', model: 'v1', decide: async () => ({ decision: decision('buy', 0.1) }) as never }
    const { dir, deps, log } = setup(bare)
    const report = await runCycle('KRW-BTC', deps)
    await log.close()
    expect(report.execution?.fills).toHaveLength(1)
    expect(readKind(dir, 'decisions')[0]).toMatchObject({ provider: 'mine', model: 'v1', action: 'buy', fallbackReason: null })
  })

  it('decision ids: random UUIDs by default (the order identifier must be unique), the injected factory otherwise', async () => {
    const buyEachTime = () => createScriptedDecider([decision('buy', 0.1)], { whenExhausted: 'repeat-last' })
    const random = setup(buyEachTime())
    const ids = [await runCycle('KRW-BTC', random.deps), await runCycle('KRW-BTC', random.deps)].map((r) => r.decisionId)
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(ids[0]).not.toBe(ids[1])

    const { dir, deps, log } = setup(buyEachTime())
    const asked: Array<[string, number]> = []
    deps.decisionId = (market, at) => {
      asked.push([market, at])
      return `fixed-${at}`
    }
    const report = await runCycle('KRW-BTC', deps)
    await log.close()
    expect(asked).toEqual([['KRW-BTC', deps.now()]])
    expect(report.decisionId).toBe(`fixed-${deps.now()}`)
    expect(report.execution?.order.identifier).toBe(`tk-fixed-${deps.now()}`)
    expect(readKind(dir, 'decisions')[0]!['decisionId']).toBe(report.decisionId)
    expect(readKind(dir, 'trades')[0]!['decisionId']).toBe(report.decisionId)
  })

  it('the daily loss limit stops trading for the rest of the day', async () => {
    const decider = createScriptedDecider([decision('buy', 1)], { whenExhausted: 'repeat-last' })
    const { deps } = setup(decider)
    deps.state.dayStartEquity = '1200000' // the day started 200,000 KRW higher: the 100,000 limit is hit
    const report = await runCycle('KRW-BTC', deps)
    expect(report.decision.action).toBe('hold')
    expect(report.clamps).toContain('daily_loss_limit')
    expect(report.execution).toBeNull()
  })
})
