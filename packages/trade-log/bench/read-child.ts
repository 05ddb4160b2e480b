/**
 * One read of a big file in a fresh process, so peak memory (maxRSS) is that reader's alone: the baseline never
 * loads the package (it is imported only in `ours` mode), and neither run shares a heap with the other.
 * argv: mode (`raw` | `ours`), dir, file. Prints JSON { ms, cpuMs, lines, idleRssMb, maxRssMb }.
 */
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'

const [mode, dir, file] = process.argv.slice(2) as [string, string, string]
const { createTradeLogReader } = mode === 'ours' ? await import('../src/reader.js') : { createTradeLogReader: undefined }
const idleRssMb = process.memoryUsage().rss / 1024 / 1024
const cpuBefore = process.cpuUsage()
const started = performance.now()
let lines = 0
if (createTradeLogReader === undefined) {
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
const cpu = process.cpuUsage(cpuBefore)
const maxRssMb = process.resourceUsage().maxRSS / 1024
console.log(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, lines, idleRssMb, maxRssMb }))
