/**
 * `pnpm bench`: the issue's figures, measured against the fake daemon on loopback, each against a baseline
 * measured in the same run. Reports only; tests never time anything.
 */
import { createElectronCashClient } from '../src/index.js'
import { type FakeDaemon, startFakeDaemon } from '../src/testing/index.js'

interface Figure {
  name: string
  value: string
  baseline: string
  ratio: number
  goal: string
  pass: boolean
}

const figures: Figure[] = []
const ms = (value: number) => `${value.toFixed(1)} ms`

function connect(daemons: FakeDaemon[]) {
  return createElectronCashClient({
    endpoints: daemons.map((d) => d.url),
    username: daemons[0]!.username,
    password: daemons[0]!.password,
    env: {},
  })
}

async function throughput(): Promise<void> {
  const calls = 10_000
  const daemon = await startFakeDaemon()
  const client = connect([daemon])
  const authorization = `Basic ${Buffer.from(`${daemon.username}:${daemon.password}`).toString('base64')}`
  const raw = async () => {
    const response = await fetch(daemon.url, {
      method: 'POST',
      headers: { Authorization: authorization, 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getbalance', params: [] }),
    })
    return (await response.json()) as unknown
  }
  // Warm both paths, then alternate rounds so machine noise hits both equally.
  for (let i = 0; i < 200; i++) {
    await raw()
    await client.getBalance()
  }
  // Many short alternating rounds (order swapped each round) so load from other processes hits both sides alike.
  let rawMs = 0
  let clientMs = 0
  const rounds = 100
  const timed = async (fn: () => Promise<unknown>) => {
    const start = performance.now()
    for (let i = 0; i < calls / rounds; i++) await fn()
    return performance.now() - start
  }
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      rawMs += await timed(raw)
      clientMs += await timed(() => client.getBalance())
    } else {
      clientMs += await timed(() => client.getBalance())
      rawMs += await timed(raw)
    }
  }
  await daemon.close()
  const rawRate = calls / (rawMs / 1000)
  const clientRate = calls / (clientMs / 1000)
  const ratio = clientRate / rawRate
  figures.push({
    name: `throughput, ${calls} sequential getbalance: client / raw fetch`,
    value: `${clientRate.toFixed(0)} calls/s`,
    baseline: `${rawRate.toFixed(0)} calls/s`,
    ratio,
    goal: '>= 0.9',
    pass: ratio >= 0.9,
  })
}

async function batchSpeedup(): Promise<void> {
  const daemon = await startFakeDaemon()
  const client = connect([daemon])
  const addresses = Array.from({ length: 100 }, (_, i) => daemon.wallet.addresses[i % 20]!)
  const runs = 20
  let sequentialMs = 0
  let batchMs = 0
  for (let run = 0; run < runs; run++) {
    let start = performance.now()
    for (const address of addresses) await client.validateAddress({ address })
    sequentialMs += performance.now() - start
    start = performance.now()
    const outcomes = await client.batch(addresses.map((address) => client.prepare.validateAddress({ address })))
    batchMs += performance.now() - start
    if (!outcomes.every((o) => o.ok && o.result === true)) throw new Error('batch returned a wrong result')
  }
  await daemon.close()
  const ratio = sequentialMs / batchMs
  figures.push({
    name: 'batch of 100 validateaddress vs 100 sequential calls (speed-up)',
    value: ms(batchMs / runs),
    baseline: ms(sequentialMs / runs),
    ratio,
    goal: '>= 5',
    pass: ratio >= 5,
  })
}

async function readinessLatency(): Promise<void> {
  const daemon = await startFakeDaemon()
  // The first good answer is the first reply the client reads after the restart (its onResponse hook).
  let firstAnswerAt: number | undefined
  const client = createElectronCashClient({
    url: daemon.url,
    username: daemon.username,
    password: daemon.password,
    env: {},
    hooks: {
      onResponse: () => {
        firstAnswerAt ??= performance.now()
      },
    },
  })
  const afterAnswer: number[] = []
  const afterRestart: number[] = []
  for (let i = 0; i < 10; i++) {
    await daemon.stop()
    firstAnswerAt = undefined
    const ready = client.waitUntilReady({ timeoutMs: 10_000 })
    // Let the client see refusals and back off to its cap before the daemon returns.
    await new Promise((resolve) => setTimeout(resolve, 300 + i * 37))
    await daemon.start()
    const back = performance.now()
    await ready
    const resolved = performance.now()
    afterAnswer.push(resolved - (firstAnswerAt ?? back))
    afterRestart.push(resolved - back)
  }
  await daemon.close()
  const worst = Math.max(...afterAnswer)
  figures.push({
    name: "waitUntilReady: resolve after the daemon's first good answer (worst of 10)",
    value: ms(worst),
    baseline: `${ms(Math.max(...afterRestart))} worst from restart to resolve (poll cap 100 ms)`,
    ratio: worst / 250,
    goal: '< 250 ms (ratio to 250 ms < 1)',
    pass: worst < 250,
  })
}

async function failoverTime(): Promise<void> {
  const samples: number[] = []
  let normalMs = 0
  for (let i = 0; i < 10; i++) {
    const primary = await startFakeDaemon({ password: 'bench' })
    const backup = await startFakeDaemon({ password: 'bench' })
    const client = connect([primary, backup])
    await client.getBalance()
    let start = performance.now()
    await client.getBalance()
    normalMs += performance.now() - start
    await primary.close() // killed: connections are refused from now on
    start = performance.now()
    await client.getBalance()
    samples.push(performance.now() - start)
    if (backup.calls.length !== 1) throw new Error('the call did not fail over to the backup')
    await backup.close()
  }
  const worst = Math.max(...samples)
  figures.push({
    name: 'failover: first call after the primary is killed (worst of 10)',
    value: ms(worst),
    baseline: `${ms(normalMs / 10)} (normal call)`,
    ratio: worst / 1000,
    goal: '< 1 s (ratio to 1 s < 1)',
    pass: worst < 1000,
  })
}

/** The client's own CPU per typed call (money gate, zod, queue, timers) against a stubbed fetch: readable under load. */
async function clientCpu(): Promise<void> {
  const reply = (id: number) => JSON.stringify({ result: { confirmed: '0.29' }, id, jsonrpc: '2.0' })
  const fetch: typeof globalThis.fetch = async (_url, init) =>
    new Response(reply((JSON.parse(String(init?.body)) as { id: number }).id))
  const client = createElectronCashClient({ url: 'http://127.0.0.1:7777', username: 'u', password: 'p', env: {}, fetch })
  for (let i = 0; i < 3_000; i++) await client.getBalance()
  const perCall: number[] = []
  for (let round = 0; round < 7; round++) {
    const before = process.cpuUsage()
    for (let i = 0; i < 5_000; i++) await client.getBalance()
    const used = process.cpuUsage(before)
    perCall.push((used.user + used.system) / 5_000)
  }
  perCall.sort((a, b) => a - b)
  const median = perCall[3]!
  figures.push({
    name: 'client-side CPU per typed getbalance (stubbed fetch, median of 7 rounds of 5000)',
    value: `${median.toFixed(1)} µs`,
    baseline: 'a loopback round trip to the fake daemon is 5+ ms',
    ratio: median / 1000,
    goal: 'INFO (ratio to 1 ms)',
    pass: true,
  })
}

await clientCpu()
await throughput()
await batchSpeedup()
await readinessLatency()
await failoverTime()

console.log('\n@tradekit/electroncash-rpc benchmarks (fake daemon on 127.0.0.1)\n')
for (const f of figures) {
  console.log(`${f.goal.startsWith('INFO') ? 'INFO' : f.pass ? 'PASS' : 'MISS'}  ${f.name}`)
  console.log(`      value ${f.value} | baseline ${f.baseline} | ratio ${f.ratio.toFixed(2)} | goal ${f.goal}`)
}
