/** A decider that answers from a script: for unit tests of everything that consumes decisions. */
import type { MarketContext } from '../context.js'
import { sleep } from '../deadline.js'
import type { DecideOptions, Decider, DecisionResult, Usage } from '../decider.js'
import { DeciderError } from '../errors.js'
import { runDecision } from '../run.js'

/** One scripted answer: a decision-like value (validated like a model's), an Error to throw, or a function. */
export type ScriptStep = unknown | Error | ((context: MarketContext, signal: AbortSignal) => unknown | Promise<unknown>)

export interface ScriptedDeciderOptions {
  /** Provider name in results. Default `'scripted'`. */
  provider?: string | undefined
  /** Model name in results. Default `'script'`. */
  model?: string | undefined
  /** Wait this long (abortable) before each answer. Default `0`. */
  delayMs?: number | undefined
  /** Usage reported for each answer. Default: all zero. */
  usage?: Usage | undefined
  /** `'repeat-last'` keeps answering with the last step; `'fail'` (default) fails once the script is used up. */
  whenExhausted?: 'repeat-last' | 'fail' | undefined
  /** Reported as `Decider.offline`. Default `true` when `delayMs` is 0. */
  offline?: boolean | undefined
}

export interface ScriptedDecider extends Decider {
  /** How many times `decide` was called. */
  readonly calls: number
}

/** Creates a decider that returns `steps` in order. Answers go through the same validation as a model's. */
export function createScriptedDecider(steps: readonly ScriptStep[], options: ScriptedDeciderOptions = {}): ScriptedDecider {
  const provider = options.provider ?? 'scripted'
  const model = options.model ?? 'script'
  const delayMs = options.delayMs ?? 0
  let calls = 0
  const next = (): ScriptStep => {
    const index = calls++
    if (index < steps.length) return steps[index]
    if (options.whenExhausted === 'repeat-last' && steps.length > 0) return steps.at(-1)
    return new DeciderError(`The script of ${steps.length} answers is used up (call ${index + 1}).`, {
      code: 'script_exhausted',
      provider,
    })
  }
  return {
    provider,
    model,
    offline: options.offline ?? delayMs === 0,
    get calls() {
      return calls
    },
    decide(context: MarketContext, decideOptions?: DecideOptions): Promise<DecisionResult> {
      const step = next()
      return runDecision({ provider, model }, context, decideOptions, async ({ deadline }) => {
        if (delayMs > 0) await sleep(delayMs, deadline.signal)
        if (step instanceof Error) throw step
        const value = typeof step === 'function' ? await step(context, deadline.signal) : step
        return options.usage ? { value, usage: options.usage } : { value }
      })
    },
  }
}

/** A step that never answers until the call is aborted or times out, like a hung provider. */
export function hangingStep(_context: MarketContext, signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason)
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
}
