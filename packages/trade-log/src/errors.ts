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

/** One problem found by schema validation: where in the entry and what is wrong (never the value itself). */
export interface ValidationIssue {
  /** Dotted path inside the entry, e.g. `fee` or `usage.inputTokens`; empty for the whole entry. */
  path: string
  /** What is wrong, from the schema. */
  message: string
}

/**
 * An entry that does not match its kind's schema. Nothing was written. `cause` is the `ZodError`; the message
 * lists paths and problems but never the rejected values, which may hold secrets.
 */
export class TradeLogValidationError extends TradeLogError {
  override name = 'TradeLogValidationError' as const
  /** The entry kind, e.g. `trades`. */
  readonly kind: string
  /** Paths and problems, without values. */
  readonly issues: ValidationIssue[]

  constructor(kind: string, issues: ValidationIssue[], cause: unknown) {
    const list = issues.map((issue) => `${issue.path || '(entry)'}: ${issue.message}`).join('; ')
    super(`Invalid ${kind} entry, nothing was written: ${list}. Fix the entry to match the ${kind} schema.`, {
      code: 'validation',
      cause,
    })
    this.kind = kind
    this.issues = issues
  }

  override toJSON(): Record<string, unknown> {
    // The ZodError cause is left out: zod may echo input values in its messages.
    return { name: this.name, code: this.code, message: this.message, kind: this.kind, issues: this.issues }
  }
}

/** Another live writer holds the file this writer wanted, and the writer was told to refuse rather than share. */
export class TradeLogLockError extends TradeLogError {
  override name = 'TradeLogLockError' as const
  /** The lock file that is held. */
  readonly lockFile: string
  /** Who holds it, as recorded in the lock file. */
  readonly holder: { pid?: number; hostname?: string; startedAt?: string }

  constructor(lockFile: string, holder: { pid?: number; hostname?: string; startedAt?: string }) {
    super(
      `Lock ${lockFile} is held by pid ${holder.pid ?? '?'} on ${holder.hostname ?? '?'} (since ${holder.startedAt ?? '?'}). ` +
        'Stop that writer, give this one its own `instance`, or use onConflict: "instance".',
      { code: 'lock' },
    )
    this.lockFile = lockFile
    this.holder = holder
  }
}

/** A line that could not be read, thrown only when the reader runs with `strict: true`. */
export class TradeLogStrictReadError extends TradeLogError {
  override name = 'TradeLogStrictReadError' as const
  /** File path of the bad line. */
  readonly file: string
  /** 1-based line number. */
  readonly line: number
  /** Why the line was rejected. */
  readonly reason: string

  constructor(diagnostic: { file: string; line: number; reason: string }) {
    super(
      `Bad line ${diagnostic.file}:${diagnostic.line}: ${diagnostic.reason}. Repair or remove the line, or read without strict to skip it.`,
      { code: 'strict_read' },
    )
    this.file = diagnostic.file
    this.line = diagnostic.line
    this.reason = diagnostic.reason
  }
}

/** A writer or follower used after `close()`, or a file system operation that failed. */
export class TradeLogIoError extends TradeLogError {
  override name = 'TradeLogIoError' as const
  /** The path involved. */
  readonly path: string

  constructor(message: string, options: { path: string; cause?: unknown }) {
    super(message, { code: 'io', cause: options.cause })
    this.path = options.path
  }
}

/** A bad argument: an unknown kind, a malformed cursor, an invalid time zone. */
export class TradeLogUsageError extends TradeLogError {
  override name = 'TradeLogUsageError' as const

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'usage', cause: options.cause })
  }
}

/**
 * The database failed or refused an operation (the PostgreSQL backend). `target` is the server and database, never
 * the password; `sqlState` is PostgreSQL's error code when the server answered.
 */
export class TradeLogDatabaseError extends TradeLogError {
  override name = 'TradeLogDatabaseError' as const
  /** `postgres://user@host:port/database`, without the password. */
  readonly target: string
  /** PostgreSQL's SQLSTATE (e.g. `28P01`), when the server answered. */
  readonly sqlState: string | undefined

  constructor(message: string, options: { target: string; sqlState?: string | undefined; cause?: unknown }) {
    super(message, { code: 'database', cause: options.cause })
    this.target = options.target
    this.sqlState = options.sqlState
  }
}

/** The database holds a trade-log schema newer than this package knows: upgrade the package, nothing was changed. */
export class TradeLogSchemaVersionError extends TradeLogError {
  override name = 'TradeLogSchemaVersionError' as const
  /** The schema version found in the database. */
  readonly found: number
  /** The newest version this package knows. */
  readonly supported: number

  constructor(message: string, options: { found: number; supported: number }) {
    super(message, { code: 'schema_version' })
    this.found = options.found
    this.supported = options.supported
  }
}

const TRADE_LOG_ERROR_NAMES = new Set<string>([
  'TradeLogError',
  'TradeLogDecimalError',
  'TradeLogValidationError',
  'TradeLogLockError',
  'TradeLogStrictReadError',
  'TradeLogIoError',
  'TradeLogUsageError',
  'TradeLogDatabaseError',
  'TradeLogSchemaVersionError',
])

/** True for any error thrown by this package, even across duplicated copies of it (checks `name` too). */
export function isTradeLogError(error: unknown): error is TradeLogError {
  return (
    error instanceof TradeLogError ||
    (error instanceof Error && TRADE_LOG_ERROR_NAMES.has(error.name) && typeof (error as { code?: unknown }).code === 'string')
  )
}
