/**
 * The secrets policy, tested from the fixtures: the API key is planted in every string field and every header of
 * every provider fixture (success and failure answers, and the request fixtures served back as an echoing error),
 * and must not appear in anything that leaves the package: the result, audit records, `onAudit` and `onRetry`
 * payloads, recordings, and thrown errors (message, stack, `toJSON()`, `util.inspect`, the cause chain).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { createClaudeDecider } from './claude.js'
import type { Decider } from './decider.js'
import { createGptDecider } from './gpt.js'
import { createReplayDecider } from './replay.js'
import { sampleContext } from './testing/context.js'
import { type Fixture, fixture, fixtureNames, replying, useMswServer, wireDecision } from './testing/provider-fixtures.js'

const ANTHROPIC_KEY = 'sk-ant-api03-LEAKTEST-0123456789abcdefABCDEF'
const OPENAI_KEY = 'sk-proj-LEAKTEST-9876543210fedcbaFEDCBA'
const server = useMswServer()
const context = sampleContext()
const work = mkdtempSync(join(tmpdir(), 'ai-decider-redaction-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** Which decider answers a fixture, from its file name (`anthropic.*`, `openai.chat.*`, `openai.*`). */
interface Target {
  key: string
  url: string
  requestIdHeader: string
  create: (extra: { onAudit: (record: unknown) => void; onRetry: (event: unknown) => void }) => Decider
}

function targetOf(name: string): Target {
  const retry = { retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2, minAttemptMs: 1, maxRetryAfterMs: 0 } }
  if (name.startsWith('anthropic.')) {
    const mode = name.includes('tool_use') || name.includes('forced_tool') ? 'tool' : 'structured'
    return {
      key: ANTHROPIC_KEY,
      url: 'https://api.anthropic.com/v1/messages',
      requestIdHeader: 'request-id',
      create: (extra) => createClaudeDecider({ apiKey: ANTHROPIC_KEY, model: 'claude-sonnet-5-5', mode, ...retry, ...extra }),
    }
  }
  const api = name.startsWith('openai.chat.') ? 'chat' : 'responses'
  return {
    key: OPENAI_KEY,
    url: `https://api.openai.com/v1/${api === 'chat' ? 'chat/completions' : 'responses'}`,
    requestIdHeader: 'x-request-id',
    create: (extra) => createGptDecider({ apiKey: OPENAI_KEY, model: 'gpt-6', api, ...retry, ...extra }),
  }
}

/**
 * The fixture as an answer the package accepts: research decisions (`size_pct`, `stop_loss`) become this package's
 * wire decision, so success fixtures reach `audit.decision`. Request fixtures are served back as a 400 that echoes
 * the request, as some proxies do.
 */
function asAnswer(name: string): Fixture {
  const raw = fixture(name)
  if (name.includes('.request')) return { status: 400, headers: {}, body: raw.body }
  const convert = (value: unknown): unknown => {
    if (typeof value === 'string' && value.includes('"size_pct"')) return JSON.stringify(wireDecision)
    if (Array.isArray(value)) return value.map(convert)
    if (typeof value === 'object' && value !== null) {
      if ('size_pct' in value) return { ...wireDecision }
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, convert(inner)]))
    }
    return value
  }
  return { ...raw, body: convert(raw.body) as Record<string, unknown> }
}

type Path = (string | number)[]
/** A string leaf: its path, and for a string holding a JSON object (a model's answer), the path inside it. */
interface Leaf {
  path: Path
  inner?: Path
}

function stringLeaves(value: unknown, path: Path = []): Path[] {
  if (typeof value === 'string') return [path]
  if (Array.isArray(value)) return value.flatMap((item, index) => stringLeaves(item, [...path, index]))
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, inner]) => stringLeaves(inner, [...path, key]))
  }
  return []
}

function parseObject(text: string): object | undefined {
  try {
    const parsed: unknown = JSON.parse(text)
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined
  } catch {
    return undefined
  }
}

function leavesOf(body: unknown): Leaf[] {
  return stringLeaves(body).flatMap((path) => {
    const nested = parseObject(get(body, path) as string)
    return [{ path }, ...(nested ? stringLeaves(nested).map((inner) => ({ path, inner })) : [])]
  })
}

function get(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], value)
}

function set(value: unknown, path: Path, next: (old: string) => string): void {
  const parent = get(value, path.slice(0, -1)) as Record<string | number, unknown>
  parent[path.at(-1)!] = next(parent[path.at(-1)!] as string)
}

/** Two ways a provider echoes a key: the whole field is the key, or the key sits inside the text. */
const PLANTS = {
  replaced: (_old: string, key: string) => key,
  embedded: (old: string, key: string) => `${old} (key ${key})`,
} as const

function planted(answer: Fixture, leaf: Leaf, how: keyof typeof PLANTS, key: string): Fixture {
  const copy = structuredClone(answer)
  if (leaf.inner === undefined) {
    set(copy.body, leaf.path, (old) => PLANTS[how](old, key))
    return copy
  }
  set(copy.body, leaf.path, (text) => {
    const nested = JSON.parse(text) as object
    set(nested, leaf.inner!, (old) => PLANTS[how](old, key))
    return JSON.stringify(nested)
  })
  return copy
}

/** Everything one call lets out of the package, as text: result, hook payloads, recordings, and the thrown error. */
async function everythingLeaving(target: Target, answer: Fixture, run: string): Promise<string[]> {
  const payloads: unknown[] = []
  const extra = { onAudit: (record: unknown) => payloads.push(record), onRetry: (event: unknown) => payloads.push(event) }
  server.use(replying(target.url, [answer]).handler)
  const dir = join(work, run)
  const recorder = createReplayDecider({ dir, mode: 'record', inner: target.create(extra), onAudit: extra.onAudit })
  const result = await recorder.decide(context)
  const out = [JSON.stringify(result), inspect(result, { depth: null }), JSON.stringify(payloads)]
  for (const file of recordingFiles(dir)) out.push(readFileSync(join(dir, file), 'utf8'))
  if (result.fallback !== null) {
    const thrown = await target
      .create(extra)
      .decide(context, { onFailure: 'throw' })
      .then(
        () => new Error('expected a throw'),
        (error: unknown) => error as Error,
      )
    out.push(thrown.message, String(thrown.stack), String(thrown), JSON.stringify(thrown), inspect(thrown, { depth: null }))
    for (let cause: unknown = thrown.cause; cause instanceof Error; cause = cause.cause) {
      out.push(cause.message, String(cause.stack), inspect(cause, { depth: null }))
    }
  }
  return out
}

/** Every file the recorder wrote under `dir` (none when nothing was recorded). */
function recordingFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
  } catch {
    return []
  }
}

const names = fixtureNames()

describe('secrets policy: a key echoed anywhere in a provider answer never leaves the package', () => {
  it('the fixtures cover success and failure answers of both providers', () => {
    expect(names.length).toBe(16)
    expect(names.filter((name) => name.includes('.error.')).length).toBeGreaterThanOrEqual(5)
    expect(names.filter((name) => /response|refusal|incomplete/.test(name)).length).toBeGreaterThanOrEqual(6)
  })

  for (const name of names) {
    it(`${name}: key planted in every string field and every header`, async () => {
      const target = targetOf(name)
      const answer = asAnswer(name)
      const leaves = leavesOf(answer.body)
      // The fixture's own headers, plus the request-id header the adapter reads (not every fixture carries one).
      const headers = [...new Set([...Object.keys(answer.headers), target.requestIdHeader])]
      expect(leaves.length + headers.length).toBeGreaterThan(2)
      const leaks: string[] = []
      let run = 0
      const check = async (where: string, variant: Fixture) => {
        for (const text of await everythingLeaving(target, variant, `${name}-${run++}`)) {
          const at = text.indexOf(target.key)
          if (at >= 0) leaks.push(`${where}: …${text.slice(Math.max(0, at - 100), at + 12)}…`)
        }
      }
      for (const leaf of leaves) {
        for (const how of Object.keys(PLANTS) as (keyof typeof PLANTS)[]) {
          const where = `body.${leaf.path.join('.')}${leaf.inner ? ` -> ${leaf.inner.join('.')}` : ''} (${how})`
          await check(where, planted(answer, leaf, how, target.key))
        }
      }
      for (const header of headers) {
        for (const how of Object.keys(PLANTS) as (keyof typeof PLANTS)[]) {
          const variant = structuredClone(answer)
          variant.headers = { ...variant.headers, [header]: PLANTS[how](variant.headers[header] ?? 'x', target.key) }
          await check(`header ${header} (${how})`, variant)
        }
      }
      expect(leaks).toEqual([])
    }, 120_000)
  }
})
