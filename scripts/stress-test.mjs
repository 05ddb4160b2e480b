// Runs the whole test suite (`vitest run`) while CPU-bound processes keep the cores busy, to show that no test
// depends on how fast the machine is. The busy processes are stopped whatever happens (suite failure, Ctrl-C,
// this script being killed), and the exit code is the suite's.
//
//   node scripts/stress-test.mjs [--busy 2] [--runs 1] [vitest arguments...]
//
// --busy N   CPU-bound processes beside the suite (default 2)
// --runs N   run the suite N times in a row, stopping at the first failure (default 1)
import { spawn } from 'node:child_process'
import { loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { cleanEnv } from './lib/clean-env.mjs'

const root = resolve(import.meta.dirname, '..')
// --busy and --runs are ours; every other argument goes to vitest unchanged.
const positionals = []
const values = { busy: '2', runs: '1' }
const args = process.argv.slice(2)
for (let i = 0; i < args.length; i++) {
  const [name, inline] = args[i].split('=', 2)
  if (name === '--busy' || name === '--runs') values[name.slice(2)] = inline ?? args[++i]
  else positionals.push(args[i])
}
const busyCount = Number(values.busy)
const runs = Number(values.runs)
if (!Number.isInteger(busyCount) || busyCount < 0 || !Number.isInteger(runs) || runs < 1) {
  console.error('usage: node scripts/stress-test.mjs [--busy N>=0] [--runs N>=1] [vitest arguments...]')
  process.exit(2)
}

// A busy loop that also exits on its own if this script dies without stopping it (it is re-parented then).
const BUSY_LOOP =
  'const parent = process.ppid; for (;;) { for (let i = 0; i < 5e7; i++); if (process.ppid !== parent) process.exit() }'
const busy = Array.from({ length: busyCount }, () => spawn(process.execPath, ['-e', BUSY_LOOP], { stdio: 'ignore' }))
let suite
function stopAll() {
  for (const child of busy) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}
process.on('exit', stopAll)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stopAll()
    suite?.kill(signal)
    process.exit(128 + { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 }[signal])
  })
}

const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs')
let code = 0
for (let run = 1; run <= runs && code === 0; run++) {
  const load = loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')
  console.log(`\n== stress run ${run}/${runs}: vitest run beside ${busyCount} busy processes (load average ${load})`)
  const started = Date.now()
  code = await new Promise((resolveRun) => {
    suite = spawn(process.execPath, [vitest, 'run', ...positionals], { cwd: root, env: cleanEnv(process.env), stdio: 'inherit' })
    suite.on('exit', (exitCode, signal) => resolveRun(exitCode ?? (signal ? 1 : 0)))
    suite.on('error', (error) => {
      console.error(`stress-test: could not start vitest: ${error.message}`)
      resolveRun(1)
    })
  })
  console.log(`== stress run ${run}/${runs}: exit ${code} after ${((Date.now() - started) / 1000).toFixed(0)} s`)
}
stopAll()
process.exit(code)
