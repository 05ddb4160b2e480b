/**
 * Runs `startUpbitSimulator` in its own process for the benchmarks, as Upbit is a separate server: the client's
 * work then does not delay the simulator's counting. Prints `{ baseUrl, accessKey, secretKey }` as one JSON line;
 * answers `stats` on stdin with the simulator's stats; exits on `close`.
 */
import { createInterface } from 'node:readline'
import { startUpbitSimulator, type UpbitSimulatorOptions } from '../src/testing/index.js'

const options = JSON.parse(process.argv[2] ?? '{}') as UpbitSimulatorOptions
const sim = await startUpbitSimulator(options)
console.log(JSON.stringify({ baseUrl: sim.baseUrl, accessKey: sim.accessKey, secretKey: sim.secretKey }))
for await (const command of createInterface({ input: process.stdin })) {
  if (command === 'stats') console.log(JSON.stringify(sim.stats()))
  if (command === 'close') break
}
await sim.close()
process.exit(0) // stdin stays open after readline stops; leave explicitly
