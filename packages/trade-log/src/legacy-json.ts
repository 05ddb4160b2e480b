/**
 * The records of one of the old bot's `.json` files, found without reading the file whole: a JSON array (written by
 * `json.dump`, on one line or indented), or JSON values one after another (one `json.dumps` per line). A crash
 * during `json.dump` leaves an array cut anywhere: every complete element before the cut is still a record, and the
 * cut is reported. Memory stays bounded: a record longer than the limit is skipped, not held.
 */
import { isUtf8 } from 'node:buffer'

/** What the scanner found. `line` is where it starts; `record` is the element number (arrays) or `line`. */
export type JsonScanEvent =
  | { type: 'value'; text: string; line: number; record: number }
  | { type: 'bad'; line: number; record: number; reason: string; code: 'json' | 'too-long' | 'utf8' | 'torn' }
  | { type: 'nul'; line: number; count: number }

const SPACE = 0x20
const TAB = 0x09
const CR = 0x0d
const LF = 0x0a
const NUL = 0x00
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

type Capture = 'none' | 'structure' | 'string' | 'scalar' | 'garbage'

/** Feed it chunks in order, then call `end()`; each call returns the events completed so far. */
export class JsonRecordScanner {
  private mode: 'start' | 'array' | 'sequence' | 'after-array' = 'start'
  private capture: Capture = 'none'
  private depth = 0
  private inString = false
  private escape = false
  private parts: Buffer[] = []
  private size = 0
  private oversize = false
  private line = 1
  private startLine = 0
  private elements = 0
  private nulRun = 0
  private nulLine = 0
  private trailingReported = false
  private atFileStart = true
  private events: JsonScanEvent[] = []

  constructor(private readonly maxBytes: number) {}

  feed(chunk: Buffer): JsonScanEvent[] {
    let i = 0
    if (this.atFileStart) {
      this.atFileStart = false
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3
    }
    let segment = this.capture === 'none' ? -1 : i
    for (; i < chunk.length; i++) {
      const byte = chunk[i]!
      if (this.capture !== 'none') {
        if (byte === LF) this.line++
        if (this.capture === 'string' || this.inString) {
          if (this.escape) this.escape = false
          else if (byte === BACKSLASH) this.escape = true
          else if (byte === QUOTE) {
            this.inString = false
            if (this.capture === 'string') {
              this.finish(chunk, segment, i + 1)
              segment = -1
            }
          }
          continue
        }
        if (this.capture === 'structure') {
          if (byte === QUOTE) this.inString = true
          else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.depth++
          else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
            if (--this.depth === 0) {
              this.finish(chunk, segment, i + 1)
              segment = -1
            }
          }
          continue
        }
        // A bare scalar ends at a delimiter; a garbage line at its newline.
        const ends =
          this.capture === 'garbage'
            ? byte === LF
            : byte === COMMA ||
              byte === CLOSE_BRACKET ||
              byte === SPACE ||
              byte === TAB ||
              byte === CR ||
              byte === LF ||
              byte === NUL
        if (!ends) continue
        if (byte === LF) this.line--
        this.finish(chunk, segment, i)
        segment = -1
        // The delimiter itself is handled below, outside any capture.
      }
      if (byte !== NUL && this.nulRun > 0) this.flushNul()
      if (byte === LF) {
        this.line++
        continue
      }
      if (byte === SPACE || byte === TAB || byte === CR) continue
      if (byte === NUL) {
        if (this.nulRun++ === 0) this.nulLine = this.line
        continue
      }
      if (this.mode === 'start') {
        if (byte === OPEN_BRACKET) {
          this.mode = 'array'
          continue
        }
        this.mode = 'sequence'
      }
      if (this.mode === 'after-array') {
        if (!this.trailingReported) {
          this.trailingReported = true
          this.events.push({
            type: 'bad',
            line: this.line,
            record: this.elements + 1,
            reason: 'data after the end of the JSON array',
            code: 'json',
          })
        }
        continue
      }
      if (this.mode === 'array') {
        if (byte === COMMA) continue
        if (byte === CLOSE_BRACKET) {
          this.mode = 'after-array'
          continue
        }
      }
      // A record starts here.
      this.elements++
      this.startLine = this.line
      this.depth = 0
      this.inString = false
      this.escape = false
      if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        this.capture = 'structure'
        this.depth = 1
      } else if (byte === QUOTE) this.capture = 'string'
      else this.capture = this.mode === 'array' ? 'scalar' : 'garbage'
      segment = i
    }
    if (this.capture !== 'none' && segment >= 0) this.keep(chunk.subarray(segment))
    const events = this.events
    this.events = []
    return events
  }

  /** The end of the file: a record still open was cut off. */
  end(): JsonScanEvent[] {
    if (this.nulRun > 0) this.flushNul()
    const record = this.recordNumber()
    if (this.capture === 'scalar' || this.capture === 'garbage') this.finish(Buffer.alloc(0), 0, 0)
    else if (this.capture !== 'none') {
      this.events.push({
        type: 'bad',
        line: this.startLine,
        record,
        reason: `torn: the file ends inside record ${this.elements} (a crash while it was written); the ${this.elements - 1} record(s) before it were read`,
        code: 'torn',
      })
      this.reset()
    } else if (this.mode === 'array') {
      this.events.push({
        type: 'bad',
        line: this.line,
        record: this.elements + 1,
        reason: `torn: the JSON array is never closed (the file was cut after record ${this.elements}); every complete record was read`,
        code: 'torn',
      })
    }
    const events = this.events
    this.events = []
    return events
  }

  private recordNumber(): number {
    return this.mode === 'array' ? this.elements : this.startLine
  }

  private flushNul(): void {
    this.events.push({ type: 'nul', line: this.nulLine, count: this.nulRun })
    this.nulRun = 0
  }

  private keep(part: Buffer): void {
    if (this.oversize) return
    this.size += part.length
    if (this.size > this.maxBytes) {
      this.oversize = true
      this.parts = []
      return
    }
    // Copied: the chunk's buffer may be reused for the next read.
    this.parts.push(Buffer.from(part))
  }

  private finish(chunk: Buffer, from: number, to: number): void {
    if (from >= 0) this.keep(chunk.subarray(from, to))
    const record = this.recordNumber()
    const line = this.startLine
    if (this.oversize) {
      this.events.push({ type: 'bad', line, record, reason: `record longer than ${this.maxBytes} bytes`, code: 'too-long' })
    } else {
      const bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts)
      if (!isUtf8(bytes)) {
        this.events.push({
          type: 'bad',
          line,
          record,
          reason: 'not valid UTF-8: the record would not be the bytes on disk',
          code: 'utf8',
        })
      } else this.events.push({ type: 'value', text: bytes.toString('utf8'), line, record })
    }
    this.reset()
  }

  private reset(): void {
    this.capture = 'none'
    this.parts = []
    this.size = 0
    this.oversize = false
    this.depth = 0
    this.inString = false
    this.escape = false
  }
}
