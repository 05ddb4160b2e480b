import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** Every entry of one kind in a log directory, straight from the JSONL files (oldest file first). */
export function readKind(dir: string, kind: 'trades' | 'decisions' | 'errors' | 'equity'): Record<string, unknown>[] {
  return readdirSync(dir)
    .filter((name) => name.startsWith(`${kind}_`) && name.endsWith('.jsonl'))
    .sort()
    .flatMap((name) =>
      readFileSync(join(dir, name), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    )
}
