import { isUtf8 } from 'node:buffer'
import { type ChildProcess, spawn } from 'node:child_process'
import { appendFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTradeLogReader } from './reader.js'
import type { TradeEntry } from './schemas.js'
import { buildChildScript } from './test-support/build-child.js'
import { AUG_1, DAY, HOUR, trade } from './test-support/entries.js'
import { useTempDir } from './test-support/temp-dir.js'

const tempDir = useTempDir()
let child: { file: string; cleanup: () => void }
beforeAll(async () => {
  child = await buildChildScript(join(import.meta.dirname, 'test-support/writer-child.ts'))
}, 30_000)
afterAll(() => child.cleanup())

async function readAll(dir: string) {
  const diagnostics: unknown[] = []
  const entries: TradeEntry[] = []
  const reader = createTradeLogReader({ dir, onDiagnostic: (d) => diagnostics.push(d) })
  for await (const record of reader.stream({ kind: 'trades' })) entries.push(record.entry)
  return { entries, diagnostics }
}

/**
 * A durable writer process, started ahead of time: it loads, waits for `go`, appends until `acks` appends were
 * acknowledged, and is then SIGKILLed. `acked` resolves with the acknowledged sequence numbers.
 */
function preparedWriter(dir: string, offset: number, acks: number) {
  const proc: ChildProcess = spawn(process.execPath, [child.file, dir, 'durable', 'Infinity', String(offset)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  let onLoaded: () => void
  const loaded = new Promise<void>((resolve) => {
    onLoaded = resolve
  })
  const acked = new Promise<number[]>((resolve, reject) => {
    const seen: number[] = []
    let buffer = ''
    proc.stdout!.on('data', (data: Buffer) => {
      buffer += data.toString()
      const lines = buffer.split('\n')
      buffer = lines.pop()!
      for (const line of lines) {
        if (line === 'loaded') onLoaded()
        if (line.startsWith('ack ')) seen.push(Number(line.slice(4)))
      }
      if (seen.length >= acks && !proc.killed) proc.kill('SIGKILL')
    })
    proc.on('error', reject)
    proc.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve(seen) : reject(new Error(`writer exited by itself (${signal})`)),
    )
  })
  return {
    async run(): Promise<number[]> {
      await loaded
      proc.stdin!.write('go\n')
      return acked
    },
  }
}

describe('reliability', () => {
  it('SIGKILL at random points, 50 times: every acknowledged durable entry is readable, nothing is reported', async () => {
    const lanes = [tempDir(), tempDir()]
    const random = fc.sample(fc.integer({ min: 1, max: 12 }), { numRuns: 50, seed: 42 })
    const acknowledged: number[][] = [[], []]
    await Promise.all(
      lanes.map(async (dir, lane) => {
        const prepare = (run: number) => (run < 50 ? preparedWriter(dir, run * 1_000_000, random[run]!) : undefined)
        let next = prepare(lane)
        for (let run = lane; run < 50; run += 2) {
          const current = next!
          next = prepare(run + 2)
          // Each run starts where the killed one left its lock: the stale lock is taken over every time.
          acknowledged[lane]!.push(...(await current.run()))
        }
      }),
    )
    for (const [lane, dir] of lanes.entries()) {
      const { entries, diagnostics } = await readAll(dir)
      const stored = new Set(entries.map((entry) => entry.decisionId))
      const missing = acknowledged[lane]!.filter((seq) => !stored.has(`seq-${seq}`))
      expect(missing).toEqual([])
      expect(diagnostics).toEqual([])
      expect(stored.size).toBe(entries.length)
    }
  }, 180_000)

  it('four processes appending at once: no interleaved or corrupt line, each writer in order', async () => {
    const dir = tempDir()
    const perWriter = 5000
    await Promise.all(
      [0, 1, 2, 3].map(
        (writer) =>
          new Promise<void>((resolve, reject) => {
            const proc = spawn(process.execPath, [child.file, dir, 'concurrent', String(perWriter), String(writer * 1_000_000)], {
              stdio: 'inherit',
            })
            proc.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${writer} exited ${code}`))))
          }),
      ),
    )
    const { entries, diagnostics } = await readAll(dir)
    expect(diagnostics).toEqual([])
    expect(entries).toHaveLength(4 * perWriter)
    for (const writer of [0, 1, 2, 3]) {
      const sequence = entries
        .map((entry) => Number(entry.decisionId!.slice(4)))
        .filter((seq) => Math.floor(seq / 1_000_000) === writer)
      expect(sequence).toEqual(Array.from({ length: perWriter }, (_, i) => writer * 1_000_000 + i))
    }
  }, 180_000)
})

describe('fuzzed input', () => {
  const garbage = fc.oneof(
    // random bytes (no newline), that are not blank once cleaned
    fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.from(bytes.map((b) => (b === 10 ? 65 : b)))),
    // JSON of the wrong shape or types
    fc
      .oneof(
        fc.constant({ ...trade(AUG_1), price: 1.5 }),
        fc.constant({ ...trade(AUG_1), side: 'short' }),
        fc.constant([1, 2, 3]),
        fc.constant('just a string'),
        fc.constant(null),
        fc.constant({ ...trade(AUG_1), tsMs: 'yesterday' }),
      )
      .map((value) => Buffer.from(JSON.stringify(value))),
    // huge lines (over the reader's limit)
    fc.constant(Buffer.from(`{"reason":"${'z'.repeat(300_000)}"}`)),
  )
  const line = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.integer({ min: 0, max: 1_000_000 }).map((n) => ({ good: true as const, entry: trade(AUG_1 + n) })),
    },
    { weight: 1, arbitrary: garbage.map((bytes) => ({ good: false as const, bytes })) },
  )
  // Blank: whitespace and a BOM only. NUL bytes and bytes that are not UTF-8 are reported, never taken as blank.
  const isBlank = (bytes: Buffer) =>
    !bytes.includes(0) &&
    isUtf8(bytes) &&
    bytes
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trim() === ''

  it('never crashes, returns every valid entry and reports exactly the bad lines', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 40 }), async (lines) => {
        const parts = lines.map((item) => (item.good ? Buffer.from(JSON.stringify(item.entry)) : item.bytes))
        writeFileSync(file, Buffer.concat(parts.flatMap((part) => [part, Buffer.from('\n')])))
        const diagnostics: { line: number }[] = []
        const reader = createTradeLogReader({ dir, maxLineBytes: 100_000, onDiagnostic: (d) => diagnostics.push(d) })
        const got: number[] = []
        for await (const record of reader.stream({ kind: 'trades' })) got.push(record.line)
        // A good line that repeats an earlier one (the same fill) is reported as a duplicate and returned once.
        const seen = new Set<number>()
        const repeat = (item: (typeof lines)[number]) => item.good && seen.size === seen.add(item.entry.tsMs).size
        const repeats = new Set(lines.flatMap((item, index) => (repeat(item) ? [index + 1] : [])))
        const expectedGood = lines.flatMap((item, index) => (item.good && !repeats.has(index + 1) ? [index + 1] : []))
        const expectedBad = lines.flatMap((item, index) =>
          (!item.good && !isBlank(item.bytes)) || repeats.has(index + 1) ? [index + 1] : [],
        )
        // Merge order is by time; compare as sets of line numbers.
        expect(got.sort((a, b) => a - b)).toEqual(expectedGood)
        expect(diagnostics.map((d) => d.line).sort((a, b) => a - b)).toEqual(expectedBad)
      }),
      { numRuns: 60, seed: 7 },
    )
  })

  it('a file cut at any byte loses at most the cut line: silently while its day is current, reported once it is past', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    const entries = Array.from({ length: 20 }, (_, i) => trade(AUG_1 + i, { reason: 'é'.repeat(i) }))
    const full = Buffer.from(entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''))
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: full.length }), async (cut) => {
        writeFileSync(file, full)
        truncateSync(file, cut)
        const today = () => AUG_1 + HOUR
        const page = await createTradeLogReader({ dir, now: today }).readEntries({ kind: 'trades', order: 'asc', limit: 1000 })
        const text = readFileSync(file, 'utf8')
        const complete = text.split('\n').length - 1
        expect(page.diagnostics).toEqual([])
        expect(page.entries.length === complete || page.entries.length === complete + 1).toBe(true)
        expect(page.entries).toEqual(entries.slice(0, page.entries.length))
        // A week later nothing will complete that line: it is torn, and said so.
        const later = await createTradeLogReader({ dir, now: () => AUG_1 + 7 * DAY }).readEntries({
          kind: 'trades',
          order: 'asc',
          limit: 1000,
        })
        expect(later.entries).toEqual(page.entries)
        const tornTail = !text.endsWith('\n') && text !== '' && page.entries.length === complete
        expect(later.diagnostics).toEqual(
          tornTail ? [{ file, line: complete + 1, code: 'torn', reason: expect.stringMatching(/torn/) }] : [],
        )
      }),
      { numRuns: 80, seed: 11 },
    )
  })

  it('NUL blocks appended after a power cut: left alone while the day is current, reported once it is past', async () => {
    const dir = tempDir()
    const file = join(dir, 'trades_20250801.jsonl')
    writeFileSync(file, `${JSON.stringify(trade(AUG_1))}\n`)
    appendFileSync(file, Buffer.alloc(4096))
    const current = await createTradeLogReader({ dir, now: () => AUG_1 + HOUR }).readEntries({ kind: 'trades' })
    expect(current.entries).toHaveLength(1)
    expect(current.diagnostics).toEqual([])
    const past = await createTradeLogReader({ dir, now: () => AUG_1 + 7 * DAY }).readEntries({ kind: 'trades' })
    expect(past.entries).toHaveLength(1)
    expect(past.diagnostics).toEqual([{ file, line: 2, code: 'nul', reason: expect.stringMatching(/4096 NUL bytes/) }])
  })
})
