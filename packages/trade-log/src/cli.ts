#!/usr/bin/env node
import { runCli } from './cli-main.js'

// The first SIGINT or SIGTERM stops the command, which then exits 130 or 143; the listeners are gone after it, so a
// second signal ends the process at once (Node's default action).
const controller = new AbortController()
process.once('SIGINT', () => controller.abort('SIGINT'))
process.once('SIGTERM', () => controller.abort('SIGTERM'))
runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`trade-log: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  },
)
