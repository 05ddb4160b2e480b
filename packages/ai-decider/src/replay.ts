/**
 * Records each answer on disk, one file per decision point (market and decision time), and replays it: backtests
 * of an AI strategy become reproducible byte for byte and cost nothing. Each recording keeps the fingerprint of
 * everything that shaped the answer (prompt, model, schema, decision time, data cut-off); a recording made with
 * other inputs is refused, never replayed by mistake.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { MarketContext } from './context.js'
import type { AuditRecord, Decider, PriceTable, ReplayFingerprint, Usage } from './decider.js'
import { decisionJsonSchema } from './decision.js'
import { DeciderConfigError, ReplayMismatchError, ReplayMissError } from './errors.js'
import { costUsd } from './money.js'
import { dataCutoff } from './point-in-time.js'
import { buildPrompt, type Prompt, type PromptBuilder } from './prompt.js'
import { runDecision } from './run.js'

export interface ReplayDeciderOptions {
  /** Folder of the recordings (`<market>/<asOf>.json`, one per decision point). Created when recording. */
  dir: string
  /**
   * `'replay'`: answer only from recordings (a miss holds with `replay_miss`; `inner` is never called).
   * `'record'`: always ask `inner` and (over)write the recording. `'record-missing'`: replay, and record misses.
   */
  mode: 'record' | 'replay' | 'record-missing'
  /** The decider to record. Required unless `mode` is `'replay'` and `provider` and `model` are given. */
  inner?: Decider | undefined
  /** Provider name in the fingerprint when replaying without `inner`. Default: `inner.provider`. */
  provider?: string | undefined
  /** Model id in the fingerprint when replaying without `inner`. Default: `inner.model`. */
  model?: string | undefined
  /** Must be the prompt builder `inner` uses, so fingerprints match. Default: `buildPrompt`. */
  prompt?: PromptBuilder | undefined
  /** Prices to value what a replay saved (the recorded tokens at these prices). Default: the cost recorded. */
  prices?: PriceTable | undefined
  /** Receives each audit record. Default: none. */
  onAudit?: ((record: AuditRecord) => void) | undefined
}

/** What a recording file holds. */
export interface Recording {
  /** sha256 of the fingerprint. */
  key: string
  fingerprint: ReplayFingerprint
  market: string
  /** The decision time, UTC milliseconds. */
  asOf: number
  recordedAt: string
  /** The validated decision, in wire names. */
  decision: unknown
  /** What the original call spent. */
  usage: Usage
  costUsd: string | null
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** The fingerprint of one decision: what the replay key covers. */
export function replayFingerprint(
  context: MarketContext,
  prompt: Prompt,
  decider: { provider: string; model: string },
  schema: Record<string, unknown> = decisionJsonSchema(),
): ReplayFingerprint {
  const cutoff = dataCutoff(context, decider.provider)
  return {
    provider: decider.provider,
    model: decider.model,
    promptVersion: prompt.version,
    promptHash: sha256(JSON.stringify([prompt.system, prompt.user])),
    schemaVersion: sha256(JSON.stringify(schema)),
    decisionTime: new Date(context.asOf).toISOString(),
    dataCutoff: Number.isFinite(cutoff) ? new Date(cutoff).toISOString() : 'none',
  }
}

/** `<dir>/<market>/<asOf>.json`: one recording per decision point, so a changed input is a mismatch, not a miss. */
function recordingFile(dir: string, context: MarketContext): string {
  return join(dir, context.market.replace(/[^A-Za-z0-9_-]/g, '_'), `${context.asOf}.json`)
}

async function readRecording(file: string): Promise<Recording | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Recording
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

async function writeRecording(file: string, recording: Recording): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true })
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`
  await writeFile(temporary, `${JSON.stringify(recording, null, 2)}\n`)
  await rename(temporary, file) // atomic: a crash never leaves a half-written recording
}

function differences(recorded: Partial<ReplayFingerprint> | undefined, now: ReplayFingerprint) {
  return (Object.keys(now) as (keyof ReplayFingerprint)[])
    .filter((field) => recorded?.[field] !== now[field])
    .map((field) => ({ field, recorded: recorded?.[field], now: now[field] }))
}

const short = (value: unknown) => (typeof value === 'string' && /^[0-9a-f]{64}$/.test(value) ? `${value.slice(0, 12)}…` : value)

export function createReplayDecider(options: ReplayDeciderOptions): Decider {
  const { inner, mode, dir } = options
  const provider = options.provider ?? inner?.provider
  const model = options.model ?? inner?.model
  if (provider === undefined || model === undefined) {
    throw new DeciderConfigError('createReplayDecider: pass inner, or provider and model to replay without it.')
  }
  if (mode !== 'replay' && inner === undefined) {
    throw new DeciderConfigError(`createReplayDecider: mode '${mode}' needs the inner decider to record.`)
  }
  const builder = options.prompt ?? buildPrompt
  const schema = decisionJsonSchema()
  const frame = { provider, model, onAudit: options.onAudit }
  const saved = (recording: Recording): string | null => {
    const price = options.prices?.[model]
    return price ? costUsd(recording.usage, price) : recording.costUsd
  }
  return {
    provider,
    model,
    offline: mode === 'replay',
    decide(context, decideOptions) {
      return runDecision(frame, context, decideOptions, async ({ deadline, audit }) => {
        const prompt = builder(context, { schema })
        const fingerprint = replayFingerprint(context, prompt, { provider, model }, schema)
        const key = sha256(JSON.stringify(fingerprint))
        const file = recordingFile(dir, context)
        audit.promptHash = fingerprint.promptHash
        if (mode !== 'record') {
          const recording = await readRecording(file)
          if (recording) {
            const changed = differences(recording.fingerprint, fingerprint)
            if (changed.length > 0) {
              const list = changed.map((d) => `${d.field} ${short(d.recorded)} → ${short(d.now)}`).join('; ')
              audit.replay = { source: 'mismatch', file, fingerprint, recordedAt: recording.recordedAt }
              throw new ReplayMismatchError(
                `The recording ${file} was made with other inputs (${list}); refusing to replay it. Record again with mode 'record', or point dir at the recordings of this configuration.`,
                { provider, file, differences: changed },
              )
            }
            audit.replay = {
              source: 'recording',
              file,
              fingerprint,
              recordedAt: recording.recordedAt,
              savedUsage: recording.usage,
              savedUsd: saved(recording),
            }
            return { value: recording.decision, costUsd: '0.00000000' }
          }
          if (mode === 'replay') {
            audit.replay = { source: 'missing', file, fingerprint }
            throw new ReplayMissError(
              `No recording for ${context.market} at ${fingerprint.decisionTime} (${file}); record it first with mode 'record' or 'record-missing'.`,
              { key, provider },
            )
          }
        }
        const result = await inner!.decide(context, {
          signal: deadline.signal,
          deadlineMs: Number.isFinite(deadline.at) ? deadline.remaining() : undefined,
          onFailure: 'throw',
        })
        audit.members = [result.audit]
        const recordedAt = new Date().toISOString()
        await writeRecording(file, {
          key,
          fingerprint,
          market: context.market,
          asOf: context.asOf,
          recordedAt,
          decision: result.decision,
          usage: result.usage,
          costUsd: result.costUsd,
        })
        audit.replay = { source: 'recorded', file, fingerprint, recordedAt }
        return {
          value: result.decision,
          usage: result.usage,
          costUsd: result.costUsd,
          model: result.model,
          clamps: result.clamps,
        }
      })
    },
  }
}
