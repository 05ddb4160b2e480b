import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TradeLogUsageError } from './errors.js'
import { type PerformanceOptions, performance } from './performance.js'
import { createPerformanceTracker, STATE_VERSION } from './performance-tracker.js'
import type { EquityEntry, TradeEntry } from './schemas.js'
import { AUG_1, HOUR, trade } from './test-support/entries.js'
import { fillSequence, performanceOptions } from './test-support/random-fills.js'
import { legacyFigures, referencePerformance } from './test-support/reference-performance.js'

/** Options without the keys fast-check left undefined (exactOptionalPropertyTypes). */
const defined = (value: object) =>
  Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as PerformanceOptions

describe('performance() on BigInt fixed point', () => {
  it('equals the big.js implementation it replaced on random fills (with and without equity snapshots)', () => {
    fc.assert(
      fc.property(
        fc.boolean().chain((withSnapshots) => fillSequence({ withSnapshots })),
        performanceOptions,
        (entries, raw) => {
          const options = defined(raw)
          expect(legacyFigures(performance(entries, options))).toEqual(referencePerformance(entries, options))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('writing amounts with more decimals (trailing zeros) changes no figure: every amount and sum follows a rescale', () => {
    // The tracker moves to a finer scale when a fill brings more decimals; a padded log starts at that scale.
    const pad = (value: string) => (value.includes('.') ? `${value}${'0'.repeat(3)}` : `${value}.000`)
    const padFill = (fill: TradeEntry) => ({ ...fill, volume: pad(fill.volume), funds: pad(fill.funds), fee: pad(fill.fee) })
    fc.assert(
      fc.property(
        fc.boolean().chain((withSnapshots) => fillSequence({ withSnapshots })),
        performanceOptions,
        (entries, raw) => {
          const options = { ...defined(raw), minTradesForSqn: 2, minDaysForRatios: 2 }
          const padded = entries.map((entry, i) =>
            // Every other entry padded, so the scale changes in the middle of the log.
            i % 2 === 0
              ? entry
              : 'side' in entry
                ? padFill(entry as TradeEntry)
                : { ...entry, total: pad((entry as EquityEntry).total) },
          )
          expect(performance(padded, options)).toEqual(performance(entries, options))
        },
      ),
      { numRuns: 200 },
    )
  })

  it('keepClosedTrades keeps the newest round trips and changes no other figure', () => {
    fc.assert(
      fc.property(fillSequence({ withSnapshots: false }), fc.integer({ min: 0, max: 4 }), (entries, keep) => {
        const all = performance(entries, { startingBalance: '1000' })
        const kept = performance(entries, { startingBalance: '1000', keepClosedTrades: keep })
        expect(kept).toEqual({ ...all, closedTrades: keep === 0 ? [] : all.closedTrades.slice(-keep) })
      }),
    )
  })
})

describe('createPerformanceTracker', () => {
  it('gives what performance() gives for any split of the entries into add() calls and saved states', () => {
    fc.assert(
      fc.property(
        fc.boolean().chain((withSnapshots) => fillSequence({ withSnapshots })),
        performanceOptions,
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
        (entries, raw, cuts, keepClosedTrades) => {
          const options = defined({ ...raw, keepClosedTrades })
          const at = new Set(cuts.map((cut) => cut % (entries.length + 1)))
          let tracker = createPerformanceTracker(options)
          for (const [i, entry] of entries.entries()) {
            if (at.has(i)) {
              // Resume from JSON, as another process would.
              tracker = createPerformanceTracker({ ...options, state: JSON.parse(JSON.stringify(tracker.state())) })
              expect(tracker.result()).toEqual(performance(entries.slice(0, i), options))
            }
            tracker.add(entry)
          }
          expect(tracker.result()).toEqual(performance(entries, options))
        },
      ),
      { numRuns: 200 },
    )
  })

  it('refuses a fill older than the last one with a clear error, and loses nothing already added', () => {
    const tracker = createPerformanceTracker({ startingBalance: '1000' })
    const first = trade(AUG_1 + HOUR, { side: 'buy', volume: '1', funds: '100', fee: '0' })
    const second = trade(AUG_1 + 2 * HOUR, { side: 'sell', volume: '1', funds: '120', fee: '0' })
    tracker.add(first)
    tracker.add(second)
    const before = tracker.result()
    const late = trade(AUG_1, { side: 'buy', volume: '1', funds: '1', orderId: 'late-1' })
    expect(() => tracker.add(late)).toThrow(TradeLogUsageError)
    expect(() => tracker.add(late)).toThrow(
      /Fill "late-1" at 2025-08-01T00:00:00.000Z is older than the last fill added .*time order/,
    )
    expect(tracker.result()).toEqual(before)
    expect(before).toEqual(performance([first, second], { startingBalance: '1000' }))
  })

  it('counts a fill added again at its time once (same fillIdentity), and another fill at that time as its own', () => {
    const buy = trade(AUG_1, { side: 'buy', volume: '1', price: '100', funds: '100', fee: '0', orderId: 'b' })
    const otherBuy = { ...buy, orderId: 'b2' }
    const sell = trade(AUG_1 + HOUR, { side: 'sell', volume: '2', price: '110', funds: '220', fee: '0', orderId: 's' })
    const tracker = createPerformanceTracker()
    for (const fill of [buy, otherBuy, buy, otherBuy, sell, sell]) tracker.add(fill)
    expect(tracker.result()).toMatchObject({ fills: 3, tradeCount: 1, realizedPnl: '20' })
    expect(performance([sell, buy, otherBuy, sell, buy])).toMatchObject({ fills: 3, realizedPnl: '20' })
  })

  it('refuses an equity snapshot older than the last snapshot, but takes snapshots older than the last fill', () => {
    const tracker = createPerformanceTracker()
    tracker.add(trade(AUG_1 + 5 * HOUR))
    const snapshot = (tsMs: number) => ({ ts: new Date(tsMs).toISOString(), tsMs, cash: '1', positions: [], total: '1' })
    tracker.add(snapshot(AUG_1 + 2 * HOUR))
    expect(() => tracker.add(snapshot(AUG_1 + HOUR))).toThrow(/snapshot at .* is older than the last one added/)
    expect(tracker.result().equitySource).toBe('equity-entries')
  })

  it('refuses a state from another layout version, with other options, or damaged, saying why', () => {
    const tracker = createPerformanceTracker({ startingBalance: '1000', timeZone: 'Asia/Seoul' })
    tracker.add(trade(AUG_1))
    const state = JSON.parse(JSON.stringify(tracker.state()))
    expect(() => createPerformanceTracker({ startingBalance: '1000', timeZone: 'Asia/Seoul', state })).not.toThrow()
    expect(() =>
      createPerformanceTracker({
        startingBalance: '1000',
        timeZone: 'Asia/Seoul',
        state: { ...state, version: STATE_VERSION + 1 },
      }),
    ).toThrow(`layout version ${STATE_VERSION + 1} but this trade-log reads version ${STATE_VERSION}`)
    expect(() => createPerformanceTracker({ startingBalance: '1000', state })).toThrow(
      /other options \(timeZone: "Asia\/Seoul" there, "UTC" here\)/,
    )
    expect(() => createPerformanceTracker({ timeZone: 'Asia/Seoul', state })).toThrow(/startingBalance: "1000" there, null here/)
    const damaged = { ...state, data: { ...state.data, realized: '12.5' } }
    expect(() => createPerformanceTracker({ startingBalance: '1000', timeZone: 'Asia/Seoul', state: damaged })).toThrow(
      /damaged at realized/,
    )
    expect(() => createPerformanceTracker({ state: { hello: 1 } as never })).toThrow(/not a performance tracker state/)
  })

  it('moves to a finer scale when a fill brings more decimals, keeping earlier amounts exact', () => {
    const tracker = createPerformanceTracker()
    tracker.add(trade(AUG_1, { side: 'buy', volume: '1', funds: '100.5', fee: '0.25' }))
    tracker.add(trade(AUG_1 + 1, { side: 'sell', volume: '1', funds: '100.000000000001', fee: '0.000000000000001' }))
    const result = tracker.result()
    // 100.000000000001 − 0.000000000000001 − 100.75 = −0.749999999999000… → 8 dp
    expect(result.fees).toBe('0.250000000000001')
    expect(result.realizedPnl).toBe('-0.75')
    expect(result.closedTrades[0]!.profit).toBe('-0.75')
  })
})
