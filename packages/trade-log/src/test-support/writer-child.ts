/**
 * A writer in its own process, driven by tests. argv: dir, mode, count.
 * - `durable`: appends trades forever (or `count`), printing `ack <seq>` after each append resolved.
 * - `buffered-term`: appends `count` decisions with handleSignals, prints `ready`, then waits for a signal.
 * - `concurrent`: appends `count` trades as fast as possible to the main file (lock-free shared mode is not
 *   offered, so each process gets its own instance file), then exits.
 */
import { writeSync } from 'node:fs'
import { createTradeLogWriter } from '../writer.js'

const [dir, mode, countText] = process.argv.slice(2) as [string, string, string]
const count = Number(countText ?? 'Infinity')
const base = Date.UTC(2025, 7, 1, 12)

const trade = (seq: number) => ({
  tsMs: base + seq,
  market: 'KRW-BTC',
  side: seq % 2 === 0 ? 'buy' : 'sell',
  volume: '0.001',
  price: '45000000',
  funds: '45000',
  fee: '22.5',
  orderId: `${process.pid}-${seq}`,
  identifier: `seq-${seq}`,
  mode: 'paper',
  reason: 'x'.repeat(seq % 300),
})

if (mode === 'durable' || mode === 'concurrent') {
  const writer = createTradeLogWriter({ dir, onConflict: 'instance' })
  for (let seq = 0; seq < count; seq++) {
    await writer.append('trades', trade(seq) as never)
    if (mode === 'durable') writeSync(1, `ack ${seq}\n`)
  }
  await writer.close()
} else if (mode === 'buffered-term') {
  const writer = createTradeLogWriter({ dir, handleSignals: true, flushIntervalMs: 3_600_000 })
  for (let seq = 0; seq < count; seq++) {
    await writer.append('decisions', {
      tsMs: base + seq,
      market: 'KRW-BTC',
      provider: 'offline',
      model: 'rules',
      action: 'hold',
      confidence: 0.5,
      reason: `seq ${seq}`,
    })
  }
  writeSync(1, 'ready\n')
  setInterval(() => {}, 1000)
}
