/**
 * doctor, the reader or the CLI in a child process, so a test can run them as another user (file modes mean
 * nothing to root, and tests run as root here and in CI). argv: mode (`doctor` | `read` | `cli`), then one JSON
 * argument. Prints one JSON line with the result.
 */
import { runCli } from '../cli-main.js'
import { doctor } from '../doctor.js'
import { createTradeLogReader } from '../reader.js'

const [mode, json] = process.argv.slice(2) as [string, string]
const args = JSON.parse(json) as { dir: string; options?: Record<string, unknown>; argv?: string[] }
let result: unknown
if (mode === 'doctor') {
  result = await doctor(args.dir, args.options)
} else if (mode === 'read') {
  try {
    const page = await createTradeLogReader({ dir: args.dir }).readEntries({ kind: 'trades' })
    result = { entries: page.entries.length }
  } catch (error) {
    const { name, message, code } = error as Error & { code?: string }
    result = { error: { name, message, code, typed: (error as { path?: unknown }).path !== undefined } }
  }
} else if (mode === 'follow') {
  // Follows trades; tells the parent it is ready, then reports the first error (or entry) it gets.
  const follower = createTradeLogReader({ dir: args.dir }).follow({ kind: 'trades', watch: false, pollIntervalMs: 20 })
  const first = new Promise((resolve) => {
    follower.on('error', (error) => {
      const { name, message, code } = error as Error & { code?: string }
      resolve({ error: { name, message, code } })
    })
    follower.on('entry', (record) => resolve({ entry: (record.entry as { orderId: string }).orderId }))
  })
  await follower.ready
  process.stdout.write('ready\n')
  result = await first
  await follower.close()
} else {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(args.argv ?? [], {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: {},
    cwd: '/',
  })
  result = { code, out: out.join(''), err: err.join('') }
}
// Peak memory of the whole process, for the bounded-memory tests.
const rssMb = process.resourceUsage().maxRSS / 1024
process.stdout.write(`${JSON.stringify({ ...(result as object), rssMb })}\n`)
