/**
 * Runs `startUpbitSimulator` in its own process for the benchmarks, as Upbit is a separate server: the client's
 * work then does not delay the simulator's counting. Prints `{ baseUrl, wsUrl, accessKey, secretKey }` as one JSON
 * line; answers on stdin: `stats` (REST stats), `stream-stats`, `order-events` (the myOrder events it produced),
 * `drop [public|private|all]` (terminate stream connections; answers `{}`), `advance` (answers `{}`); exits on `close`.
 */
import { createInterface } from 'node:readline'
import { startUpbitSimulator, type UpbitSimulatorOptions } from '../src/testing/index.js'

const options = JSON.parse(process.argv[2] ?? '{}') as UpbitSimulatorOptions
const sim = await startUpbitSimulator(options)
console.log(JSON.stringify({ baseUrl: sim.baseUrl, wsUrl: sim.wsUrl, accessKey: sim.accessKey, secretKey: sim.secretKey }))
for await (const command of createInterface({ input: process.stdin })) {
  const [name, arg] = command.split(' ')
  if (name === 'stats') console.log(JSON.stringify(sim.stats()))
  if (name === 'stream-stats') console.log(JSON.stringify(sim.streams.stats()))
  if (name === 'order-events') console.log(JSON.stringify(sim.streams.orderEvents()))
  if (name === 'drop') {
    sim.streams.drop((arg as 'public' | 'private' | 'all' | undefined) ?? 'all')
    console.log('{}')
  }
  if (name === 'advance') {
    sim.advance()
    console.log('{}')
  }
  if (name === 'close') break
}
await sim.close()
process.exit(0) // stdin stays open after readline stops; leave explicitly
