/** Every error this package throws extends `UpbitError` and carries a stable `code`. */
export class UpbitError extends Error {
  override name = 'UpbitError'
  /** Stable machine-readable code, e.g. `'decimal'`, `'rate_limit'`, `'auth'`. */
  readonly code: string

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code ?? 'upbit'
  }

  /** A plain object safe to log: never includes keys, tokens or request headers. */
  toJSON(): Record<string, unknown> {
    const cause = this.cause
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(cause instanceof Error
        ? { cause: cause instanceof UpbitError ? cause.toJSON() : { name: cause.name, message: cause.message } }
        : {}),
    }
  }
}

/** A value that is not an exact decimal number (Upbit amounts are decimal strings; floats lose precision). */
export class UpbitDecimalError extends UpbitError {
  override name = 'UpbitDecimalError' as const
  /** The rejected input. */
  readonly value: unknown

  constructor(message: string, options: { value: unknown; cause?: unknown }) {
    super(`Invalid decimal: ${message}.`, { code: 'decimal', cause: options.cause })
    this.value = options.value
  }
}

const UPBIT_ERROR_NAMES = new Set<string>(['UpbitError', 'UpbitDecimalError'])

/** True for any error thrown by this package, even across duplicated copies of it (checks `name` too). */
export function isUpbitError(error: unknown): error is UpbitError {
  return (
    error instanceof UpbitError ||
    (error instanceof Error && UPBIT_ERROR_NAMES.has(error.name) && typeof (error as { code?: unknown }).code === 'string')
  )
}
