/**
 * One read of a big file in a fresh process, so peak memory (maxRSS) is the reader's alone.
 * argv: mode (`raw` | `ours`), dir, file. Prints JSON { ms, lines, idleRssMb, maxRssMb }.
 */
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { createTradeLogReader } from '../src/reader.js'

const [mode, dir, file] = process.argv.slice(2) as [string, string, string]
const idleRssMb = process.memoryUsage().rss / 1024 / 1024
const started = performance.now()
let lines = 0
if (mode === 'raw') {
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })
  rl.on('line', (line) => {
    JSON.parse(line)
    lines++
  })
  await new Promise((resolve) => rl.once('close', resolve))
} else {
  const reader = createTradeLogReader({ dir })
  for await (const _record of reader.stream({ kind: 'trades' })) lines++
}
const ms = performance.now() - started
console.log(JSON.stringify({ ms, lines, idleRssMb, maxRssMb: process.resourceUsage().maxRSS / 1024 }))
