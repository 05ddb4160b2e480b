/**
 * Records each model answer on disk, keyed by a hash of the prompt and the model, and replays it: backtests of an
 * AI strategy become reproducible and cost nothing.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { AuditRecord, Decider, Usage } from './decider.js'
import { decisionJsonSchema } from './decision.js'
import { DeciderConfigError, ReplayMissError } from './errors.js'
import { buildPrompt, type PromptBuilder, promptHash } from './prompt.js'
import { runDecision } from './run.js'

export interface ReplayDeciderOptions {
  /** Folder of the recordings (one `<key>.json` per prompt). Created when recording. */
  dir: string
  /**
   * `'replay'`: answer only from recordings (a miss holds with `replay_miss`; `inner` is not called).
   * `'record'`: always ask `inner` and (over)write the recording. `'record-missing'`: replay, and record misses.
   */
  mode: 'record' | 'replay' | 'record-missing'
  /** The decider to record. Required unless `mode` is `'replay'` and `provider` and `model` are given. */
  inner?: Decider | undefined
  /** Provider name for the key when replaying without `inner`. Default: `inner.provider`. */
  provider?: string | undefined
  /** Model id for the key when replaying without `inner`. Default: `inner.model`. */
  model?: string | undefined
  /** Must be the prompt builder `inner` uses, so keys match. Default: `buildPrompt`. */
  prompt?: PromptBuilder | undefined
  /** Receives each audit record. Default: none. */
  onAudit?: ((record: AuditRecord) => void) | undefined
}

/** What a recording file holds. */
export interface Recording {
  key: string
  provider: string
  model: string
  promptVersion: string
  market: string
  asOf: number
  recordedAt: string
  /** The validated decision, in wire names. */
  decision: unknown
  /** What the original call cost. */
  usage: Usage
  costUsd: string | null
}

async function readRecording(file: string): Promise<Recording | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Recording
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

async function writeRecording(dir: string, file: string, recording: Recording): Promise<void> {
  await mkdir(dir, { recursive: true })
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`
  await writeFile(temporary, `${JSON.stringify(recording, null, 2)}\n`)
  await rename(temporary, file) // atomic: a crash never leaves a half-written recording
}

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
  return {
    provider,
    model,
    offline: mode === 'replay',
    decide(context, decideOptions) {
      return runDecision(frame, context, decideOptions, async ({ deadline, audit }) => {
        const prompt = builder(context, { schema })
        const key = promptHash(prompt, provider, model)
        const file = join(dir, `${key}.json`)
        audit.promptHash = key
        if (mode !== 'record') {
          const recording = await readRecording(file)
          if (recording) {
            audit.response = { replay: 'hit', file, recordedAt: recording.recordedAt, usage: recording.usage }
            return { value: recording.decision, costUsd: '0.00000000' }
          }
          if (mode === 'replay') {
            throw new ReplayMissError(`No recording for this prompt and model (${key}) in ${dir}; record it first.`, {
              key,
              provider,
            })
          }
        }
        const result = await inner!.decide(context, {
          signal: deadline.signal,
          deadlineMs: Number.isFinite(deadline.at) ? deadline.remaining() : undefined,
          onFailure: 'throw',
        })
        audit.members = [result.audit]
        await writeRecording(dir, file, {
          key,
          provider,
          model,
          promptVersion: prompt.version,
          market: context.market,
          asOf: context.asOf,
          recordedAt: new Date().toISOString(),
          decision: result.decision,
          usage: result.usage,
          costUsd: result.costUsd,
        })
        audit.response = { replay: 'recorded', file }
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
