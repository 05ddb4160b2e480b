/**
 * A writer in its own process, driven by tests. argv: dir, mode, count, offset (first global sequence number).
 * - `durable`: prints `loaded`, waits for a line on stdin, then appends `count` trades (Infinity: until killed),
 *   printing `ack <seq>` after each append resolved.
 * - `concurrent`: the same without acks, buffered, as fast as possible; a second live process gets its own instance file.
 * - `buffered-term`: appends `count` decisions with handleSignals, prints `ready`, then waits for a signal.
 * - `buffered-exit`: the same, then lets the process end on its own without close().
 * - `race`: prints `loaded`, reads `go <epochMs>` from stdin, spins until that instant (so every racer starts at
 *   once), appends one trade, prints `file <path it writes>`, holds its lock until stdin says `release`, closes.
 */
import { writeSync } from 'node:fs'
import { createTradeLogWriter } from '../writer.js'

const [dir, mode, countText, offsetText] = process.argv.slice(2) as [string, string, string, string | undefined]
const count = Number(countText ?? 'Infinity')
const base = Date.UTC(2025, 7, 1, 12) + Number(offsetText ?? '0')

const trade = (seq: number) => ({
  tsMs: base + seq,
  // The global sequence number (offset + seq) identifies the entry across runs.
  decisionId: `seq-${Number(offsetText ?? '0') + seq}`,
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

if (mode === 'durable') {
  // Loaded and waiting: the test starts the next process while the previous one still runs, then says go.
  writeSync(1, 'loaded\n')
  await new Promise((resolve) => process.stdin.once('data', resolve))
}

if (mode === 'race') {
  writeSync(1, 'loaded\n')
  const lines = readLines()
  const go = await lines.next()
  const at = Number(String(go.value).split(' ')[1])
  while (Date.now() < at) {}
  const writer = createTradeLogWriter({ dir, onConflict: 'instance' })
  await writer.append('trades', trade(0) as never)
  writeSync(1, `file ${writer.currentFiles()['trades']}\n`)
  await lines.next()
  await writer.close()
  process.exit(0)
}

/** Lines from stdin, one at a time. */
async function* readLines(): AsyncGenerator<string> {
  let buffer = ''
  for await (const chunk of process.stdin) {
    buffer += String(chunk)
    let newline = buffer.indexOf('\n')
    while (newline >= 0) {
      yield buffer.slice(0, newline)
      buffer = buffer.slice(newline + 1)
      newline = buffer.indexOf('\n')
    }
  }
}

if (mode === 'durable' || mode === 'concurrent') {
  // `concurrent` batches lines into large writes (buffered) to stress the files harder and finish faster.
  const writer = createTradeLogWriter({
    dir,
    onConflict: 'instance',
    durability: { trades: mode === 'durable' ? 'durable' : 'buffered' },
  })
  const first = Number(offsetText ?? '0')
  for (let seq = first; seq < first + count; seq++) {
    await writer.append('trades', trade(seq - first) as never)
    if (mode === 'durable') writeSync(1, `ack ${seq}\n`)
  }
  await writer.close()
} else if (mode === 'buffered-term' || mode === 'buffered-exit') {
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
  if (mode === 'buffered-term') {
    writeSync(1, 'ready\n')
    setInterval(() => {}, 1000)
  }
  // buffered-exit: nothing keeps the loop alive; the writer's beforeExit handler must flush.
}
