/**
 * Files as the old Python bot wrote them, built from its description (shared/context: `logs/trades_YYYYMMDD.json`,
 * `analysis_YYYYMMDD.json`, `errors_YYYYMMDD.log`; trade entries
 * `{"timestamp","action","symbol","amount","price","ai_confidence"}` with floats). Every variant a Python bot of
 * that kind produces: `json.dump` of the whole list (compact or indented, ASCII-escaped or raw UTF-8), one
 * `json.dumps(entry)` per line, naive and offset timestamps, `hold` records, and files torn by a crash during
 * `json.dump` (which truncates the file first, then writes).
 */

/** One record of the old bot's trade log. */
export interface LegacyTrade {
  timestamp: string
  action: 'buy' | 'sell' | 'hold'
  symbol: string
  amount: number
  price: number
  ai_confidence?: number
  reason?: string
}

/**
 * A day of the old bot: `fills` buy/sell pairs (alternating, so every sell closes the position) and `holds` hold
 * records in between. Prices move so every round trip has a known profit: buy at 45,000,000 + 10,000·k, sell
 * 30,000 higher. Amounts are floats as Python wrote them (0.001, 0.0015, 1e-05 ...).
 */
export function legacyDay(options: { fills: number; holds: number; day?: string; naive?: boolean }): LegacyTrade[] {
  const day = options.day ?? '2025-08-01'
  const records: LegacyTrade[] = []
  const amounts = [0.001, 0.0015, 0.002, 1e-5, 0.00123]
  let minute = 0
  const stamp = () => {
    const hh = String(Math.floor(minute / 60)).padStart(2, '0')
    const mm = String(minute % 60).padStart(2, '0')
    minute += 7
    return options.naive ? `${day}T${hh}:${mm}:00.250000` : `${day}T${hh}:${mm}:00Z`
  }
  let holdsLeft = options.holds
  for (let i = 0; i < options.fills; i++) {
    const k = Math.floor(i / 2)
    const amount = amounts[k % amounts.length]!
    const buy = i % 2 === 0
    records.push({
      timestamp: stamp(),
      action: buy ? 'buy' : 'sell',
      symbol: 'KRW-BTC',
      amount,
      price: 45_000_000 + 10_000 * k + (buy ? 0 : 30_000),
      ai_confidence: 0.85,
    })
    if (holdsLeft > 0 && i % 3 === 1) {
      holdsLeft--
      records.push({ timestamp: stamp(), action: 'hold', symbol: 'KRW-BTC', amount: 0, price: 45_010_000, ai_confidence: 0.5 })
    }
  }
  while (holdsLeft-- > 0) {
    records.push({ timestamp: stamp(), action: 'hold', symbol: 'KRW-BTC', amount: 0, price: 45_010_000, ai_confidence: 0.4 })
  }
  return records
}

/** Realized PnL of `legacyDay` fills (fee 0), as a decimal string: Σ sell amount × (sell − buy price). */
export function legacyDayProfit(records: LegacyTrade[]): string {
  let profit = 0n
  let open: LegacyTrade | undefined
  for (const record of records) {
    if (record.action === 'buy') open = record
    if (record.action === 'sell' && open) {
      // amount has at most 5 decimals here: count in 1e-5 units to stay exact.
      const units = BigInt(Math.round(record.amount * 1e5))
      profit += units * BigInt(record.price - open.price)
      open = undefined
    }
  }
  const whole = profit / 100_000n
  const frac = (profit % 100_000n).toString().padStart(5, '0').replace(/0+$/, '')
  return frac ? `${whole}.${frac}` : String(whole)
}

/** Python's `json.dumps` number format: floats keep a `.0` (45000000.0), small ones use `1e-05`. */
function pyNumber(value: number, float: boolean): string {
  if (!float) return String(value)
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return `${value}.0`
  if (value !== 0 && Math.abs(value) < 1e-4) {
    // Python's repr switches to an exponent below 1e-4 and pads it to two digits: 1e-05.
    const [mantissa, exponent] = value.toExponential().split('e') as [string, string]
    return `${mantissa}e${exponent[0]}${exponent.slice(1).padStart(2, '0')}`
  }
  return String(value)
}

/** Python `json.dumps(value, ensure_ascii=...)` for the records above (floats for amount and price). */
function pyJson(value: unknown, options: { indent?: number; ensureAscii?: boolean }, depth = 0): string {
  const pad = (d: number) => (options.indent === undefined ? '' : `\n${' '.repeat(options.indent * d)}`)
  const itemSep = options.indent === undefined ? ', ' : ','
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    return `[${value.map((item) => `${pad(depth + 1)}${pyJson(item, options, depth + 1)}`).join(itemSep)}${pad(depth)}]`
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
    if (entries.length === 0) return '{}'
    return `{${entries
      .map(([key, item]) => {
        const float = (key === 'amount' || key === 'price' || key === 'current_price') && typeof item === 'number'
        const text = typeof item === 'number' ? pyNumber(item, float) : pyJson(item, options, depth + 1)
        return `${pad(depth + 1)}${pyString(key, options)}: ${text}`
      })
      .join(itemSep)}${pad(depth)}}`
  }
  if (typeof value === 'string') return pyString(value, options)
  return JSON.stringify(value)
}

function pyString(value: string, options: { ensureAscii?: boolean }): string {
  const json = JSON.stringify(value)
  if (options.ensureAscii === false) return json
  return json.replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** `json.dump(records, f)`: one line, `, ` and `: ` separators, non-ASCII escaped. */
export const pythonArray = (records: unknown[]) => pyJson(records, { ensureAscii: true })
/** `json.dump(records, f, indent=2, ensure_ascii=False)`: the common "readable" form. */
export const pythonPrettyArray = (records: unknown[]) => `${pyJson(records, { indent: 2, ensureAscii: false })}\n`
/** `f.write(json.dumps(record) + "\n")` per record. */
export const pythonLines = (records: unknown[]) => records.map((record) => `${pyJson(record, { ensureAscii: true })}\n`).join('')

/**
 * The file a crash during `json.dump(records, f, indent=2)` leaves: the first `complete` records whole, then the
 * next one cut `cutAfter` characters into its text (the closing bracket never written).
 */
export function tornPrettyArray(records: unknown[], complete: number, cutAfter = 40): string {
  const whole = pythonPrettyArray(records)
  // Find where element `complete` (0-based) starts: after `complete` top-level "\n  {" openings.
  let index = -1
  for (let seen = 0; seen <= complete; seen++) index = whole.indexOf('\n  {', index + 1)
  if (index < 0) throw new Error('not enough records to tear')
  return whole.slice(0, index + 1 + cutAfter)
}

/**
 * Market-analysis records the old bot kept in `analysis_YYYYMMDD.json`: what it saw and what the AI said. Two
 * shapes (a flat one, and market data with a nested `ai_analysis`), plus a snapshot without any decision.
 */
export function legacyAnalysis(day = '2025-08-01'): unknown[] {
  return [
    {
      timestamp: `${day}T12:00:00Z`,
      symbol: 'KRW-BTC',
      current_price: 45_000_000,
      rsi: 28.4,
      macd: -12_000.5,
      decision: 'buy',
      confidence: 0.85,
      reason: 'RSI 과매도 구간, 반등 기대',
    },
    {
      timestamp: `${day}T12:30:00Z`,
      symbol: 'KRW-BTC',
      market_data: { current_price: 45_100_000, volume_24h: 1234.5, rsi: 41.2 },
      ai_analysis: { action: 'HOLD', confidence: 0.55, reasoning: 'no clear trend', model: 'gpt-4o' },
    },
    // A market snapshot with no decision at all: there is no kind for it here.
    { timestamp: `${day}T13:00:00Z`, symbol: 'KRW-BTC', current_price: 45_200_000, rsi: 50.1 },
  ]
}

/**
 * `errors_YYYYMMDD.log` as Python's logging module writes it (`%(asctime)s - %(name)s - %(levelname)s -
 * %(message)s`, local time without a zone, comma before milliseconds), with a traceback spread over several lines.
 */
export function legacyErrorLog(day = '2025-08-01'): string {
  return [
    `${day} 12:00:01,123 - trading_bot - ERROR - Upbit API error: 429 Too Many Requests`,
    `${day} 12:05:00,002 - trading_bot - WARNING - AI response took 12.3s, retrying`,
    `${day} 12:07:30,500 - trading_bot - ERROR - Unhandled exception in main loop`,
    'Traceback (most recent call last):',
    '  File "/app/main.py", line 42, in <module>',
    '    execute_trade(ai_decision)',
    "KeyError: 'price'",
    `${day} 13:00:00,000 - trading_bot - CRITICAL - Bot stopped`,
    '',
  ].join('\n')
}
