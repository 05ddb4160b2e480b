import { type CycleDeps, type CycleReport, type CycleSettings, rememberFills, runCycle } from './cycle.js'
import { sleep } from './execute-order.js'
import { createOrderDesk, type OrderDesk } from './order-desk.js'
import { createMemoryJournal } from './order-journal.js'
import { formatStatusLine } from './status-line.js'

/** What the loop needs: the cycle's collaborators plus the schedule. */
export interface BotOptions
  extends Pick<CycleDeps, 'exchange' | 'decider' | 'limits' | 'log' | 'logger' | 'state' | 'indicators' | 'decisionId'> {
  markets: readonly string[]
  /** Time between cycles, milliseconds. */
  intervalMs: number
  /** Stop after this many cycles; 0 runs until `stop()`. */
  maxCycles: number
  settings: CycleSettings
  /** The bot's clock, UTC ms. Default `Date.now`. */
  now?: () => number
  /**
   * Places the orders and logs their fills; its journal is closed with the log. Default: a desk with an
   * in-memory journal (backtests, which never resume after a crash). `startBot` gives the durable one.
   */
  desk?: OrderDesk
  /** Runs before each cycle (paper replay advances the simulator one candle); `false` ends the run. */
  beforeCycle?: (signal: AbortSignal) => Promise<boolean> | boolean
  /** Receives the human-readable status line of each market's cycle. Default: `logger.info`. */
  onStatus?: (line: string, report?: CycleReport) => void
}

export interface RunSummary {
  cycles: number
  /** Why the loop ended. */
  stoppedBy: 'max-cycles' | 'signal' | 'history-end'
  /** The last (up to 1,000) cycle reports. */
  reports: CycleReport[]
}

export interface Bot {
  /** Runs cycles until `maxCycles`, `stop()` or the end of a replayed history; then flushes and closes the log. */
  run(): Promise<RunSummary>
  /** Asks the loop to stop: an in-flight order is finished or cancelled per `settings.onShutdown`. */
  stop(reason?: string): void
  readonly stopping: boolean
}

/** The trading loop: one cycle per market per interval, errors logged and survived, clean stop. */
export function createBot(options: BotOptions): Bot {
  const controller = new AbortController()
  const now = options.now ?? Date.now
  const onStatus = options.onStatus ?? ((line: string) => options.logger.info(line))
  const desk =
    options.desk ??
    createOrderDesk({
      exchange: options.exchange,
      journal: createMemoryJournal(),
      log: options.log,
      mode: options.settings.mode,
      pollMs: options.settings.orderPollMs,
      now,
    })

  async function cycle(market: string): Promise<CycleReport | undefined> {
    try {
      const report = await runCycle(market, {
        exchange: options.exchange,
        desk,
        decider: options.decider,
        limits: options.limits,
        log: options.log,
        logger: options.logger,
        state: options.state,
        settings: options.settings,
        now,
        shutdown: controller.signal,
        indicators: options.indicators,
        decisionId: options.decisionId,
      })
      options.logger.info(
        {
          market,
          decisionId: report.decisionId,
          provider: report.provider,
          proposed: report.proposed.action,
          action: report.decision.action,
          fallback: report.fallback,
          clamps: report.clamps,
          price: report.price,
          orderId: report.execution?.order.uuid,
          outcome: report.execution?.outcome,
          fills: report.execution?.fills.length ?? 0,
          position: report.position,
          equity: report.equity,
          dailyPnl: report.dailyPnl,
        },
        'cycle',
      )
      onStatus(formatStatusLine(report), report)
      return report
    } catch (error) {
      const err = error as Error & { code?: string }
      options.logger.error({ err: { name: err.name, message: err.message, code: err.code } }, `cycle failed for ${market}`)
      onStatus(`${new Date(now()).toISOString().slice(0, 16).replace('T', ' ')} ${market} cycle failed: ${err.message}`)
      await options.log
        .error({ tsMs: now(), level: 'error', message: err.message, name: err.name, code: err.code, source: 'cycle', market })
        .catch(() => {})
      return undefined
    }
  }

  /**
   * Orders whose outcome the bot did not see (their cycle failed after the intent was written): each is found by
   * its identifier, cancelled if still open, and its fills logged, so no order is left open or goes unrecorded.
   * Returns false while some remain unknown (the exchange cannot be asked): no new order is placed meanwhile.
   */
  async function settleUnresolved(): Promise<boolean> {
    if (desk.unresolved().length === 0) return true
    try {
      for (const settled of await desk.settleUnresolved()) {
        rememberFills(options.state, settled.meta.market, settled.fills, now())
        options.logger.warn(
          { identifier: settled.identifier, outcome: settled.outcome, state: settled.order?.state, fills: settled.fills.length },
          'settled an order whose cycle failed',
        )
      }
      return true
    } catch (error) {
      const message = `orders of failed cycles are still unknown (${desk
        .unresolved()
        .map((i) => i.identifier)
        .join(', ')}): ${(error as Error).message}; no new order until they are settled`
      options.logger.error({ err: (error as Error).message }, message)
      await options.log.error({ tsMs: now(), level: 'error', message, source: 'order' }).catch(() => {})
      return false
    }
  }

  return {
    get stopping() {
      return controller.signal.aborted
    },
    stop(reason = 'stop requested') {
      if (!controller.signal.aborted) options.logger.info({ reason }, 'stopping after the current step')
      controller.abort(reason)
    },
    async run() {
      const reports: CycleReport[] = []
      let cycles = 0
      let stoppedBy: RunSummary['stoppedBy'] = 'signal'
      try {
        while (!controller.signal.aborted) {
          if (options.maxCycles > 0 && cycles >= options.maxCycles) {
            stoppedBy = 'max-cycles'
            break
          }
          if (options.beforeCycle && !(await options.beforeCycle(controller.signal))) {
            stoppedBy = controller.signal.aborted ? 'signal' : 'history-end'
            break
          }
          const settled = await settleUnresolved()
          for (const market of options.markets) {
            if (controller.signal.aborted || !settled || desk.unresolved().length > 0) break
            const report = await cycle(market)
            if (report) reports.push(report)
            if (reports.length > 1000) reports.shift()
          }
          cycles += 1
          if (options.maxCycles > 0 && cycles >= options.maxCycles) continue
          // Interval 0 (backtests) yields to the event loop without a timer's minimum delay.
          if (options.intervalMs > 0) await sleep(options.intervalMs, controller.signal)
          else await new Promise((resolve) => setImmediate(resolve))
        }
      } finally {
        await settleUnresolved()
        await desk.journal.close()
        await options.log.close()
      }
      return { cycles, stoppedBy, reports }
    },
  }
}
