// What a fresh clone's `pnpm install` prints, checked for warnings a user would think they must act on ("WARN
// Failed to create bin …", "npm warn …", an update notice). The install runs in a copy of the workspace's
// manifests (root files, each package's package.json and bin/), so it sees what a fresh clone has: no dist/.
import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cleanEnv } from './clean-env.mjs'

const ROOT_FILES = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc']
const WORKSPACE_DIRS = ['packages', 'examples']
export const WARNING = /\bWARN\b|npm warn|Update available|deprecated/i

/** Runs `pnpm install --frozen-lockfile` on a manifest-only copy of `root`; resolves with the lines that warn. */
export async function installWarnings(root) {
  const copy = mkdtempSync(join(tmpdir(), 'tradekit-install-'))
  try {
    for (const file of ROOT_FILES) cpSync(join(root, file), join(copy, file))
    for (const parent of WORKSPACE_DIRS) {
      for (const name of readdirSync(join(root, parent))) {
        const dir = join(root, parent, name)
        if (!existsSync(join(dir, 'package.json'))) continue
        mkdirSync(join(copy, parent, name), { recursive: true })
        cpSync(join(dir, 'package.json'), join(copy, parent, name, 'package.json'))
        if (existsSync(join(dir, 'bin'))) cpSync(join(dir, 'bin'), join(copy, parent, name, 'bin'), { recursive: true })
      }
    }
    const output = await new Promise((resolve, reject) => {
      execFile(
        'npx',
        ['--yes', 'pnpm@10.34.9', 'install', '--frozen-lockfile', '--prefer-offline'],
        { cwd: copy, env: cleanEnv(process.env), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`pnpm install failed:\n${stdout}${stderr}`)) : resolve(stdout + stderr),
      )
    })
    return output.split('\n').filter((line) => WARNING.test(line))
  } finally {
    rmSync(copy, { recursive: true, force: true })
  }
}
