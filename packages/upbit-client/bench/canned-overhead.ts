/**
 * Client-side CPU per call with the network taken out: `fetch` builds the undici `Request` from what it was given
 * (so the cost of a signal is counted), then answers a canned ticker after a macrotask, as a socket would. One
 * process and CPU time, not wall time: unlike the loopback throughput, this barely moves with machine load.
 */
import { createUpbitClient } from '../src/index.js'
import { upbitFixtures } from '../src/testing/index.js'

/**
 * Median CPU µs per call of `fetch(url).then(r => r.json())`, of `client.getTicker`, and of `client.getTicker` with
 * the per-attempt timeout off (what the timeout's signal costs inside undici's `Request`), 8 in flight.
 */
export async function cannedOverhead(): Promise<{ fetch: number; client: number; clientWithoutTimeout: number }> {
  const body = JSON.stringify([upbitFixtures.ticker])
  const canned = (url: string | URL | Request, init?: RequestInit) =>
    new Promise<Response>((resolve) => {
      new Request(url, init)
      setImmediate(() => resolve(new Response(body, { headers: { 'content-type': 'application/json' } })))
    })
  const base = 'http://127.0.0.1:9'
  const client = createUpbitClient({ baseUrl: base, rateLimit: { enabled: false }, fetch: canned })
  const untimed = createUpbitClient({ baseUrl: base, rateLimit: { enabled: false }, fetch: canned, timeoutMs: Infinity })
  const url = `${base}/v1/ticker?markets=KRW-BTC`
  const sides = {
    fetch: () => canned(url).then((r) => r.json()),
    client: () => client.getTicker({ markets: ['KRW-BTC'] }),
    clientWithoutTimeout: () => untimed.getTicker({ markets: ['KRW-BTC'] }),
  }
  const samples = { fetch: [] as number[], client: [] as number[], clientWithoutTimeout: [] as number[] }
  const calls = 5000
  for (let rep = 0; rep < 9; rep++) {
    for (const side of ['fetch', 'client', 'clientWithoutTimeout'] as const) {
      let next = 0
      const before = process.cpuUsage()
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next++ < calls) await sides[side]()
        }),
      )
      const used = process.cpuUsage(before)
      if (rep > 0) samples[side].push((used.user + used.system) / calls) // rep 0 warms up
    }
  }
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b)
    return (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2
  }
  return {
    fetch: median(samples.fetch),
    client: median(samples.client),
    clientWithoutTimeout: median(samples.clientWithoutTimeout),
  }
}
