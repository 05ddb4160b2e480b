/**
 * fast-check generators of realistic fill sequences for the statistics property tests: two markets, amounts with
 * 0–12 decimals, partial sells, sells of the whole position (round trips), sells beyond the position, equal
 * timestamps, days with no fills, and optional equity snapshots (with a position price, at a fill's instant, logged
 * before or after it).
 */
import fc from 'fast-check'
import { toUnits } from '../decimal.js'
import type { EquityEntry, TradeEntry } from '../schemas.js'
import { AUG_1, HOUR, trade } from './entries.js'

const decimal = (units: bigint, places: number) => {
  const digits = units.toString().padStart(places + 1, '0')
  return places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`
}

const amount = fc
  .tuple(fc.bigInt({ min: 0n, max: 10n ** 13n }), fc.integer({ min: 0, max: 12 }))
  .map(([units, places]) => decimal(units, places))

const step = fc.record({
  gapMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 6 * HOUR }), fc.integer({ min: 1, max: 80 * HOUR })),
  market: fc.constantFrom('KRW-BTC', 'KRW-ETH'),
  action: fc.constantFrom('buy', 'buy', 'sell-part', 'sell-all', 'sell-more'),
  volume: amount,
  funds: amount,
  fee: fc.oneof(fc.constant('0'), amount),
  snapshot: fc.option(amount, { nil: undefined, freq: 3 }),
  // A snapshot at the same instant as the fill, logged before it: the price tie rules must not depend on order.
  snapshotFirst: fc.boolean(),
})

/** Fills (in time order) and, when `withSnapshots`, equity snapshots between them. */
export const fillSequence = (options: { withSnapshots: boolean; maxLength?: number }) =>
  fc.array(step, { maxLength: options.maxLength ?? 60 }).map((steps) => {
    const held = new Map<string, bigint>()
    const entries: (TradeEntry | EquityEntry)[] = []
    let at = AUG_1 - 3 * HOUR
    for (const [n, s] of steps.entries()) {
      at += s.gapMs
      // Volumes of sells are taken from the position (at 12 decimals) so round trips and partial sells happen.
      const have = held.get(s.market) ?? 0n
      let volume = s.volume
      if (s.action === 'sell-all') volume = decimal(have, 12)
      if (s.action === 'sell-part' && have > 1n) volume = decimal(have / 3n, 12)
      const units = toUnits(volume, 12)
      const side = s.action === 'buy' ? 'buy' : 'sell'
      held.set(s.market, side === 'buy' ? have + units : units > have ? 0n : have - units)
      const fill = trade(at, { market: s.market, side, volume, funds: s.funds, fee: s.fee, orderId: `o-${n}` })
      if (options.withSnapshots && s.snapshot !== undefined) {
        // The account valued at a price of its own (so buy and hold sees snapshot and fill prices at one instant).
        const positions = [{ market: s.market, volume: '1', price: s.snapshot, value: s.snapshot }]
        const snapshot = { ts: new Date(at).toISOString(), tsMs: at, cash: '0', positions, total: s.snapshot }
        entries.push(...(s.snapshotFirst ? [snapshot, fill] : [fill, snapshot]))
      } else entries.push(fill)
    }
    return entries
  })

/** Options of `performance()` worth varying. */
export const performanceOptions = fc.record({
  startingBalance: fc.option(amount, { nil: undefined }),
  timeZone: fc.constantFrom('UTC', 'Asia/Seoul', 'America/New_York'),
  minDaysForRatios: fc.integer({ min: 2, max: 5 }),
})
