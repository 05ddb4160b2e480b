/**
 * Entry kinds: a name (the file prefix), a zod schema and a default durability. The four built-in kinds cover a
 * trading bot; `defineEntryKind` adds your own, typed by your schema.
 */
import { z } from 'zod'
import { TradeLogUsageError, TradeLogValidationError, type ValidationIssue } from './errors.js'
import { createEpochMsOfIsoDateTime, epochMsOfIsoDateTime } from './iso-datetime.js'
import {
  DecisionEntrySchema,
  type EntryTimestamps,
  EquityEntrySchema,
  ErrorEntrySchema,
  TradeEntrySchema,
  timestampShape,
} from './schemas.js'
import { isoWithOffset } from './time.js'

/** `durable`: fdatasync after every entry. `buffered`: a bounded buffer flushed on a timer and on close. */
export type Durability = 'durable' | 'buffered'

/** A zod schema for an entry kind (its output has `ts` and `tsMs`). */
export type EntrySchema = z.ZodType

/** An entry kind: its file prefix, its schema and how hard the writer syncs it. */
export interface EntryKind<Name extends string = string, Schema extends EntrySchema = EntrySchema> {
  /** File prefix: lower-case letters, digits and `-`. */
  readonly name: Name
  /** Validates every entry written and read. */
  readonly schema: Schema
  /** Default durability for this kind. */
  readonly durability: Durability
}

/** The stored entry type of a kind. */
export type EntryOf<K> = K extends { schema: infer S extends z.ZodType } ? z.output<S> : never
/** What `append` accepts for a kind: the schema's input with the timestamps optional (the writer fills them). */
export type EntryInputOf<K> = K extends { schema: infer S extends z.ZodType }
  ? Omit<z.input<S>, 'ts' | 'tsMs'> & { ts?: string | undefined; tsMs?: number | undefined }
  : never

const KIND_NAME = /^[a-z][a-z0-9-]*$/

/**
 * Defines your own entry kind. The schema gets the `ts`/`tsMs` fields added, so pass only your own fields:
 * `defineEntryKind({ name: 'signals', schema: z.object({ market: z.string(), score: z.number() }) })`.
 */
export function defineEntryKind<const Name extends string, Shape extends z.ZodRawShape>(options: {
  /** File prefix, e.g. `signals` for `signals_20250801.jsonl`. */
  name: Name
  /** Your fields. */
  schema: z.ZodObject<Shape>
  /** Default durability; defaults to `buffered`. */
  durability?: Durability
}): EntryKind<Name, z.ZodObject<Shape & typeof timestampShape>> {
  if (!KIND_NAME.test(options.name)) {
    throw new TradeLogUsageError(
      `Entry kind name ${JSON.stringify(options.name)} must be lower-case letters, digits and "-" (it becomes the file prefix).`,
    )
  }
  return {
    name: options.name,
    schema: options.schema.extend(timestampShape) as unknown as z.ZodObject<Shape & typeof timestampShape>,
    durability: options.durability ?? 'buffered',
  }
}

/** Fills: `trades_YYYYMMDD.jsonl`, durable by default. */
export const tradesKind: EntryKind<'trades', typeof TradeEntrySchema> = {
  name: 'trades',
  schema: TradeEntrySchema,
  durability: 'durable',
}
/** Decider output: `decisions_YYYYMMDD.jsonl`, buffered by default. */
export const decisionsKind: EntryKind<'decisions', typeof DecisionEntrySchema> = {
  name: 'decisions',
  schema: DecisionEntrySchema,
  durability: 'buffered',
}
/** Errors: `errors_YYYYMMDD.jsonl`, buffered by default. */
export const errorsKind: EntryKind<'errors', typeof ErrorEntrySchema> = {
  name: 'errors',
  schema: ErrorEntrySchema,
  durability: 'buffered',
}
/** Equity snapshots: `equity_YYYYMMDD.jsonl`, durable by default (they are few and feed the equity curve). */
export const equityKind: EntryKind<'equity', typeof EquityEntrySchema> = {
  name: 'equity',
  schema: EquityEntrySchema,
  durability: 'durable',
}

/** The built-in kinds by name. */
export const builtinKinds = {
  trades: tradesKind,
  decisions: decisionsKind,
  errors: errorsKind,
  equity: equityKind,
} as const
export type BuiltinKinds = typeof builtinKinds

/** Kind name to kind, built-ins plus custom ones; a custom kind may not reuse a built-in name. */
export function kindRegistry(custom: readonly EntryKind[] = []): Map<string, EntryKind> {
  const registry = new Map<string, EntryKind>(Object.values(builtinKinds).map((kind) => [kind.name, kind as EntryKind]))
  for (const kind of custom) {
    if (registry.has(kind.name)) throw new TradeLogUsageError(`Entry kind ${JSON.stringify(kind.name)} is defined twice.`)
    registry.set(kind.name, kind)
  }
  return registry
}

/** Looks a kind up by name, with an error that lists the known names. */
export function requireKind(registry: Map<string, EntryKind>, name: string): EntryKind {
  const kind = registry.get(name)
  if (!kind) {
    throw new TradeLogUsageError(
      `Unknown entry kind ${JSON.stringify(name)}; known kinds: ${[...registry.keys()].join(', ')}. Register custom kinds with defineEntryKind().`,
    )
  }
  return kind
}

/** Turns a zod error into path + message pairs, leaving out the input values. */
export function issuesOf(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }))
}

/** Result of checking one entry against its kind. */
export type CheckResult =
  | { ok: true; entry: EntryTimestamps & Record<string, unknown> }
  | { ok: false; issues: ValidationIssue[]; error?: z.ZodError }

// The built-in schemas, each compiled on first use with zod's own `z.compile`: generated code for the common case
// that falls back to zod's runtime parser for anything it rejects, so output and issues are zod's (kinds.test.ts
// checks it). Kept per schema like a regex literal. A zod 4 release without `compile`, or a host without eval,
// uses the schema as it is. Users' schemas stay on the runtime parser: nothing here proves the two agree for them.
interface CompiledSchema {
  schema: EntrySchema
  /**
   * For a schema whose output is its input for an entry with its keys in the schema's order (loose, every field a
   * plain value with no default or transform): those keys, in order. Such an entry needs only zod's assert-only
   * `validate`, not a copy (a fill read back is returned as parsed; zod's copy was a fifth of the read's CPU).
   */
  order?: readonly string[]
  shape?: ReadonlySet<string>
}

const SAME_OUTPUT_WHEN_IN_ORDER: ReadonlySet<EntrySchema> = new Set([TradeEntrySchema])

const compiledBuiltins = new Map<EntrySchema, CompiledSchema | undefined>(
  [TradeEntrySchema, DecisionEntrySchema, ErrorEntrySchema, EquityEntrySchema].map((schema) => [schema, undefined]),
)

function compiledBuiltin(schema: EntrySchema): CompiledSchema | undefined {
  if (!compiledBuiltins.has(schema)) return undefined
  let fast = compiledBuiltins.get(schema)
  if (fast === undefined) {
    const compile = (z as { compile?: (schema: EntrySchema) => EntrySchema }).compile
    let compiled = schema
    try {
      if (compile) compiled = compile(schema)
    } catch {}
    fast = { schema: compiled }
    if (compiled !== schema && SAME_OUTPUT_WHEN_IN_ORDER.has(schema) && typeof compiled.validate === 'function') {
      const order = Object.keys((schema as z.ZodObject).shape)
      fast = { schema: compiled, order, shape: new Set(order) }
    }
    compiledBuiltins.set(schema, fast)
  }
  return fast
}

/**
 * True when zod's output for `value` has its keys in the same order: the schema's keys that are present, in the
 * schema's order, then the unknown ones (never an own `__proto__`, which zod leaves out).
 */
function inOutputOrder(value: object, order: readonly string[], shape: ReadonlySet<string>): boolean {
  let next = 0
  // Where the schema's keys stopped matching (at the first unknown key).
  let end = -1
  let last: string | undefined
  for (const key in value) {
    last = key
    if (next >= 0) {
      let at = next
      while (at < order.length && order[at] !== key) at++
      if (at < order.length) {
        if (inheritsAny(value, order, next, at)) return false
        next = at + 1
        continue
      }
      // The first unknown key: every key after it must be unknown too.
      end = next
      next = -1
    }
    if (key === '__proto__' || shape.has(key)) return false
  }
  // zod reads an absent key through the prototype chain (`key in input`) and copies an inherited enumerable key into
  // its output as an own one (a polluted Object.prototype): either makes its output differ from `value`. `for...in`
  // lists own keys before inherited ones, so an own last key means none was inherited.
  if (inheritsAny(value, order, next >= 0 ? next : end, order.length)) return false
  return last === undefined || Object.hasOwn(value, last)
}

/** True when one of the schema's keys `order[from, to)`, absent from `value`'s own keys, is found on its prototypes. */
function inheritsAny(value: object, order: readonly string[], from: number, to: number): boolean {
  for (let at = from; at < to; at++) if (order[at]! in value) return true
  return false
}

/** Validates an entry as stored (both timestamps present and equal instants). */
export function checkStoredEntry(kind: EntryKind, value: unknown): CheckResult {
  return checkWith(kind, compiledBuiltin(kind.schema), value, epochMsOfIsoDateTime)
}

/**
 * `checkStoredEntry` for one kind, its compiled schema looked up once: for a reader checking every line of a file
 * (callgrind, BENCHMARKS.md: 19–46M fewer instructions per read than two map lookups per line).
 */
export function storedEntryChecker(kind: EntryKind): (value: unknown) => CheckResult {
  const builtin = compiledBuiltin(kind.schema)
  // The day number of the last date, remembered: the date arithmetic cost more than the rest of ts → epoch.
  const epochMsOf = createEpochMsOfIsoDateTime()
  return (value) => checkWith(kind, builtin, value, epochMsOf)
}

function checkWith(
  kind: EntryKind,
  builtin: CompiledSchema | undefined,
  value: unknown,
  epochMsOf: (text: string) => number,
): CheckResult {
  let entry: EntryTimestamps & Record<string, unknown>
  if (builtin?.order && builtin.schema.validate(value) && inOutputOrder(value as object, builtin.order, builtin.shape!)) {
    entry = value as EntryTimestamps & Record<string, unknown>
  } else {
    const parsed = (builtin?.schema ?? kind.schema).safeParse(value)
    if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error), error: parsed.error }
    entry = parsed.data as EntryTimestamps & Record<string, unknown>
  }
  // A built-in `ts` passed zod's ISO datetime with offset, which epochMsOfIsoDateTime relies on.
  const epochMs = builtin ? epochMsOf(entry.ts) : Date.parse(entry.ts)
  if (epochMs !== entry.tsMs) {
    return { ok: false, issues: [{ path: 'tsMs', message: 'ts and tsMs must be the same instant' }] }
  }
  return { ok: true, entry }
}

/** Fills missing timestamps (from `now` in `timeZone`), validates, and throws a typed error if invalid. */
export function prepareEntry(
  kind: EntryKind,
  input: unknown,
  now: number,
  timeZone: string,
): EntryTimestamps & Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new TradeLogValidationError(kind.name, [{ path: '', message: 'must be an object' }], undefined)
  }
  const { ts, tsMs, ...rest } = input as Record<string, unknown>
  let withTime: Record<string, unknown> = { ts, tsMs, ...rest }
  if (ts === undefined && tsMs === undefined) {
    withTime = { ts: isoWithOffset(now, timeZone), tsMs: now, ...rest }
  } else if (tsMs === undefined && typeof ts === 'string') {
    withTime = { ts, tsMs: Date.parse(ts), ...rest }
  } else if (ts === undefined && typeof tsMs === 'number' && Number.isFinite(tsMs)) {
    withTime = { ts: isoWithOffset(tsMs, timeZone), tsMs, ...rest }
  }
  const result = checkStoredEntry(kind, withTime)
  if (!result.ok) throw new TradeLogValidationError(kind.name, result.issues, result.error)
  return result.entry
}
