/**
 * Keeps API keys out of everything the package hands back: results, audit records, hook payloads, recordings and
 * errors. Redaction is by value: wherever a provider echoes the key (a message, an error type, a header such as
 * `request-id`, the model's own answer), the key is replaced, whatever field carried it.
 */

const REDACTED = '[redacted]'

/** Replaces secrets by value in strings, plain data and errors. */
export interface Redactor {
  /** The string with every secret replaced. */
  text(text: string): string
  /** A copy of plain data (objects, arrays, strings) with every secret replaced; errors are scrubbed in place. */
  value<T>(value: T): T
  /** Scrubs an error in place: message, stack and every own property, down its `cause` chain. Returns it. */
  error<T>(error: T): T
}

/** The forms a secret takes in text: verbatim, escaped inside a JSON string, and URL-encoded. Longest first. */
function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>()
  for (const secret of secrets) {
    // Shorter strings would redact ordinary words; no real API key or password of ours is that short.
    if (typeof secret !== 'string' || secret.length < 4) continue
    forms.add(secret)
    forms.add(JSON.stringify(secret).slice(1, -1))
    forms.add(encodeURIComponent(secret))
  }
  return [...forms].sort((a, b) => b.length - a.length)
}

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Creates a redactor for `secrets` (API keys, URL credentials). With no secrets it returns values unchanged. */
export function createRedactor(secrets: readonly string[]): Redactor {
  const forms = secretForms(secrets)
  const text = (input: string): string =>
    forms.reduce((out, form) => (out.includes(form) ? out.split(form).join(REDACTED) : out), input)

  // `path` holds the objects being walked (cycle guard); a value shared by two fields is walked at each.
  const walk = (value: unknown, path: Set<object>): unknown => {
    if (typeof value === 'string') return text(value)
    if (typeof value !== 'object' || value === null || path.has(value)) return value
    if (value instanceof Error) return scrub(value, path)
    if (!Array.isArray(value) && !isPlainObject(value)) return value
    path.add(value)
    try {
      return Array.isArray(value)
        ? value.map((item) => walk(item, path))
        : Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, walk(inner, path)]))
    } finally {
      path.delete(value)
    }
  }

  const scrub = <T>(error: T, path: Set<object>): T => {
    const chain: Error[] = []
    for (
      let current: unknown = error;
      current instanceof Error && chain.length < 8 && !path.has(current);
      current = current.cause
    ) {
      chain.push(current)
    }
    for (const current of chain) path.add(current)
    for (const current of chain) {
      const target = current as unknown as Record<string, unknown>
      for (const key of ['message', 'stack', ...Object.keys(current)]) {
        if (key === 'cause') continue
        const before = target[key]
        const after = walk(before, path)
        if (after === before) continue
        try {
          target[key] = after
        } catch {
          // A read-only property of a foreign error: nothing we can change, and toJSON never copies foreign fields.
        }
      }
    }
    for (const current of chain) path.delete(current)
    return error
  }

  if (forms.length === 0) return { text: (input) => input, value: (input) => input, error: (input) => input }
  return {
    text,
    value: <T>(value: T) => walk(value, new Set()) as T,
    error: <T>(error: T) => scrub(error, new Set()),
  }
}

/** The URL for messages: without user, password or query string, which may carry credentials. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    parsed.username = ''
    parsed.password = ''
    parsed.search = ''
    return parsed.toString()
  } catch {
    return '(invalid URL)'
  }
}

/** Parts of a URL that may be credentials (password, query string), to redact wherever they show up. */
export function urlSecrets(url: string): string[] {
  try {
    const parsed = new URL(url)
    return [parsed.password, parsed.search.slice(1)].filter((part) => part.length > 0)
  } catch {
    return []
  }
}
