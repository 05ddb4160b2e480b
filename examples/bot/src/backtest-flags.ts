/**
 * The backtest command's recording flags: `--record DIR` (ask the decider, write its answers), `--replay DIR`
 * ($0, no keys needed), `--record-missing DIR`, and `--prices FILE` for the cost ledger.
 */
import { readFileSync } from 'node:fs'
import type { PriceTable } from '@tradekit/ai-decider'
import { z } from 'zod'
import type { BacktestOptions } from './backtest.js'
import { ConfigError } from './config.js'

export interface BacktestFlags {
  record?: string | undefined
  replay?: string | undefined
  'record-missing'?: string | undefined
  prices?: string | undefined
}

const USD = 'must be a decimal string of US dollars per million tokens, e.g. "3"'
const usd = z.string({ error: USD }).regex(/^\d+(\.\d+)?$/, USD)

/** The price file: `{ "<model id>": { "input": "3", "output": "15", "cacheRead"?: "0.3", "cacheWrite"?: "3.75" } }`. */
export const PriceFileSchema = z.record(
  z.string().min(1),
  z.object({ input: usd, output: usd, cacheRead: usd.optional(), cacheWrite: usd.optional() }).strict(),
)

/** Reads and validates a price file; one `ConfigError` names the file and the bad entry. */
export function readPriceFile(path: string): PriceTable {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(path, 'utf8'))
  } catch (cause) {
    throw new ConfigError(`prices: cannot read ${path} as JSON (${(cause as Error).message})`, 'prices', { cause })
  }
  const parsed = PriceFileSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new ConfigError(`prices: ${path}: ${issue.path.join('.') || '(root)'} ${issue.message}`, 'prices')
  }
  return parsed.data as PriceTable
}

/**
 * The recording and prices for `runBacktest`, and whether the decider may be built without keys (replay never
 * asks it). Paths are resolved with `resolvePath` (the caller's directory).
 */
export function backtestRecording(
  flags: BacktestFlags,
  resolvePath: (path: string) => string,
): Pick<BacktestOptions, 'recording' | 'prices'> & { replayOnly: boolean } {
  const modes = (['record', 'replay', 'record-missing'] as const).filter((mode) => flags[mode] !== undefined)
  if (modes.length > 1) {
    throw new ConfigError(
      `backtest: give one of --record, --replay, --record-missing (got ${modes.map((m) => `--${m}`).join(' and ')})`,
      'recording',
    )
  }
  const mode = modes[0]
  return {
    ...(mode ? { recording: { dir: resolvePath(flags[mode]!), mode } } : {}),
    ...(flags.prices ? { prices: readPriceFile(resolvePath(flags.prices)) } : {}),
    replayOnly: mode === 'replay',
  }
}
