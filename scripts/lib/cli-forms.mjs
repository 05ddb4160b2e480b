// Runs every form in which the READMEs show the CLIs (see /README.md, "Command-line tools"), and checks what each
// prints and its exit code:
//   - in a project that installed the tarballs:     npx trade-log …, npx electroncash-rpc …
//   - in the repository right after install:         pnpm trade-log …, pnpm electroncash-rpc … (root scripts)
//   - a bin whose package is not built says how to build it, instead of a stack trace.
//
//   node scripts/lib/cli-forms.mjs <consumer project with the tarballs installed>
import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { cleanEnv } from './clean-env.mjs'

const root = resolve(import.meta.dirname, '..', '..')
const consumer = resolve(process.argv[2] ?? '')
const PNPM = ['--yes', 'pnpm@10.34.9']
const installed = createRequire(join(consumer, 'package.json'))
const load = (specifier) => import(pathToFileURL(installed.resolve(specifier)).href)

/** Runs a command without a shell; resolves with its exit code and output, whatever the code. */
function runForm(command, args, options) {
  return new Promise((resolveRun) => {
    execFile(command, args, { encoding: 'utf8', env: cleanEnv(process.env), ...options }, (error, stdout, stderr) => {
      resolveRun({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
    })
  })
}

const failures = []
async function form(label, command, args, options, expected) {
  const result = await runForm(command, args, options)
  const problems = []
  if (result.code !== expected.code) problems.push(`exit ${result.code}, expected ${expected.code}`)
  for (const [stream, pattern] of [
    ['stdout', expected.stdout],
    ['stderr', expected.stderr],
  ]) {
    if (pattern && !pattern.test(result[stream])) problems.push(`${stream} does not match ${pattern}`)
  }
  // No warning a user would act on, from npm, npx or pnpm.
  if (/npm warn|WARN|ELIFECYCLE/.test(result.stderr) && expected.code === 0) problems.push('printed a warning')
  if (problems.length === 0) {
    console.log(`  ok   ${label}`)
    return
  }
  console.error(`  FAIL ${label}: ${problems.join('; ')}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`)
  failures.push(label)
}

const logDir = mkdtempSync(join(tmpdir(), 'tradekit-cli-forms-'))
const { startFakeDaemon } = await load('@tradekit/electroncash-rpc/testing')
const daemon = await startFakeDaemon()
try {
  // A trade log with one entry, written by the installed package.
  const { createTradeLogWriter } = await load('@tradekit/trade-log')
  const writer = createTradeLogWriter({ dir: logDir })
  await writer.append('trades', {
    market: 'KRW-BTC',
    side: 'buy',
    volume: '0.001',
    price: '45000000',
    funds: '45000',
    fee: '22.5',
    orderId: 'cli-forms-1',
    mode: 'paper',
  })
  await writer.close()
  const daemonEnv = {
    ...cleanEnv(process.env),
    ELECTRONCASH_URL: daemon.url,
    ELECTRONCASH_RPC_USER: daemon.username,
    ELECTRONCASH_RPC_PASSWORD: daemon.password,
  }
  const usage = /^Usage: /m
  const up = /"status": *"up"/

  console.log(`consumer project (${consumer}):`)
  await form('npx trade-log --help', 'npx', ['trade-log', '--help'], { cwd: consumer }, { code: 0, stdout: usage })
  await form(
    'npx trade-log doctor <dir>',
    'npx',
    ['trade-log', 'doctor', logDir],
    { cwd: consumer },
    { code: 0, stdout: /trades/ },
  )
  await form('npx electroncash-rpc --help', 'npx', ['electroncash-rpc', '--help'], { cwd: consumer }, { code: 0, stdout: usage })
  await form(
    'npx electroncash-rpc health',
    'npx',
    ['electroncash-rpc', 'health'],
    { cwd: consumer, env: daemonEnv },
    { code: 0, stdout: up },
  )

  console.log(`repository root (${root}), from source:`)
  await form('pnpm trade-log --help', 'npx', [...PNPM, 'trade-log', '--help'], { cwd: root }, { code: 0, stdout: usage })
  await form(
    'pnpm trade-log doctor <dir>',
    'npx',
    [...PNPM, 'trade-log', 'doctor', logDir],
    { cwd: root },
    { code: 0, stdout: /trades/ },
  )
  await form(
    'pnpm -s trade-log stats <dir> --json (JSON only on stdout)',
    'npx',
    [...PNPM, '-s', 'trade-log', 'stats', logDir],
    { cwd: root },
    { code: 0, stdout: /^\{[\s\S]*\}\s*$/ },
  )
  await form(
    'pnpm electroncash-rpc --help',
    'npx',
    [...PNPM, 'electroncash-rpc', '--help'],
    { cwd: root },
    { code: 0, stdout: usage },
  )
  await form(
    'pnpm electroncash-rpc health',
    'npx',
    [...PNPM, 'electroncash-rpc', 'health'],
    { cwd: root, env: daemonEnv },
    { code: 0, stdout: up },
  )

  // check:packages packed (so built) every package: the root's links to the bins now run dist/cli.js. Without a
  // build they print the 'not built' message checked below, and `npx trade-log` never falls through to the registry.
  console.log(`repository root (${root}), built bins:`)
  await form(
    'pnpm exec trade-log --help',
    'npx',
    [...PNPM, 'exec', 'trade-log', '--help'],
    { cwd: root },
    { code: 0, stdout: usage },
  )
  await form(
    'npx electroncash-rpc --help (the root local bin, not the registry)',
    'npx',
    ['electroncash-rpc', '--help'],
    { cwd: root },
    { code: 0, stdout: usage },
  )

  console.log('a bin whose package is not built:')
  for (const [name, bin] of [
    ['trade-log', '@tradekit/trade-log/package.json'],
    ['electroncash-rpc', '@tradekit/electroncash-rpc/package.json'],
  ]) {
    const copy = join(logDir, `unbuilt-${name}`)
    mkdirSync(join(copy, 'bin'), { recursive: true })
    copyFileSync(join(installed.resolve(bin), '..', 'bin', `${name}.js`), join(copy, 'bin', `${name}.js`))
    await form(
      `${name} bin without dist/`,
      process.execPath,
      [join(copy, 'bin', `${name}.js`), '--help'],
      { cwd: copy },
      { code: 1, stderr: /not built \(dist\/cli\.js is missing\)[\s\S]*pnpm@10\.34\.9 build/ },
    )
  }
} finally {
  await daemon.close()
  rmSync(logDir, { recursive: true, force: true })
}

if (failures.length > 0) {
  console.error(`CLI forms failed: ${failures.join(', ')}`)
  process.exit(1)
}
