/**
 * Reads one log file as batches of entries in bounded memory (1 MiB chunks), reporting every skipped line.
 * A legacy `.json` file holding a JSON array is read whole: the old bot's files are small and an array cannot
 * be streamed line by line.
 */
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { LogFile } from './files.js'
import type { EntryKind } from './kinds.js'
import { type Diagnostic, interpretLine, interpretValue, type LineOutcome, splitCompleteLines } from './lines.js'

/** One entry read from a file. */
export interface FileRecord {
  entry: Record<string, unknown> & { ts: string; tsMs: number }
  /** 1-based line (or legacy array element) number. */
  line: number
  /** Parsed but not yet validated (only when read with `validate: false`). */
  unchecked?: true
}

/** Callbacks for what is not an entry. */
export interface ReadHooks {
  /** A skipped line. */
  onDiagnostic(diagnostic: Diagnostic): void
  /** A legacy entry was normalized with these assumptions. */
  onAssumed?(assumed: string[]): void
}

// Small chunks keep each batch of entries small. Peak RSS reading a 100 MB file: 256 KiB chunks ~124 MB, 64 KiB ~117 MB,
// 16 KiB ~106 MB (readline + JSON.parse in the same process: ~103 MB).
const CHUNK = 16 * 1024

function accept(outcome: LineOutcome, line: number, batch: FileRecord[], file: string, hooks: ReadHooks): void {
  if (outcome.type === 'entry') {
    batch.push(outcome.unchecked ? { entry: outcome.entry, line, unchecked: true } : { entry: outcome.entry, line })
    if (outcome.assumed) hooks.onAssumed?.(outcome.assumed)
  } else if (outcome.type === 'bad') {
    hooks.onDiagnostic({ file, line, reason: outcome.reason })
  }
}

async function* readLegacyJson(file: LogFile, kind: EntryKind, hooks: ReadHooks): AsyncGenerator<FileRecord[]> {
  const text = (await readFile(file.path, 'utf8')).replace(/^\uFEFF/, '')
  if (!text.trimStart().startsWith('[')) {
    yield* readJsonl(file, kind, Number.POSITIVE_INFINITY, hooks)
    return
  }
  let values: unknown
  try {
    values = JSON.parse(text.replace(/\0+/g, ''))
  } catch {
    hooks.onDiagnostic({ file: file.path, line: 1, reason: 'legacy JSON array does not parse (torn or not JSON)' })
    return
  }
  const batch: FileRecord[] = []
  ;(values as unknown[]).forEach((value, index) => {
    accept(interpretValue(value, kind, { file: file.path, line: index + 1 }), index + 1, batch, file.path, hooks)
  })
  yield batch
}

async function* readJsonl(
  file: LogFile,
  kind: EntryKind,
  maxLineBytes: number,
  hooks: ReadHooks,
  validate = true,
): AsyncGenerator<FileRecord[]> {
  const stream = createReadStream(file.path, { highWaterMark: CHUNK })
  let carry: Buffer | undefined
  let lineNo = 0
  let skipping = false
  const oversize = () => hooks.onDiagnostic({ file: file.path, line: lineNo, reason: `line longer than ${maxLineBytes} bytes` })
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let buffer = chunk
    if (skipping) {
      const newline = buffer.indexOf(10)
      if (newline < 0) continue
      lineNo++
      oversize()
      skipping = false
      buffer = buffer.subarray(newline + 1)
    }
    if (carry) {
      buffer = Buffer.concat([carry, buffer])
      carry = undefined
    }
    const split = splitCompleteLines(buffer)
    const batch: FileRecord[] = []
    for (const raw of split.lines) {
      lineNo++
      if (raw.length > maxLineBytes && Buffer.byteLength(raw) > maxLineBytes) {
        oversize()
        continue
      }
      accept(interpretLine(raw, split.hasNul, kind, { file: file.path, line: lineNo }, validate), lineNo, batch, file.path, hooks)
    }
    const rest = buffer.subarray(split.consumed)
    if (rest.length > maxLineBytes) skipping = true
    else if (rest.length > 0) carry = rest
    if (batch.length > 0) yield batch
  }
  if (skipping) {
    lineNo++
    oversize()
  } else if (carry) {
    // An unterminated last line is either complete JSON that only lacks its newline (kept) or a write still in
    // flight or torn by a crash: neither is corruption, so it is not reported.
    lineNo++
    const outcome = interpretLine(carry.toString('utf8'), carry.includes(0), kind, { file: file.path, line: lineNo }, validate)
    if (outcome.type === 'entry') {
      const batch: FileRecord[] = []
      accept(outcome, lineNo, batch, file.path, hooks)
      yield batch
    }
  }
}

/**
 * Reads every entry of `file` as `kind`, in file order, in batches. With `validate: false`, JSONL lines that parse
 * to an object with a numeric `tsMs` come back `unchecked`: validate them with `interpretValue` before use.
 */
export function readLogFile(
  file: LogFile,
  kind: EntryKind,
  maxLineBytes: number,
  hooks: ReadHooks,
  validate = true,
): AsyncGenerator<FileRecord[]> {
  return file.format === 'json' ? readLegacyJson(file, kind, hooks) : readJsonl(file, kind, maxLineBytes, hooks, validate)
}
