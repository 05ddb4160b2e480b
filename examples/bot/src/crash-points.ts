/**
 * Test-only crash points. The kill test (`crash-recovery.test.ts`) sets `TRADEKIT_BOT_CRASH_AT=<point>:<n>` in a
 * child bot, which then SIGKILLs itself the n-th time it passes `<point>`: a kill -9 that lands exactly between
 * two steps (e.g. after the order is sent and before its fill is logged) instead of wherever a timer happens to
 * fall. Unset, `crashPoint` does nothing.
 */

/** The places a crash can be asked for, in the order a cycle passes them. */
export const CRASH_POINTS = [
  /** Start-up reconciliation logged an order the previous run had not. */
  'order-recovered',
  /** Today's PnL baseline is on disk. */
  'day-start-written',
  /** The order's intent is on disk; the order is not sent yet. */
  'intent-written',
  /** The exchange accepted the order; nothing about its outcome is logged yet. */
  'order-sent',
  /** One fill of the order is in the trades log (an order can have several). */
  'fill-logged',
  /** The order is marked settled in the journal; the cycle's equity snapshot is not written yet. */
  'order-settled',
  /** The cycle's equity snapshot is on disk. */
  'cycle-logged',
] as const
export type CrashPoint = (typeof CRASH_POINTS)[number]

const ENV = 'TRADEKIT_BOT_CRASH_AT'

function parseTarget(value: string | undefined): { point: CrashPoint; hit: number } | null {
  if (!value) return null
  const [point, hit = '1'] = value.split(':')
  if (!(CRASH_POINTS as readonly string[]).includes(point!) || !/^[1-9]\d*$/.test(hit)) {
    throw new Error(`${ENV}="${value}" must be <point>:<n> with a point among ${CRASH_POINTS.join(', ')}`)
  }
  return { point: point as CrashPoint, hit: Number(hit) }
}

const target = parseTarget(process.env[ENV])
let passes = 0

/** Kills this process with SIGKILL when `TRADEKIT_BOT_CRASH_AT` names this point and this pass. */
export function crashPoint(point: CrashPoint): void {
  if (target?.point !== point) return
  passes += 1
  if (passes === target.hit) process.kill(process.pid, 'SIGKILL')
}
