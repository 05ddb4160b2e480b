/**
 * The same entry read twice (a line appended twice, a block appended again, a copied instance file, an earlier
 * convert that kept its source) is returned once and reported. Two entries are the same when their times are equal
 * and so is their identity: for a fill, the order and what was filled (`fillIdentity`); for other kinds, every
 * field. Exact for entries in time order (as the writer writes them, and as the reader merges a day's files: every
 * entry of the current time is kept until time moves on), and for repeats among the last `RECENT` entries
 * otherwise. Nothing more is kept, and identities are built only for entries that share a time. Measured with
 * `pnpm bench read` (BENCHMARKS.md): keeping the last 1,024 times' entries doubled the reader's CPU time, 128 entries
 * raised its peak memory by 6 MB (entries kept that long reach the old generation), 32 cost nothing measurable.
 */
import type { Diagnostic } from './lines.js'

/** Entries remembered regardless of time, for repeats out of time order. */
const RECENT = 32

/** What makes a fill the same fill: the order and the amounts (two partial fills of one order differ in them). */
export function fillIdentity(fill: {
  market?: unknown
  side?: unknown
  orderId?: unknown
  volume?: unknown
  price?: unknown
  funds?: unknown
  fee?: unknown
}): string {
  return `${fill.orderId}\u0000${fill.market}\u0000${fill.side}\u0000${fill.volume}\u0000${fill.price}\u0000${fill.funds}\u0000${fill.fee}`
}

/** The identity of an entry of `kind` (entries compared have equal `tsMs`). */
export function entryIdentity(kind: string, entry: Record<string, unknown>): string {
  if (kind === 'trades') return fillIdentity(entry)
  // Every field but the provenance of a legacy entry, which names the file it was read from.
  const { legacy: _legacy, ...rest } = entry
  return JSON.stringify(rest)
}

/** Remembers recent entries; `check` says whether an entry repeats one of them. */
export interface DuplicateFilter {
  /** The earlier record this one repeats, or undefined (it is then remembered). */
  check(entry: Record<string, unknown> & { tsMs: number }, file: string, line: number): { file: string; line: number } | undefined
}

/** Entries kept as parallel arrays (no object per entry), identities built on demand. */
class Slots {
  readonly entries: (Record<string, unknown> | undefined)[] = []
  readonly files: string[] = []
  readonly lines: number[] = []
  readonly identities: (string | undefined)[] = []
  set(index: number, entry: Record<string, unknown>, file: string, line: number): void {
    this.entries[index] = entry
    this.files[index] = file
    this.lines[index] = line
    this.identities[index] = undefined
  }
  identity(kind: string, index: number): string {
    let identity = this.identities[index]
    if (identity === undefined) {
      identity = entryIdentity(kind, this.entries[index]!)
      this.identities[index] = identity
    }
    return identity
  }
  at(index: number): { file: string; line: number } {
    return { file: this.files[index]!, line: this.lines[index]! }
  }
}

export function createDuplicateFilter(kind: string): DuplicateFilter {
  // A ring of the last RECENT entries, found by time through a typed array (no garbage, a cheap scan).
  const times = new Float64Array(RECENT).fill(Number.NaN)
  const recent = new Slots()
  let next = 0
  // Every entry at the latest time seen (`runTime`, which only grows). Its first entry stays in the ring until the
  // ring is about to drop it (`firstSlot`): entries in time order, the common case, are then stored once.
  let runTime = Number.NEGATIVE_INFINITY
  const run = new Slots()
  let runLength = 0
  let firstSlot = -1
  return {
    check(entry, file, line) {
      const time = entry.tsMs
      let startsRun = false
      if (time === runTime) {
        const identity = entryIdentity(kind, entry)
        if (firstSlot >= 0 && recent.identity(kind, firstSlot) === identity) return recent.at(firstSlot)
        for (let i = 0; i < runLength; i++) if (run.identity(kind, i) === identity) return run.at(i)
        run.set(runLength++, entry, file, line)
      } else if (time > runTime) {
        // Time moved on: the previous time's entries are released.
        for (let i = 0; i < runLength; i++) run.entries[i] = undefined
        runTime = time
        runLength = 0
        firstSlot = -1
        startsRun = true
      } else {
        // Older than the latest time: only the ring can hold its twin.
        let identity: string | undefined
        for (let i = 0; i < RECENT; i++) {
          if (times[i] !== time) continue
          identity ??= entryIdentity(kind, entry)
          if (recent.identity(kind, i) === identity) return recent.at(i)
        }
      }
      if (next === firstSlot) {
        // The run's first entry is about to leave the ring: the run keeps it.
        run.set(runLength++, recent.entries[next]!, recent.files[next]!, recent.lines[next]!)
        firstSlot = -1
      }
      times[next] = time
      recent.set(next, entry, file, line)
      if (startsRun) firstSlot = next
      next = next + 1 === RECENT ? 0 : next + 1
      return undefined
    },
  }
}

/** The diagnostic for a repeated entry. */
export function duplicateDiagnostic(
  kind: string,
  file: string,
  line: number,
  earlier: { file: string; line: number },
): Diagnostic {
  const name = earlier.file.slice(Math.max(earlier.file.lastIndexOf('/'), earlier.file.lastIndexOf('\\')) + 1)
  return {
    file,
    line,
    code: 'duplicate',
    reason: `duplicate: the same ${kind === 'trades' ? 'fill' : 'entry'} as ${name}:${earlier.line}; returned once`,
    duplicateOf: earlier,
  }
}
