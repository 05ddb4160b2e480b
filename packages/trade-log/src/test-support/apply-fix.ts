/**
 * Applies a fix doctor printed, the way an operator would: runs the `trade-log` command, renames, changes a mode,
 * creates the missing directory, moves files out, deletes the lines validate lists, or (for a setting) returns the
 * doctor options or directory to run with next. Tests then run doctor again.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { runCli } from '../cli-main.js'
import type { DoctorFixAction } from '../doctor.js'

export interface Applied {
  /** Run doctor on this directory from now on (the fix was "point TRADE_LOG_DIR there"). */
  dir?: string
  /** Run doctor with these options from now on (the fix was a setting). */
  options?: { timeZone?: string; kinds?: readonly string[] }
}

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: {}, cwd: '/' })
  return { code, out: out.join(''), err: err.join('') }
}

export async function applyFix(action: DoctorFixAction): Promise<Applied> {
  switch (action.type) {
    case 'command': {
      const [program, ...argv] = action.argv
      if (program !== 'trade-log') throw new Error(`not a trade-log command: ${action.argv.join(' ')}`)
      const result = await cli(argv)
      // 1 is "done, and some records could not be converted" (a torn remainder kept aside): doctor then tells.
      if (result.code > 1) throw new Error(`${action.argv.join(' ')} exited ${result.code}: ${result.err}`)
      return {}
    }
    case 'rename':
      renameSync(action.from, action.to)
      return {}
    case 'chmod': {
      const add = action.mode === 'o+rx' ? 0o005 : 0o004
      chmodSync(action.path, (statSync(action.path).mode & 0o7777) | add)
      return {}
    }
    case 'create-dir':
      mkdirSync(action.path, { recursive: true })
      return {}
    case 'move-out':
      for (const path of action.paths) {
        const aside = join(dirname(dirname(path)), 'moved-out')
        mkdirSync(aside, { recursive: true })
        renameSync(path, join(aside, basename(path)))
      }
      return {}
    case 'delete-lines': {
      const [program, ...argv] = action.argv
      if (program !== 'trade-log') throw new Error(`not a trade-log command: ${action.argv.join(' ')}`)
      const result = await cli([...argv, '--json'])
      const { diagnostics } = JSON.parse(result.out) as { diagnostics: { file: string; line: number }[] }
      const byFile = new Map<string, Set<number>>()
      for (const d of diagnostics) byFile.set(d.file, (byFile.get(d.file) ?? new Set()).add(d.line))
      for (const [file, lines] of byFile) {
        const parts = readFileSync(file).toString('latin1').split('\n')
        const kept = parts.filter((_part, index) => !lines.has(index + 1))
        // Deleting a torn last line leaves the line before it with its newline.
        if (lines.has(parts.length) && parts.at(-1) !== '') kept.push('')
        writeFileSync(file, Buffer.from(kept.join('\n'), 'latin1'))
      }
      return {}
    }
    case 'use-dir':
      return { dir: action.dir }
    case 'option':
      return { options: action.option === 'timeZone' ? { timeZone: action.value } : { kinds: action.value } }
  }
}
