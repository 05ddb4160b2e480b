/**
 * A compiled check derived from a built-in zod schema: zod stays the one definition, ajv turns its JSON Schema
 * into straight-line code that neither copies the entry nor builds issues. Reading a big file validates every
 * line, and zod's per-entry cost was larger than the parse itself. Only a yes/no comes out: when the check says
 * no, the caller runs zod for its exact issues. `compiled-schema.test.ts` proves both accept the same entries.
 */
import { _, Ajv } from 'ajv'
import { z } from 'zod'
import { isIsoDateTimeWithOffset } from './iso-datetime.js'

/** True when the JSON value is valid; defaults are filled into it in place (as zod's output would hold them). */
export type CompiledCheck = (value: unknown) => boolean

const NO_PROTO_KEY = 'noOwnProtoKey'
/** zod types whose output is not their input (a default is filled in by ajv as well). */
const OUTPUT_CHANGING = new Set(['pipe', 'transform', 'catch', 'prefault', 'success', 'codec'])

interface ZodDef {
  type?: string
  check?: string
  pattern?: RegExp
  catchall?: unknown
  format?: string
  offset?: boolean
  local?: boolean
  precision?: number | null
  coerce?: boolean
  checks?: { _zod: { def: ZodDef } }[]
}
type ZodInternals = { _zod: { def: ZodDef } }

function refuse(path: (string | number)[], what: string): never {
  throw new Error(`Cannot compile ${path.join('.') || '(root)'}: ${what} has no exact JSON Schema twin`)
}

/**
 * Compiles `schema` for JSON values (what `JSON.parse` returns). Throws for anything whose JSON Schema would accept
 * more than zod or whose zod output is not its input: refinements, stripping objects, formats other than zod's ISO
 * datetime with offset, flagged regexes and length limits above 1 (zod counts UTF-16 units, ajv code points).
 */
export function compileCheck(schema: z.ZodType): CompiledCheck {
  const jsonSchema = z.toJSONSchema(schema, {
    target: 'draft-07',
    io: 'input',
    unrepresentable: 'throw',
    override({ zodSchema, jsonSchema: out, path }) {
      const def = (zodSchema as unknown as ZodInternals)._zod.def
      const checks = [def, ...(def.checks ?? []).map((check) => check._zod.def)]
      if (checks.some((check) => check.check === 'custom')) refuse(path, 'a refinement')
      if (def.coerce || OUTPUT_CHANGING.has(def.type ?? '')) refuse(path, `a ${def.coerce ? 'coercion' : def.type}`)
      if (def.type === 'object' && def.catchall === undefined) refuse(path, 'an object that strips unknown keys')
      if (checks.some((check) => check.pattern !== undefined && check.pattern.flags !== '')) refuse(path, 'a regex with flags')
      if ((out.minLength ?? 0) > 1 || out.maxLength !== undefined) refuse(path, 'a string length limit')
      // zod leaves a `__proto__` key out of the objects it copies (it would set the prototype); the copy-free
      // check cannot, so such an entry goes to zod.
      if (def.type === 'object' || def.type === 'record') (out as Record<string, unknown>)[NO_PROTO_KEY] = true
      if (out.format === undefined) return
      if (def.format !== 'datetime' || def.offset !== true || def.local === true || def.precision != null) {
        refuse(path, `format ${out.format}`)
      }
      // zod's datetime regex is the slowest part of the check: the same rule runs in code after ajv's check.
      delete out.format
      delete out.pattern
      if (path.length !== 2 || path[0] !== 'properties' || path[1] !== 'ts') refuse(path, 'a datetime other than `ts`')
    },
  })
  // Regexes without the `u` flag, as zod's. Defaults are filled in, so an accepted entry equals zod's output.
  const ajv = new Ajv({ useDefaults: true, unicodeRegExp: false, allErrors: false, messages: false })
  ajv.addKeyword({
    keyword: NO_PROTO_KEY,
    type: 'object',
    schemaType: 'boolean',
    // Inline code: a `validate` function keyword would allocate a context object per call.
    code: (cxt) => cxt.fail(_`Object.prototype.hasOwnProperty.call(${cxt.data}, "__proto__")`),
  })
  const validate = ajv.compile(jsonSchema)
  return (value) => validate(value) && isIsoDateTimeWithOffset((value as { ts: string }).ts)
}
