import { readFile } from 'node:fs/promises'

/** One OHLCV candle. Prices and volume are decimal strings, as Upbit's exchange API carries money. */
export interface Candle {
  /** Start of the candle, ISO-8601 UTC (`2025-09-01T00:00:00Z`), like Upbit's `candle_date_time_utc` + `Z`. */
  time: string
  /** Start of the candle in epoch milliseconds. */
  timestamp: number
  open: string
  high: string
  low: string
  close: string
  /** Traded volume in the base currency (BTC). */
  volume: string
}

/** The header line every candle file starts with. */
export const CANDLE_CSV_HEADER = 'time_utc,open,high,low,close,volume'

const DECIMAL = /^\d+(\.\d+)?$/

/** Thrown when a candle file cannot be used; names the file and line so the user can fix it. */
export class CandleFileError extends Error {
  override name = 'CandleFileError' as const
  readonly code = 'CANDLE_FILE_INVALID'
}

/** Parses the CSV written by `scripts/generate-candles.ts` (oldest first), rejecting any malformed line. */
export function parseCandleCsv(text: string, source = 'candle file'): Candle[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  if (lines[0]?.trim() !== CANDLE_CSV_HEADER) {
    throw new CandleFileError(`${source}: the first line must be "${CANDLE_CSV_HEADER}"`)
  }
  const candles: Candle[] = []
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index]!.trim()
    if (line === '' || line.startsWith('#')) continue
    const [time, open, high, low, close, volume, ...rest] = line.split(',')
    const timestamp = Date.parse(time ?? '')
    const numbers = [open, high, low, close, volume]
    if (rest.length > 0 || Number.isNaN(timestamp) || !numbers.every((n) => n !== undefined && DECIMAL.test(n))) {
      throw new CandleFileError(`${source}, line ${index + 1}: expected "${CANDLE_CSV_HEADER}", got "${line}"`)
    }
    const previous = candles.at(-1)
    if (previous && timestamp <= previous.timestamp) {
      throw new CandleFileError(`${source}, line ${index + 1}: candles must be in ascending time order`)
    }
    candles.push({ time: time!, timestamp, open: open!, high: high!, low: low!, close: close!, volume: volume! })
  }
  if (candles.length === 0) throw new CandleFileError(`${source}: no candles`)
  return candles
}

/** Formats candles as the CSV that `parseCandleCsv` reads. */
export function formatCandleCsv(candles: readonly Candle[]): string {
  const rows = candles.map((c) => [c.time, c.open, c.high, c.low, c.close, c.volume].join(','))
  return `${[CANDLE_CSV_HEADER, ...rows].join('\n')}\n`
}

/** Reads and validates a candle file. */
export async function readCandleFile(path: string): Promise<Candle[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    throw new CandleFileError(`cannot read the candle file ${path}: ${(cause as Error).message}`, { cause })
  }
  return parseCandleCsv(text, path)
}

/** The bundled synthetic KRW-BTC history (see README: generated, not real market data). */
export const BUNDLED_CANDLES = new URL('../data/krw-btc-1h.csv', import.meta.url)
