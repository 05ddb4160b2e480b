/** Every error this package throws extends `ElectronCashError` and carries a stable `code`. */
export class ElectronCashError extends Error {
  override name = 'ElectronCashError'
  /** Stable machine-readable code, e.g. `'ECONNREFUSED'`-like `'connection'`, `'auth'`, `'amount'`. */
  readonly code: string

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code ?? 'electroncash'
  }

  /** A plain object safe to log: name, code, message and the cause chain's names and messages. */
  toJSON(): Record<string, unknown> {
    const cause = this.cause
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(cause instanceof Error
        ? { cause: cause instanceof ElectronCashError ? cause.toJSON() : { name: cause.name, message: cause.message } }
        : {}),
    }
  }
}

/** An amount that cannot be sent to, or read from, the daemon without losing satoshis. */
export class AmountError extends ElectronCashError {
  override name = 'AmountError' as const
  /** The rejected input. */
  readonly value: unknown

  constructor(message: string, options: { value: unknown; cause?: unknown }) {
    super(`Invalid amount: ${message}.`, { code: 'amount', cause: options.cause })
    this.value = options.value
  }
}

/** True for any error thrown by this package, even across duplicated copies of it (checks `name` too). */
export function isElectronCashError(error: unknown): error is ElectronCashError {
  return (
    error instanceof ElectronCashError ||
    (error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && ELECTRONCASH_ERROR_NAMES.has(error.name))
  )
}

const ELECTRONCASH_ERROR_NAMES = new Set<string>(['ElectronCashError', 'AmountError'])
