import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Every entry of one kind in a log directory, straight from the JSONL files (oldest file first). Safe to call while
 * the bot is writing: a last line without its newline is still being written and is left for the next read.
 */
export function readKind(dir: string, kind: 'trades' | 'decisions' | 'errors' | 'equity'): Record<string, unknown>[] {
  return readdirSync(dir)
    .filter((name) => name.startsWith(`${kind}_`) && name.endsWith('.jsonl'))
    .sort()
    .flatMap((name) => {
      const lines = readFileSync(join(dir, name), 'utf8').split('\n')
      lines.pop() // '' after the last newline, or a line still being written
      return lines.filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, unknown>)
    })
}
