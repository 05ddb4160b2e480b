// `pnpm test`: runs vitest with the environment a user's terminal has. pnpm passes its configuration to scripts as
// npm_config_* variables; tests that start npm or npx as a user would (`npx --yes pnpm@10.34.9 demo`, the READMEs'
// commands) would otherwise see npm print "npm warn Unknown env config" for each pnpm-only setting.
//
//   node scripts/vitest.mjs [vitest arguments...]   (default: run)
import { spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { cleanEnv } from './lib/clean-env.mjs'

const root = resolve(import.meta.dirname, '..')
const args = process.argv.slice(2)
const child = spawn(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), ...(args.length ? args : ['run'])], {
  cwd: process.cwd(),
  env: cleanEnv(process.env),
  stdio: 'inherit',
})
// Ctrl-C reaches vitest through the terminal's process group; a signal sent to this process alone is passed on.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
