import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { TradeLogUsageError, TradeLogValidationError } from './errors.js'
import { defineEntryKind, prepareEntry, tradesKind } from './kinds.js'
import { LEGACY_ASSUMPTIONS, normalizeLegacyTrade } from './legacy.js'
import { DecisionEntrySchema, EquityEntrySchema, ErrorEntrySchema, TradeEntrySchema } from './schemas.js'
import { AUG_1, LEGACY_BUY, trade } from './test-support/entries.js'

describe('schemas', () => {
  it('accepts a fill with decimal strings and rejects float money', () => {
    expect(TradeEntrySchema.safeParse(trade(AUG_1)).success).toBe(true)
    const float = TradeEntrySchema.safeParse({ ...trade(AUG_1), price: 45000000 })
    expect(float.success).toBe(false)
    const exponent = TradeEntrySchema.safeParse({ ...trade(AUG_1), volume: '1e-3' })
    expect(exponent.success).toBe(false)
  })

  it('requires an offset on ts', () => {
    expect(TradeEntrySchema.safeParse({ ...trade(AUG_1), ts: '2025-08-01T00:00:00' }).success).toBe(false)
    expect(TradeEntrySchema.safeParse({ ...trade(AUG_1), ts: '2025-08-01T09:00:00+09:00' }).success).toBe(true)
  })

  it('keeps fields a newer writer added instead of stripping them', () => {
    const parsed = TradeEntrySchema.parse({ ...trade(AUG_1), venue: 'upbit' })
    expect(parsed['venue']).toBe('upbit')
  })

  it('parses decisions, errors and equity snapshots', () => {
    const ts = { ts: '2025-08-01T00:00:00Z', tsMs: AUG_1 }
    expect(
      DecisionEntrySchema.parse({
        ...ts,
        market: 'KRW-BTC',
        provider: 'anthropic',
        model: 'claude',
        action: 'hold',
        confidence: 0.4,
        reason: 'flat RSI',
        indicators: { rsi: 51.2, trend: 'flat' },
      }).action,
    ).toBe('hold')
    expect(ErrorEntrySchema.parse({ ...ts, message: 'timeout' }).level).toBe('error')
    expect(
      EquityEntrySchema.safeParse({
        ...ts,
        cash: '1000',
        total: '1450',
        positions: [{ market: 'KRW-BTC', volume: '0.00001', price: '45000000', value: '450' }],
      }).success,
    ).toBe(true)
  })
})

describe('prepareEntry', () => {
  it('fills both timestamps from the clock in the configured zone', () => {
    const entry = prepareEntry(tradesKind, { ...trade(AUG_1), ts: undefined, tsMs: undefined }, AUG_1, 'Asia/Seoul')
    expect(entry.ts).toBe('2025-08-01T09:00:00.000+09:00')
    expect(entry.tsMs).toBe(AUG_1)
  })

  it('error: ts and tsMs that disagree are rejected', () => {
    expect(() => prepareEntry(tradesKind, { ...trade(AUG_1), tsMs: AUG_1 + 1 }, AUG_1, 'UTC')).toThrow(/same instant/)
  })

  it('error: an invalid entry names the fields but never echoes their values', () => {
    const secret = 'sk-live-SECRET-do-not-log'
    try {
      prepareEntry(tradesKind, { ...trade(AUG_1), market: secret, fee: secret }, AUG_1, 'UTC')
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(TradeLogValidationError)
      const validation = error as TradeLogValidationError
      expect(validation.code).toBe('validation')
      expect(validation.issues.map((issue) => issue.path).sort()).toEqual(['fee', 'market'])
      expect(validation.cause).toBeInstanceOf(z.ZodError)
      expect(validation.message).not.toContain(secret)
      expect(JSON.stringify(validation)).not.toContain(secret)
      expect(validation.stack ?? '').not.toContain(secret)
    }
  })
})

describe('custom kinds', () => {
  it('are typed by their schema and get the timestamp fields', () => {
    const signals = defineEntryKind({ name: 'signals', schema: z.object({ market: z.string(), score: z.number() }) })
    const entry = prepareEntry(signals, { market: 'KRW-ETH', score: 0.7 }, AUG_1, 'UTC')
    expect(entry).toEqual({ ts: '2025-08-01T00:00:00.000Z', tsMs: AUG_1, market: 'KRW-ETH', score: 0.7 })
    expect(() => prepareEntry(signals, { market: 'KRW-ETH', score: 'high' }, AUG_1, 'UTC')).toThrow(TradeLogValidationError)
  })

  it('error: a name that cannot be a file prefix is refused', () => {
    expect(() => defineEntryKind({ name: 'My_Kind', schema: z.object({}) })).toThrow(TradeLogUsageError)
  })
})

describe('legacy entries', () => {
  const old = LEGACY_BUY

  it('become trade entries and say what was assumed', () => {
    const result = normalizeLegacyTrade(old, { file: 'trades_20250801.json', line: 3 })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.entry).toMatchObject({
      ts: '2025-08-01T12:00:00.000Z',
      market: 'KRW-BTC',
      side: 'buy',
      volume: '0.001',
      price: '45000000',
      funds: '45000',
      fee: '0',
      orderId: 'legacy:trades_20250801.json:3',
      confidence: 0.85,
    })
    expect(result.assumed).toContain(LEGACY_ASSUMPTIONS.fee)
    expect(result.assumed).not.toContain(LEGACY_ASSUMPTIONS.utc)
    expect(TradeEntrySchema.safeParse(result.entry).success).toBe(true)
  })

  it('read timestamps without offset as UTC and say so', () => {
    const result = normalizeLegacyTrade({ ...old, timestamp: '2025-08-01T12:00:00' }, { file: 'f', line: 1 })
    expect(result.ok && result.assumed).toContain(LEGACY_ASSUMPTIONS.utc)
    expect(result.ok && result.entry.tsMs).toBe(Date.UTC(2025, 7, 1, 12))
  })

  it('skip hold signals, which are not fills', () => {
    const result = normalizeLegacyTrade({ ...old, action: 'hold' }, { file: 'f', line: 1 })
    expect(result).toMatchObject({ ok: false, skipped: 'hold' })
  })
})
