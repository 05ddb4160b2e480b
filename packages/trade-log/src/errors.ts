/** Every error this package throws extends `TradeLogError` and carries a stable `code`. */
export class TradeLogError extends Error {
  override name = 'TradeLogError'
  /** Stable machine-readable code, e.g. `'validation'`, `'decimal'`, `'lock'`. */
  readonly code: string

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code ?? 'trade_log'
  }

  /** A plain object safe to log. */
  toJSON(): Record<string, unknown> {
    const cause = this.cause
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(cause instanceof Error
        ? { cause: cause instanceof TradeLogError ? cause.toJSON() : { name: cause.name, message: cause.message } }
        : {}),
    }
  }
}

/** A value that is not an exact decimal number; trade logs never store floats for money. */
export class TradeLogDecimalError extends TradeLogError {
  override name = 'TradeLogDecimalError' as const
  /** The rejected input. */
  readonly value: unknown

  constructor(message: string, options: { value: unknown; cause?: unknown }) {
    super(`Invalid decimal: ${message}.`, { code: 'decimal', cause: options.cause })
    this.value = options.value
  }
}

const TRADE_LOG_ERROR_NAMES = new Set<string>(['TradeLogError', 'TradeLogDecimalError'])

/** True for any error thrown by this package, even across duplicated copies of it (checks `name` too). */
export function isTradeLogError(error: unknown): error is TradeLogError {
  return (
    error instanceof TradeLogError ||
    (error instanceof Error && TRADE_LOG_ERROR_NAMES.has(error.name) && typeof (error as { code?: unknown }).code === 'string')
  )
}
